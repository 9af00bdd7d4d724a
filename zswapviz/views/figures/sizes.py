"""Compressed sizes: each page's compressed length against PAGE_SIZE, with its zsmalloc class."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.patches import Rectangle

from ...constants import PAGE_SIZE
from ...model.zsmalloc import SizeClasses
from ...trace import Trace
from ._common import FAIL

_CLASSES = SizeClasses()


def _size_events(trace: Trace):
    """(step, page, compressed length, stored length) per compression, in order."""
    steps, pages, comp, stored = [], [], [], []
    pending: dict[int, int] = {}
    for s in trace.steps:
        if s.page is None:
            continue
        if s.fn == "crypto_acomp_compress":
            pending[s.page] = s.arg if s.arg is not None else 0
            steps.append(s.index)
            pages.append(s.page)
            comp.append(s.arg if s.arg is not None and s.arg >= 0 else -1)
            stored.append(0)
        elif s.fn in ("zs_malloc", "zpool_malloc") and s.arg is not None and s.arg >= 0 and s.page in pending:
            steps.append(s.index)
            pages.append(s.page)
            comp.append(pending[s.page])
            stored.append(s.arg)
    return (np.array(steps, dtype=np.int64), np.array(pages, dtype=np.int64),
            np.array(comp, dtype=np.int64), np.array(stored, dtype=np.int64))


@dataclass
class SizesArtists:
    """Compressed lengths, class sizes and the current page's note."""

    trace: Trace
    bars: object
    classes: object
    failed: object
    band: Rectangle
    note: object
    events: tuple = field(repr=False)
    current: int = 0
    lines: tuple = ()

    def values(self, k: int):
        """Per page at step *k*: compressed length, zsmalloc class size, and failures."""
        steps, pages, comp, stored = self.events
        n = len(self.trace.snapshots[0].cells)
        upto = int(np.searchsorted(steps, k, side="right"))
        length = np.zeros(n)
        cls = np.zeros(n)
        fail = np.zeros(n, dtype=bool)
        p, c, st = pages[:upto], comp[:upto], stored[:upto]
        length[p] = np.maximum(c, 0)
        fail[p] = c < 0
        has = st > 0
        cls[p[has]] = [_CLASSES.class_for_length(int(x)).size for x in st[has]]
        # a later compression of the same page with no allocation yet: no class
        last = {int(pg): i for i, pg in enumerate(p)}
        for pg, i in last.items():
            if st[i] == 0:
                cls[pg] = 0
        return length, cls, fail

    def update(self, k: int) -> None:
        """Show the sizes known after step *k*."""
        self.current = k
        length, cls, fail = self.values(k)
        edges = np.arange(len(length) + 1) - 0.5
        self.bars.set_data(length, edges)
        self.classes.set_data(cls, edges)
        xs = np.flatnonzero(fail)
        self.failed.set_offsets(np.column_stack([xs, np.full(len(xs), 200.0)]) if len(xs) else np.empty((0, 2)))
        page = self.trace.steps[k].page if len(self.trace) else None
        if page is None:
            self.band.set_visible(False)
        else:
            self.band.set_visible(True)
            self.band.set_x(page - 0.5)
        self.note.set_text(_sizes_note(length, cls, fail, page))


def _sizes_note(length, cls, fail, page) -> str:
    done = length > 0
    if done.any():
        ratio = done.sum() * PAGE_SIZE / length[done].sum()
        head = f"{int(done.sum())} page(s) compressed, ratio {ratio:.2f}:1"
    else:
        head = "no page compressed yet"
    if page is not None and page < len(length):
        if fail[page]:
            head += f"\npage {page}: the compressor failed"
        elif length[page]:
            line = f"\npage {page}: {int(length[page])} B"
            if cls[page]:
                c = _CLASSES.class_for_length(int(min(length[page], PAGE_SIZE)))
                line += f" -> class {c.size} B ({c.pages_per_zspage} page(s)/zspage, {c.objs_per_zspage} obj)"
            elif length[page] >= PAGE_SIZE:
                line += " (not below a page)"
            head += line
    return head


def draw_sizes(ax, trace: Trace, current: int = 0) -> SizesArtists:
    """Draw each page's compressed length against 4096, with its zsmalloc class.

    Bars: compressed bytes known after step *current*; the dark outline is
    the size of the class zs_malloc put it in (length + 8-byte handle,
    rounded up); the dotted line is where the huge class begins. The note
    gives the ratio so far and the current page's class.
    """
    events = _size_events(trace)
    n = len(trace.snapshots[0].cells) if len(trace) else 0
    edges = np.arange(n + 1) - 0.5
    zeros = np.zeros(n)
    bars = ax.stairs(zeros, edges, fill=True, color="#81c784", label="compressed length")
    classes = ax.stairs(zeros, edges, color="#1b5e20", lw=1.2 if n <= 64 else 0.5, alpha=1 if n <= 64 else 0.6,
                        label="its zsmalloc class size")
    failed = ax.scatter([], [], marker="x", color=FAIL, s=40, zorder=4, label="compression failed")
    page_line = ax.axhline(PAGE_SIZE, color="black", lw=1, label="PAGE_SIZE (4096)")
    huge_line = ax.axhline(_CLASSES.huge_class_size, color="grey", lw=0.8, ls=":",
                           label=f"huge class: one page per object (from {_CLASSES.huge_class_size})")
    top = max([PAGE_SIZE * 1.3] + [c * 1.05 for c in events[2] if c > 0])
    band = Rectangle((-0.5, 0), 1, top, facecolor="#ffe082", alpha=0.6, edgecolor="none", zorder=0)
    ax.add_patch(band)
    note = ax.text(0.01, 0.985, "", transform=ax.transAxes, va="top", ha="left", fontsize=8,
                   bbox=dict(facecolor="white", alpha=0.85, edgecolor="none", pad=1.5), zorder=7)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(0, top)
    ax.set_yticks([0, 1024, 2048, 3072, 4096])
    ax.tick_params(labelsize=8)
    ax.set_xlabel("page", fontsize=9, labelpad=1)
    ax.set_ylabel("bytes")
    ax.legend(handles=[bars, classes, page_line, huge_line, failed], loc="upper center",
              bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=7, frameon=False, handlelength=1.5,
              columnspacing=1.0)
    artists = SizesArtists(trace, bars, classes, failed, band, note, events, lines=(huge_line, page_line))
    artists.update(current)
    return artists
