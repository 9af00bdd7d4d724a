"""Where zswapviz's own files are: a source checkout, or an installed wheel.

In a checkout the scenarios, lessons, kernel recordings and counterexamples
live in the top-level ``data/`` and the notebooks in ``notebooks/``; a wheel
carries copies inside the package (``zswapviz/_data/``,
``zswapviz/_notebooks/``, put there by ``setup.py``). :func:`data_path` and
:func:`notebooks_path` return whichever exists, the checkout first, so an
editable install and the tests use the files being edited.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_path", "notebooks_path"]

_PACKAGE = Path(__file__).resolve().parent


def _find(checkout: str, packaged: str) -> Path:
    source = _PACKAGE.parent / checkout
    if source.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return source
    return _PACKAGE / packaged


def data_path(*parts: str) -> Path:
    """The path of ``data/<parts>`` in the checkout, or of the installed package's copy.

    >>> data_path("scenarios").name
    'scenarios'
    """
    return _find("data", "_data").joinpath(*parts)


def notebooks_path() -> Path:
    """The folder of the teaching notebooks (checkout or installed package)."""
    return _find("notebooks", "_notebooks")
