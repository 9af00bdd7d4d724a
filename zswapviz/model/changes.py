"""Which swap offsets changed: recorded by the state that changes, read by the snapshots.

The trees, the in-flight table, the swap-layer sets and each entry note the
offsets they change in one shared :class:`ChangeLog`; the algorithm in
:mod:`zswapviz.store` never does. The log is off (records nothing, costs one
test) until :meth:`ChangeLog.start`; :mod:`zswapviz.snapshot` starts it and
takes what changed after every step.
"""

from __future__ import annotations

__all__ = ["ChangeLog", "InflightTable", "TrackedSet"]


class ChangeLog:
    """The offsets changed, and the offsets whose entry was erased, since the last take."""

    __slots__ = ("offsets", "erased")

    def __init__(self) -> None:
        # Offsets whose cell may look different now; None while not recording
        self.offsets: set[int] | None = None
        # Offsets whose tree entry was removed (xa_erase, xa_cmpxchg to NULL)
        self.erased: set[int] | None = None

    def start(self) -> None:
        """Start recording (from now on every change is noted)."""
        self.offsets = set()
        self.erased = set()

    def changed(self, offset: int) -> None:
        """Note that *offset* changed."""
        if self.offsets is not None:
            self.offsets.add(offset)

    def take(self) -> tuple[set[int], set[int]]:
        """Return (changed, erased) since the last take and start afresh."""
        out = (self.offsets or set(), self.erased or set())
        self.offsets, self.erased = set(), set()
        return out


class TrackedSet(set):
    """A set of swap offsets that notes in a ChangeLog every offset added or removed.

    Change it through add, update, discard, remove, difference_update or clear.
    """

    __slots__ = ("log",)

    def __init__(self, log: ChangeLog) -> None:
        super().__init__()
        self.log = log

    def add(self, offset: int) -> None:
        super().add(offset)
        self.log.changed(offset)

    def discard(self, offset: int) -> None:
        super().discard(offset)
        self.log.changed(offset)

    def remove(self, offset: int) -> None:
        super().remove(offset)
        self.log.changed(offset)

    def update(self, offsets) -> None:
        offsets = tuple(offsets)
        super().update(offsets)
        if self.log.offsets is not None:
            self.log.offsets.update(offsets)

    def difference_update(self, offsets) -> None:
        offsets = tuple(offsets)
        super().difference_update(offsets)
        if self.log.offsets is not None:
            self.log.offsets.update(offsets)

    def clear(self) -> None:
        if self.log.offsets is not None:
            self.log.offsets.update(self)
        super().clear()


class InflightTable(dict):
    """Entries allocated but not yet in the tree, by the offset they are for.

    In the kernel these are local variables of ``zswap_store_page``; the
    table holds them so their state can be shown and freed. An entry put
    here notes its own later changes in the log.
    """

    __slots__ = ("log",)

    def __init__(self, log: ChangeLog) -> None:
        super().__init__()
        self.log = log

    def __setitem__(self, offset: int, entry) -> None:
        super().__setitem__(offset, entry)
        entry.slot = offset
        entry.log = self.log
        self.log.changed(offset)

    def __delitem__(self, offset: int) -> None:
        super().__delitem__(offset)
        self.log.changed(offset)

    def pop(self, offset: int, *default):
        self.log.changed(offset)
        return super().pop(offset, *default)

    def clear(self) -> None:
        if self.log.offsets is not None:
            self.log.offsets.update(self)
        super().clear()
