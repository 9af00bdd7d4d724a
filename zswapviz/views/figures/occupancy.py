"""The xarray slots: one step's occupancy grid, and every slot's state over every step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Patch, Rectangle

from ...snapshot import CELL_STATES
from ...trace import Trace
from ._common import CMAP, CODE, STATE_COLORS

#: The occupancy timeline's raster is at most this many step columns and page rows:
#: more than a figure shows, and bounded whatever the trace's size.
TIMELINE_MAX_STEPS = 1600
TIMELINE_MAX_PAGES = 512


def _cell_codes(chunk) -> np.ndarray:
    return np.fromiter((CODE[c.state] for c in chunk), dtype=np.int8, count=len(chunk))


def occupancy_raster(trace: Trace, max_steps: int = TIMELINE_MAX_STEPS,
                     max_pages: int = TIMELINE_MAX_PAGES) -> tuple[np.ndarray, int, int]:
    """Cell state codes over the steps, at most *max_pages* rows by *max_steps* columns.

    Returns ``(raster, steps_per_column, pages_per_row)``. Column *j* shows
    the state after the last step of its run of steps; row *i* a band of
    pages, in the state most of them are in (ties: the lower code). Only the
    32-page chunks of the snapshots that changed since the previous column
    are decoded, so time is linear in steps (plus columns x chunks) and
    memory is the raster's, bounded, however long the trace or wide the run.
    """
    snaps = trace.snapshots
    steps = len(snaps)
    n = len(snaps[0].cells) if steps else 0
    if not steps or not n:
        return np.zeros((max(n, 1), max(steps, 1)), dtype=np.int8), 1, 1
    cols = min(steps, max_steps)
    per_col = -(-steps // cols)
    cols = -(-steps // per_col)
    per_row = -(-n // max_pages)
    rows = -(-n // per_row)
    nstates = len(CELL_STATES)
    band = np.arange(n) // per_row * nstates
    state = np.zeros(n, dtype=np.int8)
    out = np.zeros((rows, cols), dtype=np.int8)
    prev = None
    for j in range(cols):
        cells = snaps[min((j + 1) * per_col, steps) - 1].cells
        chunks = getattr(cells, "chunks", None)
        if chunks is None:  # a plain sequence of cells
            state[:] = _cell_codes(list(cells))
        elif prev is None:
            state[:] = np.concatenate([_cell_codes(c) for c in chunks])[:n]
        elif cells is not prev:
            for ci, (a, b) in enumerate(zip(prev.chunks, chunks)):
                if a is not b:
                    lo = ci << 5
                    state[lo:lo + len(b)] = _cell_codes(b)[:n - lo]
        prev = cells if chunks is not None else None
        if per_row == 1:
            out[:, j] = state
        else:
            counts = np.bincount(band + state, minlength=rows * nstates).reshape(rows, nstates)
            out[:, j] = counts.argmax(axis=1)
    return out, per_col, per_row


def draw_occupancy_timeline(ax, trace: Trace, current: int | None = None):
    """Draw every slot's state over every step; return (image, marker line).

    Long or wide traces are drawn from a bounded raster
    (:func:`occupancy_raster`): memory and time do not grow with pages x steps.
    """
    raster, per_col, per_row = occupancy_raster(trace)
    steps = max(len(trace), 1)
    n = raster.shape[0] * per_row
    pages = len(trace.snapshots[0].cells) if trace.snapshots else n
    image = ax.imshow(raster, aspect="auto", interpolation="nearest", cmap=CMAP, vmin=0,
                      vmax=len(CELL_STATES) - 1, origin="lower",
                      extent=(-0.5, raster.shape[1] * per_col - 0.5, -0.5, n - 0.5))
    ax.set_xlim(-0.5, steps - 0.5)
    ax.set_ylim(-0.5, pages - 0.5)
    ax.set_xlabel("step" if per_col == 1 else f"step ({per_col} steps per column)")
    ax.set_ylabel("page of the folio (swap offset - first)" if per_row == 1
                  else f"page (bands of {per_row}: most common state)")
    marker = ax.axvline(current if current is not None else -1, color="black", lw=1)
    return image, marker


def grid_columns(n: int) -> int:
    """Choose how many slots a grid row shows: the view model's one rule (:func:`zswapviz.views.viewmodel.grid_columns`).

    >>> [grid_columns(n) for n in (1, 16, 32, 64, 512)]
    [1, 16, 16, 16, 32]
    """
    from ..viewmodel import grid_columns as rule

    return rule(n)


def _grid(snapshot, columns: int) -> np.ndarray:
    n = len(snapshot.cells)
    rows = -(-n // columns)
    grid = np.full(rows * columns, np.nan)
    grid[:n] = np.fromiter((CODE[c.state] for c in snapshot.cells), dtype=float, count=n)
    return grid.reshape(rows, columns)


@dataclass
class OccupancyArtists:
    """The grid image and the current cell's frame; :meth:`update` moves both."""

    image: object
    box: Rectangle
    columns: int
    gridlines: object = None

    def update(self, snapshot, highlight: int | None = None) -> None:
        """Show *snapshot*'s cell states, framing cell *highlight* (or none)."""
        self.image.set_data(_grid(snapshot, self.columns))
        _place_box(self.box, highlight, self.columns, len(snapshot.cells))


def _place_box(box: Rectangle, highlight: int | None, columns: int, n: int) -> None:
    if highlight is None or not 0 <= highlight < n:
        box.set_visible(False)
        return
    box.set_visible(True)
    box.set_xy((highlight % columns - 0.5, highlight // columns - 0.5))


def draw_occupancy(ax, snapshot, columns: int | None = None, highlight: int | None = None,
                   legend: bool = False) -> OccupancyArtists:
    """Draw one step's slots as a grid of coloured cells, row by row.

    Row labels give the first page of each row; a black frame marks cell
    *highlight*; *legend* adds the states' colours below the grid. Returns
    the artists, which :meth:`OccupancyArtists.update` moves to another
    snapshot.
    """
    n = len(snapshot.cells)
    cols = columns or grid_columns(n)
    rows = -(-n // cols)
    image = ax.imshow(_grid(snapshot, cols), cmap=CMAP, vmin=0, vmax=len(CELL_STATES) - 1,
                      interpolation="nearest", aspect="auto")
    # white lines between cells, as one artist drawn above the image
    lines = [[(x, -0.5), (x, rows - 0.5)] for x in np.arange(0.5, cols - 1, 1)]
    lines += [[(-0.5, y), (cols - 0.5, y)] for y in np.arange(0.5, rows - 1, 1)]
    gridlines = LineCollection(lines, colors="white", linewidths=0.6 if n > 128 else 1.2, zorder=2)
    ax.add_collection(gridlines)
    xstep = 1 if cols <= 16 else 4
    ax.set_xticks(range(0, cols, xstep))
    ystep = max(1, rows // 8)
    ax.set_yticks(range(0, rows, ystep))
    ax.set_yticklabels([f"page {r * cols}" for r in range(0, rows, ystep)])
    ax.tick_params(labelsize=8)
    box = Rectangle((0, 0), 1, 1, fill=False, edgecolor="black", lw=2.5, zorder=6)
    ax.add_patch(box)
    _place_box(box, highlight, cols, n)
    if legend:
        ax.legend(handles=[Patch(facecolor=STATE_COLORS[s], edgecolor="#999999", label=s) for s in CELL_STATES],
                  loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=4, fontsize=8, frameon=False,
                  handlelength=1.2, columnspacing=1.0)
    return OccupancyArtists(image, box, cols, gridlines)
