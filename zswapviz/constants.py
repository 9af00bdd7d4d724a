"""Numbers and defaults written once: page size, errno values, default settings.

The lowest layer of the package (standard library only): the model, the
store, the trace and every renderer read these instead of their own copies.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_ACCEPT_THRESHOLD_PERCENT",
    "DEFAULT_COMPRESSOR",
    "DEFAULT_KERNEL",
    "DEFAULT_MAX_POOL_PERCENT",
    "DEFAULT_REFS",
    "DEFAULT_TOTAL_RAM_PAGES",
    "EAGAIN",
    "EEXIST",
    "EINVAL",
    "EIO",
    "ENOENT",
    "ENOMEM",
    "ENOSPC",
    "ERRNO_NAMES",
    "PAGE_SHIFT",
    "PAGE_SIZE",
    "errno_name",
]

#: Bytes in a page (x86-64, arm64 with 4K pages): the unit of every slot.
PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT

#: Negative errno values as kernel functions return them (include/uapi/asm-generic/errno-base.h).
ENOENT = -2
EIO = -5
EAGAIN = -11
ENOMEM = -12
EEXIST = -17
EINVAL = -22
ENOSPC = -28

#: Each negative errno the model returns, by value -> its name with the minus sign.
ERRNO_NAMES = {
    ENOENT: "-ENOENT", EIO: "-EIO", EAGAIN: "-EAGAIN", ENOMEM: "-ENOMEM",
    EEXIST: "-EEXIST", EINVAL: "-EINVAL", ENOSPC: "-ENOSPC",
}


def errno_name(value: int) -> str:
    """The kernel's name for a negative errno (``-12`` -> ``"-ENOMEM"``); other numbers as digits."""
    return ERRNO_NAMES.get(value, str(value))


#: The kernel release a run models unless told otherwise (zswapviz.profiles).
DEFAULT_KERNEL = "6.18"
#: How stores take per-entry refs unless told otherwise (zswapviz.profiles.RefStrategy).
DEFAULT_REFS = "per-page"
#: The compressor a scenario uses unless it names another.
DEFAULT_COMPRESSOR = "zstd"
#: /sys/module/zswap/parameters/max_pool_percent default (mm/zswap.c).
DEFAULT_MAX_POOL_PERCENT = 20
#: /sys/module/zswap/parameters/accept_threshold_percent default (mm/zswap.c).
DEFAULT_ACCEPT_THRESHOLD_PERCENT = 90
#: totalram_pages() of the machine the defaults were taken on (about 23.5 GiB).
DEFAULT_TOTAL_RAM_PAGES = 6171023
