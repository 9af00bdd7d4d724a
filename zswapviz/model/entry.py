"""``struct zswap_entry``: one compressed page, indexed by its swap offset.

Fields as in mm/zswap.c (6.13-6.18). The entry holds one reference on its
pool and, when it has an objcg, one on the objcg and a charge of
``length`` bytes; all three are dropped by ``zswap_entry_free``.
"""

from __future__ import annotations

__all__ = ["ZswapEntry"]


def _shown(name: str) -> property:
    """A field whose change alters how the entry's slot looks: setting it notes the slot."""
    slot_name = "_" + name

    def get(self):
        return getattr(self, slot_name)

    def set_(self, value) -> None:
        setattr(self, slot_name, value)
        log = self.log
        if log is not None and log.offsets is not None and self.slot is not None:
            log.offsets.add(self.slot)
    return property(get, set_)


class ZswapEntry:
    """A compressed page; its fields are filled in the kernel's order."""

    __slots__ = (
        "swpentry", "_length", "_referenced", "_pool", "_handle", "objcg",
        "_on_lru", "data", "operation_seq", "page", "charged", "pool_ref", "objcg_ref",
        "slot", "log", "corrupt",
    )

    length = _shown("length")
    referenced = _shown("referenced")
    pool = _shown("pool")
    handle = _shown("handle")
    on_lru = _shown("on_lru")

    def __init__(self, operation_seq: int) -> None:
        # Model bookkeeping: the slot it is in (tree or in-flight table) and
        # the ChangeLog it notes its changes in; set by whoever holds it
        self.slot: int | None = None
        self.log = None
        # (type, offset) of the slot; set after publishing (6.13+, ed882add6ded)
        self.swpentry: tuple[int, int] | None = None
        # Compressed bytes (PAGE_SIZE when stored as is); set by zswap_compress
        self._length = 0
        # Second-chance bit: set at store, cleared once by the shrinker
        self._referenced = False
        # Pool whose zsmalloc holds the data; the entry owns one ref on it
        self._pool = None
        # zsmalloc handle; set by zswap_compress, freed by zswap_entry_free
        self._handle: int | None = None
        # obj_cgroup charged for this entry (None: root cgroup, no charge)
        self.objcg = None
        # On the list_lru: set by zswap_lru_add, cleared by zswap_lru_del
        self._on_lru = False
        # Compressed bytes (None in bulk runs that keep only lengths)
        self.data: bytes | None = None
        # Model bookkeeping, not kernel fields: World.operation_seq of the
        # store that made it, its page index within that folio, and whether
        # its length was charged
        self.operation_seq = operation_seq
        self.page = -1
        self.charged = False
        # Model bookkeeping: whether the entry's own pool / objcg ref was
        # taken yet (zswap_entry_free puts them whether or not)
        self.pool_ref = False
        self.objcg_ref = False
        # Model bookkeeping: the stored object is corrupted (the decompress_fail
        # fault), so zswap_decompress fails on it
        self.corrupt = False

    @property
    def offset(self) -> int:
        """Swap offset of the slot this entry belongs to."""
        return self.swpentry[1]

    def __repr__(self) -> str:
        where = "unpublished" if self.swpentry is None else f"offset {self.swpentry[1]}"
        return f"<zswap_entry {where} length={self.length} handle={self.handle}>"
