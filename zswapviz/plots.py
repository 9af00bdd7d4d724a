"""Figures of a recorded trace (matplotlib; the core never imports this).

Every function is ax-first and returns the artists it made, so a widget
can update them in place; they read only a :class:`~zswapviz.trace.Trace`
or one of its snapshots.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap

from .model.world import CELL_STATES
from .trace import Trace

__all__ = ["STATE_COLORS", "draw_ledger", "draw_occupancy", "draw_occupancy_timeline"]

#: One colour per cell state, in CELL_STATES order.
STATE_COLORS = {
    "empty": "#f2f2f2",
    "stale": "#b39ddb",
    "storing": "#ffcc80",
    "stored": "#43a047",
    "erased": "#e53935",
    "zeromap": "#90caf9",
    "disk": "#5d4037",
    "memory": "#fff176",
}
_CMAP = ListedColormap([STATE_COLORS[s] for s in CELL_STATES])
_CODE = {s: i for i, s in enumerate(CELL_STATES)}


def _state_matrix(trace: Trace) -> np.ndarray:
    """Cell state codes, one row per page of the window, one column per step."""
    n = len(trace.snapshots[0].cells) if trace.snapshots else 0
    out = np.zeros((n, len(trace)), dtype=np.int8)
    last_cells = None
    col = None
    for k, snap in enumerate(trace.snapshots):
        if snap.cells is not last_cells:
            col = np.fromiter((_CODE[c.state] for c in snap.cells), dtype=np.int8, count=n)
            last_cells = snap.cells
        out[:, k] = col
    return out


def draw_occupancy_timeline(ax, trace: Trace, current: int | None = None):
    """Draw every slot's state over every step; return (image, marker line)."""
    image = ax.imshow(_state_matrix(trace), aspect="auto", interpolation="nearest",
                      cmap=_CMAP, vmin=0, vmax=len(CELL_STATES) - 1, origin="lower")
    ax.set_xlabel("step")
    ax.set_ylabel("page of the folio (swap offset - first)")
    marker = ax.axvline(current if current is not None else -1, color="black", lw=1)
    return image, marker


def draw_occupancy(ax, snapshot, columns: int | None = None, highlight: int | None = None):
    """Draw one step's slots as a grid of coloured cells; return the image."""
    cells = list(snapshot.cells)
    n = len(cells)
    cols = columns or max(1, int(np.ceil(np.sqrt(n * 2))))
    rows = -(-n // cols)
    grid = np.full(rows * cols, np.nan)
    grid[:n] = [_CODE[c.state] for c in cells]
    image = ax.imshow(grid.reshape(rows, cols), cmap=_CMAP, vmin=0, vmax=len(CELL_STATES) - 1,
                      interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if highlight is not None and 0 <= highlight < n:
        ax.add_patch(_box(highlight % cols, highlight // cols))
    return image


def _box(x: int, y: int):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="black", lw=2)


def draw_ledger(ax, trace: Trace, keys=("stored_pages", "pool_refs", "objcg_refs", "objcg_zswap_kib"),
                current: int | None = None, label_prefix: str = ""):
    """Draw the ledger over steps; return the lines (one per key) and the marker."""
    series = {key: [] for key in keys}
    for snap in trace.snapshots:
        pool = snap.pools[-1][1] - (0 if snap.pools[-1][2] else 1) if snap.pools else 0
        m = snap.memcg[0] if snap.memcg else (None, 1, 0, 0, 0)
        values = {
            "stored_pages": snap.stats["stored_pages"],
            "pool_refs": pool,
            "objcg_refs": m[1] - 1,
            "objcg_zswap_kib": m[2] / 1024,
            "memcg_zswapped": m[3],
            "lru": snap.lru_len,
        }
        for key in keys:
            series[key].append(values[key])
    lines = [ax.step(range(len(trace)), series[k], where="post", label=label_prefix + k)[0] for k in keys]
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("step")
    marker = ax.axvline(current if current is not None else -1, color="black", lw=1)
    return lines, marker
