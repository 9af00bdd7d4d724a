"""Figures of a recorded trace (matplotlib; the core never imports this).

The figures live in :mod:`zswapviz.views.figures`, one module per figure;
this module keeps every name where notebooks import it from
(``from zswapviz.plots import draw_rollback, STATE_COLORS``).
"""

from __future__ import annotations

from .views.figures import *  # noqa: F403 (the old module re-exports the figures package)
from .views.figures import __all__  # noqa: F401
