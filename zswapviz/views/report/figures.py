"""The report's static figures, drawn with matplotlib (Agg) as inline PNGs.

A figure over the steps also gives the geometry of its step axis, so the
player can draw its marker on it and a click can pick a step.
"""

from __future__ import annotations

import base64
import io
import json

from ...model.world import CELL_STATES
from ...trace import Trace
from .page import esc


def _figure(draw, size) -> tuple[str, dict | None]:
    """Draw with Agg; return (base64 PNG, marker geometry of the step axis or None)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    step_axis = draw(ax)
    canvas.draw()
    geom = None
    if step_axis:
        box = ax.get_position()
        xmin, xmax = ax.get_xlim()
        geom = {"x0": box.x0, "x1": box.x1, "y0": box.y0, "y1": box.y1, "xmin": xmin, "xmax": xmax}
    buf = io.BytesIO()
    canvas.print_png(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii"), geom


def _state_legend(ax, trace: Trace) -> None:
    from matplotlib.patches import Patch

    from ...plots import STATE_COLORS

    used = []
    last = None
    for snap in trace.snapshots:
        if snap.cells is last:
            continue
        last = snap.cells
        for c in snap.cells:
            if c.state not in used:
                used.append(c.state)
    order = [s for s in CELL_STATES if s in used]
    ax.legend(handles=[Patch(facecolor=STATE_COLORS[s], edgecolor="#999", label=s) for s in order],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def trace_figures(trace: Trace, small: bool = False) -> list[tuple[str, str, dict | None]]:
    """(caption, base64 PNG, geometry) of the explorer's figures of *trace*."""
    from ... import plots

    n = len(trace)
    width = 6.2 if small else 9.5

    def timeline(ax):
        _image, marker = plots.draw_occupancy_timeline(ax, trace)
        marker.remove()
        ax.set_xlim(-0.5, n - 0.5)
        _state_legend(ax, trace)
        return True

    def ledger_plot(ax):
        _lines, marker = plots.draw_ledger(ax, trace)
        marker.remove()
        ax.set_xlim(-0.5, n - 0.5)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        return True

    def final(ax):
        plots.draw_occupancy(ax, trace.snapshots[-1])
        ax.set_title("after the last step", fontsize=9)
        return False

    out = [("Every slot's state over every step (click to jump; the dark line is the player's step).",
            *_figure(timeline, (width, 2.6 if small else 3.2))),
           ("The ledger over the steps: entries, references held (base references excluded) and the charge.",
            *_figure(ledger_plot, (width, 2.4 if small else 2.8)))]
    if not small:
        out.append(("The xarray window after the last step.", *_figure(final, (4.5, 2.0 if len(trace.snapshots[-1].cells) <= 64 else 3.0))))
    return out


def figures_html(figs, player_id: str) -> str:
    parts = []
    for caption, png, geom in figs:
        attrs = f' data-zv-fig="{esc(player_id)}" data-geom="{esc(json.dumps(geom))}"' if geom else ""
        parts.append(f'<figure{attrs}><div class="zv-figbox"><img alt="{esc(caption)}" '
                     f'src="data:image/png;base64,{png}"></div><figcaption>{esc(caption)}</figcaption></figure>')
    return "\n".join(parts)
