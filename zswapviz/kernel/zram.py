"""The kernel's compressed length of single pages, read through zram.

zswap does not say how long each compressed page was, only the pool's size.
zram, built into this kernel with the same ``lib/lzo`` code, does: writing one
page to its own sector with ``O_DIRECT`` raises ``compr_data_size`` in
``/sys/block/zram0/mm_stat`` by that page's compressed length.

Two caveats, both about what zram reports, not what zswap would store:

* **huge pages**: zram keeps a page whose compressed length is at least its
  ``huge_class_size`` (3625 bytes with 4 KiB pages and
  ``CONFIG_ZSMALLOC_CHAIN_SIZE=8``) uncompressed and counts it as 4096. So a
  reported 4096 means "3625 or more": zswap stores such a page compressed in
  the 4096-byte class when it is 3625 to 4095 bytes long (one pool page
  either way), and raw, counted in ``stored_incompressible_pages``, only when
  it is 4096 or longer. :func:`zram_compressed_lengths` returns what zram
  reports; ``details=True`` also says which pages were huge.
* **same-filled pages**: a page that is one 8-byte word repeated (an all-zero
  page, for one) is not compressed at all; zram counts it in ``same_pages``
  and reports length 0. zswap never sees all-zero folios (zeromap) but does
  compress such pages inside a large folio that is not all zero (an all-zero
  page compresses to 44 bytes with ``lzo``).

zram0 must be unused (``disksize`` 0); it is set up with the algorithm, used,
reset and given back its previous ``comp_algorithm``, under the same machine
lock and undo journal as :class:`~zswapviz.kernel.lab.KernelLab`.
"""

from __future__ import annotations

import mmap
import os

from ..constants import PAGE_SIZE
from ..errors import UsageError
from .lab import journal, settings, signals

__all__ = [
    "HUGE_CLASS_SIZE",
    "ZRAM_DEVICE",
    "zram_compressed_lengths",
    "zram_problem",
]


#: zram's device used as the oracle.
ZRAM_DEVICE = "zram0"

#: Compressed lengths from this size up are reported by zram as 4096.
HUGE_CLASS_SIZE = 3625


def _mm_stat(dev: str) -> list[int]:
    # orig_data_size compr_data_size mem_used_total mem_limit mem_used_max
    # same_pages pages_compacted huge_pages huge_pages_since
    return [int(v) for v in settings._read(f"/sys/block/{dev}/mm_stat").split()]


def zram_problem(algorithm: str = "lzo") -> str | None:
    """Say in one sentence why the zram oracle cannot run here, or ``None``."""
    sysfs = f"/sys/block/{ZRAM_DEVICE}"
    if not settings.is_root():
        return "the zram oracle needs root, because it sets up and resets /dev/zram0; run it as root"
    if not settings.live_allowed():
        return settings._not_asked()
    if not os.path.isdir(sysfs) or not os.path.exists(f"/dev/{ZRAM_DEVICE}"):
        return "this machine has no /dev/zram0 (zram is not built in or not loaded)"
    offered = settings._read(f"{sysfs}/comp_algorithm").replace("[", "").replace("]", "").split()
    if algorithm not in offered:
        return f"zram offers no algorithm {algorithm!r}; it offers {', '.join(offered)}"
    if settings._read(f"{sysfs}/disksize") != "0":
        return "/dev/zram0 is in use (its disksize is not 0), and the oracle will not reset a device in use"
    return None


def zram_compressed_lengths(pages: list[bytes], algorithm: str = "lzo",
                            details: bool = False) -> list[int] | list[dict]:
    """Return the compressed length zram reports for each page, in order.

    Each page is written to its own sector of a freshly set-up zram0 and the
    change of ``compr_data_size`` is its length: the kernel's compressor
    output for lengths below 3625, 4096 for any length from 3625 up (huge),
    0 for a same-filled page (see the module docstring). With *details*, each
    item is ``{"length": ..., "huge": bool, "same_filled": bool}`` instead.

    >>> zram_compressed_lengths([bytes(4096)])            # doctest: +SKIP
    [0]
    """
    pages = [bytes(p) for p in pages]
    if not pages or any(len(p) != PAGE_SIZE for p in pages):
        raise UsageError("pages must be a non-empty list of 4096-byte pages")
    problem = zram_problem(algorithm)
    if problem:
        raise UsageError(problem)
    dev, sysfs = ZRAM_DEVICE, f"/sys/block/{ZRAM_DEVICE}"
    out: list = []
    with journal.exclusive():
        problem = zram_problem(algorithm)  # re-check under the lock
        if problem:
            raise UsageError(problem)
        old = settings._choice(f"{sysfs}/comp_algorithm")
        disksize = -(-len(pages) * PAGE_SIZE // (1 << 20)) * (1 << 20) + (1 << 20)
        try:
            with signals.signals_blocked():
                journal._save_journal([{journal.UNDO_KEY: "zram_reset", "device": dev, "comp_algorithm": old}])
                settings._write(f"{sysfs}/comp_algorithm", algorithm)
                settings._write(f"{sysfs}/disksize", str(disksize))
            buf = mmap.mmap(-1, PAGE_SIZE)  # page-aligned, as O_DIRECT wants
            fd = os.open(f"/dev/{dev}", os.O_WRONLY | os.O_DIRECT)
            try:
                for i, page in enumerate(pages):
                    buf[:] = page
                    before = _mm_stat(dev)
                    if os.pwrite(fd, buf, i * PAGE_SIZE) != PAGE_SIZE:
                        raise OSError(f"short write to /dev/{dev}")
                    after = _mm_stat(dev)
                    length = after[1] - before[1]
                    if details:
                        out.append({"length": length,
                                    "huge": after[7] > before[7],
                                    "same_filled": after[5] > before[5]})
                    else:
                        out.append(length)
            finally:
                os.close(fd)
                buf.close()
        finally:
            with signals.signals_blocked():
                settings._write(f"{sysfs}/reset", "1")
                settings._write(f"{sysfs}/comp_algorithm", old)
                journal._drop_journal()
    return out
