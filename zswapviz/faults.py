"""Failure injection: which page of a run fails, and how.

A fault is data (page number -> kind), so tests and Hypothesis can draw it.
Page numbers count pages of the whole run in file order (``--fail 37:...``
fails the 38th page swapped out).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .errors import UsageError

__all__ = ["ALL_FAULT_KINDS", "FAULT_KINDS", "LATER_FAULTS", "LATER_FAULT_KINDS", "Faults", "parse_fault"]

#: Each kind and the kernel step it makes fail.
FAULT_KINDS = {
    "kmemcache": "zswap_entry_cache_alloc returns NULL (reject_kmemcache_fail)",
    "compress_fail": "the compressor returns an error (reject_compress_fail)",
    "compress_poor": "the compressor reports that the output does not fit: -ENOSPC (reject_compress_poor)",
    "alloc_fail": "zs_malloc / zpool_malloc fails without -ENOSPC (reject_alloc_fail)",
    "xa_store_enomem": "xa_store cannot allocate a node: -ENOMEM (reject_alloc_fail)",
}

#: Faults that do not fail the store: the page is stored, and a later load or
#: writeback meets the fault. Accepted with FAULT_KINDS wherever faults are given.
LATER_FAULT_KINDS = {
    "decompress_fail": ("the page is stored, but its object is corrupted: the load (or writeback) that "
                        "decompresses it fails (decompress_fail, -EIO, entry kept; 6.15+ only, "
                        "a BUG before: lore 20250306205011.784787-1-nphamcs@gmail.com)"),
}
LATER_FAULTS = tuple(LATER_FAULT_KINDS)
#: Every fault kind accepted: the store's and the later ones.
ALL_FAULT_KINDS = {**FAULT_KINDS, **LATER_FAULT_KINDS}


class Faults:
    """A mapping of run page numbers to fault kinds, validated on creation."""

    __slots__ = ("by_page",)

    def __init__(self, by_page: Mapping[int, str] | None = None) -> None:
        by_page = dict(by_page or {})
        for page, kind in by_page.items():
            if not isinstance(kind, str) or kind not in ALL_FAULT_KINDS:
                raise UsageError(
                    f"unknown fault kind {str(kind)[:40]!r}; accepted: {', '.join(ALL_FAULT_KINDS)}"
                )
            if not isinstance(page, int) or isinstance(page, bool) or page < 0:
                raise UsageError(f"fault page must be a page number of 0 or more, not {page!r}")
        self.by_page = by_page

    @classmethod
    def parse(cls, specs: Iterable[str]) -> "Faults":
        """Build from ``PAGE:KIND`` strings (the ``--fail`` option); one page given two kinds is refused."""
        by_page: dict[int, str] = {}
        for spec in specs:
            page, kind = parse_fault(spec)
            if page in by_page and by_page[page] != kind:
                raise UsageError(f"page {page} is given two faults, {by_page[page]} and {kind}; give one")
            by_page[page] = kind
        return cls(by_page)

    def check_range(self, nr_pages: int) -> None:
        """Raise UsageError if a fault names a page past the run's last page."""
        for page in self.by_page:
            if page >= nr_pages:
                raise UsageError(
                    f"fault page {page} is out of range; the run has pages 0 to {nr_pages - 1}"
                )

    def get(self, page: int) -> str | None:
        """The fault kind at run page *page*, or None."""
        return self.by_page.get(page)

    def __bool__(self) -> bool:
        return bool(self.by_page)

    def __repr__(self) -> str:
        return f"Faults({self.by_page!r})"


def parse_fault(spec: str) -> tuple[int, str]:
    """Parse ``PAGE:KIND`` into ``(page, kind)``.

    >>> parse_fault("37:alloc_fail")
    (37, 'alloc_fail')
    """
    page, sep, kind = str(spec).partition(":")
    page = page.strip()
    if not sep or not (page.isascii() and page.isdigit()):
        shown = spec if len(str(spec)) <= 60 else str(spec)[:60] + "..."
        raise UsageError(
            f"bad fault {shown!r}; write PAGE:KIND, e.g. 5:compress_fail, with KIND one of "
            f"{', '.join(ALL_FAULT_KINDS)}"
        )
    if len(page.lstrip("0")) > 6:
        raise UsageError(f"fault page {page[:20]}{'...' if len(page) > 20 else ''} is out of range; "
                         f"a run has at most 16384 pages")
    if kind not in ALL_FAULT_KINDS:
        raise UsageError(f"unknown fault kind {kind[:40]!r}; accepted: {', '.join(ALL_FAULT_KINDS)}")
    return int(page), kind
