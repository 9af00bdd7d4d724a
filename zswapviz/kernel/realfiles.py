"""A page file made of real files: licences, Python sources, bytecode, libraries.

The generated page kinds of :mod:`zswapviz.pages` are good for sweeping size
classes, but memory that really gets swapped holds text, code, bytecode and
already-compressed data side by side. This module builds such a page file
from a fixed list of files that every Debian 12 machine of this project has
(:data:`REALFILES_SPEC`), and ships it compressed with its provenance in
``data/kernel/pages/`` so that tests and notebooks reproduce the recorded
kernel runs over it on any machine, without the files:

* each entry is a file slice (``offset``, ``length``; ``None`` = to the end),
  padded with zeros to a whole page, as a file's last page is in memory;
* the last entry is cut so that the whole is exactly :data:`REALFILES_PAGES`
  pages (a multiple of 512, so 2 MiB folios fill it);
* the provenance (``realfiles.json``) names every file with its size, the
  sha256 of the whole file and of the slice used, the Debian package that
  owns it, and the sha256 of the page file, which :func:`load_page_file`
  checks.

>>> len(load_realfiles()) // PAGE_SIZE
1024
"""

from __future__ import annotations

import datetime
import hashlib
import json
import lzma
import os
import subprocess
from pathlib import Path

from ..constants import PAGE_SIZE
from ..errors import UsageError
from ..pages import load_pages
from ..resources import data_path

__all__ = [
    "PAGES_DIR",
    "REALFILES_NAME",
    "REALFILES_PAGES",
    "REALFILES_SPEC",
    "build_page_file",
    "load_page_file",
    "load_realfiles",
    "write_page_file",
]


#: Where page files and their provenance live in the repository.
PAGES_DIR = data_path("kernel", "pages")

#: Name of the real-files page file (``<name>.pages.xz`` and ``<name>.json``).
REALFILES_NAME = "realfiles"

#: Pages in the real-files page file: 4 MiB, two 2 MiB folios.
REALFILES_PAGES = 1024

_PY = "/usr/lib/python3.11"
_LIB = "/lib/x86_64-linux-gnu"

#: ``(path, offset, length, what)``: the slices, in order; ``length`` None
#: means to the end of the file (for the last entry: as much as fills
#: :data:`REALFILES_PAGES`).
REALFILES_SPEC: tuple[tuple[str, int, int | None, str], ...] = (
    *((f"/usr/share/common-licenses/{name}", 0, None, "licence text")
      for name in ("Apache-2.0", "Artistic", "BSD", "CC0-1.0", "GFDL-1.2", "GFDL-1.3",
                   "GPL-1", "GPL-2", "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3",
                   "MPL-1.1", "MPL-2.0")),
    ("/etc/services", 0, None, "text table"),
    *((f"{_PY}/{name}", 0, None, "Python source")
      for name in ("argparse.py", "typing.py", "inspect.py", "subprocess.py", "datetime.py",
                   "difflib.py", "tarfile.py", "_pydecimal.py", "json/decoder.py",
                   "email/_header_value_parser.py", "os.py", "collections/__init__.py")),
    *((f"{_PY}/__pycache__/{name}.cpython-311.pyc", 0, None, "Python bytecode")
      for name in ("typing", "inspect", "argparse")),
    ("/usr/share/doc/bash/CHANGES.gz", 0, None, "gzip data (incompressible)"),
    ("/usr/share/doc/bash/NEWS.gz", 0, None, "gzip data (incompressible)"),
    ("/usr/bin/python3.11", 752 * PAGE_SIZE, 48 * PAGE_SIZE,
     "executable, 48 pages from page 752: data and 25 all-zero pages of padding"),
    (f"{_LIB}/libz.so.1.2.13", 0, None, "shared library"),
    (f"{_LIB}/libc.so.6", 0, 768 << 10, "shared library, first 768 KiB"),
    ("/usr/bin/bash", 0, 256 << 10, "executable, first 256 KiB"),
    ("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6", 0, None, "shared library, first pages"),
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package(path: str) -> str | None:
    """The Debian package that owns *path* (usr-merged paths tried both ways)."""
    candidates = [path]
    if path.startswith("/usr/"):
        candidates.append(path[4:])
    else:
        candidates.append("/usr" + path)
    for candidate in candidates:
        try:
            proc = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True,
                                  text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode == 0 and proc.stdout:
            package = proc.stdout.split(":", 1)[0].strip()
            try:
                version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                                         capture_output=True, text=True, timeout=30).stdout
            except (OSError, subprocess.TimeoutExpired):
                version = ""
            return f"{package} {version}".strip()
    return None


def build_page_file(spec=REALFILES_SPEC, pages: int = REALFILES_PAGES, *,
                    packages: bool = True) -> tuple[bytes, dict]:
    """Read the files of *spec* and return ``(page bytes, provenance)``.

    *packages* asks ``dpkg-query`` which package owns each file (slow-ish:
    about 2 s for the whole list).

    Raises :class:`~zswapviz.errors.UsageError` when a file is missing or
    the slices do not reach *pages* pages.
    """
    want = pages * PAGE_SIZE
    out = bytearray()
    files = []
    for i, (path, offset, length, what) in enumerate(spec):
        last = i == len(spec) - 1
        try:
            with open(path, "rb") as f:
                whole = f.read()
        except OSError as e:
            raise UsageError(f"cannot read {path} for the real-files page file ({e.strerror})") from None
        if last:
            room = want - len(out)
            length = room if length is None else min(length, room)
        part = whole[offset:offset + length] if length is not None else whole[offset:]
        part += bytes(-len(part) % PAGE_SIZE)
        files.append({
            "path": path,
            "what": what,
            "size": len(whole),
            "sha256": _sha256(whole),
            "offset": offset,
            "length": min(len(whole) - offset, length) if length is not None else len(whole) - offset,
            "first_page": len(out) // PAGE_SIZE,
            "pages": len(part) // PAGE_SIZE,
            "slice_sha256": _sha256(part),
            "package": _package(path) if packages else None,
        })
        out += part
    if len(out) != want:
        raise UsageError(f"the real files fill {len(out) // PAGE_SIZE} pages, not {pages}; "
                         f"change REALFILES_SPEC")
    data = bytes(out)
    provenance = {
        "format": "zswapviz-page-file/1",
        "name": REALFILES_NAME,
        "description": "real files of a Debian 12 machine, each slice padded with zeros to "
                       "a whole page, concatenated in this order",
        "pages": pages,
        "sha256": _sha256(data),
        "compressed": f"{REALFILES_NAME}.pages.xz (xz, preset 9e)",
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "host": {"kernel_release": os.uname().release, "debian_version": _debian_version()},
        "tool": "tools/record_kernel_runs.py --build-page-file",
        "files": files,
    }
    return data, provenance


def _debian_version() -> str | None:
    try:
        return Path("/etc/debian_version").read_text().strip()
    except OSError:
        return None


def write_page_file(data: bytes, provenance: dict, directory: Path = PAGES_DIR) -> Path:
    """Write ``<name>.pages.xz`` and ``<name>.json`` into *directory*; return the .xz path."""
    directory.mkdir(parents=True, exist_ok=True)
    name = provenance["name"]
    xz = directory / f"{name}.pages.xz"
    from ..outputs import write_output

    packed = lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)
    write_output(xz, packed, example="realfiles.pages.xz")
    provenance = dict(provenance, compressed_bytes=len(packed))
    write_output(directory / f"{name}.json", json.dumps(provenance, indent=2) + "\n", example="realfiles.json")
    return xz


def load_page_file(name: str, directory: Path = PAGES_DIR) -> bytes:
    """Read the page file *name* and check it against its provenance's sha256 and page count.

    The pages are read by the one page loader (:func:`zswapviz.pages.load_pages`,
    which refuses what is not a regular file of whole pages); this adds
    only where a shipped page file lives, how to build a missing one, and
    the check against ``<name>.json``.
    """
    xz = Path(directory) / f"{name}.pages.xz"
    meta = Path(directory) / f"{name}.json"
    if not xz.exists():
        raise UsageError(f"page file {xz} does not exist; build it with "
                         f"tools/record_kernel_runs.py --build-page-file")
    data = load_pages(xz)
    try:
        provenance = json.loads(meta.read_text())
    except FileNotFoundError as e:
        raise UsageError(f"page file {e.filename} does not exist; build it with "
                         f"tools/record_kernel_runs.py --build-page-file") from None
    except ValueError as e:
        raise UsageError(f"page file {meta} is damaged ({e})") from None
    if not isinstance(provenance, dict) or not isinstance(provenance.get("pages"), int):
        raise UsageError(f"page file {meta} is damaged (it names no sha256 and page count)")
    if _sha256(data) != provenance.get("sha256") or len(data) != provenance["pages"] * PAGE_SIZE:
        raise UsageError(f"page file {xz} does not match the sha256 in {meta.name}")
    return data


def load_realfiles() -> bytes:
    """The real-files pages shipped in ``data/kernel/pages/`` (1024 pages)."""
    return load_page_file(REALFILES_NAME)
