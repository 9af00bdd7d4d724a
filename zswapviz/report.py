"""Self-contained HTML reports of recorded runs that step offline.

A report is one HTML file: its styles, its script (a small step player,
:file:`report_assets/player.js`), its figures (base64 PNG) and its data are
inlined, and a Content-Security-Policy forbids every fetch, so opening it
makes no network request. It shows the scenario, the outcome, the counters
and the ledger, the validators' verdict, the explorer's plots as static
figures, and a player over the whole trace.

The player reads compact per-step data (:func:`encode_trace`): the first
snapshot's cells in full, then for each step only the cells and ledger
values that changed. A 512-page folio (about 4800 steps) stays well under
a megabyte of data.

>>> from zswapviz import load_scenario
>>> data = encode_trace(load_scenario("demo").run())
>>> data["fns"][data["s_fn"][data["marks"]["failure"]]]
'zs_malloc'

Every report is written to a temporary file in the destination folder and
renamed, so a failed export never leaves a half-written file. All text that
comes from a user (titles, notes, file names, lesson notes) is HTML-escaped,
and data is embedded as JSON with ``<``, ``>`` and ``&`` escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from .errors import UsageError
from .lessons import (
    LEDGER_KEYS,
    Lesson,
    load_lesson,
    resolve_scenario,
    scenario_data,
    snapshot_ledger,
    trace_marks,
)
from .model.world import CELL_STATES
from .scenario import Scenario, ledger
from .trace import Trace

__all__ = [
    "NOTEBOOK_DIR",
    "Variant",
    "add_commands",
    "encode_trace",
    "export_all",
    "export_comparison",
    "export_html",
    "export_lesson",
    "export_notebook",
    "parse_variant",
    "render_comparison",
    "render_html",
    "render_lesson",
    "static_widget_outputs",
    "variant_table",
    "write_atomic",
]

ASSETS = Path(__file__).resolve().parent / "report_assets"
#: The notebooks ``export_all`` exports.
NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"

_FLAG_LRU, _FLAG_REF = 1, 2
_OUTCOMES = {
    "zswap": ("stored", "stored in zswap"),
    "disk": ("refused", "refused by zswap and written to the swap device"),
    "zeromap": ("other", "all zero: marked in the swap zeromap, zswap not called"),
    "activate": ("refused", "refused by zswap; writeback is disabled, so the folio stays in memory"),
}


# -- small helpers ---------------------------------------------------------------


def esc(value) -> str:
    """HTML-escape any value's text, quotes included."""
    return html.escape(str(value), quote=True)


def _json_for_html(obj) -> str:
    """JSON that cannot end a <script> element or open a comment."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _data_script(script_id: str, obj) -> str:
    return f'<script type="application/json" id="{esc(script_id)}">{_json_for_html(obj)}</script>'


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("zswapviz")
    except Exception:  # noqa: BLE001 - not installed: a source checkout
        return "dev"


def _page(title: str, body: str, data: str = "", *, footer: str = "", body_attrs: dict | None = None) -> str:
    """Fill the page template: one pass, so no inserted text is ever re-read as a placeholder."""
    js = _asset("player.js")
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    attrs = "".join(f' {esc(k)}="{esc(v)}"' for k, v in (body_attrs or {}).items())
    values = {"csp": csp, "version": esc(_version()), "title": esc(title), "css": _asset("report.css"),
              "body_attrs": attrs, "body": body, "footer": footer, "data": data, "js": js}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], _asset("page.html"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write *data* to *path* through a temporary file in the same folder and a rename.

    Raises :class:`UsageError` (and leaves nothing behind) when the file
    cannot be written.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    parent = path.parent
    if path.is_dir():
        raise UsageError(f"cannot write {str(path)!r}: it is a folder; give a file name such as report.html")
    if not parent.is_dir():
        raise UsageError(f"cannot write {str(path)!r}: the folder {str(parent)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".zswapviz-", suffix=".tmp", dir=parent)
    except OSError as e:
        raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise UsageError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
        raise
    return path


# -- the compact per-step encoding -----------------------------------------------


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
    from .plots import STATE_COLORS

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


# -- figures ---------------------------------------------------------------------


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

    from .plots import STATE_COLORS

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


def _trace_figures(trace: Trace, small: bool = False) -> list[tuple[str, str, dict | None]]:
    """(caption, base64 PNG, geometry) of the explorer's figures of *trace*."""
    from . import plots

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


def _figures_html(figs, player_id: str) -> str:
    parts = []
    for caption, png, geom in figs:
        attrs = f' data-zv-fig="{esc(player_id)}" data-geom="{esc(json.dumps(geom))}"' if geom else ""
        parts.append(f'<figure{attrs}><div class="zv-figbox"><img alt="{esc(caption)}" '
                     f'src="data:image/png;base64,{png}"></div><figcaption>{esc(caption)}</figcaption></figure>')
    return "\n".join(parts)


# -- sections --------------------------------------------------------------------


def _outcomes(trace: Trace) -> list[tuple[str, str, str]]:
    """(badge class, label, sentence) per operation of the run."""
    out = []
    for i, result in enumerate(trace.results):
        op_steps = [s for s in trace.steps if s.op_index == i]
        if not op_steps:
            continue
        pages = [s.page for s in op_steps if s.page is not None]
        span = f"pages {min(pages)}\u2013{max(pages)}" if pages else "no page of the window"
        name = op_steps[0].op
        kind, sentence = _OUTCOMES.get(result, ("other", f"returned {result!r}")) if name == "swap_writepage" \
            else ("other", f"returned {result!r}")
        if name == "swap_writepage" and result in ("disk", "activate"):
            undone = sum(1 for s in op_steps if s.phase == "rollback" and s.fn == "xa_erase" and s.arg)
            failed = [s for s in op_steps if s.failed]
            if failed:
                f = failed[0]
                where = f" at page {f.page}" if f.page is not None else ""
                sentence = f"{f.fn} failed{where}; " + sentence
            if undone:
                sentence += f"; the rollback erased {undone} entr{'y' if undone == 1 else 'ies'}"
        label = {"stored": "stored", "refused": "refused", "other": str(result)}[kind]
        out.append((kind, label, f"#{i} {name} ({span}): {sentence}."))
    return out


def _outcome_html(trace: Trace) -> str:
    items = _outcomes(trace)
    rows = "".join(f'<li><span class="zv-badge zv-{esc(kind)}">{esc(label)}</span> {esc(text)}</li>'
                   for kind, label, text in items)
    kinds = [k for k, _l, _t in items]
    if len(items) == 1:
        headline = {"stored": "Stored", "refused": "Refused and rolled back" if trace.rollback_indices else "Refused"}.get(kinds[0], items[0][1])
    else:
        headline = f"{kinds.count('stored')} of {len(items)} operations stored"
    return f'<div class="zv-card"><h3>Outcome: {esc(headline)}</h3><ul>{rows}</ul></div>'


def _verdict_html(trace: Trace) -> str:
    violations = list(trace.world.violations)
    if not violations:
        return ('<div class="zv-card zv-verdict-ok" id="verdict"><h3>Validators: every invariant holds</h3>'
                "<p>Refcount ledgers, charge, stored_pages, handles, LRU and all-or-nothing were checked "
                "after every operation.</p></div>")
    items = "".join(f"<li>{esc(v)}</li>" for v in violations)
    return (f'<div class="zv-card zv-verdict-bad" id="verdict"><h3>Validators: {len(violations)} violation(s)</h3>'
            f"<ul>{items}</ul></div>")


def _kv_table(rows: dict, cls: str = "zv-t") -> str:
    body = "".join(
        f'<tr><th><code>{esc(k)}</code></th><td class="num{" neg" if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0 else ""}">'
        f"{esc(_fmt(v))}</td></tr>" for k, v in rows.items())
    return f'<table class="{cls}">{body}</table>'


def _fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _numbers_html(trace: Trace) -> str:
    final = ledger(trace)
    stats = {k: v for k, v in trace.snapshots[-1].stats.items() if v}
    return (f'<div class="zv-two"><div><h3>Final ledger</h3>{_kv_table(final)}</div>'
            f'<div><h3>Counters (non-zero)</h3>{_kv_table(stats) if stats else "<p>all zero</p>"}</div></div>')


def _scenario_html(trace: Trace, scenario: Scenario | None) -> str:
    meta = trace.meta
    rows = {
        "title": meta.get("title", ""),
        "kernel": meta.get("kernel", ""),
        "reference strategy": meta.get("refs", ""),
        "compressor": meta.get("compressor", ""),
        "folio": f"{meta.get('folio_pages', '?')} page(s) ({4 * int(meta.get('folio_pages') or 0)} KiB)",
        "folios": meta.get("folios", ""),
        "faults": ", ".join(f"page {p}: {k}" for p, k in sorted((meta.get("faults") or {}).items())) or "none",
        "stale entries at": ", ".join(map(str, meta.get("stale") or [])) or "none",
        "file": meta.get("origin") or "(made in Python)",
    }
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows.items())
    out = [f'<table class="zv-t">{body}</table>']
    if meta.get("unmerged"):
        out.append(f'<p class="zv-warn"><strong>A model of code that was never merged:</strong> '
                   f'{esc(meta.get("kernel_title", ""))}</p>')
    if meta.get("source"):
        out.append(f'<p class="zv-sub">Kernel profile source: {esc(meta["source"])}</p>')
    if scenario is not None:
        try:
            text = json.dumps(scenario.to_dict(), indent=2, ensure_ascii=False)
        except UsageError:
            text = None
        if text:
            out.append("<details><summary>The scenario as a file (save it as JSON and run "
                       "<code>zswapviz report FILE.json --out report.html</code>)</summary>"
                       f'<pre class="zv-json">{esc(text)}</pre></details>')
    return "\n".join(out)


def _player_html(player_id: str, label: str = "") -> str:
    head = f"<h3>{esc(label)}</h3>" if label else ""
    return (f'{head}<div class="zv-player" id="{esc(player_id)}-player" data-zv-player="{esc(player_id)}" '
            f'aria-label="step player"></div>')


def _subtitle(trace: Trace) -> str:
    m = trace.meta
    pages = m.get("folio_pages")
    bits = [f"kernel {m.get('kernel', '?')}", f"{m.get('compressor', '?')}",
            f"refs {m.get('refs', '?')}",
            f"{m.get('folios', '?')} folio(s) of {pages} page(s) ({4 * int(pages or 0)} KiB)", f"{len(trace)} steps"]
    return " \u00b7 ".join(bits)


def _footer(extra: str = "") -> str:
    return (f"Made with zswapviz {esc(_version())}, a model of Linux zswap_store(). This file is self-contained: "
            f"it makes no network request and needs no Python. Keys: \u2190 \u2192 step, space plays, Home/End. {extra}")


# -- source resolution -------------------------------------------------------------


def _as_trace(source) -> tuple[Trace, Scenario | None]:
    if isinstance(source, Trace):
        return source, None
    scenario = source if isinstance(source, Scenario) else resolve_scenario(source, where=str(source))
    return scenario.run(), scenario


# -- one trace ---------------------------------------------------------------------


def render_html(source, *, title: str | None = None) -> str:
    """The HTML of a report of one run: a Trace, a Scenario, or a scenario name or file."""
    trace, scenario = _as_trace(source)
    title = title if title is not None else (trace.meta.get("title") or "zswapviz report")
    notes = trace.meta.get("notes") or ""
    data = encode_trace(trace)
    figs = _trace_figures(trace)
    pid = "zv-data-0"
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="zv-sub">{esc(_subtitle(trace))}</p>',
        f'<div class="zv-notes">{esc(notes)}</div>' if notes else "",
        f'<div class="zv-cards">{_outcome_html(trace)}{_verdict_html(trace)}</div>',
        "<h2>Step through the store</h2>",
        _player_html(pid),
        "<h2>Figures</h2>",
        _figures_html(figs, pid),
        "<h2>Counters and ledger</h2>",
        _numbers_html(trace),
        "<h2>Scenario</h2>",
        _scenario_html(trace, scenario),
    ]
    return _page(title, "\n".join(b for b in body if b), _data_script(pid, data), footer=_footer())


def export_html(source, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Write the report of one run to *path* (atomically); return the path.

    *source* is a :class:`~zswapviz.trace.Trace` (what the explorer holds),
    a :class:`~zswapviz.scenario.Scenario`, or a scenario's built-in name
    or file.
    """
    _check_out(path)
    return write_atomic(path, render_html(source, title=title))


def _check_out(path) -> None:
    """Fail early (before running anything) on an --out that cannot be a file."""
    p = Path(path)
    if not str(path):
        raise UsageError("give a file name for the report, such as report.html")
    if p.is_dir():
        raise UsageError(f"cannot write {str(p)!r}: it is a folder; give a file name such as report.html")
    if not p.parent.is_dir():
        raise UsageError(f"cannot write {str(p)!r}: the folder {str(p.parent)!r} does not exist")


# -- variants side by side ---------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """What a compared run changes in the scenario (None keeps the scenario's value)."""

    kernel: str | None = None
    refs: str | None = None
    compressor: str | None = None

    @property
    def label(self) -> str:
        bits = [b for b in (self.kernel, self.refs, self.compressor) if b]
        return " \u00b7 ".join(bits) or "as given"

    def apply(self, scenario: Scenario) -> Scenario:
        """A copy of *scenario* with this variant's changes, validated."""
        data = scenario_data(scenario)
        for name in ("kernel", "refs", "compressor"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        s = Scenario.from_dict(data, where=f"variant {self.label}")
        s.origin = scenario.origin
        return s


def parse_variant(text: str) -> Variant:
    """A variant from ``6.13``, ``batch-after``, ``6.14+per-page`` or ``kernel=6.14,refs=per-page``.

    >>> parse_variant("6.14+batch-after").label
    '6.14 · batch-after'
    """
    from .compress import COMPRESSOR_NAMES
    from .profiles import KERNEL_NAMES, REF_STRATEGIES

    fields: dict = {}
    accepted = {"kernel": tuple(KERNEL_NAMES), "refs": tuple(REF_STRATEGIES), "compressor": tuple(COMPRESSOR_NAMES)}
    for token in filter(None, re.split(r"[+,]", str(text).strip())):
        key, sep, value = token.partition("=")
        if sep:
            key, value = key.strip(), value.strip()
            if key not in accepted:
                raise UsageError(f"bad variant {text!r}: unknown field {key!r}; accepted: kernel, refs, compressor")
            if value not in accepted[key]:
                raise UsageError(f"bad variant {text!r}: {key} {value!r} is not one of {', '.join(accepted[key])}")
        else:
            value = token.strip()
            key = next((k for k, names in accepted.items() if value in names), None)
            if key is None:
                raise UsageError(
                    f"bad variant {text!r}: {value!r} is not a kernel ({', '.join(accepted['kernel'])}), "
                    f"a reference strategy ({', '.join(accepted['refs'])}) or a compressor "
                    f"({', '.join(accepted['compressor'])})")
        if key in fields:
            raise UsageError(f"bad variant {text!r}: {key} given twice")
        fields[key] = value
    if not fields:
        raise UsageError(f"bad variant {text!r}: give a kernel, a reference strategy or a compressor, e.g. 6.14+per-page")
    return Variant(**fields)


def _run_variants(scenario: Scenario, variants) -> list[tuple[Variant, Scenario, Trace]]:
    runs = []
    for v in variants:
        v = v if isinstance(v, Variant) else parse_variant(v)
        s = v.apply(scenario)
        runs.append((v, s, s.run()))
    return runs


def variant_table(runs: list[tuple[Variant, Scenario, Trace]]) -> list[dict]:
    """One row per variant (from :func:`zswapviz.compare.compare_variants`): outcome, ledger, counters, verdict."""
    from .compare import compare_variants

    rows = []
    for v, s, trace in runs:
        df = compare_variants(s, kernels=[s.kernel], refs=[s.refs])
        if len(df) != 1:
            raise UsageError(f"variant {v.label}: the comparison has no row for kernel {s.kernel} with refs {s.refs}")
        row = {"variant": v.label}
        for key, value in df.iloc[0].to_dict().items():
            if isinstance(value, (list, tuple)):
                value = len(value)
            elif hasattr(value, "item"):
                value = value.item()
            row[key] = value
        rows.append(row)
    return rows


def render_comparison(source, variants, *, title: str | None = None) -> str:
    """The HTML of several variants of one scenario side by side."""
    _trace, scenario = (None, source) if isinstance(source, Scenario) else (None, resolve_scenario(source, where=str(source)))
    variants = [v if isinstance(v, Variant) else parse_variant(v) for v in variants]
    if not variants:
        raise UsageError("give at least one variant to compare, e.g. --compare 6.13 6.14")
    if len(variants) == 1:
        variants = [Variant()] + variants
    labels = [v.label for v in variants]
    if len(set(labels)) != len(labels):
        raise UsageError(f"the variants {', '.join(labels)} repeat one another; give different ones")
    runs = _run_variants(scenario, variants)
    rows = variant_table(runs)
    title = title if title is not None else f"{scenario.title}: {' vs '.join(labels)}"
    keys = [k for k in rows[0] if k != "variant"]
    for r in rows[1:]:
        keys += [k for k in r if k not in keys and k != "variant"]
    head = "".join(f"<th>{esc(r['variant'])}</th>" for r in rows)
    trs = []
    hidden = []
    for k in keys:
        values = [r.get(k, 0) for r in rows]
        diff = " zv-diff" if len({json.dumps(v, default=str) for v in values}) > 1 else ""
        if not diff and not any(values) and k not in ("stored", "ok", "violations", "steps"):
            hidden.append(k)
            continue
        tds = "".join(f'<td class="num{" neg" if isinstance(v, int) and v < 0 else ""}">{esc(_fmt(v))}</td>' for v in values)
        trs.append(f'<tr class="{diff.strip()}"><th><code>{esc(k)}</code></th>{tds}</tr>')
    table = f'<table class="zv-t"><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(trs)}</tbody></table>'
    if hidden:
        table += f'<p class="zv-sub">Zero in every variant: {esc(", ".join(hidden))}.</p>'
    cols, data = [], []
    for i, (v, _s, trace) in enumerate(runs):
        pid = f"zv-data-{i}"
        data.append(_data_script(pid, encode_trace(trace, v.label)))
        cols.append(f'<section class="zv-variant"><h2>{esc(v.label)}</h2>'
                    f'<div class="zv-cards">{_outcome_html(trace)}{_verdict_html(trace)}</div>'
                    f"{_player_html(pid)}{_figures_html(_trace_figures(trace, small=True), pid)}</section>")
    all_bar = ('<div class="zv-allbar"><strong>All variants:</strong>'
               + "".join(f'<button type="button" class="zv-btn" data-zv-all="{a}">{esc(t)}</button>'
                         for a, t in (("start", "|\u25c0 first"), ("prev", "\u25c0 previous"), ("next", "next \u25b6"),
                                      ("mark:failure", "failure"), ("mark:last_rollback", "last erase"), ("end", "end \u25b6|")))
               + '<span class="zv-sub">\u2190 \u2192 step every variant</span></div>')
    notes = scenario.notes
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="zv-sub">The same scenario run {len(runs)} ways. Differing rows are highlighted.</p>',
        f'<div class="zv-notes">{esc(notes)}</div>' if notes else "",
        "<h2>Side by side</h2>", table,
        all_bar,
        f'<div class="zv-compare">{"".join(cols)}</div>',
        "<h2>Scenario</h2>", _scenario_html(runs[0][2], scenario),
    ]
    return _page(title, "\n".join(b for b in body if b), "\n".join(data), footer=_footer(),
                 body_attrs={"data-sync": "1"})


def export_comparison(source, variants, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Write a comparison report of *variants* of one scenario to *path*."""
    _check_out(path)
    return write_atomic(path, render_comparison(source, variants, title=title))


# -- lessons -----------------------------------------------------------------------


def render_lesson(lesson: Lesson | str | os.PathLike) -> str:
    """The HTML of a lesson: its stops, a player per trace and a presentation mode."""
    if not isinstance(lesson, Lesson):
        lesson = load_lesson(lesson)
    order = [None] + list(lesson.variants)
    pid_of = {v: f"zv-data-{i}" for i, v in enumerate(order)}
    used = [v for v in order if any(s.variant == v for s in lesson.stops)]
    stops_html = []
    for s in lesson.stops:
        where = f" ({esc(s.variant)})" if s.variant else ""
        q = (f'<p class="zv-q">Question: {esc(s.question)}</p>'
             f"<details><summary>Answer</summary><p>{esc(s.answer)}</p></details>") if s.question else ""
        stops_html.append(
            f'<li><strong>{esc(s.title or "Stop " + str(s.number))}</strong> \u2014 '
            f'<button type="button" class="zv-linkbtn" data-zv-goto="{s.step}" data-zv-player-ref="{pid_of[s.variant]}">'
            f"step {s.step}{where}</button><p>{esc(s.note)}</p>{q}</li>")
    players, data = [], []
    for v in used:
        trace = lesson.trace(v)
        pid = pid_of[v]
        label = v if v is not None else "the lesson's scenario"
        data.append(_data_script(pid, encode_trace(trace, label if v else "")))
        head = f"{label}: {trace.meta.get('title', '')}" if v else trace.meta.get("title", "")
        players.append(f"<section><h2>{esc(head)}</h2><p class='zv-sub'>{esc(_subtitle(trace))}</p>"
                       f'<div class="zv-cards">{_outcome_html(trace)}{_verdict_html(trace)}</div>'
                       f"{_player_html(pid)}{_figures_html(_trace_figures(trace, small=True), pid)}</section>")
    lesson_data = {"title": lesson.title, "stops": [
        {"player": pid_of[s.variant], "step": s.step, "title": s.title, "note": s.note, "question": s.question,
         "answer": s.answer, "variant": s.variant or ""} for s in lesson.stops]}
    data.append(_data_script("zv-lesson", lesson_data))
    body = [
        f"<h1>{esc(lesson.title)}</h1>",
        f'<p class="zv-sub">A lesson in {len(lesson.stops)} stops \u00b7 {esc(lesson.origin)}</p>',
        f'<div class="zv-notes">{esc(lesson.summary)}</div>' if lesson.summary else "",
        '<p><button type="button" class="zv-btn zv-big" data-zv-present="1">Present (P)</button> '
        '<span class="zv-sub">Full screen, one stop per screen: \u2192 / PageDown / space for the next stop or answer, '
        "\u2190 to go back, Esc to leave. Open this file with <code>#present</code> at the end of its address to start "
        "there.</span></p>",
        "<h2>Stops</h2>", f'<ol class="zv-stops">{"".join(stops_html)}</ol>',
        *players,
        "<h2>Scenario</h2>", _scenario_html(lesson.trace(None), lesson.scenario),
    ]
    return _page(lesson.title, "\n".join(b for b in body if b), "\n".join(data),
                 footer=_footer("In presentation mode: \u2192 next, \u2190 back, Esc leaves."))


def export_lesson(lesson, path: str | os.PathLike) -> Path:
    """Write a lesson report (with presentation mode) to *path*."""
    _check_out(path)
    return write_atomic(path, render_lesson(lesson))


# -- notebooks ---------------------------------------------------------------------

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


_CONTROL_SKIP = {"ButtonModel", "LayoutModel"}


def _widget_items(model_id: str, state: dict, seen: set) -> list:
    """A widget tree as static items in display order: ("out", output) or ("ctl", "name = value")."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id]
    name = model.get("model_name", "")
    st = model.get("state", {})
    if name == "OutputModel":
        return [("out", o) for o in st.get("outputs", [])]
    children = st.get("children")
    if isinstance(children, list) and children:
        out = []
        for child in children:
            if isinstance(child, str) and child.startswith("IPY_MODEL_"):
                out.extend(_widget_items(child[len("IPY_MODEL_"):], state, seen))
        return out
    if name == "ImageModel":
        buf = next((b for b in model.get("buffers", []) if b.get("path") == ["value"]), None)
        fmt = st.get("format", "png")
        if buf and buf.get("encoding", "base64") == "base64" and fmt in ("png", "jpeg", "gif"):
            return [("out", {"output_type": "display_data", "metadata": {},
                             "data": {f"image/{fmt}": buf["data"], "text/plain": "<image>"}})]
        return []
    if name in ("HTMLModel", "HTMLMathModel"):
        value = st.get("value") or ""
        return [("out", {"output_type": "display_data", "metadata": {},
                         "data": {"text/html": value, "text/plain": value}})] if value.strip() else []
    if name == "LabelModel":
        return [("ctl", str(st.get("value", "")))] if st.get("value") else []
    if name in _CONTROL_SKIP:
        return []
    if "_options_labels" in st and isinstance(st.get("index"), int):
        labels = st["_options_labels"]
        value = labels[st["index"]] if 0 <= st["index"] < len(labels) else ""
    elif "value" in st:
        value = st["value"]
    else:
        return []
    desc = st.get("description") or name.removesuffix("Model")
    return [("ctl", f"{desc} = {value}")]


def _widget_outputs(model_id: str, state: dict, seen: set) -> list:
    """Outputs standing for a widget: captured outputs, images, HTML, and one line of its controls' values."""
    outputs, controls = [], []

    def flush():
        if controls:
            html_text = " \u00b7 ".join(f"<code>{esc(c)}</code>" for c in controls)
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": f'<div class="zv-widget-static">Controls: {html_text}</div>',
                                     "text/plain": "Controls: " + "; ".join(controls)}})
            controls.clear()

    for kind, item in _widget_items(model_id, state, seen):
        if kind == "ctl":
            controls.append(item)
        else:
            flush()
            outputs.append(item)
    flush()
    return outputs


def static_widget_outputs(nb) -> int:
    """Replace widget views in an executed notebook by static outputs; return how many.

    A widget view becomes what its Output widgets captured (figures
    included) and one line per control; a widget that left nothing static
    becomes a short note. The saved widget state is dropped, so the export
    loads no widget renderer.
    """
    import nbformat

    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
            if _WIDGET_VIEW not in data:
                outputs.append(out)
                continue
            replaced += 1
            model_id = data[_WIDGET_VIEW].get("model_id", "")
            captured = _widget_outputs(model_id, state, set())
            rest = {k: v for k, v in data.items() if k != _WIDGET_VIEW}
            if captured:
                outputs.extend(nbformat.from_dict(o) for o in captured)
            elif any(k.startswith("image/") or k == "text/html" for k in rest):
                out = nbformat.from_dict(dict(out, data=rest))
                outputs.append(out)
            else:
                outputs.append(nbformat.from_dict({
                    "output_type": "display_data", "metadata": {},
                    "data": {"text/plain": "(an interactive widget: open the notebook in Jupyter to use it)"}}))
        cell["outputs"] = outputs
    nb.metadata.pop("widgets", None)
    return replaced


def export_notebook(src: str | os.PathLike, dest: str | os.PathLike, *, timeout: int = 600,
                    kernel_name: str = "python3") -> Path:
    """Execute a notebook, make its widgets static and write it as offline HTML."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    src = Path(src)
    _check_out(dest)
    try:
        nb = nbformat.read(src, as_version=4)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read notebook {str(src)!r}: {e}") from None
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(src.parent)}})
    client.execute()
    static_widget_outputs(nb)
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(ASSETS)],
                            template_file="notebook.html.j2")
    body, _resources = exporter.from_notebook_node(nb, resources={"metadata": {"name": src.stem}})
    return write_atomic(dest, body)


# -- everything into one folder ------------------------------------------------------


def _comparisons() -> dict[str, list[Variant]]:
    """The comparison reports ``export_all`` writes: scenario name -> variants (read from the profiles)."""
    from .profiles import KERNEL_NAMES, REF_STRATEGIES, check_refs

    def kernels_for(refs):
        out = []
        for k in KERNEL_NAMES:
            try:
                check_refs(refs, k)
            except UsageError:
                continue
            out.append(Variant(kernel=k))
        return out

    kernels = kernels_for("per-page")
    out = {"bug-6.13": kernels, "incompressible-6.14": kernels, "stale-rollback": kernels}
    if len(REF_STRATEGIES) > 1:
        out["demo"] = [Variant(refs=r) for r in REF_STRATEGIES]
    return out


def export_all(outdir: str | os.PathLike, *, notebooks: bool = True, notebook_dir: str | os.PathLike | None = None,
               scenario_dir: str | os.PathLike | None = None, lesson_dir: str | os.PathLike | None = None,
               comparisons: dict | None = None, log=None) -> list[dict]:
    """Write every built-in scenario's report, the comparisons, the lessons and the notebooks, plus index.html.

    The folders and the comparisons default to the built-in ones. Returns
    one entry per item: kind, name, href, title, error (None when written).
    """
    from .lessons import LESSON_DIR
    from .scenario import SCENARIO_DIR

    scenario_dir = Path(scenario_dir or SCENARIO_DIR)
    lesson_dir = Path(lesson_dir or LESSON_DIR)
    comparisons = _comparisons() if comparisons is None else comparisons

    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"cannot write into {str(outdir)!r}: it is a file, not a folder")
    try:
        for sub in ("scenarios", "compare", "lessons", "notebooks"):
            (outdir / sub).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder {str(outdir)!r}: {e.strerror or e}") from None
    log = log or (lambda line: None)
    items: list[dict] = []

    def run(kind, name, href, make):
        t0 = time.perf_counter()
        item = {"kind": kind, "name": name, "href": href, "title": name, "error": None}
        try:
            item["title"] = make(outdir / href) or name
            log(f"wrote {outdir / href} ({time.perf_counter() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001 - one failure must not stop the others
            item["error"] = f"{type(e).__name__}: {e}"
            log(f"FAILED {outdir / href}: {item['error']}")
        items.append(item)

    for path in sorted(scenario_dir.glob("*.json")):
        def make(dest, path=path):
            trace, _scenario = _as_trace(path)
            write_atomic(dest, render_html(trace))
            return trace.meta.get("title")
        run("scenario", path.stem, f"scenarios/{path.stem}.html", make)
    for name, variants in comparisons.items():
        def make(dest, name=name, variants=variants):
            scenario = resolve_scenario(name, where=str(name))
            export_comparison(scenario, variants, dest)
            return f"{scenario.title}: {' vs '.join(v.label for v in variants)}"
        run("comparison", name, f"compare/{name}.html", make)
    for path in sorted(lesson_dir.glob("*.json")):
        def make(dest, path=path):
            lesson = load_lesson(path)
            export_lesson(lesson, dest)
            return lesson.title
        run("lesson", path.stem, f"lessons/{path.stem}.html", make)
    if notebooks:
        for path in sorted(Path(notebook_dir or NOTEBOOK_DIR).glob("*.ipynb")):
            def make(dest, path=path):
                export_notebook(path, dest)
                return _notebook_title(path)
            run("notebook", path.stem, f"notebooks/{path.stem}.html", make)
    write_atomic(outdir / "index.html", _index_html(items))
    log(f"wrote {outdir / 'index.html'}")
    return items


def _notebook_title(path: Path) -> str:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                for line in "".join(cell.get("source", [])).splitlines():
                    if line.startswith("#"):
                        return line.lstrip("#").strip()
    except (OSError, ValueError):
        pass
    return path.stem


def _index_html(items: list[dict]) -> str:
    sections = []
    names = {"scenario": "Scenarios", "comparison": "Comparisons", "lesson": "Lessons (with presentation mode)",
             "notebook": "Notebooks"}
    for kind, heading in names.items():
        rows = []
        for it in (i for i in items if i["kind"] == kind):
            href = esc(quote(it["href"]))
            if it["error"]:
                rows.append(f'<li><span class="zv-badge zv-refused">failed</span> {esc(it["name"])}: '
                            f'<code>{esc(it["error"])}</code></li>')
            else:
                extra = f' \u00b7 <a href="{href}#present">present</a>' if kind == "lesson" else ""
                rows.append(f'<li><a href="{href}">{esc(it["title"])}</a> <span class="zv-sub">'
                            f'({esc(it["name"])})</span>{extra}</li>')
        if kind == "notebook" and not rows:
            rows.append('<li class="zv-sub">no notebook in notebooks/ (or notebooks were skipped)</li>')
        if rows:
            sections.append(f"<h2>{esc(heading)}</h2><ul>{''.join(rows)}</ul>")
    body = ('<div class="zv-index"><h1>zswapviz reports</h1>'
            '<p class="zv-sub">Every file here opens offline in a browser; no Python needed.</p>'
            + "".join(sections) + "</div>")
    return _page("zswapviz reports", body, footer=_footer())


# -- command line ------------------------------------------------------------------


def add_commands(sub) -> None:
    """Add ``report``, ``scenarios`` and ``lessons`` to the ``zswapviz`` command line."""
    rep = sub.add_parser(
        "report", help="write a self-contained HTML report that steps through a run offline",
        description="Write one self-contained HTML file (no network request when opened) with the scenario, "
                    "outcome, ledger, verdict, figures and a step player.")
    rep.add_argument("scenario", nargs="?", metavar="SCENARIO",
                     help="a scenario file (JSON) or a built-in name (see: zswapviz scenarios)")
    rep.add_argument("--out", metavar="FILE.html", help="where to write the report")
    rep.add_argument("--compare", nargs="+", metavar="VARIANT", default=None,
                     help="compare variants side by side: a kernel (6.13), a reference strategy (batch-after), "
                          "or both joined with + (6.14+per-page)")
    rep.add_argument("--lesson", metavar="LESSON", help="a lesson file or built-in name (see: zswapviz lessons)")
    rep.add_argument("--title", help="a title instead of the scenario's")
    rep.add_argument("--all", metavar="OUTDIR", dest="all_dir",
                     help="write every built-in scenario, comparison, lesson and notebook into OUTDIR, with index.html")
    rep.add_argument("--no-notebooks", action="store_true", help="with --all: skip the notebooks")
    rep.set_defaults(func=_report_command)
    sc = sub.add_parser("scenarios", help="list the built-in scenarios")
    sc.set_defaults(func=_scenarios_command)
    ls = sub.add_parser("lessons", help="list the built-in lessons")
    ls.set_defaults(func=_lessons_command)


def _report_command(args) -> int:
    if args.all_dir is not None:
        extra = [n for n, v in (("SCENARIO", args.scenario), ("--out", args.out), ("--lesson", args.lesson),
                                ("--compare", args.compare), ("--title", args.title)) if v]
        if extra:
            raise UsageError(f"--all writes every report itself; do not give {extra[0]} with it")
        items = export_all(args.all_dir, notebooks=not args.no_notebooks, log=print)
        failed = [i for i in items if i["error"]]
        for i in failed:
            print(f"zswapviz: {i['kind']} {i['name']} failed: {i['error']}", file=sys.stderr)
        return 1 if failed else 0
    if args.out is None:
        raise UsageError("give --out FILE.html (or --all OUTDIR)")
    if args.lesson is not None:
        if args.scenario or args.compare:
            raise UsageError("a lesson brings its own scenario; give --lesson without SCENARIO or --compare")
        _check_out(args.out)
        lesson = load_lesson(args.lesson)
        path = write_atomic(args.out, render_lesson(lesson))
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {len(lesson.stops)} stops)")
        return 0
    if not args.scenario:
        raise UsageError("give a SCENARIO (a scenario file or a built-in name; see: zswapviz scenarios)")
    _check_out(args.out)
    scenario = resolve_scenario(args.scenario, where=args.scenario)
    if args.compare:
        path = export_comparison(scenario, args.compare, args.out, title=args.title)
    else:
        path = export_html(scenario, args.out, title=args.title)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def _scenarios_command(args) -> int:
    from .scenario import SCENARIO_DIR, builtin_scenarios

    scenarios = builtin_scenarios()
    width = max((len(n) for n in scenarios), default=4)
    for name, s in scenarios.items():
        print(f"{name:{width}s}  {s.kernel:5s} {s.folio_pages * 4:>5d}K  {s.title}")
    print(f"\n({len(scenarios)} in {SCENARIO_DIR}; run one with: zswapviz report NAME --out NAME.html)")
    return 0


def _lessons_command(args) -> int:
    from .lessons import LESSON_DIR, builtin_lessons

    lessons = builtin_lessons()
    width = max((len(n) for n in lessons), default=4)
    for name, lesson in lessons.items():
        print(f"{name:{width}s}  {len(lesson.stops):2d} stops  {lesson.title}")
    print(f"\n({len(lessons)} in {LESSON_DIR}; present one with: zswapviz report --lesson NAME --out NAME.html)")
    return 0
