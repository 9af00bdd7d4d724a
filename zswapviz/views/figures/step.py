"""The whole step figure: the explorer's four panels at one step ("Save figure", ``trace.plot(k)``), and the counters table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...trace import Trace
from ._common import CODE, EXPLORER_FIGSIZE, FAIL
from .ledger import LedgerArtists, draw_refcounts
from .occupancy import OccupancyArtists, draw_occupancy
from .rollback import RollbackArtists, draw_rollback
from .sizes import SizesArtists, draw_sizes


def step_title(trace: Trace, k: int) -> str:
    """One line naming step *k*: its number, phase, kernel function and page (the view model's title line).

    >>> from zswapviz import Scenario
    >>> step_title(Scenario().run(), 7).split(" · ", 1)[1]
    'store · crypto_acomp_compress(page 0): 1802 bytes'
    """
    from ..viewmodel import step_call

    if not len(trace):
        return "no steps"
    s = trace.steps[k]
    return f"step {k} of {len(trace) - 1} · {s.phase} · {step_call(s.fn, s.page, s.arg)}"


@dataclass
class ExplorerArtists:
    """The step figure's panels as drawn by :func:`draw_explorer`; :meth:`update` moves them all to step *k*."""

    trace: Trace
    title: object
    occupancy: OccupancyArtists
    sizes: SizesArtists
    ledger: LedgerArtists
    rollback: RollbackArtists
    current: int = 0

    def rgba(self) -> np.ndarray:
        """Draw the whole figure (on an Agg canvas if it has none) and return it as an (height, width, 4) uint8 array."""
        fig = self.title.figure
        if fig.canvas is None or not hasattr(fig.canvas, "buffer_rgba"):
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            FigureCanvasAgg(fig)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    def update(self, k: int) -> None:
        """Show step *k*: artists change in place; nothing is drawn anew."""
        k = max(0, min(int(k), len(self.trace) - 1))
        self.current = k
        step, snap = self.trace[k]
        self.title.set_text(step_title(self.trace, k))
        self.title.set_color(FAIL if step.failed else "black")
        self.occupancy.update(snap, step.page)
        self.sizes.update(k)
        self.ledger.update(k)
        self.rollback.update(k)


def draw_explorer(fig, trace: Trace, current: int = 0, label: str | None = None) -> ExplorerArtists:
    """Draw the explorer's four panels of *trace* at step *current* into *fig*.

    Top left the xarray slots, top right the compressed sizes, bottom left
    the refcounts and charge over steps, bottom right the rollback
    timeline; the title line names the step. *label* (e.g. the variant)
    prefixes the title.
    """
    gs = fig.add_gridspec(2, 2, left=0.085, right=0.975, top=0.9, bottom=0.075, hspace=0.62, wspace=0.2,
                          height_ratios=[1, 1])
    ax_occ = fig.add_subplot(gs[0, 0])
    ax_size = fig.add_subplot(gs[0, 1])
    ax_led = fig.add_subplot(gs[1, 0])
    ax_rb = fig.add_subplot(gs[1, 1])
    meta = trace.meta
    head = (f"{label} · " if label else "") + (
        f"kernel {meta.get('kernel', '?')}, refs {meta.get('refs', '?')}, {meta.get('compressor', '?')}, "
        f"{meta.get('folios', '?')} folio(s) of {meta.get('folio_pages', '?')} page(s)")
    fig.text(0.01, 0.985, head, fontsize=9, va="top", color="#444444")
    title = fig.text(0.01, 0.955, "", fontsize=12, va="top", weight="bold")
    snap = trace.snapshots[current]
    occ = draw_occupancy(ax_occ, snap, highlight=trace.steps[current].page, legend=True)
    first = snap.base_offset
    ax_occ.set_title(f"xarray slots: swap offsets {first}-{first + len(snap.cells) - 1}", fontsize=10)
    sizes = draw_sizes(ax_size, trace, current)
    ax_size.set_title("compressed size per page, zsmalloc class", fontsize=10)
    led = draw_refcounts(ax_led, trace, current)
    ax_led.set_title("refs held and charge over the steps", fontsize=10)
    rb = draw_rollback(ax_rb, trace, current)
    ax_rb.set_title("stores, the failure, and the erases that undid them", fontsize=10)
    artists = ExplorerArtists(trace, title, occ, sizes, led, rb, current)
    artists.update(current)
    return artists


def plot_step(trace: Trace, k: int | None = None, figsize=EXPLORER_FIGSIZE, dpi: int = 100):
    """Draw step *k* (default: the last) of *trace* as the explorer's four panels; return the figure.

    The slots show what the view model shows (after a failed store, where
    each page went), for publication-quality PNG, SVG or PDF.
    """
    from matplotlib.figure import Figure

    from ..viewmodel import View, cached_view_model

    n = len(trace)
    k = n - 1 if k is None else max(0, min(int(k), n - 1))
    fig = Figure(figsize=figsize, dpi=dpi)
    artists = draw_explorer(fig, trace, k)
    states = [c[0] for c in View(cached_view_model(trace)).cells_at(k)]
    cols = artists.occupancy.columns
    grid = np.full(-(-len(states) // cols) * cols, np.nan)
    grid[:len(states)] = [CODE[s] for s in states]
    artists.occupancy.image.set_data(grid.reshape(-1, cols))
    return fig


def save_step_figure(trace: Trace, k: int, path) -> Path:
    """Save step *k* of *trace* drawn by :func:`plot_step` to *path* (its suffix: .png, .svg or .pdf); return the path."""
    import io

    from ...errors import UsageError
    from ...outputs import write_output

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise UsageError(f"cannot save a figure as {path.name!r}: the name must end in .png, .svg or .pdf")
    buf = io.BytesIO()
    plot_step(trace, k).savefig(buf, format=fmt)
    return Path(write_output(path, buf.getvalue()))


def counters_frame(trace: Trace, k: int):
    """The counters after step *k* as a pandas DataFrame, with the change from step *k - 1*.

    Columns: ``value``, ``change`` (0 when unchanged) and ``meaning``; one row
    per counter of the view model, always the same rows, so a table of it
    does not jump.
    """
    import pandas as pd

    from ..viewmodel import View, cached_view_model

    rows = View(cached_view_model(trace)).counter_rows(k)
    return pd.DataFrame(rows, columns=["counter", "value", "change", "meaning"]).set_index("counter")
