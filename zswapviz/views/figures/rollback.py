"""The rollback timeline: when each page was published, when the failure hit, which erase undid which store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from ...trace import Trace
from ..viewmodel import rollback_note
from ._common import FAIL, STATE_COLORS, marker_and_future, move_marker


def _rollback_events(trace: Trace):
    """Stores, the frees that undid them, and empty erases, from the steps."""
    last_store: dict[int, int] = {}
    pairs = []      # (store step or None for stale, free step, page)
    stores = []     # (step, page)
    empties = []    # (step, page): an erase that found nothing
    for s in trace.steps:
        if s.page is None:
            continue
        if s.fn == "xa_store" and s.arg == 0:
            stores.append((s.index, s.page))
            last_store[s.page] = s.index
        elif (s.fn == "xa_erase" or s.fn == "zswap_entry_free") and s.arg:
            if s.fn == "zswap_entry_free" and s.phase == "publish":
                # xa_store replaced an older entry: the old one came before this store
                pairs.append((None, s.index, s.page))
                continue
            pairs.append((last_store.pop(s.page, None), s.index, s.page))
        elif s.fn == "xa_erase":
            empties.append((s.index, s.page))
    return stores, pairs, empties


@dataclass
class RollbackArtists:
    """Store/undo segments, the failure lines, the current-step marker."""

    segments: object
    marker: object
    future: Rectangle
    note: object
    n_steps: int
    current: int = 0
    legend: object = None

    def update(self, k: int) -> None:
        """Mark step *k*."""
        self.current = k
        move_marker(self.marker, self.future, self.n_steps, k)


def draw_rollback(ax, trace: Trace, current: int = 0) -> RollbackArtists:
    """Draw when each page was published, when the failure hit, and which erase undid which store.

    One row per page: a green dot where ``xa_store`` published it, a red
    line from there to the red cross of the erase (or free) that undid it;
    a line from the left edge is a stale entry from an earlier swap-out.
    Grey ticks are erases that found nothing; dashed red lines are failures.
    """
    stores, pairs, empties = _rollback_events(trace)
    n = len(trace)
    pages = len(trace.snapshots[0].cells) if n else 1
    undone = {(s, p) for s, _, p in pairs if s is not None}
    segs, colors = [], []
    for s, e, p in pairs:
        segs.append([(-0.5 if s is None else s, p), (e, p)])
        colors.append(STATE_COLORS["stale"] if s is None else FAIL)
    for s, p in stores:
        if (s, p) not in undone:
            segs.append([(s, p), (n - 0.5, p)])
            colors.append(STATE_COLORS["stored"])
    lw = 2.0 if pages <= 64 else 0.8
    segments = LineCollection(segs, colors=colors, linewidths=lw)
    ax.add_collection(segments)
    ms = 18 if pages <= 64 else 4
    if stores:
        ax.scatter([s for s, _ in stores], [p for _, p in stores], s=ms, color=STATE_COLORS["stored"],
                   zorder=3, label="xa_store (published)")
    if pairs:
        ax.scatter([e for _, e, _ in pairs], [p for _, _, p in pairs], s=ms * 1.5, marker="x", color=FAIL,
                   zorder=3, label="erase/free undoing it")
    if empties:
        ax.scatter([e for e, _ in empties], [p for _, p in empties], s=ms * 0.6, marker="|",
                   color="#9e9e9e", zorder=2, label="xa_erase: nothing there")
    fails = trace.find(failed=True)
    for i in fails:
        ax.axvline(i, color=FAIL, lw=1.2, ls="--")
    note = ax.text(0.01, 0.985, rollback_note(trace, "\n"), transform=ax.transAxes, va="top", fontsize=8, zorder=7)
    ax.set_xlim(-0.5, max(n - 0.5, 0.5))
    # room above the pages for the note and below them for the legend
    ax.set_ylim(pages - 0.5 + max(1.5, pages * 0.3), -0.5 - max(1.5, pages * 0.22))
    ystep = 1 if pages <= 8 else 2 if pages <= 16 else 4 if pages <= 32 else 1 << int(np.log2(pages / 6))
    ax.set_yticks(range(0, pages, ystep))
    ax.set_xlabel("step")
    ax.set_ylabel("page", labelpad=1)
    ax.tick_params(labelsize=8)
    legend = None
    if stores or pairs or empties:
        # lower left: stores of later pages come later, so that corner stays empty
        legend = ax.legend(loc="lower left", fontsize=7, frameon=True, framealpha=0.9)
        legend.set_zorder(8)
    marker, future = marker_and_future(ax, n, current, -0.5, pages - 0.5)
    artists = RollbackArtists(segments, marker, future, note, n, legend=legend)
    artists.update(current)
    return artists
