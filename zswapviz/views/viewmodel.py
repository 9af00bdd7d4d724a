"""The view model: everything a frame of a recorded trace needs, computed once.

:func:`view_model` turns a :class:`~zswapviz.trace.Trace` into one
JSON-ready dict (format ``zswapviz-view/1``, documented in
``docs/viewmodel.md``) that every renderer reads: the browser renderer in
``zswapviz/views/static/`` (explorer, reports, lessons) and the matplotlib
figures. It holds the grid layout, the cell states as per-step changes, the
ledger values as per-step changes, the compressed sizes and their zsmalloc
classes, the stores and the erases that undid them, the marks the jumps go
to, the counter rows, the step sentences, the badge and, when
:mod:`zswapviz.listings` is installed, the code line of every step.

Everything per step is stored as changes (what step *k* changed), so the
size grows with the number of steps, never with pages x steps.
:class:`~zswapviz.views.frames.View` decodes it again in Python:
``View(vm).frame(k)`` is what a renderer shows at step *k* (tests compare it
with the page).

>>> from zswapviz import load_scenario
>>> from zswapviz.views.frames import View
>>> vm = view_model(load_scenario("demo").run())
>>> vm["format"], vm["grid"]["columns"]
('zswapviz-view/1', 16)
>>> frame = View(vm).frame(vm["n"] - 1)
>>> sorted(set(frame["cells"]))   # where each page ended up after the failed store
['disk']
"""

from __future__ import annotations

import math
import weakref

from ..claims import LEDGER_KEYS, snapshot_ledger
from ..constants import DEFAULT_KERNEL, DEFAULT_REFS, PAGE_SIZE
from ..model.stats import new_stats
from ..model.zsmalloc import SizeClasses
from ..snapshot import CELL_STATES
from ..trace import Trace
from .templates import _Table, _template, fill, step_call

__all__ = ["FORMAT", "LESSON_FORMAT", "STATE_COLORS", "cached_view_model", "fill", "grid_columns", "lesson_view",
           "step_call", "view_model"]

#: The version tag of the view model; a change that breaks readers changes it.
FORMAT = "zswapviz-view/1"
#: The version tag of a lesson's view (stops, frames and the views they step through).
LESSON_FORMAT = "zswapviz-lesson/1"

#: One colour per cell state (the renderers' light theme; the dark theme keeps the hues).
STATE_COLORS = {
    "empty": "#eeeeee",
    "stale": "#b39ddb",
    "storing": "#ffcc80",
    "stored": "#43a047",
    "erased": "#e53935",
    "zeromap": "#90caf9",
    "disk": "#6d4c41",
    "memory": "#fff176",
}
#: What each state means, for the legend's tooltips.
STATE_MEANINGS = {
    "empty": "no zswap entry, never written",
    "stale": "an entry left by an earlier swap-out of this slot",
    "storing": "an entry being filled, not yet in the xarray",
    "stored": "a published zswap entry",
    "erased": "its entry was erased by the rollback",
    "zeromap": "an all-zero page: marked in the swap zeromap",
    "disk": "written to the swap device",
    "memory": "kept in memory (redirtied; writeback off)",
}
#: Cell flags: bit 0 on the LRU, bit 1 referenced (second chance).
FLAG_LRU, FLAG_REF = 1, 2

#: The counter rows, in display order, with one line each saying what they count.
COUNTER_ROWS = (
    ("stored_pages", "zswap_stored_pages, the kernel's internal value"),
    ("debugfs stored_pages", "what cat of debugfs stored_pages prints (%llu)"),
    ("entries_in_trees", "entries in the xarrays"),
    ("pool_refs", "pool refs beyond the base ref"),
    ("objcg_refs", "objcg refs beyond the base ref"),
    ("zswap_b", "MEMCG_ZSWAP_B of the cgroup (bytes), the kernel's internal value"),
    ("memory.zswap.current", "what cat prints: MEMCG_ZSWAP_B, a negative sum read as 0"),
    ("zswapped", "MEMCG_ZSWAPPED of the cgroup (entries), the kernel's internal value"),
    ("memory.stat zswapped", "what memory.stat prints: entries x 4096, a negative sum read as 0"),
    ("memory.current (zswap's share)", "page_counter pages x 4096: zswap's bytes charged in batches of 64 pages"),
    ("pool_total_size", "zspage pages x 4096 (debugfs)"),
    ("lru_len", "entries on the LRU"),
    ("zswpout", "pages stored (vmstat)"),
    ("pswpout", "pages written to the swap device"),
    ("swpout_zero", "pages of all-zero folios"),
    ("stored_incompressible_pages", "pages stored as they are (6.18)"),
    ("pool_limit_hit", "refusals at the pool limit"),
    ("reject_compress_fail", "compressor errors"),
    ("reject_compress_poor", "lengths not below a page"),
    ("reject_alloc_fail", "zs_malloc / xa_store failures"),
    ("reject_kmemcache_fail", "entry allocation failures"),
    ("reject_reclaim_fail", "failed writebacks, whoever asked: store at memory.zswap.max, shrink worker, shrinker"),
    ("written_back_pages", "entries written back to the swap device"),
    ("decompress_fail", "loads and writebacks whose decompression failed (6.15+)"),
)
#: The refs/charge panel: left axis counts, right axis the charge.
CHART_LEFT = ("stored_pages", "pool_refs", "objcg_refs")
CHART_RIGHT = "zswap_b"

_CLASSES = SizeClasses()
#: Every counter any release has: a row named after one shows only where the release has it.
_STATS_KEYS = frozenset(new_stats())
_FINAL_STATE = {"__swap_writepage": "disk", "folio_mark_dirty": "memory"}
_OK_TEXT = "all invariants hold (checked after each operation)"


def grid_columns(n: int) -> int:
    """Choose how many slots a grid row shows: all up to 16, then a power of two (16 to 128).

    The one rule every renderer uses, so a 16-page folio always fills one row.

    >>> [grid_columns(n) for n in (1, 16, 32, 64, 512, 4096)]
    [1, 16, 16, 16, 32, 128]
    """
    if n <= 16:
        return max(1, n)
    return min(128, max(16, 1 << math.ceil(math.log2(math.sqrt(2 * n)))))


def _cell_code(cell, code_of: dict) -> tuple[int, int, int]:
    flags = (FLAG_LRU if cell.on_lru else 0) | (FLAG_REF if cell.referenced else 0)
    return code_of[cell.state], int(cell.length or 0), flags


def _cells(trace: Trace, code_of: dict) -> tuple[list, dict]:
    """The first step's cells and every later change, with the final-place rule applied.

    After a failed store the folio goes to the swap device (or stays in
    memory): at that step the slots the rollback erased show where their
    page is now ("disk" or "memory"), not "erased".
    """
    steps, snaps = trace.steps, trace.snapshots
    m = len(snaps[0].cells)
    raw = [_cell_code(c, code_of) for c in snaps[0].cells]
    shown = list(raw)
    override: dict[int, int] = {}
    changes = {"step": [], "page": [], "state": [], "length": [], "flags": []}
    erased = code_of["erased"]

    def emit(k: int, i: int, enc: tuple) -> None:
        if shown[i] != enc:
            shown[i] = enc
            for key, v in zip(("step", "page", "state", "length", "flags"), (k, i, *enc)):
                changes[key].append(v)

    prev = snaps[0].cells
    for k in range(len(steps)):
        cells = snaps[k].cells
        if k and cells is not prev:
            for i, cell in cells.diff(prev):
                enc = _cell_code(cell, code_of)
                if enc == raw[i]:
                    continue
                raw[i] = enc
                if enc[0] == erased and i in override:
                    enc = (override[i], 0, 0)
                else:
                    override.pop(i, None)
                emit(k, i, enc)
            prev = cells
        final = _FINAL_STATE.get(steps[k].fn)
        if final is not None:
            code = code_of[final]
            for i in range(m):
                if raw[i][0] == erased:
                    override[i] = code
                    emit(k, i, (code, 0, 0))
    initial = {"state": [c[0] for c in (_cell_code(c, code_of) for c in snaps[0].cells)],
               "length": [int(c.length or 0) for c in snaps[0].cells],
               "flags": [_cell_code(c, code_of)[2] for c in snaps[0].cells]}
    # changes at step 0 are part of the initial state (snapshot 0 is the state after step 0)
    n0 = 0
    while n0 < len(changes["step"]) and changes["step"][n0] == 0:
        i = changes["page"][n0]
        initial["state"][i], initial["length"][i], initial["flags"][i] = (
            changes["state"][n0], changes["length"][n0], changes["flags"][n0])
        n0 += 1
    return initial, {key: v[n0:] for key, v in changes.items()}


def _values(trace: Trace) -> dict:
    """The ledger after every step, as the first step's values and every later change."""
    ledgers = []
    last_snap, last = None, None
    for snap in trace.snapshots:
        if (last_snap is not None and snap.stats is last_snap.stats and snap.pools == last_snap.pools
                and snap.memcg == last_snap.memcg and snap.total_pages == last_snap.total_pages
                and snap.lru_len == last_snap.lru_len and snap.nr_entries == last_snap.nr_entries):
            ledgers.append(last)
        else:
            last = snapshot_ledger(snap)
            ledgers.append(last)
        last_snap = snap
    distinct = list({id(lg): lg for lg in ledgers}.values())
    keys = list(LEDGER_KEYS) + [k for k, _ in COUNTER_ROWS if k not in LEDGER_KEYS and k in ledgers[0]]
    keys += sorted(k for k in ledgers[0] if k not in keys and any(lg.get(k) for lg in distinct))
    initial = [ledgers[0].get(k, 0) for k in keys]
    changes = {"step": [], "key": [], "value": []}
    for k in range(1, len(ledgers)):
        a, b = ledgers[k - 1], ledgers[k]
        if a is b:
            continue
        for i, key in enumerate(keys):
            if a.get(key, 0) != b.get(key, 0):
                changes["step"].append(k)
                changes["key"].append(i)
                changes["value"].append(b.get(key, 0))
    return {"keys": keys, "initial": initial, "changes": changes}


def _sizes(trace: Trace) -> dict:
    """Per compression and allocation: the step, the page, the length and the zsmalloc class."""
    ev = {"step": [], "page": [], "compressed": [], "stored": [], "class": []}
    pending: dict[int, int] = {}
    used: dict[int, list] = {}
    for s in trace.steps:
        if s.page is None:
            continue
        if s.fn == "crypto_acomp_compress":
            length = s.arg if s.arg is not None else 0
            pending[s.page] = length
            row = (s.index, s.page, length, 0, 0)
        elif s.fn in ("zs_malloc", "zpool_malloc") and s.arg is not None and s.arg >= 0 and s.page in pending:
            c = _CLASSES.class_for_length(min(int(s.arg), PAGE_SIZE))
            used[c.size] = [c.pages_per_zspage, c.objs_per_zspage]
            row = (s.index, s.page, pending[s.page], s.arg, c.size)
        else:
            continue
        for key, v in zip(ev, row):
            ev[key].append(v)
    return {"events": ev, "page_size": PAGE_SIZE, "huge_class_size": _CLASSES.huge_class_size,
            "classes": {str(k): v for k, v in sorted(used.items())}}


def _rollback(trace: Trace) -> dict:
    """Stores, the erase or free that undid each, and erases that found nothing."""
    last_store: dict[int, int] = {}
    stores = {"step": [], "page": []}
    undo = {"store": [], "step": [], "page": []}      # store -1: a stale entry from an earlier swap-out
    empty = {"step": [], "page": []}
    for s in trace.steps:
        if s.page is None:
            continue
        if s.fn == "xa_store" and s.arg == 0:
            stores["step"].append(s.index)
            stores["page"].append(s.page)
            last_store[s.page] = s.index
        elif s.fn in ("xa_erase", "zswap_entry_free") and s.arg:
            older = s.fn == "zswap_entry_free" and s.phase == "publish"
            undo["store"].append(-1 if older else last_store.pop(s.page, -1))
            undo["step"].append(s.index)
            undo["page"].append(s.page)
        elif s.fn == "xa_erase":
            empty["step"].append(s.index)
            empty["page"].append(s.page)
    return {"stores": stores, "undo": undo, "empty": empty, "note": rollback_note(trace)}


def rollback_note(trace: Trace, sep: str = "; ") -> str:
    """Say where a run first failed and which steps rolled it back (the rollback panel's note, in every renderer)."""
    fails = trace.find(failed=True)
    if not fails:
        return "no failure: nothing was rolled back"
    first = trace.steps[fails[0]]
    where = "" if first.page is None else f", page {first.page}"
    note = f"failure at step {first.index}: {first.fn}{where}"
    others = [i for i in fails if trace.steps[i].page != first.page or trace.steps[i].operation_index != first.operation_index]
    if others:
        note += f" (and {len(others)} more)"
    rb = trace.rollback_indices
    return note + sep + (f"rollback: steps {rb[0]}-{rb[-1]}" if rb else "no rollback step")


def _runs(indices: list[int]) -> list[int]:
    """The first index of each run of consecutive indices."""
    return [i for n, i in enumerate(indices) if n == 0 or indices[n - 1] != i - 1]


def _marks(trace: Trace, m: int) -> dict:
    """Where the jumps go: every failure, every rollback start, the end, each page's first step."""
    n = len(trace)
    fails = trace.find(failed=True)
    rollbacks = _runs(trace.rollback_indices)
    page_first = [-1] * m
    op_starts: list[int] = []
    for s in trace.steps:
        if s.page is not None and 0 <= s.page < m and page_first[s.page] < 0:
            page_first[s.page] = s.index
        while s.operation_index >= len(op_starts):
            op_starts.append(s.index)
    return {"failure": fails, "rollback": rollbacks, "end": [n - 1] if n else [], "start": [0] if n else [],
            "page_first": page_first, "op_starts": op_starts}


def _badge(trace: Trace) -> dict:
    """The validators' verdict: the line when all hold, and each violation with the step it appeared at."""
    out = []
    seen = 0
    for k, snap in enumerate(trace.snapshots):
        if len(snap.violations) > seen:
            for v in snap.violations[seen:]:
                name = v.split(":", 1)[0] if ":" in v else "invariant"
                out.append([k, name, v])
            seen = len(snap.violations)
    return {"ok": _OK_TEXT, "violations": out}


def _code(trace: Trace) -> tuple[dict | None, object]:
    """The code line of every step and the listing, from :mod:`zswapviz.listings` when it is installed.

    ``code``: ``functions`` (names), per step ``fn`` (index, -1 for none),
    ``line`` and, when the listings give it, ``call`` (steps of one call of
    a function share it).
    """
    try:
        from .. import listings
    except ImportError:
        return None, None
    code_view = getattr(listings, "code_view", None)
    if code_view is None:
        return None, None
    # the listing of the run's release and reference strategy, and per step
    # [function index, line index, call id] in it (-1s for no line)
    view = code_view(trace)
    names = [f["name"] for f in view["listing"]["functions"]]
    fns = _Table()
    fn_col, line_col, call_col = [], [], []
    for fi, li, call in view["steps"]:
        fn_col.append(-1 if fi < 0 else fns.index(names[fi]))
        line_col.append(li)
        call_col.append(call)
    return {"functions": fns.items, "fn": fn_col, "line": line_col, "call": call_col}, view["listing"]


def view_model(trace: Trace, label: str = "") -> dict:
    """Everything a renderer needs to draw any step of *trace*, as one JSON-ready dict.

    The format is ``zswapviz-view/1`` (``docs/viewmodel.md``). *label* names
    the run on screen (a variant, "6.13" ...). Raises ValueError on a trace
    without steps.
    """
    steps, snaps = trace.steps, trace.snapshots
    n = len(steps)
    if not n:
        raise ValueError("the trace has no steps: there is nothing to show")
    code_of = {s: i for i, s in enumerate(CELL_STATES)}
    m = len(snaps[0].cells)
    fns, phases, actors, texts, calls = _Table(), _Table(), _Table(), _Table(), _Table()
    col = {"fn": [], "phase": [], "actor": [], "operation_index": [], "page": [], "arg": [], "text": [], "call": []}
    failed = []
    for s in steps:
        col["fn"].append(fns.index(s.fn))
        col["phase"].append(phases.index(s.phase))
        col["actor"].append(actors.index(s.actor))
        col["operation_index"].append(s.operation_index)
        col["page"].append(-1 if s.page is None else s.page)
        col["arg"].append(s.arg)
        col["text"].append(texts.index(_template(s.text, s.page, s.arg)))
        col["call"].append(calls.index(_template(step_call(s.fn, s.page, s.arg), s.page, s.arg)))
        if s.failed:
            failed.append(s.index)
    initial, changes = _cells(trace, code_of)
    meta = trace.meta
    folio_pages = int(meta.get("folio_pages") or m or 1)
    cols = grid_columns(m)
    code, listing = _code(trace)
    vm = {
        "format": FORMAT,
        "label": label,
        "title": str(meta.get("title") or ""),
        "meta": {k: meta.get(k) for k in ("kernel", "kernel_title", "refs", "compressor", "folio_pages", "folios",
                                          "notes", "unmerged", "source")},
        "results": [r if isinstance(r, (str, int, float, bool)) or r is None else str(r) for r in trace.results],
        "n": n,
        "pages": m,
        "base": snaps[0].base_offset,
        "grid": {"columns": cols, "rows": -(-m // cols), "folio_pages": folio_pages},
        "states": list(CELL_STATES),
        "colors": [STATE_COLORS.get(s, "#cccccc") for s in CELL_STATES],
        "state_meanings": [STATE_MEANINGS.get(s, s) for s in CELL_STATES],
        "steps": {**col, "fns": fns.items, "phases": phases.items, "actors": actors.items, "texts": texts.items,
                  "calls": calls.items, "failed": failed},
        "cells": {"initial": initial, "changes": changes},
        "values": _values(trace),
        # a counter the release lacks (zswapviz.profiles.COUNTER_SINCE) has no row
        "counters": [[k, meaning] for k, meaning in COUNTER_ROWS if k in trace.snapshots[0].stats
                     or k not in _STATS_KEYS],
        "chart": {"left": list(CHART_LEFT), "right": CHART_RIGHT},
        "sizes": _sizes(trace),
        "rollback": _rollback(trace),
        "marks": _marks(trace, m),
        "badge": _badge(trace),
    }
    if code is not None:
        vm["code"] = code
        vm["listings"] = listing
    return vm


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached_view_model(trace: Trace) -> dict:
    """:func:`view_model` of *trace* (without a label), computed once per trace and kept while the trace lives."""
    vm = _CACHE.get(trace)
    if vm is None:
        vm = _CACHE[trace] = view_model(trace)
    return vm


def _stop_answer(stop) -> str | None:
    """The teacher's answer of a lesson stop (the content helper's field if present, else its answer)."""
    for name in ("teacher_answer", "teacher", "answer"):
        value = getattr(stop, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def _stop_line(lesson, stop) -> list | None:
    """The listing line a lesson stop points at: its own ``line`` field if it has one, else its step's line."""
    own = getattr(stop, "line", None)
    if own:
        return [str(own[0]), int(own[1])]
    try:
        from ..listings import locate
    except ImportError:
        return None
    trace = lesson.traces.get(stop.variant)
    if trace is None or not 0 <= stop.step < len(trace.steps):
        return None
    hit = locate(trace.meta.get("kernel", DEFAULT_KERNEL), trace.steps[stop.step],
                 trace.meta.get("refs", DEFAULT_REFS))
    return None if hit is None else [hit[0], hit[1]]


def lesson_view(lesson, teacher: bool = False) -> dict:
    """A lesson for the renderer: its stops, its click frames, and the view model of every trace they step through.

    Format ``zswapviz-lesson/1``: ``views`` maps ``""`` (the lesson's own
    run) and each variant's label to a :func:`view_model`. With *teacher*
    the teacher's answers and notes are included (``teacher: true``).
    """
    from ..lessons import LessonRunner

    stops = []
    for stop in lesson.stops:
        item = {"number": stop.number, "step": stop.step, "title": stop.title, "note": stop.note,
                "question": stop.question, "answer": stop.answer, "variant": stop.variant or ""}
        line = _stop_line(lesson, stop)
        if line is not None:
            item["line"] = line
        if teacher:
            item["teacher"] = _stop_answer(stop) or ""
            extra = getattr(stop, "teacher_note", None)
            if isinstance(extra, str) and extra:
                item["teacher_note"] = extra
            sources = getattr(stop, "sources", None)
            if sources:
                item["sources"] = [str(x) for x in sources]
        stops.append(item)
    frames = [[i, revealed] for i, revealed in LessonRunner(lesson).frames]
    views = {("" if key is None else str(key)): view_model(trace, "" if key is None else str(key))
             for key, trace in lesson.traces.items()}
    return {"format": LESSON_FORMAT, "title": lesson.title, "summary": lesson.summary, "teacher": bool(teacher),
            "stops": stops, "frames": frames, "views": views}


def __getattr__(name: str):
    # View lives in zswapviz.views.frames (it only reads the dict); kept importable from here
    if name == "View":
        from .frames import View

        return View
    raise AttributeError(name)
