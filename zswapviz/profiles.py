"""Kernel versions of ``zswap_store()``, as flags on one algorithm.

Each profile names what differs in its release and cites where that comes
from; :mod:`zswapviz.store` reads the flags. Adding a version or a variant
debated in review means adding a profile here, not another store.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UsageError

__all__ = [
    "DEFAULT_KERNEL",
    "DEFAULT_REFS",
    "KERNEL_NAMES",
    "REF_STRATEGIES",
    "KernelProfile",
    "check_refs",
    "get_profile",
]


@dataclass(frozen=True)
class KernelProfile:
    """What one kernel release does differently in the swap-out path."""

    #: Short name used on the command line (``--kernel``).
    name: str
    #: One line: release and what it is.
    title: str
    #: Where the behaviour comes from (commit and release, or lore message).
    source: str
    #: Charge ``length`` and ``stored_pages++`` in ``zswap_store_page`` right
    #: after the refs (True), or once per folio after the loop (False: 6.13).
    charge_in_store_page: bool
    #: Pages whose compressed length is >= PAGE_SIZE (or that fail to
    #: compress) are stored as they are when memcg writeback is enabled.
    store_incompressible: bool
    #: The allocator API called by zswap_compress: "zpool" or "zsmalloc".
    allocator: str


_PROFILES = {
    p.name: p
    for p in (
        KernelProfile(
            name="6.13",
            title="Linux 6.13 as released: large folios stored page by page",
            source=(
                'Linux kernel commit b7c0ccdfbafd ("mm: zswap: support large folios in '
                'zswap_store()") (in v6.13), with ed882add6ded ("mm: zswap: '
                'zswap_store_page() will initialize entry after adding to xarray.") '
                "(in v6.13); shipped bug: charge and stored_pages only after the "
                "loop, so a failure uncharges what was never charged"
            ),
            charge_in_store_page=False,
            store_incompressible=False,
            allocator="zpool",
        ),
        KernelProfile(
            name="6.14",
            title="Linux 6.14: per-page charge and stored_pages (the 6.13 fix)",
            source=(
                'Linux kernel commit 63895d20d63b ("mm/zswap: fix inconsistency when '
                'zswap_store_page() fails") (in v6.14, backported to 6.13.y)'
            ),
            charge_in_store_page=True,
            store_incompressible=False,
            allocator="zpool",
        ),
        KernelProfile(
            name="6.18",
            title="Linux 6.18: zsmalloc called directly; incompressible pages stored as is",
            source=(
                'lore 20250829162212.208258-1-hannes@cmpxchg.org ("mm: zswap: interact '
                'directly with zsmalloc"); lore 20250730234059.4603-1-sj@kernel.org '
                '("mm/zswap: store <PAGE_SIZE compression failed page as-is"); both '
                "seen on this project's 6.18.44 kernel (shared/docs/kernel-lab.md)"
            ),
            charge_in_store_page=True,
            store_incompressible=True,
            allocator="zsmalloc",
        ),
    )
}

#: Names accepted by :func:`get_profile`, oldest first.
KERNEL_NAMES = tuple(_PROFILES)
DEFAULT_KERNEL = "6.18"


def get_profile(name: str | KernelProfile) -> KernelProfile:
    """Return the profile called *name* (a profile passes through)."""
    if isinstance(name, KernelProfile):
        return name
    try:
        return _PROFILES[str(name)]
    except KeyError:
        raise UsageError(
            f"unknown kernel {name!r}; accepted: {', '.join(KERNEL_NAMES)}"
        ) from None


#: How a store takes its per-entry pool and objcg references: the merged
#: code and the alternatives argued over in the v9 review thread.
REF_STRATEGIES = {
    "per-page": (
        "one pool ref and one objcg ref per page, after xa_store and before the LRU add "
        "(as merged: ed882add6ded, in v6.13)"
    ),
    "batch-after": (
        "publish every page without refs, then percpu_ref_get_many(n) once at the end "
        "(Nhat Pham's suggestion, lore CAKEwX=PBaioXK2iBjzjUHVeCReqCCNG3+qyhLcb6SDixbYbaLw@mail.gmail.com)"
    ),
    "batch-before": (
        "take all n refs up front; on failure at page k drop exactly the n-k refs of pages "
        "never published (lore CAJD7tkadrmzUHMXRbeScq+ekY1AJhjrSZ_mZtt4H7x1Z=Ad=UQ@mail.gmail.com)"
    ),
    "batch-before-drop-all": "batch-before, but a failure drops all n refs: over-release by k (deliberately wrong)",
    "batch-before-drop-none": "batch-before, but a failure drops none: leak of n-k refs (deliberately wrong)",
}
DEFAULT_REFS = "per-page"


def check_refs(name: str) -> str:
    """Return *name* if it is a reference strategy, else raise UsageError."""
    if name not in REF_STRATEGIES:
        raise UsageError(f"unknown reference strategy {name!r}; accepted: {', '.join(REF_STRATEGIES)}")
    return name
