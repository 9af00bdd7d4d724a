"""Two traces of one scenario aligned by kernel event: the one pairing of steps the side-by-side views share.

:func:`align` is used by :class:`~zswapviz.views.sidebyside.SideBySide` (and
its ``pair.js`` in the browser, which steps over the rows) and by the
offline comparison report (where a code-pane click in one variant moves the
others to the same kernel event). It imports no widget library.
"""

from __future__ import annotations

import difflib

__all__ = ["align"]


def _key(step) -> tuple:
    return step.operation_index, step.fn, step.page


def align(a, b) -> list[tuple[int, int]]:
    """Rows ``(i, j)`` pairing step *i* of trace *a* with step *j* of *b*; -1 where one side has no such step.

    Steps pair when they are the same kernel event (operation, function,
    page); the rows keep both traces' order and cover every step once.

    >>> from dataclasses import replace
    >>> from zswapviz import load_scenario
    >>> s = load_scenario("bug-6.13")
    >>> a, b = s.run(), replace(s, kernel="6.14").run()
    >>> rows = align(a, b)
    >>> [i for i, _ in rows if i >= 0] == list(range(len(a))) and [j for _, j in rows if j >= 0] == list(range(len(b)))
    True
    """
    ka, kb = [_key(s) for s in a.steps], [_key(s) for s in b.steps]
    rows: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(zip(range(i1, i2), range(j1, j2)))
        else:
            rows.extend((i, -1) for i in range(i1, i2))
            rows.extend((-1, j) for j in range(j1, j2))
    return rows
