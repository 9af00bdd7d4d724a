"""What the figures share: the cell states' colours, the failure colour, the current-step marker."""

from __future__ import annotations

from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from ...snapshot import CELL_STATES
from ..viewmodel import STATE_COLORS as _VM_COLORS

#: The explorer figure's size in inches (at 80 dpi: 880 x 560 pixels).
EXPLORER_FIGSIZE = (11.0, 7.0)

#: One colour per cell state (the view model's, so every renderer agrees).
STATE_COLORS = dict(_VM_COLORS)
CMAP = ListedColormap([STATE_COLORS[s] for s in CELL_STATES]).with_extremes(bad="white")
CODE = {s: i for i, s in enumerate(CELL_STATES)}
FAIL = "#c62828"
FUTURE = dict(facecolor="white", alpha=0.6, edgecolor="none", zorder=5)


def marker_and_future(ax, n: int, current: int, ylo: float, yhi: float):
    """A vertical line at the current step and a fading box over the steps after it, from *ylo* to *yhi*."""
    marker = ax.axvline(current, color="black", lw=1.2, zorder=6)
    future = Rectangle((current + 0.5, ylo), max(n - current, 0), yhi - ylo, **FUTURE)
    ax.add_patch(future)
    return marker, future


def move_marker(marker, future, n: int, k: int) -> None:
    """Put the marker on step *k* and the fading box over the steps after it."""
    marker.set_xdata([k, k])
    future.set_x(k + 0.5)
    future.set_width(max(n - k, 0))
