"""Writing a report file: checked early, written whole or not at all.

Both are :mod:`zswapviz.outputs`, the one writer every command uses:
:func:`check_out` refuses, before anything runs, an output path that
cannot be a regular file (a folder, a device, a FIFO, a symbolic link, a
missing folder); :func:`write_atomic` writes through an exclusive temporary
file in the destination folder and a rename, keeping a replaced file's
mode, so a failed or interrupted export never leaves a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...outputs import check_output, write_output


def check_out(path) -> None:
    """Fail early (before running anything) on an output path that cannot be a regular file."""
    check_output(path)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write *data* to the regular file *path*, whole or not at all (:func:`zswapviz.outputs.write_output`)."""
    return write_output(path, data)
