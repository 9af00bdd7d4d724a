"""A view model decoded again in Python: what a renderer shows at any step.

:class:`View` reads only the dict of :func:`zswapviz.views.viewmodel.view_model`
(as the browser renderer does), so comparing :meth:`View.frame` with the page
checks both the encoding and the renderer; the explorer reads its sentence,
badge, counters and jumps from it too.
"""

from __future__ import annotations

from .viewmodel import FORMAT, fill

__all__ = ["View"]


class View:
    """A view model decoded again in Python: what a renderer shows at any step.

    It reads only the dict (as the browser does), so comparing
    :meth:`frame` with the page checks both the encoding and the renderer.
    """

    def __init__(self, vm: dict) -> None:
        if vm.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} view model: {vm.get('format')!r}")
        self.vm = vm
        self.n = vm["n"]

    def cells_at(self, k: int) -> list[tuple[str, int, int]]:
        """(state, length, flags) of every cell after step *k*."""
        vm = self.vm
        init, ch = vm["cells"]["initial"], vm["cells"]["changes"]
        cells = [list(t) for t in zip(init["state"], init["length"], init["flags"])]
        for j, step in enumerate(ch["step"]):
            if step > k:
                break
            cells[ch["page"][j]] = [ch["state"][j], ch["length"][j], ch["flags"][j]]
        states = vm["states"]
        return [(states[s], ln, fl) for s, ln, fl in cells]

    def values_at(self, k: int) -> dict:
        """The ledger values after step *k*, by key."""
        v = self.vm["values"]
        out = dict(zip(v["keys"], v["initial"]))
        ch = v["changes"]
        for j, step in enumerate(ch["step"]):
            if step > k:
                break
            out[v["keys"][ch["key"][j]]] = ch["value"][j]
        return out

    def counter_rows(self, k: int) -> list[tuple[str, int, int, str]]:
        """The counter table after step *k*: (counter, value, change from step k - 1, meaning), always the same rows."""
        now = self.values_at(k)
        before = self.values_at(k - 1) if k > 0 else {key: 0 for key in now}
        return [(key, now.get(key, 0), now.get(key, 0) - before.get(key, 0), meaning)
                for key, meaning in self.vm["counters"]]

    def sentence(self, k: int) -> str:
        """Step *k*'s plain sentence."""
        s = self.vm["steps"]
        page = s["page"][k]
        return fill(s["texts"][s["text"][k]], None if page < 0 else page, s["arg"][k])

    def call(self, k: int) -> str:
        """Step *k*'s kernel call line (``fn(page p): arg``)."""
        s = self.vm["steps"]
        page = s["page"][k]
        return fill(s["calls"][s["call"][k]], None if page < 0 else page, s["arg"][k])

    def title(self, k: int) -> str:
        """The one line naming step *k*: number, phase and call, as every renderer prints it."""
        s = self.vm["steps"]
        return f"step {k} of {self.n - 1} · {s['phases'][s['phase'][k]]} · {self.call(k)}"

    def badge(self, k: int) -> dict:
        """The badge at step *k*: ok, one summary line, and the details (every violation so far)."""
        b = self.vm["badge"]
        so_far = [v for v in b["violations"] if v[0] <= k]
        if not so_far:
            return {"ok": True, "summary": b["ok"], "details": []}
        names = list(dict.fromkeys(v[1] for v in so_far))
        # At most two checker names, so the badge fits its three lines; the details list all
        more = f" +{len(names) - 2} more" if len(names) > 2 else ""
        summary = f"{len(so_far)} invariant violation(s): {', '.join(names[:2])}{more}"
        return {"ok": False, "summary": summary, "details": [v[2] for v in so_far]}

    def jump(self, kind: str, k: int) -> int | None:
        """Where a jump of *kind* (failure, rollback, end, start) goes from step *k*: the next mark after it, wrapping."""
        marks = self.vm["marks"].get(kind) or []
        if not marks:
            return None
        later = [i for i in marks if i > k]
        return later[0] if later else marks[0]

    def frame(self, k: int) -> dict:
        """Everything shown at step *k*: cells, values, sentence, title, badge, page, failed."""
        k = max(0, min(int(k), self.n - 1))
        s = self.vm["steps"]
        cells = self.cells_at(k)
        return {
            "step": k,
            "cells": [c[0] for c in cells],
            "lengths": [c[1] for c in cells],
            "values": self.values_at(k),
            "sentence": self.sentence(k),
            "title": self.title(k),
            "fn": s["fns"][s["fn"][k]],
            "page": None if s["page"][k] < 0 else s["page"][k],
            "failed": k in set(s["failed"]),
            "badge": self.badge(k),
        }
