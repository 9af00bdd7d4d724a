"""A folio being swapped out: 2^order pages on aligned contiguous swap slots.

During ``swap_writepage`` the folio is locked and in the swap cache, so
``folio->swap`` names its first slot and page i uses slot offset + i.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

__all__ = ["MAX_ORDER", "Folio", "folio_order_for_pages"]

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


def folio_order_for_pages(nr: int) -> int:
    """The order of a folio of *nr* pages (a power of two up to 512)."""
    order = nr.bit_length() - 1
    if nr < 1 or 1 << order != nr or order > MAX_ORDER:
        raise ValueError(f"a folio has 1, 2, 4, ... 512 pages, not {nr}")
    return order
