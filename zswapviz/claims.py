"""Finding a step in a trace, and checking what a lesson or a teacher claims about it.

A *selector* picks one step of a recorded trace: an index, a named mark
(:data:`MARKS`: start, failure, first/last rollback, end) or criteria such as
``{"fn": "xa_erase", "which": "last"}``. A *claim* states values at that step
(the ledger, the step itself, the run's results) and :func:`check_claim` runs
it against the model. Lessons (:mod:`zswapviz.lessons`), the teacher's
edition (:mod:`zswapviz.teacher`) and the view model read these.

No matplotlib, ipywidgets or pandas here.
"""

from __future__ import annotations

import json

from .errors import UsageError
from .fields import _show
from .ledger import LEDGER_NUMBERS, OLD_NAMES, ledger
from .scenario import resolve_scenario
from .trace import Trace

__all__ = ["CLAIM_KEYS", "LEDGER_KEYS", "MARKS", "check_claim", "claim_values", "find_step",
           "snapshot_ledger", "trace_marks"]

#: The ledger shown at every step, in display order (zswapviz.ledger.Ledger's numbers).
LEDGER_KEYS = LEDGER_NUMBERS

#: Named steps a stop can point at with ``"at": NAME``.
MARKS = ("start", "failure", "first_rollback", "last_rollback", "end")

#: What an ``at`` object may name: ``operation`` is the operation's index in
#: the run (``op``, its older name, is still read).
_SELECTOR_KEYS = {"step", "fn", "phase", "page", "operation", "op", "failed", "which"}
#: Names a claim's ``expect`` may use besides the ledger's (see :func:`claim_values`).
CLAIM_KEYS = ("fn", "page", "arg", "phase", "failed", "steps", "result", "results", "violations")


def snapshot_ledger(snapshot) -> dict:
    """The ledger's numbers at one step (zswapviz.ledger.ledger), then every counter of its ``stats``."""
    led = ledger(snapshot)
    out = {key: led[key] for key in LEDGER_NUMBERS}
    # What cat prints for the memcg files (numbers; debugfs stored_pages, printed
    # %llu, is text in zswapviz.ledger.file_block: 2^64 - k is not exact in JSON)
    if snapshot.memcg:
        from .files import file_values
        out.update({k: v for k, v in file_values(out).items() if k != "debugfs stored_pages"})
    for key, value in snapshot.stats.items():
        out.setdefault(key, value)
    return out


def trace_marks(trace: Trace) -> dict:
    """The named steps of a trace: start, failure, first/last rollback, end (None if absent)."""
    rollback = trace.rollback_indices
    n = len(trace)
    return {
        "start": 0 if n else None,
        "failure": trace.failure_index,
        "first_rollback": rollback[0] if rollback else None,
        "last_rollback": rollback[-1] if rollback else None,
        "end": n - 1 if n else None,
    }


def find_step(trace: Trace, at) -> int | None:
    """The step a stop's ``at`` selector picks, or None when nothing matches.

    *at* is a step index, a name from :data:`MARKS`, or an object of
    criteria ``fn``, ``phase``, ``page``, ``operation`` (the operation's index in
    the run; ``op`` is its older name) and
    ``failed``, with ``which`` = ``"first"`` (default), ``"last"`` or *n*
    (the n-th match, from 1); ``{"step": k}`` is the same as *k*. Raises
    :class:`UsageError` for a malformed selector.

    >>> from zswapviz import load_scenario
    >>> trace = load_scenario("demo").run()
    >>> trace.steps[find_step(trace, {"fn": "xa_erase", "which": "last"})].page
    15
    """
    n = len(trace)
    if isinstance(at, bool):
        raise UsageError(f"'at' must be a step number, one of {', '.join(MARKS)}, or an object of criteria; not {_show(at)}")
    if isinstance(at, int):
        if at < 0:
            raise UsageError(f"step {at} is negative; steps count from 0")
        return at if at < n else None
    if isinstance(at, str):
        if at not in MARKS:
            raise UsageError(f"unknown mark {_show(at)}; accepted: {', '.join(MARKS)}")
        return trace_marks(trace)[at]
    if not isinstance(at, dict) or not at:
        raise UsageError(f"'at' must be a step number, one of {', '.join(MARKS)}, or an object of criteria; not {_show(at)}")
    unknown = sorted(set(at) - _SELECTOR_KEYS)
    if unknown:
        raise UsageError(f"unknown criterion {_show(unknown[0])}; accepted: {', '.join(sorted(_SELECTOR_KEYS - {'op'}))}")
    if "step" in at:
        if set(at) != {"step"}:
            raise UsageError("'step' picks a step by its index and cannot be combined with other criteria")
        step = at["step"]
        if not isinstance(step, int) or isinstance(step, bool):
            raise UsageError(f"'step' must be a whole number, not {_show(step)}")
        return find_step(trace, step)
    if "op" in at:
        if "operation" in at:
            raise UsageError("give 'operation' or its older name 'op', not both")
        at = {("operation" if k == "op" else k): v for k, v in at.items()}
    for key in ("page", "operation"):
        value = at.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise UsageError(f"{_show(key)} must be a whole number of 0 or more, not {_show(value)}")
    for key in ("fn", "phase"):
        if key in at and not isinstance(at[key], str):
            raise UsageError(f"{_show(key)} must be text, not {_show(at[key])}")
    if "failed" in at and not isinstance(at["failed"], bool):
        raise UsageError(f"'failed' must be true or false, not {_show(at['failed'])}")
    which = at.get("which", "first")
    if which not in ("first", "last") and (not isinstance(which, int) or isinstance(which, bool) or which < 1):
        raise UsageError(f"'which' must be \"first\", \"last\" or a whole number from 1, not {_show(which)}")
    hits = [s.index for s in trace.steps
            if ("fn" not in at or s.fn == at["fn"]) and ("phase" not in at or s.phase == at["phase"])
            and ("page" not in at or s.page == at["page"]) and ("operation" not in at or s.operation_index == at["operation"])
            and ("failed" not in at or s.failed == at["failed"])]
    if not hits:
        return None
    if which == "first":
        return hits[0]
    if which == "last":
        return hits[-1]
    return hits[which - 1] if which <= len(hits) else None


def _old_names(have: dict, expect: dict) -> None:
    """Let *expect* name ledger values by their old names (zswapviz.ledger.OLD_NAMES) too."""
    for key in expect:
        if key in OLD_NAMES and OLD_NAMES[key] in have:
            have[key] = have[OLD_NAMES[key]]


def claim_values(trace: Trace, step: int) -> dict:
    """What a claim can state about step *step* of *trace*: the ledger there, plus the step itself.

    Besides :func:`snapshot_ledger`'s names: ``fn``, ``page``, ``arg``,
    ``phase``, ``failed`` of the step; ``violations`` (how many the
    validators had found by then); and of the whole run ``steps`` (its
    length), ``results`` (what each operation returned, as a list) and
    ``result`` (the last of them: "zswap", "disk", "refused" ...).
    """
    s = trace.steps[step]
    out = snapshot_ledger(trace.snapshots[step])
    out.update(fn=s.fn, page=s.page, arg=s.arg, phase=s.phase, failed=s.failed,
               violations=len(trace.snapshots[step].violations), steps=len(trace),
               results=list(trace.results), result=trace.results[-1] if trace.results else None)
    return out


def check_claim(claim: dict, traces: dict | None = None, where: str = "claim") -> int:
    """Check one testable claim against the model; return the step it was checked at.

    A claim is data: ``{"scenario": SPEC, "at": SELECTOR, "expect": {NAME: VALUE}}``
    where SPEC is what :func:`resolve_scenario` takes (a built-in name or an
    object of fields), SELECTOR is what :func:`find_step` takes (default
    ``"end"``), and NAME is a ledger name or one of :data:`CLAIM_KEYS`
    (see :func:`claim_values`). Inside a lesson ``"variant"`` picks one of
    the lesson's *traces* instead of ``"scenario"``. ``"count:FN"`` in
    ``expect`` counts the steps of function FN up to the chosen step. A
    claim ``{"size_class": LENGTH, "expect": {...}}`` instead states the
    zsmalloc class a compressed length lands in (``size``,
    ``pages_per_zspage``, ``objs_per_zspage``, ``huge``). Raises
    :class:`UsageError` naming the value that does not hold.
    """
    if not isinstance(claim, dict):
        raise UsageError(f"{where}: a claim is an object of 'scenario', 'at' and 'expect', not {claim!r}")
    unknown = sorted(set(claim) - {"scenario", "variant", "at", "expect", "size_class"})
    if unknown:
        raise UsageError(f"{where}: unknown field {unknown[0]!r}; accepted: at, expect, scenario, size_class, variant")
    expect = claim.get("expect")
    if not isinstance(expect, dict) or not expect:
        raise UsageError(f"{where}: field 'expect' must map names to the values the answer claims")
    if "size_class" in claim:
        return _check_size_class(claim["size_class"], expect, where)
    if "scenario" in claim:
        trace = resolve_scenario(claim["scenario"], where=f"{where}: field 'scenario'").run()
    elif traces is not None and claim.get("variant") in traces:
        trace = traces[claim.get("variant")]
    else:
        raise UsageError(f"{where}: give a 'scenario' (or, in a lesson, one of its variants)")
    at = claim.get("at", "end")
    try:
        step = find_step(trace, at)
    except UsageError as e:
        raise UsageError(f"{where}: field 'at': {e}") from None
    if step is None:
        raise UsageError(f"{where}: 'at' {json.dumps(at)} matches no step of the trace ({len(trace)} steps)")
    have = claim_values(trace, step)
    _old_names(have, expect)
    for key, value in expect.items():
        if key.startswith("count:"):
            fn = key[len("count:"):]
            have[key] = sum(1 for s in trace.steps[:step + 1] if s.fn == fn)
        if key not in have:
            raise UsageError(f"{where}: field 'expect': unknown name {_show(key)}; accepted: {', '.join(have)}, count:FN")
        if have[key] != value:
            raise UsageError(f"{where}: field 'expect': {key} is {_show(have[key])} at step {step}, not {_show(value)}")
    return step


def _check_size_class(length, expect: dict, where: str) -> int:
    """Check what a claim says of the zsmalloc class a compressed *length* lands in; return the length."""
    from .model.zsmalloc import SizeClasses

    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 4096:
        raise UsageError(f"{where}: field 'size_class' must be a compressed length from 1 to 4096, not {length!r}")
    c = SizeClasses().class_for_length(length)
    have = {"size": c.size, "pages_per_zspage": c.pages_per_zspage, "objs_per_zspage": c.objs_per_zspage,
            "huge": c.huge}
    for key, value in expect.items():
        if key not in have:
            raise UsageError(f"{where}: field 'expect': unknown name {_show(key)}; accepted: {', '.join(have)}")
        if have[key] != value:
            raise UsageError(f"{where}: field 'expect': {key} is {have[key]!r} for {length} bytes, not {value!r}")
    return length
