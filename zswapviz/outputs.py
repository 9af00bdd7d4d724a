"""The one way zswapviz writes a file: a regular file, whole or not at all.

Every command that writes (``report --out`` and ``--all``, the explorer's
Export HTML, ``search --save``, ``lab compare --plot``,
:meth:`Scenario.save <zswapviz.scenario.Scenario.save>`) goes through
:func:`write_output`. Its rules (``docs/security.md`` says why):

* The target is a regular file or does not exist yet. A directory, a device
  (``/dev/null``), a FIFO or a socket is refused with one sentence, and so is
  a **symbolic link**: zswapviz never follows a link at the path it writes
  (give the link's target itself). Folders above the file may be links.
* The data goes to a temporary file created exclusively (``O_EXCL``) with an
  unpredictable name (``.zswapviz-XXXXXXXX.tmp``) in the target's own folder,
  is flushed to disk and renamed over the target, so the target is never
  half written, and nothing can be planted at the temporary name in advance.
* A file that is replaced keeps its permission bits (set-id bits dropped)
  and, when the writer may, its owner; a new file gets ``0666`` less the
  umask, like any file a program creates.
* The temporary file is removed on every error and every catchable signal:
  while it exists, ``SIGTERM`` and ``SIGHUP`` (when their handler is the
  default) raise :class:`SystemExit` in the main thread, so the clean-up runs;
  ``SIGINT`` already raises ``KeyboardInterrupt``.

Errors are :class:`~zswapviz.errors.UsageError` with one sentence.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from .errors import UsageError

__all__ = ["check_output", "write_output"]

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link (zswapviz does not write through links; give the file it points to)"),
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output(path: str | os.PathLike, *, example: str = "report.html") -> Path:
    """Check, before any work, that *path* can be written as a regular file; return it.

    Refuses an empty name, a missing folder, and a path that exists as
    anything but a regular file (see the module docstring).
    """
    if path is None or not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise UsageError(f"give a file name to write, such as {example}")
    text = os.fspath(path)
    if isinstance(text, bytes) or "\0" in text:
        raise UsageError(f"cannot write {text!r}: not a usable file name")
    p = Path(text)
    try:
        st = os.lstat(p)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as e:
        raise UsageError(f"cannot write {text!r}: {e.strerror or e}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"cannot write {text!r}: it is a folder; give a file name such as {example}")
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        raise UsageError(f"cannot write {text!r}: it is {kind}, and zswapviz writes only regular files")
    parent = p.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {text!r}: the folder {str(parent)!r} does not exist")
    return p


@contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    """While the block runs, make SIGTERM and SIGHUP raise SystemExit (main thread, default handlers only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}

    def raise_exit(signum, frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        with suppress(ValueError, OSError):
            if signal.getsignal(sig) == signal.SIG_DFL:
                old[sig] = signal.signal(sig, raise_exit)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def write_output(path: str | os.PathLike, data: str | bytes, *, example: str = "report.html") -> Path:
    """Write *data* (text is UTF-8) to the regular file *path*, whole or not at all; return the path.

    See the module docstring for what is refused, the temporary file, the
    mode kept and the signals. Raises :class:`UsageError` (leaving nothing
    behind) when the file cannot be written.
    """
    path = check_output(path, example=example)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with _cleanup_on_signals():
        try:
            fd, tmp = tempfile.mkstemp(prefix=".zswapviz-", suffix=".tmp", dir=path.parent)
        except OSError as e:
            raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
        try:
            with os.fdopen(fd, "wb") as f:
                view = memoryview(data)
                for start in range(0, len(view), 1 << 20):
                    f.write(view[start:start + (1 << 20)])
                f.flush()
                os.fsync(f.fileno())
                try:
                    old = os.lstat(path)
                except FileNotFoundError:
                    old = None
                if old is not None and not stat.S_ISREG(old.st_mode):
                    check_output(path, example=example)  # changed under us: refuse with its sentence
                if old is not None:
                    with suppress(PermissionError):
                        os.fchown(f.fileno(), old.st_uid, old.st_gid)
                    os.fchmod(f.fileno(), stat.S_IMODE(old.st_mode) & 0o777)
                else:
                    os.fchmod(f.fileno(), 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException as e:
            with suppress(OSError):
                os.unlink(tmp)
            if isinstance(e, OSError):
                raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
            raise
    return path
