"""Figures of a recorded trace, drawn with matplotlib (the core never imports this).

One module per figure: the xarray slots (:mod:`.occupancy`: one step's grid
and every slot's state over every step), the compressed sizes
(:mod:`.sizes`), the ledger over the steps and the pool against its limits
(:mod:`.ledger`), the rollback timeline (:mod:`.rollback`), and the four
panels together at one step with the counters table (:mod:`.step`: "Save
figure" and ``trace.plot(k)``). The browser renderer (``views/static/``)
steps the explorer; these draw static figures for notebooks, reports and
exports.

Every ``draw_*`` function is ax-first (or figure-first) and returns the
artists it made; a panel's record has an ``update(k)`` method that puts it
at step *k* by changing data in place, which is how the draw functions
place it at their ``current`` step, so a figure moved to step *k* is the
one drawn directly at *k*:

>>> from matplotlib.figure import Figure
>>> from zswapviz import Scenario
>>> trace = Scenario(faults={5: "alloc_fail"}).run()
>>> panels = draw_explorer(Figure(), trace, current=0)
>>> panels.update(trace.failure_index)
>>> panels.current == trace.failure_index
True

Everything here reads only a :class:`~zswapviz.trace.Trace` or one of its
snapshots. ``zswapviz.plots`` re-exports these names.
"""

from __future__ import annotations

from ._common import EXPLORER_FIGSIZE, STATE_COLORS
from .ledger import LedgerArtists, draw_ledger, draw_pool_pages, draw_refcounts, ledger_series
from .occupancy import (
    TIMELINE_MAX_PAGES,
    TIMELINE_MAX_STEPS,
    OccupancyArtists,
    draw_occupancy,
    draw_occupancy_timeline,
    grid_columns,
    occupancy_raster,
)
from .rollback import RollbackArtists, draw_rollback
from .sizes import SizesArtists, draw_sizes
from .step import ExplorerArtists, counters_frame, draw_explorer, plot_step, save_step_figure, step_title

__all__ = [
    "EXPLORER_FIGSIZE",
    "STATE_COLORS",
    "TIMELINE_MAX_PAGES",
    "TIMELINE_MAX_STEPS",
    "ExplorerArtists",
    "LedgerArtists",
    "OccupancyArtists",
    "RollbackArtists",
    "SizesArtists",
    "counters_frame",
    "draw_explorer",
    "draw_ledger",
    "draw_occupancy",
    "draw_occupancy_timeline",
    "draw_pool_pages",
    "draw_refcounts",
    "draw_rollback",
    "draw_sizes",
    "grid_columns",
    "ledger_series",
    "occupancy_raster",
    "plot_step",
    "save_step_figure",
    "step_title",
]
