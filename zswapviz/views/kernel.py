"""The "your kernel" panel: this machine's zswap parameters and counters, with a Refresh button."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W

from .form import as_sentence as _as_sentence
from .form import folio_size_label

__all__ = ["KernelPanel", "kernel_summary_html"]


def _kv(value) -> str:
    """A kernel value as the panel shows it: - for unknown, yes/no, spaced thousands."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u2009")
    return html.escape(str(value))


def _kernel_table(title: str, rows: list[tuple[str, str]], empty: str = "") -> str:
    head = f'<tr><th colspan="2" style="text-align:left;padding:2px 6px;background:#eceff1">{html.escape(title)}</th></tr>'
    if not rows:
        body = f'<tr><td colspan="2" style="padding:1px 6px;color:#666"><i>{html.escape(empty)}</i></td></tr>'
    else:
        body = "".join(f'<tr><td style="padding:1px 6px"><code>{html.escape(k)}</code></td>'
                       f'<td style="padding:1px 6px;text-align:right">{v}</td></tr>' for k, v in rows)
    return (f'<table class="zswapviz-kernel-table" style="font-size:12px;border-collapse:collapse;'
            f'margin:0 18px 6px 0;align-self:flex-start">{head}{body}</table>')


def kernel_summary_html(summary: dict) -> str:
    """A :func:`zswapviz.kernel.kernel_summary` as HTML: tables of values, the notes, what could not be read and why.

    Every value is escaped. A summary of a machine without zswap (or whose
    counters are unreadable) shows the tables it has and the notes saying why.
    """
    from ..kernel.summary import format_kernel_summary

    z = summary.get("zswap") or {}
    release = summary.get("kernel_release") or "unknown"
    model = summary.get("model_kernel")
    who = "as root" if summary.get("is_root") else "as a user (not root)"
    head = (f'<div style="margin-bottom:4px"><b>Your kernel: {html.escape(str(release))}</b> · '
            f'the model\'s profile: {html.escape(str(model)) if model else "none"} · read {who} at '
            f'{html.escape(str(summary.get("time", "")))}</div>')
    if z.get("available"):
        params = [("enabled", _kv(z.get("enabled"))), ("compressor", _kv(z.get("compressor"))),
                  ("max_pool_percent", _kv(z.get("max_pool_percent"))),
                  ("= pool limit (pages)", _kv(summary.get("max_pool_pages"))),
                  ("MemTotal (pages)", _kv(summary.get("memtotal_pages"))),
                  ("accept_threshold_percent", _kv(z.get("accept_threshold_percent"))),
                  ("shrinker_enabled", _kv(z.get("shrinker_enabled")))]
    else:
        params = []
    tables = [_kernel_table("zswap parameters", params, "zswap is not in this kernel"),
              _kernel_table("pool (debugfs zswap/)", [(k, _kv(v)) for k, v in (summary.get("pool") or {}).items()],
                            "not readable: see the notes below"),
              _kernel_table("swap-out since boot (/proc/vmstat, pages)",
                            [(k, _kv(v)) for k, v in (summary.get("swap") or {}).items()], "not readable")]
    mthp = summary.get("mthp") or {}
    if mthp:
        cols = ("zswpout", "swpout", "swpout_fallback")
        head_row = "".join(f'<th style="padding:1px 6px;text-align:right">{c}</th>' for c in ("folio size", *cols))
        rows = "".join(
            f'<tr><td style="padding:1px 6px;text-align:right">{html.escape(folio_size_label(int(size) // 4))}</td>'
            + "".join(f'<td style="padding:1px 6px;text-align:right">{_kv(stats.get(c))}</td>' for c in cols)
            + "</tr>" for size, stats in mthp.items())
        tables.append(f'<table class="zswapviz-kernel-table" style="font-size:12px;border-collapse:collapse;'
                      f'margin:0 18px 6px 0;align-self:flex-start"><tr><th colspan="4" style="text-align:left;'
                      f'padding:2px 6px;background:#eceff1">large folios swapped out since boot (mTHP stats, '
                      f'folios)</th></tr><tr>{head_row}</tr>{rows}</table>')
    else:
        tables.append(_kernel_table("large folios (mTHP stats)", [], "this kernel has no per-size mTHP stats"))
    notes = [n for n in summary.get("notes") or [] if not n.startswith("Not read:")]
    unreadable = summary.get("unreadable") or []
    out = [head, f'<div style="display:flex;flex-flow:row wrap">{"".join(tables)}</div>']
    if notes:
        out.append('<ul class="zswapviz-kernel-notes" style="margin:2px 0 4px 0;padding-left:20px">'
                   + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    if unreadable:
        out.append('<div style="font-size:12px">Could not read:</div><table class="zswapviz-kernel-unreadable" '
                   'style="font-size:12px;border-collapse:collapse;margin-left:14px">'
                   + "".join(f'<tr><td style="padding:1px 6px"><code>{html.escape(str(u.get("what")))}</code></td>'
                             f'<td style="padding:1px 6px">{html.escape(str(u.get("why")))}</td></tr>'
                             for u in unreadable) + "</table>")
    try:
        text = format_kernel_summary(summary)
    except (KeyError, TypeError, AttributeError):
        text = ""
    if text:
        out.append(f'<details style="font-size:12px;margin-top:4px"><summary>as text (zswapviz lab status)</summary>'
                   f'<pre style="font-size:11px">{html.escape(text)}</pre></details>')
    return f'<div style="line-height:1.35">{"".join(out)}</div>'


class KernelPanel:
    """This machine's zswap now: parameters, pool and swap counters, mTHP stats, and what could not be read.

    :attr:`summary` holds the plain dict of
    :func:`zswapviz.kernel.kernel_summary` (read-only, no root needed: it
    reads less without root or zswap and says why in its notes); "Refresh"
    reads it again. *read* replaces ``kernel_summary`` (for tests and
    recorded summaries).
    """

    def __init__(self, read: Callable[[], dict] | None = None) -> None:
        self._read = read
        #: The last summary read (a JSON-ready dict), or None if none could be read.
        self.summary: dict | None = None
        #: One sentence about the last failed read, or "".
        self.message = ""
        #: The exception behind a failed read, for developers.
        self.last_error: BaseException | None = None
        self.html = W.HTML()
        self.html.add_class("zswapviz-kernel")
        self.refresh_button = W.Button(description="Refresh", tooltip="read this machine's zswap again",
                                       layout=W.Layout(width="auto"))
        self.refresh_button.add_class("zswapviz-kernel-refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.widget = W.VBox([W.HBox([self.refresh_button]), self.html],
                             layout=W.Layout(border="1px solid #b0bec5", padding="6px 10px", margin="4px 0"))
        self.widget.add_class("zswapviz-kernel-panel")
        self.refresh()

    def refresh(self) -> bool:
        """Read this machine's zswap again and show it; False (and one sentence, the last read kept) on failure."""
        try:
            if self._read is not None:
                summary = self._read()
            else:
                from ..kernel import summary as kernel_summary_module

                summary = kernel_summary_module.kernel_summary()
            text = kernel_summary_html(summary)
        except Exception as e:  # noqa: BLE001 - a panel shows a sentence, never a traceback
            self.last_error = e
            first = str(e).splitlines()[0] if str(e) else ""
            self.message = _as_sentence(f"This machine's zswap could not be read: {type(e).__name__}: {first}"
                                        .rstrip(": "))
            shown = kernel_summary_html(self.summary) if self.summary else ""
            self.html.value = (f'<div class="zswapviz-invalid" style="color:#b71c1c;font-weight:bold">'
                               f'{html.escape(self.message)}</div>{shown}')
            return False
        self.summary, self.message, self.last_error = summary, "", None
        self.html.value = text
        return True

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
