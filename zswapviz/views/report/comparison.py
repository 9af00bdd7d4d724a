"""Variants of one scenario side by side: a table of their results and a player each.

Each variant is run once; its table row (:func:`zswapviz.compare.variant_row`)
is read from that same trace.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import UsageError
from ...lessons import scenario_data
from ...scenario import Scenario, resolve_scenario
from ...trace import Trace
from ..alignment import align
from . import figures
from .export import check_out, write_atomic
from .page import data_script, esc, footer, page
from .pages import encode_trace
from .sections import (
    fmt,
    glossary_link,
    glossary_section,
    outcome_html,
    player_html,
    scenario_html,
    verdict_html,
)


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
        s = resolve_scenario(data, where=f"variant {self.label}")
        s.origin = scenario.origin
        return s


def parse_variant(text: str) -> Variant:
    """A variant from ``6.13``, ``batch-after``, ``6.14+per-page`` or ``kernel=6.14,refs=per-page``.

    >>> parse_variant("6.14+batch-after").label
    '6.14 · batch-after'
    """
    from ...compress import COMPRESSOR_NAMES
    from ...profiles import KERNEL_NAMES, REF_STRATEGIES

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


def run_variants(scenario: Scenario, variants) -> list[tuple[Variant, Scenario, Trace]]:
    """Run each variant of *scenario* once: (variant, its scenario, its trace)."""
    runs = []
    for v in variants:
        v = v if isinstance(v, Variant) else parse_variant(v)
        s = v.apply(scenario)
        runs.append((v, s, s.run()))
    return runs


def variant_table(runs: list[tuple[Variant, Scenario, Trace]]) -> list[dict]:
    """One row per variant (:func:`zswapviz.compare.variant_row` of its trace): outcome, ledger, counters, verdict."""
    from ...compare import variant_row

    rows = []
    for v, _s, trace in runs:
        row = {"variant": v.label}
        for key, value in variant_row(trace).items():
            row[key] = len(value) if isinstance(value, (list, tuple)) else value
        rows.append(row)
    return rows


def render_comparison(source, variants, *, title: str | None = None) -> str:
    """The HTML of several variants of one scenario side by side."""
    scenario = source if isinstance(source, Scenario) else resolve_scenario(source, where=str(source))
    variants = [v if isinstance(v, Variant) else parse_variant(v) for v in variants]
    if not variants:
        raise UsageError("give at least one variant to compare, e.g. --compare 6.13 6.14")
    if len(variants) == 1:
        variants = [Variant()] + variants
    labels = [v.label for v in variants]
    if len(set(labels)) != len(labels):
        raise UsageError(f"the variants {', '.join(labels)} repeat one another; give different ones")
    runs = run_variants(scenario, variants)
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
        tds = "".join(f'<td class="num{" neg" if isinstance(v, int) and v < 0 else ""}">{esc(fmt(v))}</td>' for v in values)
        trs.append(f'<tr class="{diff.strip()}"><th><code>{esc(k)}</code></th>{tds}</tr>')
    table = (f'<div class="zv-tablewrap"><table class="zv-t"><thead><tr><th></th>{head}</tr></thead>'
             f'<tbody>{"".join(trs)}</tbody></table></div>')
    if hidden:
        table += f'<p class="zv-sub">Zero in every variant: {esc(", ".join(hidden))}.</p>'
    cols, data = [], []
    for i, (v, _s, trace) in enumerate(runs):
        pid = f"zv-data-{i}"
        vm = encode_trace(trace, v.label)
        data.append(data_script(pid, vm))
        figs = figures.figures_html(figures.trace_figures(trace, small=True, vm=vm), pid)
        cols.append(f'<section class="zv-variant"><h2>{esc(v.label)}</h2>'
                    f'<div class="zv-cards">{outcome_html(trace)}{verdict_html(trace)}</div>'
                    f"{player_html(pid)}{figs}</section>")
    # the first variant's steps paired with each other variant's by kernel event: a code-pane click in one variant
    # moves the others to the same event (report.js)
    data.append(data_script("zv-align", [[list(r) for r in align(runs[0][2], trace)] for _v, _s, trace in runs[1:]]))
    all_bar = ('<div class="zv-allbar"><strong>All variants:</strong>'
               + "".join(f'<button type="button" class="zv-btn" data-zv-all="{a}">{esc(t)}</button>'
                         for a, t in (("start", "|\u25c0 first"), ("prev", "\u25c0 previous"), ("next", "next \u25b6"),
                                      ("failure", "to failure"), ("rollback", "to rollback"), ("end", "end \u25b6|")))
               + '<span class="zv-sub">\u2190 \u2192 step every variant (click outside the players first)</span></div>')
    # The note was written for the scenario's own kernel and strategy; the
    # variants differ from it, so it is labelled with the run it tells
    notes = f"The scenario's own run ({scenario.kernel}, {scenario.refs}): {scenario.notes}" if scenario.notes else ""
    glossary = glossary_section()
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="zv-sub">The same scenario run {len(runs)} ways. Differing rows are highlighted.</p>',
        glossary_link(glossary),
        f'<div class="zv-notes">{esc(notes)}</div>' if notes else "",
        "<h2>Side by side</h2>", table,
        all_bar,
        f'<div class="zv-compare">{"".join(cols)}</div>',
        "<h2>Scenario</h2>", scenario_html(runs[0][2], scenario),
        glossary,
    ]
    return page(title, "\n".join(b for b in body if b), "\n".join(data), foot=footer(),
                 body_attrs={"data-sync": "1"})


def export_comparison(source, variants, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Write a comparison report of *variants* of one scenario to *path*."""
    check_out(path)
    return write_atomic(path, render_comparison(source, variants, title=title))
