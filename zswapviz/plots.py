"""Figures of a recorded trace (matplotlib; the core never imports this).

Every ``draw_*`` function is ax-first (or figure-first) and returns the
artists it made; the panel artists the explorer uses also carry an
``update(k)`` method that moves them to step *k* of the trace by changing
data in place (``set_data``, ``set_xdata``, ``set_text``), never by drawing
anew. So the figure the explorer shows at step *k* is the same as the one
drawn directly at *k*:

>>> from matplotlib.figure import Figure
>>> from zswapviz import Scenario
>>> trace = Scenario(faults={5: "alloc_fail"}).run()
>>> panels = draw_explorer(Figure(), trace, current=0)
>>> panels.update(trace.failure_index)
>>> panels.current == trace.failure_index
True

Everything here reads only a :class:`~zswapviz.trace.Trace` or one of its
snapshots; what a panel needs over all steps is computed once when it is
drawn, and stepping only indexes it (ipympl's "precompute, then index").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from .constants import PAGE_SIZE
from .ledger import LEDGER_NUMBERS, OLD_NAMES, ledger
from .model.zsmalloc import SizeClasses
from .snapshot import CELL_STATES
from .trace import Trace
from .views.viewmodel import STATE_COLORS as _VM_COLORS
from .views.viewmodel import rollback_note

__all__ = [
    "EXPLORER_FIGSIZE",
    "STATE_COLORS",
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
    "occupancy_raster",
    "draw_pool_pages",
    "draw_refcounts",
    "draw_rollback",
    "draw_sizes",
    "grid_columns",
    "ledger_series",
    "plot_step",
    "save_step_figure",
    "step_title",
]

#: The explorer figure's size in inches (at 80 dpi: 880 x 560 pixels).
EXPLORER_FIGSIZE = (11.0, 7.0)

#: One colour per cell state (the view model's, so every renderer agrees).
STATE_COLORS = dict(_VM_COLORS)
_CMAP = ListedColormap([STATE_COLORS[s] for s in CELL_STATES]).with_extremes(bad="white")
_CODE = {s: i for i, s in enumerate(CELL_STATES)}
_FAIL = "#c62828"
_FUTURE = dict(facecolor="white", alpha=0.6, edgecolor="none", zorder=5)


#: The occupancy timeline's raster is at most this many step columns and page rows:
#: more than a figure shows, and bounded whatever the trace's size.
TIMELINE_MAX_STEPS = 1600
TIMELINE_MAX_PAGES = 512


def _cell_codes(chunk) -> np.ndarray:
    return np.fromiter((_CODE[c.state] for c in chunk), dtype=np.int8, count=len(chunk))


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
    image = ax.imshow(raster, aspect="auto", interpolation="nearest", cmap=_CMAP, vmin=0,
                      vmax=len(CELL_STATES) - 1, origin="lower",
                      extent=(-0.5, raster.shape[1] * per_col - 0.5, -0.5, n - 0.5))
    ax.set_xlim(-0.5, steps - 0.5)
    ax.set_ylim(-0.5, pages - 0.5)
    ax.set_xlabel("step" if per_col == 1 else f"step ({per_col} steps per column)")
    ax.set_ylabel("page of the folio (swap offset - first)" if per_row == 1
                  else f"page (bands of {per_row}: most common state)")
    marker = ax.axvline(current if current is not None else -1, color="black", lw=1)
    return image, marker


# -- the xarray occupancy grid ------------------------------------------------


def grid_columns(n: int) -> int:
    """Choose how many slots a grid row shows: the view model's one rule (:func:`zswapviz.views.viewmodel.grid_columns`).

    >>> [grid_columns(n) for n in (1, 16, 32, 64, 512)]
    [1, 16, 16, 16, 32]
    """
    from .views.viewmodel import grid_columns as rule

    return rule(n)


def _grid(snapshot, columns: int) -> np.ndarray:
    n = len(snapshot.cells)
    rows = -(-n // columns)
    grid = np.full(rows * columns, np.nan)
    grid[:n] = np.fromiter((_CODE[c.state] for c in snapshot.cells), dtype=float, count=n)
    return grid.reshape(rows, columns)


@dataclass
class OccupancyArtists:
    """The grid image and the current cell's frame; :meth:`update` moves both."""

    image: object
    box: Rectangle
    columns: int
    gridlines: object = None

    @property
    def dynamic(self) -> list:
        """The artists :meth:`update` changes, in drawing order."""
        return [a for a in (self.image, self.gridlines, self.box) if a is not None]

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
    image = ax.imshow(_grid(snapshot, cols), cmap=_CMAP, vmin=0, vmax=len(CELL_STATES) - 1,
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


# -- compressed sizes ---------------------------------------------------------

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

    @property
    def dynamic(self) -> list:
        """The artists :meth:`update` changes (and the lines drawn over them), in drawing order."""
        return [self.band, self.bars, self.classes, *self.lines, self.failed, self.note]

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
    failed = ax.scatter([], [], marker="x", color=_FAIL, s=40, zorder=4, label="compression failed")
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


# -- refcounts and ledger -----------------------------------------------------


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


def _marker_and_future(ax, n: int, current: int, ylo: float, yhi: float):
    """A vertical line at the current step and a fading box over the steps after it, from *ylo* to *yhi*."""
    marker = ax.axvline(current, color="black", lw=1.2, zorder=6)
    future = Rectangle((current + 0.5, ylo), max(n - current, 0), yhi - ylo, **_FUTURE)
    ax.add_patch(future)
    return marker, future


def _move_marker(marker, future, n: int, k: int) -> None:
    marker.set_xdata([k, k])
    future.set_x(k + 0.5)
    future.set_width(max(n - k, 0))


@dataclass
class LedgerArtists:
    """Ledger lines over all steps, the current-step marker and the faded future."""

    lines: dict
    marker: object
    future: Rectangle
    values: object
    series: dict = field(repr=False)
    current: int = 0

    @property
    def dynamic(self) -> list:
        """The artists :meth:`update` changes, in drawing order."""
        return [self.future, self.marker, self.values]

    def update(self, k: int) -> None:
        """Mark step *k* and print the ledger after it."""
        self.current = k
        _move_marker(self.marker, self.future, len(self.series["stored_pages"]), k)
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
        ax.axvline(i, color=_FAIL, lw=1, ls="--")
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
    marker, future = _marker_and_future(twin, n, current, -zero * span, (top - zero) * span)
    artists = LedgerArtists(lines, marker, future, values, series)
    artists.update(current)
    return artists


# -- rollback timeline -------------------------------------------------------


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

    @property
    def dynamic(self) -> list:
        """The artists :meth:`update` changes (and the legend kept above them), in drawing order."""
        return [self.future, self.marker] + ([self.legend] if self.legend is not None else [])

    def update(self, k: int) -> None:
        """Mark step *k*."""
        self.current = k
        _move_marker(self.marker, self.future, self.n_steps, k)


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
        colors.append(STATE_COLORS["stale"] if s is None else _FAIL)
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
        ax.scatter([e for _, e, _ in pairs], [p for _, _, p in pairs], s=ms * 1.5, marker="x", color=_FAIL,
                   zorder=3, label="erase/free undoing it")
    if empties:
        ax.scatter([e for e, _ in empties], [p for _, p in empties], s=ms * 0.6, marker="|",
                   color="#9e9e9e", zorder=2, label="xa_erase: nothing there")
    fails = trace.find(failed=True)
    for i in fails:
        ax.axvline(i, color=_FAIL, lw=1.2, ls="--")
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
    marker, future = _marker_and_future(ax, n, current, -0.5, pages - 0.5)
    artists = RollbackArtists(segments, marker, future, note, n, legend=legend)
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
    limit = ax.axhline(max_pages, color=_FAIL, lw=1, label=f"max_pool_percent: {max_pages} pages") if max_pages is not None else None
    thr = (ax.axhline(accept_pages, color="#fb8c00", lw=1, ls="--", label=f"accept threshold: {accept_pages} pages")
           if accept_pages is not None else None)
    refused = [s.index for s in trace.steps if s.fn == "zswap_check_limits" and s.arg]
    if refused:
        ax.scatter(refused, series["pool_total_pages"][refused], color=_FAIL, zorder=3, s=20, label="folio refused")
    ax.set_xlabel("step")
    ax.set_ylabel("pages")
    ax.legend(loc="lower right", fontsize=8)
    return line, limit, thr


# -- the whole explorer figure ------------------------------------------------


def step_title(trace: Trace, k: int) -> str:
    """One line naming step *k*: its number, phase, kernel function and page (the view model's title line).

    >>> from zswapviz import Scenario
    >>> step_title(Scenario().run(), 7).split(" · ", 1)[1]
    'store · crypto_acomp_compress(page 0): 1802 bytes'
    """
    from .views.viewmodel import step_call

    if not len(trace):
        return "no steps"
    s = trace.steps[k]
    return f"step {k} of {len(trace) - 1} · {s.phase} · {step_call(s.fn, s.page, s.arg)}"


@dataclass
class ExplorerArtists:
    """The explorer figure's panels; :meth:`update` moves them all to step *k*."""

    trace: Trace
    title: object
    occupancy: OccupancyArtists
    sizes: SizesArtists
    ledger: LedgerArtists
    rollback: RollbackArtists
    current: int = 0
    background: object = field(default=None, repr=False)
    _cid: int | None = field(default=None, repr=False)

    @property
    def dynamic(self) -> list:
        """Every artist a step changes, in drawing order; they are drawn over a cached background."""
        return [self.title, *self.occupancy.dynamic, *self.sizes.dynamic, *self.ledger.dynamic,
                *self.rollback.dynamic]

    def connect(self) -> None:
        """Mark the step's artists animated and redraw them whenever the figure is fully drawn."""
        for a in self.dynamic:
            a.set_animated(True)
        fig = self.title.figure
        self._cid = fig.canvas.mpl_connect("draw_event", self._on_draw)

    def disconnect(self) -> None:
        """Stop following the figure's full draws (before the figure is cleared)."""
        if self._cid is not None:
            self.title.figure.canvas.mpl_disconnect(self._cid)
            self._cid = None
        self.background = None

    def _on_draw(self, event) -> None:
        canvas = self.title.figure.canvas
        self.background = canvas.copy_from_bbox(self.title.figure.bbox)
        self._draw_dynamic()

    def _draw_dynamic(self) -> None:
        fig = self.title.figure
        for a in self.dynamic:
            if a.get_visible():
                fig.draw_artist(a)

    def render(self) -> None:
        """Draw the figure at the current step into its canvas, blitting the step's artists.

        The first call draws everything (static panels once, cached as the
        background); later calls restore that background and draw only the
        artists a step changes.
        """
        canvas = self.title.figure.canvas
        if self.background is None or getattr(canvas, "_zswapviz_size", None) != canvas.get_width_height():
            canvas._zswapviz_size = canvas.get_width_height()
            canvas.draw()  # fires draw_event: background cached, dynamic artists drawn
        else:
            canvas.restore_region(self.background)
            self._draw_dynamic()

    def rgba(self) -> np.ndarray:
        """Render and return the canvas as an (height, width, 4) uint8 array."""
        self.render()
        return np.asarray(self.title.figure.canvas.buffer_rgba()).copy()

    def update(self, k: int) -> None:
        """Show step *k*: artists change in place; nothing is drawn anew."""
        k = max(0, min(int(k), len(self.trace) - 1))
        self.current = k
        step, snap = self.trace[k]
        self.title.set_text(step_title(self.trace, k))
        self.title.set_color(_FAIL if step.failed else "black")
        self.occupancy.update(snap, step.page)
        self.sizes.update(k)
        self.ledger.update(k)
        self.rollback.update(k)


def draw_explorer(fig, trace: Trace, current: int = 0, label: str | None = None,
                  blit: bool = True) -> ExplorerArtists:
    """Draw the explorer's four panels of *trace* at step *current* into *fig*.

    Top left the xarray slots, top right the compressed sizes, bottom left
    the refcounts and charge over steps, bottom right the rollback
    timeline; the title line names the step. *label* (e.g. the variant)
    prefixes the title. With *blit* (the default) the artists a step
    changes are drawn over a cached background by
    :meth:`ExplorerArtists.render` (an Agg canvas is attached if the figure
    has none); without it, ``fig.canvas.draw()`` draws everything.
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
    if blit:
        if fig.canvas is None or not hasattr(fig.canvas, "copy_from_bbox"):
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            FigureCanvasAgg(fig)
        artists.connect()
    return artists


def plot_step(trace: Trace, k: int | None = None, figsize=EXPLORER_FIGSIZE, dpi: int = 100):
    """Draw step *k* (default: the last) of *trace* as the explorer's four panels; return the figure.

    The slots show what the view model shows (after a failed store, where
    each page went), for publication-quality PNG, SVG or PDF.
    """
    from matplotlib.figure import Figure

    from .views.viewmodel import View, cached_view_model

    n = len(trace)
    k = n - 1 if k is None else max(0, min(int(k), n - 1))
    fig = Figure(figsize=figsize, dpi=dpi)
    artists = draw_explorer(fig, trace, k, blit=False)
    states = [c[0] for c in View(cached_view_model(trace)).cells_at(k)]
    cols = artists.occupancy.columns
    grid = np.full(-(-len(states) // cols) * cols, np.nan)
    grid[:len(states)] = [_CODE[s] for s in states]
    artists.occupancy.image.set_data(grid.reshape(-1, cols))
    return fig


def save_step_figure(trace: Trace, k: int, path) -> Path:
    """Save step *k* of *trace* drawn by :func:`plot_step` to *path* (its suffix: .png, .svg or .pdf); return the path."""
    import io

    from .errors import UsageError
    from .report import write_atomic

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise UsageError(f"cannot save a figure as {path.name!r}: the name must end in .png, .svg or .pdf")
    buf = io.BytesIO()
    plot_step(trace, k).savefig(buf, format=fmt)
    return Path(write_atomic(path, buf.getvalue()))


# -- counters ------------------------------------------------------------------


def counters_frame(trace: Trace, k: int):
    """The counters after step *k* as a pandas DataFrame, with the change from step *k - 1*.

    Columns: ``value``, ``change`` (0 when unchanged) and ``meaning``; one row
    per counter of the view model, always the same rows, so a table of it
    does not jump.
    """
    import pandas as pd

    from .views.viewmodel import View, cached_view_model

    rows = View(cached_view_model(trace)).counter_rows(k)
    return pd.DataFrame(rows, columns=["counter", "value", "change", "meaning"]).set_index("counter")
