"""Kernel versions of ``zswap_store()``, as flags on one algorithm.

Each profile names what differs in its release and cites where that comes
from; :mod:`zswapviz.store` reads the flags. Adding a version or a variant
debated in review means adding a profile here, not another store.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .constants import DEFAULT_KERNEL, DEFAULT_REFS
from .errors import UsageError

#: Negative errno values (include/uapi/asm-generic/errno-base.h).
EINVAL, ENOSPC = -22, -28

__all__ = [
    "COUNTER_SINCE",
    "DEFAULT_KERNEL",
    "DEFAULT_REFS",
    "KERNEL_NAMES",
    "REF_STRATEGIES",
    "KernelProfile",
    "RefStrategy",
    "check_refs",
    "compressor_overflow",
    "get_profile",
    "has_counter",
    "kernel_names",
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
    #: zswap_store refuses every large folio before any check (up to 6.12).
    large_folios: bool = True
    #: The pre-6.13 single-page store: the entry keeps the store's pool and
    #: objcg refs, fields set and charged around one xa_store.
    single_page: bool = False
    #: Pool and objcg refs taken per page right after the entry is
    #: allocated, before compressing (the v9 posting); the failing page
    #: drops its own pair.
    refs_before_compress: bool = False
    #: Pages stored per batch by zswap_store_pages (1: zswap_store_page).
    batch_size: int = 1
    #: A model of code that was posted but never merged.
    unmerged: bool = False
    #: The swap-out entry point's name: swap_writepage, or swap_writeout
    #: once reclaim stopped calling ->writepage (the name the 6.18-era zswap
    #: comments use, e.g. lore 20250730234059.4603-1-sj@kernel.org).
    writeout_fn: str = "swap_writepage"
    #: The mainline release whose code the profile models, as (major,
    #: minor): a counter the release does not have is not shown
    #: (COUNTER_SINCE). A posted series gives the release it was based on.
    release: tuple[int, int] = (6, 18)
    #: LZO and LZO-RLE ignore the one-page output capacity and return the
    #: whole stream, so a page that does not fit reaches zs_malloc, which
    #: refuses it with -ENOSPC (reject_compress_poor). True before
    #: cc47f07234f7 "crypto: lzo - Fix compression buffer overrun" (v6.15;
    #: stable 6.12.31 as 7caad075acb6 and 6.14.9 as 167373d77c70; none in
    #: 6.13.y: the kernel CVE team's record of CVE-2025-38068).
    lzo_unbounded: bool = False
    #: zswap_load and writeback decompress before taking the entry out of
    #: the tree; a failed decompression counts decompress_fail, returns
    #: -EIO and keeps the entry (ff22f9299d7b, v6.15; lore
    #: 20250306205011.784787-1-nphamcs@gmail.com). False: erase first, and a
    #: failure is a BUG (6.12-6.14).
    decompress_before_erase: bool = False
    #: What a user of a stable update of this release would see differently
    #: (fixes backported after the tag, which the profile does not model).
    stable_notes: str = ""


_PROFILES = {
    p.name: p
    for p in (
        KernelProfile(
            name="6.12",
            title="Linux 6.12: large folios refused; one page per store",
            source=(
                "Linux v6.12 mm/zswap.c, read from the '-' side of lore "
                "20241001053222.6944-7-kanchana.p.sridhar@intel.com ([PATCH v10 6/7]); "
                "zero pages left to the swap zeromap by 0ca0c24e3211 (\"mm: store zero pages "
                "to be swapped out in a bitmap\")"
            ),
            charge_in_store_page=True,
            store_incompressible=False,
            allocator="zpool",
            large_folios=False,
            single_page=True,
            release=(6, 12),
            lzo_unbounded=True,
            stable_notes=(
                "6.12.31 and later have cc47f07234f7 (crypto: lzo - Fix compression buffer "
                "overrun; stable commit 7caad075acb6, per the CVE-2025-38068 record): LZO/LZO-RLE "
                "then return -EINVAL for a page that does not fit, counted as "
                "reject_compress_fail like zstd"
            ),
        ),
        KernelProfile(
            name="v9",
            title="[PATCH v9 6/7] as posted (30 Sep 2024): refs per page before compressing",
            source=(
                "lore 20240930221221.6981-7-kanchana.p.sridhar@intel.com ([PATCH v9 6/7] "
                '"mm: zswap: Support large folios in zswap_store()"): obj_cgroup_get and '
                "zswap_pool_get per page after the entry allocation; charge and stored_pages "
                "once per folio after the loop; not merged in this form"
            ),
            charge_in_store_page=False,
            store_incompressible=False,
            allocator="zpool",
            refs_before_compress=True,
            unmerged=True,
            release=(6, 12),
            lzo_unbounded=True,
        ),
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
            release=(6, 13),
            lzo_unbounded=True,
            stable_notes=(
                "6.13.5 and later have 63895d20d63b (the accounting fix, as in the 6.14 "
                "profile; stable commit a3652f5552b2); no 6.13.y release has the LZO fix "
                "cc47f07234f7 (the CVE-2025-38068 record lists none for 6.13)"
            ),
        ),
        KernelProfile(
            name="6.14",
            title="Linux 6.14: per-page charge and stored_pages (the 6.13 fix)",
            source=(
                'Linux kernel commit 63895d20d63b ("mm/zswap: fix inconsistency when '
                'zswap_store_page() fails") (in v6.14; in 6.13.y from 6.13.5)'
            ),
            charge_in_store_page=True,
            store_incompressible=False,
            allocator="zpool",
            release=(6, 14),
            lzo_unbounded=True,
            stable_notes=(
                "6.14.9 and later have cc47f07234f7 (crypto: lzo - Fix compression buffer "
                "overrun; stable commit 167373d77c70, per the CVE-2025-38068 record): LZO/LZO-RLE "
                "then return -EINVAL for a page that does not fit, counted as "
                "reject_compress_fail like zstd"
            ),
        ),
        KernelProfile(
            name="6.18",
            title="Linux 6.18: zsmalloc called directly; incompressible pages stored as is",
            source=(
                'lore 20250829162212.208258-1-hannes@cmpxchg.org ("mm: zswap: interact '
                'directly with zsmalloc"); lore 20250730234059.4603-1-sj@kernel.org '
                '("mm/zswap: store <PAGE_SIZE compression failed page as-is"); both '
                "seen on this project's 6.18.44 kernel (data/kernel/); load and writeback "
                "decompress before erasing since ff22f9299d7b "
                '("page_io: zswap: do not crash the kernel on decompression failure", v6.15; '
                "lore 20250306205011.784787-1-nphamcs@gmail.com)"
            ),
            charge_in_store_page=True,
            store_incompressible=True,
            allocator="zsmalloc",
            writeout_fn="swap_writeout",
            release=(6, 18),
            decompress_before_erase=True,
        ),
        KernelProfile(
            name="batch8",
            title="Compress batching (unmerged v13/v14 series): batches of 8 pages",
            source=(
                'lore 20251104091235.8793-1-kanchana.p.sridhar@intel.com ("zswap compression '
                'batching with optimized iaa_crypto driver", v13) and '
                "20260125033537.334628-26-kanchana.p.sridhar@intel.com (v14, zswap_store_pages): "
                "bulk entry allocation, a batch of up to ZSWAP_MAX_BATCH_SIZE = 8 compressed "
                "together, then each entry published and referenced as in 6.18; NOT MERGED"
            ),
            charge_in_store_page=True,
            store_incompressible=True,
            allocator="zsmalloc",
            batch_size=8,
            unmerged=True,
            writeout_fn="swap_writeout",
            release=(6, 18),
            decompress_before_erase=True,
        ),
    )
}

#: The built-in profiles' names, oldest first.
KERNEL_NAMES = tuple(_PROFILES)


def kernel_names() -> tuple[str, ...]:
    """The names :func:`get_profile` accepts: :data:`KERNEL_NAMES` and any profile registered since."""
    return tuple(_PROFILES)


#: Counters that did not always exist -> the first release that has them.
#: swpout_zero: "mm: count zeromap read and set for swapout and swapin"
#: (lore 20241107011246.59137-1-21cnbao@gmail.com), in the last week before
#: v6.12 (listed in Linus's "Linux 6.12" mail,
#: CAHk-=wgtGkHshfvaAe_O2ntnFBH3EprNk1juieLmjcF2HBwBgQ@mail.gmail.com);
#: decompress_fail: ff22f9299d7b (v6.15; lore 20250306205011.784787-1-nphamcs@gmail.com);
#: stored_incompressible_pages: lore 20250730234059.4603-1-sj@kernel.org (v6.18).
COUNTER_SINCE = {
    "swpout_zero": (6, 12),
    "decompress_fail": (6, 15),
    "stored_incompressible_pages": (6, 18),
}


def has_counter(profile: str | KernelProfile, name: str) -> bool:
    """Whether the release of *profile* has the counter *name*."""
    since = COUNTER_SINCE.get(name)
    return since is None or get_profile(profile).release >= since


def compressor_overflow(profile: str | KernelProfile, compressor: str) -> int | None:
    """What *compressor* returns on *profile* when a page does not fit one page.

    zswap_compress gives the compressor an output capacity of one page.
    Returns the negative errno the crypto wrapper returns, or None when the
    compressor ignores the capacity and returns the whole, longer stream
    (LZO/LZO-RLE before cc47f07234f7). deflate is an acomp algorithm that
    reports a full output buffer as -ENOSPC since 08cabc7d3c86 ("crypto:
    deflate - Convert to acomp", after 6.15's merge window); zstd, lz4,
    the old scomp deflate and bounded LZO return -EINVAL
    (docs/kernel-facts.md section 4).
    """
    profile = get_profile(profile)
    if compressor in ("lzo", "lzo-rle") and profile.lzo_unbounded:
        return None
    if compressor == "deflate" and profile.release >= (6, 16):
        return ENOSPC
    return EINVAL


def get_profile(name: str | KernelProfile) -> KernelProfile:
    """Return the profile called *name* (a profile passes through)."""
    if isinstance(name, KernelProfile):
        return name
    try:
        return _PROFILES[str(name)]
    except KeyError:
        raise UsageError(
            f"unknown kernel {name!r}; accepted: {', '.join(kernel_names())}"
        ) from None


class RefStrategy(StrEnum):
    """How a store takes its per-entry pool and objcg references.

    The merged code and the alternatives argued over in the v9 review
    thread; a member compares equal to its string (``"per-page"``).
    """

    #: One pool ref and one objcg ref per page, after xa_store (as merged).
    PER_PAGE = "per-page"
    #: Publish every page without refs, then get n refs once at the end.
    BATCH_AFTER = "batch-after"
    #: Get n refs up front; a failure at page k drops the n - k never published.
    BATCH_BEFORE = "batch-before"
    #: batch-before whose failure drops all n refs (deliberately wrong).
    BATCH_BEFORE_DROP_ALL = "batch-before-drop-all"
    #: batch-before whose failure drops none (deliberately wrong).
    BATCH_BEFORE_DROP_NONE = "batch-before-drop-none"

    @property
    def refs_up_front(self) -> bool:
        """Whether all n refs are taken before the first page is stored."""
        return self in (RefStrategy.BATCH_BEFORE, RefStrategy.BATCH_BEFORE_DROP_ALL,
                        RefStrategy.BATCH_BEFORE_DROP_NONE)

    @property
    def refs_after_loop(self) -> bool:
        """Whether the n refs are taken once every page is published."""
        return self is RefStrategy.BATCH_AFTER

    @property
    def refs_per_page(self) -> bool:
        """Whether each published entry takes its own pair of refs."""
        return self is RefStrategy.PER_PAGE

    def refs_to_drop(self, nr: int, published: int) -> int:
        """How many up-front refs a store that published *published* of *nr* pages drops."""
        if self is RefStrategy.BATCH_BEFORE_DROP_ALL:
            return nr
        if self is RefStrategy.BATCH_BEFORE_DROP_NONE:
            return 0
        return nr - published


#: Each reference strategy -> what it does and where it comes from.
REF_STRATEGIES = {
    RefStrategy.PER_PAGE: (
        "one pool ref and one objcg ref per page, after xa_store and before the LRU add "
        "(as merged: ed882add6ded, in v6.13)"
    ),
    RefStrategy.BATCH_AFTER: (
        "publish every page without refs, then percpu_ref_get_many(n) once at the end "
        "(Nhat Pham's suggestion, lore CAKEwX=PBaioXK2iBjzjUHVeCReqCCNG3+qyhLcb6SDixbYbaLw@mail.gmail.com)"
    ),
    RefStrategy.BATCH_BEFORE: (
        "take all n refs up front; on failure at page k drop exactly the n-k refs of pages "
        "never published (lore CAJD7tkadrmzUHMXRbeScq+ekY1AJhjrSZ_mZtt4H7x1Z=Ad=UQ@mail.gmail.com)"
    ),
    RefStrategy.BATCH_BEFORE_DROP_ALL: "batch-before, but a failure drops all n refs: over-release by k (deliberately wrong)",
    RefStrategy.BATCH_BEFORE_DROP_NONE: "batch-before, but a failure drops none: leak of n-k refs (deliberately wrong)",
}


def check_refs(name: str, kernel: str | KernelProfile | None = None) -> RefStrategy:
    """Return *name* if it is a reference strategy (for *kernel*), else raise UsageError.

    The strategies are options of the folio loop of 6.13 and later; 6.12
    stores one page at a time and v9 has its own order, so both take only
    ``per-page``.
    """
    if name not in REF_STRATEGIES:
        raise UsageError(f"unknown reference strategy {name!r}; accepted: {', '.join(REF_STRATEGIES)}")
    name = RefStrategy(name)
    if kernel is not None and name != DEFAULT_REFS:
        profile = get_profile(kernel)
        if profile.single_page or profile.refs_before_compress:
            allowed = ", ".join(n for n, p in _PROFILES.items() if not (p.single_page or p.refs_before_compress))
            raise UsageError(
                f"--refs {name} needs a kernel with the folio loop ({allowed}); "
                f"kernel {profile.name} takes its refs its own way: use per-page"
            )
    return name
