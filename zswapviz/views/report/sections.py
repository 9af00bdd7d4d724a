"""The blocks a report page is made of: outcome, verdict, numbers, scenario, player.

Each function returns escaped HTML. Paths are shown by file name only: a
report is a handout, and must not carry the folders of the machine that
wrote it.
"""

from __future__ import annotations

import json
import os

from ...errors import UsageError
from ...scenario import Scenario, ledger, resolve_scenario
from ...trace import Trace
from .page import esc

_OUTCOMES = {
    "zswap": ("stored", "stored in zswap"),
    "disk": ("refused", "refused by zswap and written to the swap device"),
    "zeromap": ("other", "all zero: marked in the swap zeromap, zswap not called"),
    "activate": ("refused", "refused by zswap; writeback is disabled, so the folio stays in memory"),
}



def outcomes(trace: Trace) -> list[tuple[str, str, str]]:
    """(badge class, label, sentence) per operation of the run."""
    out = []
    by_operation: dict[int, list] = {}
    for s in trace.steps:
        by_operation.setdefault(s.operation_index, []).append(s)
    for i, result in enumerate(trace.results):
        op_steps = by_operation.get(i)
        if not op_steps:
            continue
        pages = [s.page for s in op_steps if s.page is not None]
        name = op_steps[0].actor
        nr = trace.meta.get("folio_pages")
        if name == "swap_writepage" and isinstance(nr, int) and i < (trace.meta.get("folios") or 0):
            pages = [i * nr, i * nr + nr - 1]  # the folio's pages, also where no step names one (6.12's refusal)
        span = f"pages {min(pages)}\u2013{max(pages)}" if pages else "no page of the window"
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


def outcome_html(trace: Trace) -> str:
    items = outcomes(trace)
    rows = "".join(f'<li><span class="zv-badge zv-{esc(kind)}">{esc(label)}</span> {esc(text)}</li>'
                   for kind, label, text in items)
    kinds = [k for k, _l, _t in items]
    if len(items) == 1:
        headline = {"stored": "Stored", "refused": "Refused and rolled back" if trace.rollback_indices else "Refused"}.get(kinds[0], items[0][1])
    else:
        headline = f"{kinds.count('stored')} of {len(items)} operations stored"
    return f'<div class="zv-card"><h3>Outcome: {esc(headline)}</h3><ul>{rows}</ul></div>'


def verdict_html(trace: Trace) -> str:
    violations = list(trace.world.violations)
    if not violations:
        return ('<div class="zv-card zv-verdict-ok" id="verdict"><h3>Validators: every invariant holds</h3>'
                "<p>Refcount ledgers, charge, stored_pages, handles, LRU and all-or-nothing were checked "
                "after every operation.</p></div>")
    items = "".join(f"<li>{esc(v)}</li>" for v in violations)
    return (f'<div class="zv-card zv-verdict-bad" id="verdict"><h3>Validators: {len(violations)} violation(s)</h3>'
            f"<ul>{items}</ul></div>")


def kv_table(rows: dict, cls: str = "zv-t") -> str:
    body = "".join(
        f'<tr><th><code>{esc(k)}</code></th><td class="num{" neg" if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0 else ""}">'
        f"{esc(fmt(v))}</td></tr>" for k, v in rows.items())
    return f'<table class="{cls}">{body}</table>'


def fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def numbers_html(trace: Trace) -> str:
    final = ledger(trace)
    stats = {k: v for k, v in trace.snapshots[-1].stats.items() if v}
    return (f'<div class="zv-two"><div><h3>Final ledger</h3>{kv_table(final)}</div>'
            f'<div><h3>Counters (non-zero)</h3>{kv_table(stats) if stats else "<p>all zero</p>"}</div></div>')


def scenario_html(trace: Trace, scenario: Scenario | None) -> str:
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
        "file": shown_path(meta.get("origin")) or "(made in Python)",
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
            data = scenario.to_dict()
            if isinstance(data.get("pages"), dict) and "file" in data["pages"]:
                data["pages"] = dict(data["pages"], file=shown_path(data["pages"]["file"]))
            text = json.dumps(data, indent=2, ensure_ascii=False)
        except UsageError:
            text = None
        if text:
            out.append("<details><summary>The scenario as a file (save it as JSON and run "
                       "<code>zswapviz report FILE.json --out report.html</code>)</summary>"
                       f'<pre class="zv-json">{esc(text)}</pre></details>')
    return "\n".join(out)


def player_html(player_id: str, label: str = "") -> str:
    """The element the renderer draws a player in, from the JSON script *player_id*."""
    head = f"<h3>{esc(label)}</h3>" if label else ""
    return (f'{head}<div class="zv-player" id="{esc(player_id)}-player" data-zv-player="{esc(player_id)}" '
            f'aria-label="step player"></div>')


def subtitle(trace: Trace) -> str:
    m = trace.meta
    pages = m.get("folio_pages")
    bits = [f"kernel {m.get('kernel', '?')}", f"{m.get('compressor', '?')}",
            f"refs {m.get('refs', '?')}",
            f"{m.get('folios', '?')} folio(s) of {pages} page(s) ({4 * int(pages or 0)} KiB)", f"{len(trace)} steps"]
    return " \u00b7 ".join(bits)


def as_trace(source) -> tuple[Trace, Scenario | None]:
    if isinstance(source, Trace):
        return source, None
    scenario = source if isinstance(source, Scenario) else resolve_scenario(source, where=str(source))
    return scenario.run(), scenario


def shown_path(path) -> str:
    """A path as a handout may show it: the file name only, never the folders."""
    return os.path.basename(str(path)) if path else ""


def glossary_section() -> str:
    """The glossary as a section of the page (``#glossary``), or "" when zswapviz has no glossary."""
    try:
        from ...glossary import glossary_html
    except ImportError:
        return ""
    return ('<h2 id="glossary">Glossary</h2><p class="zv-sub">The kernel terms this page uses, in plain words, '
            f"with the kernel source file where each lives.</p>{glossary_html()}")


def glossary_link(section: str) -> str:
    """A line linking to the page's glossary section, or "" without one."""
    return '<p class="zv-sub zv-links"><a href="#glossary">Glossary of the kernel terms</a></p>' if section else ""
