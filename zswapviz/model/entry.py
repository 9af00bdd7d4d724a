"""``struct zswap_entry``: one compressed page, indexed by its swap offset.

Fields as in mm/zswap.c (6.13-6.18). The entry holds one reference on its
pool and, when it has an objcg, one on the objcg and a charge of
``length`` bytes; all three are dropped by ``zswap_entry_free``.
"""

from __future__ import annotations

__all__ = ["ZswapEntry"]


class ZswapEntry:
    """A compressed page; its fields are filled in the kernel's order."""

    __slots__ = (
        "swpentry", "length", "referenced", "pool", "handle", "objcg",
        "on_lru", "data", "op", "page", "charged", "pool_ref", "objcg_ref",
    )

    def __init__(self, op: int) -> None:
        # (type, offset) of the slot; set after publishing (6.13+, ed882add6ded)
        self.swpentry: tuple[int, int] | None = None
        # Compressed bytes (PAGE_SIZE when stored as is); set by zswap_compress
        self.length = 0
        # Second-chance bit: set at store, cleared once by the shrinker
        self.referenced = False
        # Pool whose zsmalloc holds the data; the entry owns one ref on it
        self.pool = None
        # zsmalloc handle; set by zswap_compress, freed by zswap_entry_free
        self.handle: int | None = None
        # obj_cgroup charged for this entry (None: root cgroup, no charge)
        self.objcg = None
        # On the list_lru: set by zswap_lru_add, cleared by zswap_lru_del
        self.on_lru = False
        # Compressed bytes (None in bulk runs that keep only lengths)
        self.data: bytes | None = None
        # Model bookkeeping, not kernel fields: the operation that made it,
        # its page index within that folio, and whether its length was charged
        self.op = op
        self.page = -1
        self.charged = False
        # Model bookkeeping: whether the entry's own pool / objcg ref was
        # taken yet (zswap_entry_free puts them whether or not)
        self.pool_ref = False
        self.objcg_ref = False

    @property
    def offset(self) -> int:
        """Swap offset of the slot this entry belongs to."""
        return self.swpentry[1]

    def __repr__(self) -> str:
        where = "unpublished" if self.swpentry is None else f"offset {self.swpentry[1]}"
        return f"<zswap_entry {where} length={self.length} handle={self.handle}>"
