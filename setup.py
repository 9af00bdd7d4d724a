"""Build hook: ship the top-level ``data/`` and ``notebooks/`` inside the wheel.

The sources stay where they are (``data/`` and ``notebooks/`` at the top of
the checkout, where everyone edits them); a wheel gets copies at
``zswapviz/_data/`` and ``zswapviz/_notebooks/``, which
:func:`zswapviz.resources.data_path` finds when there is no checkout.
Everything else is configured in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = {"data": "_data", "notebooks": "_notebooks"}


class BuildPyWithData(build_py):
    """build_py, then copy data/ and notebooks/ into the built package."""

    def run(self):
        super().run()
        for source, target in SHIPPED.items():
            src = HERE / source
            if src.is_dir():
                shutil.copytree(src, Path(self.build_lib) / "zswapviz" / target, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
