"""Writing a report file: checked early, written whole or not at all.

:func:`check_out` refuses an output path that cannot be a file before
anything runs; :func:`write_atomic` writes through a temporary file in the
destination folder and a rename, so a failed export never leaves a
half-written file.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path

from ...errors import UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_out(path) -> None:
    """Fail early (before running anything) on an output path that cannot be a file."""
    p = Path(path)
    if not str(path):
        raise UsageError("give a file name for the report, such as report.html")
    if p.is_dir():
        raise UsageError(f"cannot write {str(p)!r}: it is a folder; give a file name such as report.html")
    if not p.parent.is_dir():
        raise UsageError(f"cannot write {str(p)!r}: the folder {str(p.parent)!r} does not exist")


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write *data* to *path* through a temporary file in the same folder and a rename.

    Raises :class:`UsageError` (and leaves nothing behind) when the file
    cannot be written.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    parent = path.parent
    if path.is_dir():
        raise UsageError(f"cannot write {str(path)!r}: it is a folder; give a file name such as report.html")
    if not parent.is_dir():
        raise UsageError(f"cannot write {str(path)!r}: the folder {str(parent)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".zswapviz-", suffix=".tmp", dir=parent)
    except OSError as e:
        raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
        raise
    return path
