"""The explorer's public names, kept where notebooks import them from.

The explorer lives in :mod:`zswapviz.views`: the scenario form
(:mod:`~zswapviz.views.form`), the browser player widget
(:mod:`~zswapviz.views.stepper`), :class:`Explorer`
(:mod:`~zswapviz.views.explorer`), :class:`SideBySide`
(:mod:`~zswapviz.views.sidebyside`) and the "your kernel" panel
(:mod:`~zswapviz.views.kernel`). ``from zswapviz.widgets import Explorer,
SideBySide, KernelPanel`` keeps working.
"""

from __future__ import annotations

from .views.explorer import DEFAULT_FIGURE, DEFAULT_REPORT, Explorer, status_of
from .views.form import DATA_DIR, folio_size_label, page_files
from .views.kernel import KernelPanel, kernel_summary_html
from .views.sidebyside import SideBySide, align, variant_labels

__all__ = [
    "DATA_DIR",
    "DEFAULT_FIGURE",
    "DEFAULT_REPORT",
    "Explorer",
    "KernelPanel",
    "SideBySide",
    "align",
    "folio_size_label",
    "kernel_summary_html",
    "page_files",
    "status_of",
    "variant_labels",
]
