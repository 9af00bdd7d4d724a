"""The zswap trees: one xarray per 16384-slot chunk of a swap device.

``swap_zswap_tree(slot)`` picks ``trees[offset >> SWAP_ADDRESS_SPACE_SHIFT]``;
the index inside that xarray is the full swap offset (mm/zswap.c,
``zswap_swapon`` creates ceil(nr_slots / 16384) of them). Here an xarray is
a dict from offset to entry: the model needs its contents, not its nodes.
"""

from __future__ import annotations

__all__ = ["SWAP_ADDRESS_SPACE_PAGES", "SWAP_ADDRESS_SPACE_SHIFT", "SwapZswapTrees"]

SWAP_ADDRESS_SPACE_SHIFT = 14
SWAP_ADDRESS_SPACE_PAGES = 1 << SWAP_ADDRESS_SPACE_SHIFT


class SwapZswapTrees:
    """The xarrays of one swap type (``zswap_trees[type]``)."""

    __slots__ = ("type", "trees", "log")

    def __init__(self, swap_type: int = 0, log=None) -> None:
        self.type = swap_type
        # One dict per 16384 slots, grown as offsets are used (swapon sizes it)
        self.trees: list[dict] = []
        # The ChangeLog (zswapviz.model.changes) every store and erase is noted in, if any
        self.log = log

    def _stored(self, offset: int, entry) -> None:
        """Note that *entry* now lives at *offset*; it notes its own changes from now on."""
        log = self.log
        if log is not None:
            entry.slot = offset
            entry.log = log
            if log.offsets is not None:
                log.offsets.add(offset)

    def _erased(self, offset: int) -> None:
        log = self.log
        if log is not None and log.offsets is not None:
            log.offsets.add(offset)
            log.erased.add(offset)

    def swap_zswap_tree(self, offset: int) -> dict:
        """The xarray holding *offset*."""
        index = offset >> SWAP_ADDRESS_SPACE_SHIFT
        trees = self.trees
        while len(trees) <= index:
            trees.append({})
        return trees[index]

    def xa_load(self, offset: int):
        """The entry at *offset*, or None."""
        index = offset >> SWAP_ADDRESS_SPACE_SHIFT
        return self.trees[index].get(offset) if index < len(self.trees) else None

    def xa_store(self, offset: int, entry):
        """Store *entry* at *offset*; return the previous occupant or None."""
        tree = self.swap_zswap_tree(offset)
        old = tree.get(offset)
        tree[offset] = entry
        self._stored(offset, entry)
        return old

    def xa_erase(self, offset: int):
        """Remove and return the entry at *offset*, or None."""
        index = offset >> SWAP_ADDRESS_SPACE_SHIFT
        entry = self.trees[index].pop(offset, None) if index < len(self.trees) else None
        if entry is not None:
            self._erased(offset)
        return entry

    def xa_cmpxchg(self, offset: int, old, new):
        """Replace *old* by *new* (None erases) if *old* is there; return what was there."""
        tree = self.swap_zswap_tree(offset)
        cur = tree.get(offset)
        if cur is old:
            if new is None:
                if tree.pop(offset, None) is not None:
                    self._erased(offset)
            else:
                tree[offset] = new
                self._stored(offset, new)
        return cur

    def entries(self):
        """All (offset, entry) pairs, in offset order within each tree."""
        for tree in self.trees:
            yield from sorted(tree.items())

    def __len__(self) -> int:
        return sum(len(t) for t in self.trees)
