"""The ledger over the steps: refs, charge and stored_pages, and zswap's pool against its limits."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.patches import Rectangle

from ...constants import PAGE_SIZE
from ...ledger import LEDGER_NUMBERS, OLD_NAMES, ledger
from ...trace import Trace
from ._common import FAIL, marker_and_future, move_marker


def ledger_series(trace: Trace) -> dict[str, np.ndarray]:
    """The ledger (zswapviz.ledger.Ledger) after every step, one array per number.

    Keys: the ledger's numbers (``pool_refs``, ``objcg_refs``, ``zswap_b``,
    ``stored_pages`` ...), plus ``pool_total_pages`` (pool_total_size in pages).
    """
    n = len(trace)
    out = {k: np.zeros(n) for k in LEDGER_NUMBERS}
    for k, snap in enumerate(trace.snapshots):
        led = ledger(snap)
        for key in LEDGER_NUMBERS:
            out[key][k] = led[key]
    out["pool_total_pages"] = out["pool_total_size"] / PAGE_SIZE
    return out


def draw_ledger(ax, trace: Trace, keys=("stored_pages", "pool_refs", "objcg_refs", "zswap_kib"),
                current: int | None = None, label_prefix: str = ""):
    """Draw ledger numbers over steps; return the lines (one per key) and the marker.

    *keys* are Ledger names (old names read too), or ``zswap_kib``: zswap_b in KiB.
    """
    series = ledger_series(trace)
    series["zswap_kib"] = series["zswap_b"] / 1024
    names = {"objcg_zswap_kib": "zswap_kib", **OLD_NAMES}
    lines = [ax.step(range(len(trace)), series[names.get(k, k)], where="post", label=label_prefix + k)[0]
             for k in keys]
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("step")
    marker = ax.axvline(current if current is not None else -1, color="black", lw=1)
    return lines, marker


@dataclass
class LedgerArtists:
    """Ledger lines over all steps, the current-step marker and the faded future."""

    lines: dict
    marker: object
    future: Rectangle
    values: object
    series: dict = field(repr=False)
    current: int = 0

    def update(self, k: int) -> None:
        """Mark step *k* and print the ledger after it."""
        self.current = k
        move_marker(self.marker, self.future, len(self.series["stored_pages"]), k)
        s = self.series
        if len(s["stored_pages"]):
            self.values.set_text(
                f"stored_pages {s['stored_pages'][k]:.0f} · pool refs {s['pool_refs'][k]:.0f} · "
                f"objcg refs {s['objcg_refs'][k]:.0f} · zswap_b {s['zswap_b'][k]:.0f} B")


def draw_refcounts(ax, trace: Trace, current: int = 0) -> LedgerArtists:
    """Draw pool refs, objcg refs, stored_pages (left axis) and the charge (right axis) over steps.

    Refs are counted beyond each object's base reference, so a balanced
    ledger returns to zero. A dashed red line marks each failed step;
    the steps after *current* are faded.
    """
    series = ledger_series(trace)
    n = len(trace)
    x = np.arange(n)
    colors = {"stored_pages": "#1e88e5", "pool_refs": "#43a047", "objcg_refs": "#8e24aa"}
    lines = {}
    for key, color in colors.items():
        lines[key] = ax.step(x, series[key], where="post", color=color, lw=1.5, label=key.replace("_", " "))[0]
    twin = ax.twinx()
    lines["zswap_b"] = twin.step(x, series["zswap_b"] / 1024, where="post", color="#fb8c00",
                                 lw=1.5, ls="--", label="zswap_b charged (KiB, right)")[0]
    ax.axhline(0, color="grey", lw=0.6)
    for i in trace.find(failed=True):
        ax.axvline(i, color=FAIL, lw=1, ls="--")
    lo = min(0.0, *(series[k].min() for k in colors)) if n else 0.0
    hi = max(1.0, *(series[k].max() for k in colors)) if n else 1.0
    pad = 0.08 * (hi - lo)
    # the top 40% of the axes is left to the legend and the values line
    ylo, yhi = lo - pad, hi + (hi - lo + pad) * 0.7
    ax.set_ylim(ylo, yhi)
    # the right axis (KiB) puts its zero level with the left one's, and its data under the same top
    zero = (0 - ylo) / (yhi - ylo)
    top = (hi + pad - ylo) / (yhi - ylo)
    clo, chi = (series["zswap_b"].min() / 1024, series["zswap_b"].max() / 1024) if n else (0.0, 1.0)
    span = max(1.0, -clo / zero if clo < 0 and zero > 0 else 0.0, chi / (top - zero) if chi > 0 and top > zero else 0.0)
    twin.set_ylim(-zero * span, (1 - zero) * span)
    ax.set_xlim(-0.5, max(n - 0.5, 0.5))
    ax.set_xlabel("step")
    ax.set_ylabel("count (KiB dashed, right)", fontsize=9)
    twin.tick_params(axis="y", labelcolor="#fb8c00", labelsize=8)
    ax.tick_params(labelsize=8)
    ax.legend(handles=list(lines.values()), loc="upper left", ncol=4, fontsize=7, frameon=False)
    values = ax.text(0.01, 0.86, "", transform=ax.transAxes, fontsize=8, va="top",
                     bbox=dict(facecolor="white", alpha=0.85, edgecolor="none", pad=1.5), zorder=7)
    marker, future = marker_and_future(twin, n, current, -zero * span, (top - zero) * span)
    artists = LedgerArtists(lines, marker, future, values, series)
    artists.update(current)
    return artists


# -- the pool over a workload -------------------------------------------------


def draw_pool_pages(ax, trace: Trace, max_pages: int | None = None, accept_pages: int | None = None):
    """Draw zswap's pool size (zsmalloc pages) over steps with its limit and accept threshold.

    Returns (the pool line, the limit line, the threshold line); refused
    folios (``zswap_check_limits`` saying no) are marked with red dots.
    """
    series = ledger_series(trace)
    x = np.arange(len(trace))
    line = ax.step(x, series["pool_total_pages"], where="post", color="#1e88e5", label="pool pages (zswap_total_pages)")[0]
    limit = ax.axhline(max_pages, color=FAIL, lw=1, label=f"max_pool_percent: {max_pages} pages") if max_pages is not None else None
    thr = (ax.axhline(accept_pages, color="#fb8c00", lw=1, ls="--", label=f"accept threshold: {accept_pages} pages")
           if accept_pages is not None else None)
    refused = [s.index for s in trace.steps if s.fn == "zswap_check_limits" and s.arg]
    if refused:
        ax.scatter(refused, series["pool_total_pages"][refused], color=FAIL, zorder=3, s=20, label="folio refused")
    ax.set_xlabel("step")
    ax.set_ylabel("pages")
    ax.legend(loc="lower right", fontsize=8)
    return line, limit, thr
