"""Two variants of one scenario side by side, aligned by kernel event.

:func:`align` (:mod:`.alignment`, widget-free: the comparison report uses it
too) pairs the steps of two traces that are the same kernel event
(same operation, same function, same page), in order, with a gap where one
side has a step the other has not (6.13 counts ``stored_pages`` once per
folio where 6.14 counts per page; ``batch-after`` takes the refs after
publishing where ``per-page`` takes them per entry). :class:`SideBySide`
steps over those rows in the browser: both sides show the same event, a
plain note names a step only one side has, and the counters are compared
only at rows where both sides are at the same event.
"""

from __future__ import annotations

import html

import ipywidgets as W

from ..errors import UsageError
from ..scenario import Scenario
from .alignment import align
from .explorer import Explorer
from .stepper import PairWidget, dumps
from .viewmodel import COUNTER_ROWS, View

__all__ = ["SideBySide", "align", "variant_labels"]


def variant_labels(a: dict, b: dict) -> tuple[str, str]:
    """Name two variants by what differs between them: the values alone if one key differs.

    >>> variant_labels({"kernel": "6.14", "refs": "per-page"}, {"kernel": "6.14", "refs": "batch-after"})
    ('per-page', 'batch-after')
    >>> variant_labels({"kernel": "6.13"}, {"kernel": "6.14", "compressor": "lzo"})
    ('kernel 6.13', 'kernel 6.14, compressor lzo')
    """
    keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    if not keys:
        return "A", "B"
    if len(keys) == 1:
        k = keys[0]
        return str(a.get(k, "default")), str(b.get(k, "default"))
    return tuple(", ".join(f"{k} {v[k]}" for k in keys if k in v) or "default" for v in (a, b))


class SideBySide:
    """Two variants of one scenario, stepped together by kernel event in the browser.

    *a* and *b* are values for :meth:`Explorer.set` that make the variants
    (e.g. ``{"refs": "per-page"}`` and ``{"refs": "batch-after"}``, or
    ``{"kernel": "6.13"}`` and ``{"kernel": "6.14"}``). :attr:`row` is the
    alignment row shown (:attr:`rows`); each side is at its step of that
    row, or, where it has no such step, at its last step before it.
    """

    def __init__(self, scenario: Scenario | str | None = None, a: dict | None = None, b: dict | None = None, *,
                 labels: tuple[str, str] | None = None, spoilers: bool | None = None, **_ignored) -> None:
        a, b = dict(a or {}), dict(b or {})
        #: Short names of the two variants (what differs between them).
        self.labels = labels or variant_labels(a, b)
        self.left = Explorer(scenario, controls=False, label=self.labels[0], _show=False)
        self.right = Explorer(scenario, controls=False, label=self.labels[1], _show=False)
        self._title = self.left.trace.meta.get("title", "")
        if a and not self.left.set(**a):
            raise UsageError(self.left.message)
        if b and not self.right.set(**b):
            raise UsageError(self.right.message)
        #: The alignment row shown.
        self.row = 0
        self.pair = PairWidget(spoilers=spoilers)
        self.pair.layout = W.Layout(width="100%")
        self.pair.observe(self._browser_row, "row")
        self.header_html = W.HTML()
        self.widget = W.VBox([self.header_html, self.pair])
        self.widget.add_class("zswapviz-side-by-side")
        self._send()

    @property
    def sides(self) -> tuple[Explorer, Explorer]:
        """The two explorers, left and right."""
        return self.left, self.right

    @property
    def steps(self) -> tuple[int, int]:
        """Each side's step at the current row."""
        return self._steps_at(self.row)

    def _steps_at(self, r: int) -> tuple[int, int]:
        out = []
        for side in (0, 1):
            k = -1
            for row in self.rows[r::-1]:
                if row[side] >= 0:
                    k = row[side]
                    break
            out.append(max(k, 0))
        return out[0], out[1]

    @property
    def step(self) -> int:
        """The row shown (an alias of :attr:`row`)."""
        return self.row

    def _send(self) -> None:
        self.rows = align(self.left.trace, self.right.trace)
        self.row = max(0, min(self.row, len(self.rows) - 1))
        self.notes = {r: self._note(r) for r, (i, j) in enumerate(self.rows) if i < 0 or j < 0}
        fa, fb = (set(s.trace.find(failed=True)) for s in self.sides)
        ra, rb = (set(s.view["marks"]["rollback"]) for s in self.sides)
        #: Where the pair's jumps go: rows where either side fails, or starts a rollback.
        self.marks = {"failure": self._rows_where(lambda i, j: i in fa or j in fb),
                      "rollback": self._rows_where(lambda i, j: i in ra or j in rb)}
        data = {"a": self.left.view, "b": self.right.view, "labels": list(self.labels),
                "rows": [list(r) for r in self.rows], "counters": [list(c) for c in COUNTER_ROWS],
                "notes": {str(r): t for r, t in self.notes.items()}, "marks": self.marks}
        with self.pair.hold_sync():
            self.pair.pair = dumps(data)
            self.pair.row = self.row
        self._sync_sides()
        self.header_html.value = (f"<h3 style='margin:4px 0'>{html.escape(self._title)}: "
                                  f"{html.escape(self.labels[0])} and {html.escape(self.labels[1])}, side by side</h3>")

    def _sync_sides(self) -> None:
        for side, k in zip(self.sides, self.steps):
            side.step = k

    def _browser_row(self, change) -> None:
        self.row = max(0, min(int(change["new"]), len(self.rows) - 1))
        self._sync_sides()

    def set(self, **values) -> bool:
        """Change a scenario value on both sides and run both; return whether both ran."""
        ok = [side.set(**values) for side in self.sides]
        self._send()
        return all(ok)

    def go(self, row: int) -> None:
        """Show alignment row *row* (clamped)."""
        self.row = max(0, min(int(row), len(self.rows) - 1))
        self.pair.row = self.row
        self._sync_sides()

    def forward(self) -> None:
        """Both sides one event on."""
        self.go(self.row + 1)

    def back(self) -> None:
        """Both sides one event back."""
        self.go(self.row - 1)

    def _rows_where(self, test) -> list[int]:
        return [r for r, (i, j) in enumerate(self.rows) if test(i, j)]

    def _jump(self, rows: list[int]) -> bool:
        if not rows:
            return False
        later = [r for r in rows if r > self.row]
        self.go(later[0] if later else rows[0])
        return True

    def to_failure(self) -> bool:
        """The next row where either side fails (wrapping); False if neither does."""
        return self._jump(self.marks["failure"])

    def to_rollback(self) -> bool:
        """The next row where either side's rollback starts (wrapping); False if neither rolls back."""
        return self._jump(self.marks["rollback"])

    def to_end(self) -> None:
        """The last row."""
        self.go(len(self.rows) - 1)

    def next_page(self) -> None:
        """The first row of the next page either side works on."""
        ta, tb = (s.trace.steps for s in self.sides)

        def page(r):
            i, j = self.rows[r]
            return ta[i].page if i >= 0 else tb[j].page
        here = page(self.row)
        for r in range(self.row + 1, len(self.rows)):
            p = page(r)
            if p is not None and p != here:
                self.go(r)
                return
        self.to_end()

    @property
    def note(self) -> str:
        """The plain note of the current row: which side has a step the other has not, or ""."""
        return self.notes.get(self.row, "")

    def _note(self, r: int) -> str:
        i, j = self.rows[r]
        if i >= 0 and j >= 0:
            return ""
        side, other, k = (self.labels[0], self.labels[1], i) if i >= 0 else (self.labels[1], self.labels[0], j)
        view = View((self.left if i >= 0 else self.right).view)
        return f"Only {side} has this step ({view.call(k)}); {other} has no such step here."

    @property
    def aligned(self) -> bool:
        """Whether both sides are at the same kernel event (the counters are compared only then)."""
        i, j = self.rows[self.row]
        return i >= 0 and j >= 0

    @property
    def counters(self):
        """Both sides' counters at the current row, side by side, with ``differs`` (pandas).

        ``differs`` is only True at an aligned row: where one side has a step
        the other has not, nothing is compared (``compared`` False).
        """
        import pandas as pd

        left, right = (View(s.view).values_at(k) for s, k in zip(self.sides, self.steps))
        keys = [k for k, _ in COUNTER_ROWS]
        df = pd.DataFrame({self.labels[0]: [left.get(k, 0) for k in keys],
                           self.labels[1]: [right.get(k, 0) for k in keys]}, index=pd.Index(keys, name="counter"))
        df["compared"] = self.aligned
        df["differs"] = (df[self.labels[0]] != df[self.labels[1]]) & self.aligned
        return df

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
