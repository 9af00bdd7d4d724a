"""The report's static figures, drawn with matplotlib (Agg) as inline PNGs.

A figure over the steps also gives the geometry of its step axis, so the
player can draw its marker on it and a click can pick a step.
"""

from __future__ import annotations

import base64
import io
import json

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


def state_segments(vm: dict) -> dict[int, list[tuple[int, int, int]]]:
    """(page, first step, step after the last) of every run of one state, by state code, from the view model.

    Read from the view model's cell changes, so the work and the memory grow
    with the number of changes, never with pages x steps.
    """
    init, ch, n = vm["cells"]["initial"], vm["cells"]["changes"], vm["n"]
    state = list(init["state"])
    since = [0] * len(state)
    out: dict[int, list] = {}
    for step, page, code in zip(ch["step"], ch["page"], ch["state"]):
        if code != state[page]:
            if step > since[page]:
                out.setdefault(state[page], []).append((page, since[page], step))
            state[page], since[page] = code, step
    for page, code in enumerate(state):
        out.setdefault(code, []).append((page, since[page], n))
    return out


def draw_timeline(ax, vm: dict) -> None:
    """Every slot's state over every step, as one rectangle per run of a state, with a legend of the states used."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    segments = state_segments(vm)
    for code, runs in sorted(segments.items()):
        polys = [((x0 - 0.5, p - 0.5), (x1 - 0.5, p - 0.5), (x1 - 0.5, p + 0.5), (x0 - 0.5, p + 0.5)) for p, x0, x1 in runs]
        ax.add_collection(PolyCollection(polys, facecolors=vm["colors"][code], edgecolors="none", antialiased=False))
    ax.set_xlim(-0.5, vm["n"] - 0.5)
    ax.set_ylim(-0.5, vm["pages"] - 0.5)
    ax.set_xlabel("step")
    ax.set_ylabel("page of the window")
    ax.legend(handles=[Patch(facecolor=vm["colors"][c], edgecolor="#999", label=vm["states"][c]) for c in sorted(segments)],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10, frameon=False)


def trace_figures(trace: Trace, small: bool = False, vm: dict | None = None) -> list[tuple[str, str, dict | None]]:
    """(caption, base64 PNG, geometry) of the figures of *trace* (its view model *vm* if already made)."""
    from ..figures import draw_ledger, draw_occupancy
    from ..viewmodel import view_model

    n = len(trace)
    width = 6.2 if small else 9.5
    vm = vm if vm is not None else view_model(trace)

    def timeline(ax):
        draw_timeline(ax, vm)
        return True

    def ledger_plot(ax):
        _lines, marker = draw_ledger(ax, trace)
        marker.remove()
        ax.set_xlim(-0.5, n - 0.5)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10, frameon=False)
        return True

    def final(ax):
        draw_occupancy(ax, trace.snapshots[-1])
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
