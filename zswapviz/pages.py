"""Page contents: deterministic generators and page files.

Every generator returns ``bytes`` whose length is a multiple of
:data:`PAGE_SIZE`, the same for the same arguments on every machine and
Python version (``random.Random`` streams are stable), so a recorded kernel
run can name its pages by recipe (``{"kind": "text", "pages": 4096,
"seed": 1}``) instead of shipping them.

>>> len(make_pages("text", 16)) == 16 * PAGE_SIZE
True
"""

from __future__ import annotations

import os
import random
import stat
from typing import Callable, Iterator, Mapping

from .constants import PAGE_SIZE
from .errors import UsageError

__all__ = [
    "PAGE_KINDS",
    "PAGE_SIZE",
    "iter_page_file",
    "load_pages",
    "make_pages",
    "page_file_pages",
    "pages_from_recipe",
    "split_pages",
]


_WORDS = (
    "the of and to in is that for it as was with be by on not he this are or "
    "his from at which but have an they you were her she there been one all we "
    "their has would when if so no will more can its out into than them only "
    "other time some what could these two may first then do any like my now "
    "over such our man me even most made after also did many before must "
    "through back years where much your way well down should because each "
    "just those people how too little state good very make world still own see "
    "men work long get here between both life being under never day same "
    "another know while last might us great old year off come since against "
    "go came right used take three page folio swap zswap entry pool kernel "
    "memory compress store xarray offset cgroup charge refcount writeback "
    "allocator zsmalloc class handle reclaim shrinker limit rollback erase"
).split()


def _text(n: int, rng: random.Random) -> bytes:
    """English-like prose: words, punctuation and line breaks."""
    out = bytearray()
    need = n * PAGE_SIZE
    line = 0
    while len(out) < need:
        word = rng.choice(_WORDS)
        if rng.random() < 0.08:
            word = word.capitalize()
        out += word.encode()
        line += len(word) + 1
        r = rng.random()
        if r < 0.06:
            out += b". "
        elif r < 0.09:
            out += b", "
        elif line > 72:
            out += b"\n"
            line = 0
        else:
            out += b" "
    return bytes(out[:need])


def _random(n: int, rng: random.Random) -> bytes:
    """Incompressible bytes: every compressor's output is longer than a page."""
    return rng.randbytes(n * PAGE_SIZE)


def _zeros(n: int, rng: random.Random) -> bytes:
    """All-zero pages: a folio made only of them goes to the swap zeromap."""
    return bytes(n * PAGE_SIZE)


def _same(n: int, rng: random.Random) -> bytes:
    """One text page repeated: every page compresses to the same length."""
    return _text(1, rng) * n


def _ramp(n: int, rng: random.Random) -> bytes:
    """Page i mixes text and random runs, random share rising from 0 to 1.

    Across the run the compressed lengths sweep every zsmalloc size class,
    from well-compressible to incompressible.
    """
    out = bytearray()
    text = _text(n, rng)
    for i in range(n):
        share = i / max(n - 1, 1)
        page = bytearray(text[i * PAGE_SIZE:(i + 1) * PAGE_SIZE])
        pos = 0
        while pos < PAGE_SIZE:
            run = rng.randint(16, 256)
            if rng.random() < share:
                page[pos:pos + run] = rng.randbytes(min(run, PAGE_SIZE - pos))
            pos += run
        out += page[:PAGE_SIZE]
    return bytes(out)


def _mixed(n: int, rng: random.Random) -> bytes:
    """A cycle of text, random, zero and half-random pages, like a real heap."""
    parts = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            parts.append(_text(1, rng))
        elif kind == 1:
            parts.append(_random(1, rng))
        elif kind == 2:
            parts.append(_zeros(1, rng))
        else:
            half = PAGE_SIZE // 2
            parts.append(_text(1, rng)[:half] + rng.randbytes(half))
    return b"".join(parts)


def _halfzero(n: int, rng: random.Random) -> bytes:
    """Every other page all-zero, the others text."""
    return b"".join(_zeros(1, rng) if i % 2 else _text(1, rng) for i in range(n))


_GENERATORS: Mapping[str, Callable[[int, random.Random], bytes]] = {
    "halfzero": _halfzero,
    "mixed": _mixed,
    "ramp": _ramp,
    "random": _random,
    "same": _same,
    "text": _text,
    "zeros": _zeros,
}

#: Names accepted by :func:`make_pages`.
PAGE_KINDS = tuple(sorted(_GENERATORS))


def make_pages(kind: str, pages: int, seed: int = 1) -> bytes:
    """Make *pages* pages of the content *kind*, the same for the same *seed*.

    >>> make_pages("zeros", 2) == bytes(8192)
    True
    """
    if kind not in _GENERATORS:
        raise UsageError(
            f"unknown page kind {kind!r}; accepted: {', '.join(PAGE_KINDS)}"
        )
    if not isinstance(pages, int) or pages < 1:
        raise UsageError(f"page count must be a whole number of at least 1, not {pages!r}")
    return _GENERATORS[kind](pages, random.Random(f"zswapviz:{kind}:{seed}"))


def pages_from_recipe(recipe: Mapping) -> bytes:
    """Make the pages a recipe names: one ``{kind, pages, seed}`` or a list of them.

    A list is concatenated in order, so a workload can mix kinds.
    """
    if isinstance(recipe, (list, tuple)):
        return b"".join(pages_from_recipe(r) for r in recipe)
    try:
        return make_pages(recipe["kind"], recipe["pages"], recipe.get("seed", 1))
    except (KeyError, TypeError, AttributeError):
        raise UsageError(
            "a page recipe is an object with 'kind' and 'pages' (and optionally "
            f"'seed'), or a list of them; got {recipe!r}"
        ) from None


def _open_page_file(path: str | os.PathLike) -> tuple[int, int]:
    """Open a page file for reading; return ``(fd, size)``, or refuse it in one sentence.

    Only a regular file is a page file: a device (``/dev/zero`` never ends),
    a FIFO (it would wait for a writer forever; it is opened without
    waiting), a socket or a folder is refused with the reason. An empty file
    or one that is not a whole number of pages is refused too. A sparse
    file is a regular file: it is read like any other, in chunks.
    """
    if not isinstance(path, (str, os.PathLike)) or isinstance(os.fspath(path), bytes) or not os.fspath(path):
        raise UsageError(f"a page file is a path, not {path!r}")
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"page file {name!r} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"page file {name!r} is a directory, not a file") from None
    except (OSError, ValueError) as e:
        raise UsageError(f"page file {name!r} cannot be read ({getattr(e, 'strerror', None) or e})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"page file {name!r} is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            kind = ("a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                    else "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket")
            raise UsageError(f"page file {name!r} is {kind}, not a regular file; zswapviz reads pages only "
                             f"from regular files, whose size says how many pages they hold")
        if st.st_size == 0:
            raise UsageError(f"page file {name!r} is empty; it must hold at least one 4096-byte page")
        if _xz(name):
            pass  # its pages are counted as it is decompressed
        elif st.st_size % PAGE_SIZE:
            raise UsageError(f"page file {name!r} is {st.st_size} bytes, not a multiple "
                             f"of the page size {PAGE_SIZE}")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def _xz(name: str) -> bool:
    return name.endswith(".xz")


def page_file_pages(path: str | os.PathLike) -> int:
    """How many pages the page file at *path* holds (refused as :func:`load_pages` does).

    A raw file is not read (its size says it); an ``.xz`` file is
    decompressed chunk by chunk to count them.
    """
    fd, size = _open_page_file(path)
    os.close(fd)
    if _xz(os.fspath(path)):
        return sum(len(chunk) for chunk in iter_page_file(path)) // PAGE_SIZE
    return size // PAGE_SIZE


def iter_page_file(path: str | os.PathLike, chunk_pages: int = 512) -> Iterator[bytes]:
    """Read a page file in chunks of *chunk_pages* pages (the last may be shorter), never whole.

    Peak memory is one chunk whatever the file's size. The file is checked
    first (see :func:`load_pages`); a file that changes size while it is
    read is refused.
    """
    if not isinstance(chunk_pages, int) or chunk_pages < 1:
        raise UsageError(f"chunk_pages must be a whole number of at least 1, not {chunk_pages!r}")
    fd, size = _open_page_file(path)
    name = os.fspath(path)
    if _xz(name):
        yield from _iter_xz(fd, name, chunk_pages * PAGE_SIZE)
        return
    with os.fdopen(fd, "rb") as f:
        left = size
        while left:
            want = min(left, chunk_pages * PAGE_SIZE)
            chunk = f.read(want)  # a buffered read returns all *want* bytes unless the file ends
            if len(chunk) != want:
                raise UsageError(f"page file {name!r} became shorter while it was read")
            left -= want
            yield chunk


def _iter_xz(fd: int, name: str, chunk_bytes: int) -> Iterator[bytes]:
    """Decompress an ``.xz`` page file from *fd* in chunks of *chunk_bytes*; the total must be whole pages."""
    import lzma

    total = 0
    with os.fdopen(fd, "rb") as raw:
        try:
            with lzma.open(raw) as f:
                while True:
                    chunk = f.read(chunk_bytes)
                    if not chunk:
                        break
                    total += len(chunk)
                    if len(chunk) % PAGE_SIZE:
                        raise UsageError(f"page file {name!r} does not hold whole 4096-byte pages")
                    yield chunk
        except (lzma.LZMAError, EOFError) as e:
            raise UsageError(f"page file {name!r} is damaged ({e})") from None
    if not total:
        raise UsageError(f"page file {name!r} is empty; it must hold at least one 4096-byte page")


def load_pages(path: str | os.PathLike, max_pages: int | None = None, *, first: int | None = None) -> bytes:
    """Read a whole page file: a regular file whose length is a whole number of pages (``.xz``: once decompressed).

    Refuses, in one sentence, what is not a regular file (devices, FIFOs,
    sockets, folders), an empty file, a length that is not whole pages, and
    (with *max_pages*) a file of more pages than that. With *first*, only
    the first that many pages are read. For files of any size use
    :func:`iter_page_file`.
    """
    out, pages = [], 0
    for chunk in iter_page_file(path):
        if first is not None and pages + len(chunk) // PAGE_SIZE >= first:
            out.append(chunk[:(first - pages) * PAGE_SIZE])
            break
        pages += len(chunk) // PAGE_SIZE
        if max_pages is not None and pages > max_pages:
            raise UsageError(f"page file {os.fspath(path)!r} holds more than {max_pages} pages, "
                             f"the most taken here")
        out.append(chunk)
    return b"".join(out)


def split_pages(data: bytes) -> list[bytes]:
    """Cut page-aligned bytes into a list of pages."""
    return [data[i:i + PAGE_SIZE] for i in range(0, len(data), PAGE_SIZE)]

