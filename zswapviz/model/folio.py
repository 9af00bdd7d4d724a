"""A folio being swapped out: 2^order pages on aligned contiguous swap slots.

During ``swap_writepage`` the folio is locked and in the swap cache, so
``folio->swap`` names its first slot and page i uses slot offset + i.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

__all__ = ["MAX_ORDER", "Folio", "folio_order_for_pages", "make_folios"]

#: Largest folio modelled: order 9, a 2 MiB PMD-sized THP.
MAX_ORDER = 9


@dataclass
class Folio:
    """Pages to swap out together, and where they go.

    *pages* holds the contents (bytes per page) when a trace keeps them;
    bulk runs pass *lengths* (precomputed compressed lengths) and *zero*
    (whether every byte of the folio is zero) instead.
    """

    #: First swap offset (aligned to the folio's page count).
    offset: int
    #: folio_order(): log2 of the page count.
    order: int
    #: Page contents, or None in bulk runs.
    pages: Sequence[bytes] | None = None
    #: Run page number of page 0 (faults are keyed by run page number).
    first_page: int = 0
    #: Compressed length per page for the pool's compressor, or None.
    lengths: Sequence[int] | None = None
    #: Whether the whole folio is zero-filled, or None to look at *pages*.
    zero: bool | None = None

    @property
    def nr_pages(self) -> int:
        """folio_nr_pages()."""
        return 1 << self.order

    def is_zero_filled(self) -> bool:
        """``is_folio_zero_filled``: every byte of every page is zero."""
        if self.zero is None:
            self.zero = all(p.count(0) == len(p) for p in self.pages)
        return self.zero


def make_folios(world, folio_pages: int, *, pages: Sequence[bytes] | None = None,
                lengths: Sequence[int] | None = None, zero: Sequence[bool] | None = None,
                first_page: int = 0) -> list[Folio]:
    """Cut a run's pages into folios of *folio_pages*, each on fresh aligned swap slots of *world*.

    The one folio loop: a recorded run (:meth:`zswapviz.scenario.Scenario.run`)
    gives the page contents (*pages*); the bulk path
    (:func:`zswapviz.simulate.simulate`) and the kernel replay
    (:func:`zswapviz.kernel.recorded.replay_workload`) give their compressed
    lengths (*lengths*) and, per folio, whether it is all zero (*zero*).
    *first_page* is the run page number of the first page (faults are keyed
    by it). Raises ValueError when the pages do not fill whole folios.
    """
    order = folio_order_for_pages(folio_pages)
    total = len(pages) if pages is not None else len(lengths)
    if total % folio_pages:
        raise ValueError(f"{total} pages do not fill whole folios of {folio_pages} pages")
    folios = []
    for f, lo in enumerate(range(0, total, folio_pages)):
        hi = lo + folio_pages
        folios.append(Folio(world.alloc_swap_slots(folio_pages), order,
                            None if pages is None else pages[lo:hi], first_page + lo,
                            None if lengths is None else lengths[lo:hi],
                            None if zero is None else bool(zero[f])))
    return folios


def folio_order_for_pages(nr: int) -> int:
    """The order of a folio of *nr* pages (a power of two up to 512)."""
    order = nr.bit_length() - 1
    if nr < 1 or 1 << order != nr or order > MAX_ORDER:
        raise ValueError(f"a folio has 1, 2, 4, ... 512 pages, not {nr}")
    return order
