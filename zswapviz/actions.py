"""The step contract: what an operation generator yields and returns, and the one driver.

Every operation of :mod:`zswapviz.store` is an :class:`Operation`: a named
generator that changes a :class:`~zswapviz.model.world.World` exactly as
the kernel function would and yields one :class:`Action` after every kernel
action. :func:`drive` runs one to its end; the recorder
(:func:`zswapviz.trace.record`), the bulk path (:func:`zswapviz.simulate`),
the interleaver and the tests all run operations through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Callable, Generator, Iterable, NamedTuple

from .constants import EIO

__all__ = [
    "PHASES",
    "Action",
    "LoadResult",
    "Operation",
    "Phase",
    "ShrinkResult",
    "SwapOutcome",
    "drive",
    "operation",
]


class Phase(StrEnum):
    """Which part of an operation a step belongs to (compares equal to its string)."""

    #: Checks before storing: enabled, limits, refs for the whole store.
    CHECK = "check"
    #: Allocating, compressing, placing in zsmalloc.
    STORE = "store"
    #: Making an entry visible in the xarray.
    PUBLISH = "publish"
    #: Refs, charges and counters.
    ACCOUNT = "account"
    #: Undoing what a failed store did.
    ROLLBACK = "rollback"
    #: The shrinker writing entries back, or another actor between two steps.
    WRITEBACK = "writeback"
    #: The operation's outcome.
    DONE = "done"


#: The phases in the order an operation goes through them.
PHASES = tuple(Phase)


class Action(NamedTuple):
    """One kernel action, as an operation generator yields it."""

    #: The kernel function or counter update, by its kernel name.
    fn: str
    #: The swap offset concerned, or None for folio-wide or global steps.
    offset: int | None
    #: Which part of the operation (a Phase).
    phase: Phase
    #: A length, a count or a negative errno, depending on *fn*.
    arg: int | None
    #: Who acted, when not the operation itself: an interleaved actor's
    #: name (zswapviz.interleave.ACTORS); None for the operation's own steps.
    actor: str | None = None


class SwapOutcome(StrEnum):
    """Where ``swap_writepage`` sent a folio (compares equal to its string)."""

    #: Every byte zero: marked in the swap zeromap, nothing written.
    ZEROMAP = "zeromap"
    #: Stored in zswap.
    ZSWAP = "zswap"
    #: Refused by zswap and written to the swap device.
    DISK = "disk"
    #: Refused, memcg writeback off: kept in memory (AOP_WRITEPAGE_ACTIVATE).
    ACTIVATE = "activate"


class ShrinkResult(StrEnum):
    """What one shrinker visit to an LRU entry did (``shrink_memcg_cb``)."""

    #: The entry was referenced: the bit is cleared and it moves to the tail.
    ROTATED = "rotated"
    #: The entry was written back and freed.
    REMOVED = "removed"
    #: Writeback failed (``reject_reclaim_fail``), or the cgroup forbids it.
    SKIPPED = "skipped"
    #: The LRU list was empty.
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What ``zswap_load`` did: the kernel's bool, the folio's uptodate flag and the page."""

    #: zswap_load's return value: zswap dealt with the folio (the swap device is not read).
    handled: bool
    #: folio_mark_uptodate was called: the page content is valid.
    uptodate: bool
    #: The decompressed page (None when missed, on error, or when a bulk run kept no bytes).
    data: bytes | None = None

    @property
    def error(self) -> int:
        """0, or the errno the fault gets: -EIO when handled but not uptodate (a large folio)."""
        return EIO if self.handled and not self.uptodate else 0


class Operation:
    """A named operation generator: iterate it for its Actions; its return value is the result."""

    __slots__ = ("name", "steps")

    def __init__(self, name: str, steps: Generator) -> None:
        #: The kernel entry point it models ("swap_writepage", "zswap_load", ...).
        self.name = name
        #: The generator itself.
        self.steps = steps

    def __iter__(self):
        return self.steps

    def __next__(self) -> Action:
        return next(self.steps)

    def __repr__(self) -> str:
        return f"<operation {self.name}>"

    @classmethod
    def of(cls, op: "Operation | Generator") -> "Operation":
        """*op* itself, or a user's own generator of Actions as an Operation named after its function."""
        if isinstance(op, Operation):
            return op
        return cls(getattr(op, "__name__", "operation"), op)


def operation(fn: Callable[..., Generator]) -> Callable[..., Operation]:
    """Make the generator function *fn* an operation entry point named after the kernel function."""
    name = fn.__name__

    @wraps(fn)
    def start(*args, **kwargs) -> Operation:
        return Operation(name, fn(*args, **kwargs))
    return start


def drive(op: Operation | Iterable[Action], on_step: Callable[[Action], None] | None = None,
          between: Callable[[Action], Iterable[Action] | None] | None = None):
    """Run the operation *op* to its end and return its result.

    *on_step*, if given, is called with every Action, the operation's own
    and those of *between*. *between*, if given, is called after each of the
    operation's own Actions and may return more Actions (another actor's,
    run right there, before the operation goes on).
    """
    it = iter(op)
    try:
        if on_step is None and between is None:
            while True:
                next(it)
        while True:
            action = next(it)
            if on_step is not None:
                on_step(action)
            if between is not None:
                extra = between(action)
                if extra is not None:
                    for other in extra:
                        if on_step is not None:
                            on_step(other)
    except StopIteration as stop:
        return stop.value
