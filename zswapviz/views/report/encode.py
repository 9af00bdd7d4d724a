"""The report player's per-step data: step columns, cell deltas, ledger deltas.

The first snapshot's cells in full, then for each step only the cells and
ledger values that changed, so the data grows with the number of steps, not
steps x pages: a 512-page folio (about 4800 steps) stays well under a
megabyte.

>>> from zswapviz import load_scenario
>>> data = encode_trace(load_scenario("demo").run())
>>> data["fns"][data["s_fn"][data["marks"]["failure"]]]
'zs_malloc'
"""

from __future__ import annotations

from ...errors import UsageError
from ...lessons import LEDGER_KEYS, snapshot_ledger, trace_marks
from ...model.world import CELL_STATES
from ...trace import Trace

_FLAG_LRU, _FLAG_REF = 1, 2

def _cell_code(cell, code_of) -> tuple:
    flags = (_FLAG_LRU if cell.on_lru else 0) | (_FLAG_REF if cell.referenced else 0)
    return code_of[cell.state], int(cell.length or 0), flags


def encode_trace(trace: Trace, label: str = "") -> dict:
    """Per-step data for the player: step columns, cell deltas, ledger deltas.

    Cells: ``c0s``/``c0l``/``c0f`` (state codes, lengths, flags after step 0),
    then ``cd[k]`` = flat ``[cell, state, length, flags, ...]`` of the cells
    step *k* changed. Ledger: keys ``lk``, values after step 0 ``l0``, then
    ``ld[k]`` = flat ``[key index, value, ...]`` of what step *k* changed.
    """
    from ...plots import STATE_COLORS

    steps, snaps = trace.steps, trace.snapshots
    n = len(steps)
    if n == 0:
        raise UsageError("the trace has no steps: there is nothing to report")
    code_of = {s: i for i, s in enumerate(CELL_STATES)}

    def table(values):
        index: dict = {}
        return [index.setdefault(v, len(index)) for v in values], list(index)

    s_fn, fns = table(s.fn for s in steps)
    s_op, ops = table(s.op for s in steps)
    phase_names = []
    for s in steps:
        if s.phase not in phase_names:
            phase_names.append(s.phase)
    s_phase = [phase_names.index(s.phase) for s in steps]

    cells0 = snaps[0].cells
    m = len(cells0)
    current = [_cell_code(c, code_of) for c in cells0]
    used = {c[0] for c in current}
    cd: list = [[]]
    prev = cells0
    for k in range(1, n):
        cells = snaps[k].cells
        delta: list = []
        if cells is not prev:
            for ci, (a, b) in enumerate(zip(prev.chunks, cells.chunks)):
                if a is b:
                    continue
                for j, cell in enumerate(b):
                    i = (ci << 5) + j
                    if i >= m:
                        break
                    enc = _cell_code(cell, code_of)
                    if enc != current[i]:
                        current[i] = enc
                        used.add(enc[0])
                        delta.extend((i, *enc))
            prev = cells
        cd.append(delta)

    ledgers: list = []
    last = None
    for snap in snaps:
        # snapshots share their stats dict while no counter changes
        if last is not None and snap.stats is last.stats and _same_non_stats(snap, last):
            ledgers.append(ledgers[-1])
        else:
            ledgers.append(snapshot_ledger(snap))
        last = snap
    extra = [key for key in ledgers[0] if key not in LEDGER_KEYS]
    distinct = {id(lg): lg for lg in ledgers}.values()
    changing = [key for key in extra if any(lg[key] for lg in distinct)]
    lk = list(LEDGER_KEYS) + changing
    l0 = [ledgers[0][key] for key in lk]
    ld: list = [[]]
    for k in range(1, n):
        a, b = ledgers[k - 1], ledgers[k]
        if a is b:
            ld.append([])
            continue
        ld.append([x for i, key in enumerate(lk) if a[key] != b[key] for x in (i, b[key])])

    viol = []
    seen = 0
    for k, snap in enumerate(snaps):
        if len(snap.violations) > seen:
            viol.extend([k, v] for v in snap.violations[seen:])
            seen = len(snap.violations)

    page_first = [-1] * m
    op_starts: list = []
    op_pages: dict = {}
    for s in steps:
        if s.page is not None and 0 <= s.page < m and page_first[s.page] < 0:
            page_first[s.page] = s.index
        if s.op_index >= len(op_starts):
            op_starts.extend([s.index] * (s.op_index + 1 - len(op_starts)))
        if s.page is not None:
            op_pages.setdefault(s.op_index, []).append(s.page)
    op_labels = []
    for i, start in enumerate(op_starts):
        pages = op_pages.get(i)
        span = f" pages {min(pages)}\u2013{max(pages)}" if pages else ""
        op_labels.append(f"{steps[start].op}{span}")

    marks = trace_marks(trace)
    return {
        "v": 1, "label": label, "n": n, "cells": m, "base": snaps[0].base_offset,
        "states": list(CELL_STATES), "colors": [STATE_COLORS.get(s, "#cccccc") for s in CELL_STATES],
        "used_states": sorted(used),
        "fns": fns, "ops": ops, "phases": phase_names,
        "s_fn": s_fn, "s_op": s_op, "s_opi": [s.op_index for s in steps],
        "s_page": [-1 if s.page is None else s.page for s in steps], "s_phase": s_phase,
        "s_text": [s.text for s in steps], "s_failed": [s.index for s in steps if s.failed],
        "c0s": [c[0] for c in (_cell_code(c, code_of) for c in cells0)],
        "c0l": [c.length or 0 for c in cells0],
        "c0f": [_cell_code(c, code_of)[2] for c in cells0],
        "cd": cd, "lk": lk, "lk_main": [k for k in lk if k in LEDGER_KEYS[:8] or k.startswith("reject_")],
        "l0": l0, "ld": ld, "viol": viol,
        "marks": marks, "page_first": page_first, "op_starts": op_starts, "op_labels": op_labels,
    }


def _same_non_stats(a, b) -> bool:
    return (a.pools == b.pools and a.memcg == b.memcg and a.total_pages == b.total_pages
            and a.lru_len == b.lru_len and a.nr_entries == b.nr_entries)
