"""The kernel's compressors as ``zswap_compress()`` uses them, one page at a time.

Models the crypto wrappers that zswap reaches through ``crypto_acomp``:
``crypto/lzo.c``, ``crypto/lzo-rle.c``, ``crypto/zstd.c``, ``crypto/lz4.c`` and
``crypto/deflate.c``, each with the parameters the kernel passes. zswap gives
every compressor a one-page output buffer; a page whose stream would be 4096
bytes or more (or that makes the compressor fail) is stored raw. So each
:class:`Compressor` here returns the *whole* stream, and the caller applies
the ``>= PAGE_SIZE`` rule.

Only ``lzo`` and ``lzo-rle`` (this package's own LZO1X-1, see
:mod:`zswapviz.compress.lzo1x`) match the kernel page by page; the others
say why not in :attr:`Compressor.caveat`. Nothing heavy is imported here:
numba compiles the LZO code on the first LZO call, and zstandard and lz4 are
imported on first use.

>>> lzo = get_compressor("lzo")
>>> page = b"zswap " * 682 + b"pool"
>>> lzo.decompress(lzo.compress(page)) == page
True
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from ..constants import DEFAULT_COMPRESSOR, PAGE_SIZE
from ..errors import UsageError

__all__ = [
    "COMPRESSOR_NAMES",
    "Compressor",
    "DEFAULT_COMPRESSOR",
    "DecompressError",
    "get_compressor",
]


class DecompressError(ValueError):
    """A stream that does not decode back to a whole page."""


def _page_array(pages: Any) -> np.ndarray:
    """Return *pages* as a 2-D uint8 array with one page per row.

    Accepts such an array, or bytes-like data whose length is a whole number
    of pages (as :func:`zswapviz.pages.make_pages` returns).
    """
    if isinstance(pages, np.ndarray):
        if pages.dtype != np.uint8 or pages.ndim != 2:
            raise UsageError(
                f"pages must be a 2-D uint8 array with one page per row, not a "
                f"{pages.ndim}-D {pages.dtype} array"
            )
        return np.ascontiguousarray(pages)
    try:
        flat = np.frombuffer(memoryview(pages).cast("B"), dtype=np.uint8)
    except TypeError:
        raise UsageError(
            f"pages must be a 2-D uint8 array or bytes, not {type(pages).__name__}"
        ) from None
    if len(flat) % PAGE_SIZE:
        raise UsageError(
            f"page data is {len(flat)} bytes, not a multiple of the page size {PAGE_SIZE}"
        )
    return flat.reshape(-1, PAGE_SIZE)


class Compressor:
    """One kernel compressor: compress a page, decode it, and say how exact it is.

    Subclasses fill in the class attributes and :meth:`_compress` /
    :meth:`_decompress`. An instance may keep a library context between
    calls, so one instance should not be shared between threads.
    """

    #: The kernel's name for it (``/sys/module/zswap/parameters/compressor``).
    name: str = ""
    #: The parameters the kernel passes, in one line.
    params: str = ""
    #: Where those parameters come from in the kernel tree.
    source: str = ""
    #: Whether the output length was shown equal to the kernel's page by page.
    matches_kernel: bool = False
    #: What differs from the kernel, or how the match was shown.
    caveat: str = ""

    def compress(self, page: bytes) -> bytes:
        """Compress *page* and return the whole stream, even if it is a page or longer."""
        return self._compress(page)

    def decompress(self, data: bytes, size: int = PAGE_SIZE) -> bytes:
        """Decode *data* back to the *size*-byte page it came from.

        Raises :class:`DecompressError` if *data* is corrupt or decodes to
        another length.
        """
        try:
            page = self._decompress(data, size)
        except Exception as e:
            raise DecompressError(f"{self.name} stream of {len(data)} bytes is corrupt: {e}") from e
        if len(page) != size:
            raise DecompressError(
                f"{self.name} stream of {len(data)} bytes decodes to {len(page)} bytes, not {size}"
            )
        return page

    def lengths(self, pages: np.ndarray, threads: int | None = 1) -> np.ndarray:
        """Return the compressed length of every page, as an int64 array.

        *pages* is a 2-D uint8 array, one page per row, or page-aligned bytes.
        Each length equals ``len(self.compress(page))``. *threads* is a hint
        that only the compiled compressors use (None: all cores).
        """
        rows = _page_array(pages)
        return np.fromiter((len(self._compress(row)) for row in rows), np.int64, count=len(rows))

    def _compress(self, page: Any) -> bytes:
        raise NotImplementedError

    def _decompress(self, data: bytes, size: int) -> bytes:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Compressor {self.name}: {self.params}>"


class _Lzo(Compressor):
    """LZO1X-1 with the kernel's 2**13 dictionary, from :mod:`.lzo1x` (numba)."""

    name = "lzo"
    params = "LZO1X-1, dictionary 2^13 slots (D_BITS 13), bitstream version 0, no RLE"
    source = (
        "crypto/lzo.c calling lzo1x_1_compress_safe (any failure -> -EINVAL); "
        "lib/lzo/lzo1x_compress.c with D_BITS 13 from lib/lzo/lzodefs.h"
    )
    matches_kernel = True
    caveat = (
        "exact page by page against the kernel's zram lzo backend on 9985 pages; "
        "models the 8-byte (x86-64/arm64) match extension"
    )
    _rle = False

    def _compress(self, page: Any) -> bytes:
        from .lzo1x import KERNEL_D_BITS, lzo1x_1_compress

        return lzo1x_1_compress(page, KERNEL_D_BITS, self._rle)

    def _decompress(self, data: bytes, size: int) -> bytes:
        from .lzo1x import lzo1x_decompress

        return lzo1x_decompress(data, size)

    def lengths(self, pages: np.ndarray, threads: int | None = 1) -> np.ndarray:
        """Return the compressed length of every page, in one compiled call.

        With *threads* > 1 (None: all cores) the pages are split over threads.
        """
        from .lzo1x import KERNEL_D_BITS, lzo1x_1_compress_lengths

        return lzo1x_1_compress_lengths(_page_array(pages), KERNEL_D_BITS, self._rle, threads)


class _LzoRle(_Lzo):
    """lzo-rle: LZO1X-1 plus zero-run instructions (bitstream version 1)."""

    name = "lzo-rle"
    params = (
        "LZO1X-1, D_BITS 13, bitstream version 1: header 17 1, zero runs of "
        "4-2051 bytes as one 4-byte instruction, M4 max offset 0xbffe"
    )
    source = (
        "crypto/lzo-rle.c calling lzorle1x_1_compress_safe; "
        "lib/lzo/lzo1x_compress.c with bitstream_version = LZO_VERSION = 1"
    )
    caveat = "exact page by page against the kernel's zram lzo-rle backend on 9985 pages"
    _rle = True


class _Zstd(Compressor):
    """zstd with the parameter row the acomp ``crypto/zstd.c`` selects."""

    name = "zstd"
    params = (
        "level 3, windowLog 18, chainLog 16, hashLog 16, searchLog 1, minMatch 4, "
        "targetLength 0, strategy dfast; content size written, no checksum, no dict id"
    )
    source = (
        "crypto/zstd.c (acomp version): ZSTD_DEF_LEVEL 3 and zstd_get_params(3, "
        "ZSTD_MAX_SIZE = 2^18), the 'srcSize <= 256 KB' level-3 row of "
        "lib/zstd/compress/clevels.h; one-shot zstd_compress_cctx"
    )
    matches_kernel = False
    caveat = (
        "parameters from reading the source only, never checked against a kernel; "
        "python zstandard bundles its own libzstd 1.5.x, which may differ from lib/zstd"
    )

    def __init__(self) -> None:
        self._cctx: Any = None
        self._dctx: Any = None

    def _compress(self, page: Any) -> bytes:
        if self._cctx is None:
            import zstandard

            params = zstandard.ZstdCompressionParameters(
                window_log=18, chain_log=16, hash_log=16, search_log=1,
                min_match=4, target_length=0, strategy=zstandard.STRATEGY_DFAST,
                write_content_size=True, write_checksum=False, write_dict_id=False,
            )
            self._cctx = zstandard.ZstdCompressor(compression_params=params)
        return self._cctx.compress(page)

    def _decompress(self, data: bytes, size: int) -> bytes:
        if self._dctx is None:
            import zstandard

            self._dctx = zstandard.ZstdDecompressor()
        return self._dctx.decompress(data, max_output_size=size)


class _Lz4(Compressor):
    """LZ4 block compression as ``LZ4_compress_default``, through python-lz4."""

    name = "lz4"
    params = "LZ4_compress_default: LZ4_compress_fast with acceleration 1, raw block without size"
    source = (
        "crypto/lz4.c calling LZ4_compress_default (acceleration "
        "LZ4_ACCELERATION_DEFAULT = 1) from lib/lz4; output 0 -> -EINVAL"
    )
    matches_kernel = False
    caveat = (
        "python-lz4 (liblz4 1.9.x) does not match the kernel's lib/lz4 (LZ4 1.8.x) "
        "page by page; aggregate sizes only"
    )

    def _compress(self, page: Any) -> bytes:
        import lz4.block

        return lz4.block.compress(page, mode="default", acceleration=1, store_size=False)

    def _decompress(self, data: bytes, size: int) -> bytes:
        import lz4.block

        return lz4.block.decompress(data, uncompressed_size=size)


class _Deflate(Compressor):
    """Raw deflate with the kernel's window, level and memory level, through zlib."""

    name = "deflate"
    params = "raw deflate, level 6, windowBits -11 (2 KiB window), memLevel 8, default strategy, one Z_FINISH"
    source = (
        "crypto/deflate.c: raw deflate, windowBits -11, level 6 (Z_DEFAULT_COMPRESSION), "
        "memLevel 8 (DEFLATE_DEF_MEMLEVEL = MAX_MEM_LEVEL, include/linux/zconf.h)"
    )
    matches_kernel = False
    caveat = (
        "Python's zlib matched the kernel's pool size and incompressible count on 5 "
        "cases (aggregate only); the kernel's lib/zlib_deflate was never compared page by page"
    )

    def _compress(self, page: Any) -> bytes:
        c = zlib.compressobj(6, zlib.DEFLATED, -11, 8)
        return c.compress(page) + c.flush(zlib.Z_FINISH)

    def _decompress(self, data: bytes, size: int) -> bytes:
        d = zlib.decompressobj(-11)
        page = d.decompress(data, size + 1)
        if not d.eof:
            raise ValueError("the deflate stream has no final block")
        return page


_REGISTRY: dict[str, Compressor] = {
    c.name: c for c in (_Deflate(), _Lz4(), _Lzo(), _LzoRle(), _Zstd())
}

#: Names accepted by :func:`get_compressor`, sorted.
COMPRESSOR_NAMES = tuple(sorted(_REGISTRY))


def get_compressor(name: str) -> Compressor:
    """Return the compressor the kernel calls *name*.

    >>> get_compressor("deflate").matches_kernel
    False
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UsageError(
            f"unknown compressor {name!r}; accepted: {', '.join(COMPRESSOR_NAMES)}"
        ) from None
