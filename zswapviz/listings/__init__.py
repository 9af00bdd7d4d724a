"""The code beside the state: a listing per kernel release, and the line of every step.

The listings are data: ``*.lst`` files in this package hold compact C-like
pseudo-code of the path the model steps through, written in our own words
with the kernel's identifiers, labels and control flow (kernel source is
GPL and is not copied). One base listing covers every release; a line or a
function that exists only in some releases carries a condition on the
profile's flags, so a release's listing is the base resolved against its
:class:`~zswapviz.profiles.KernelProfile` and reference strategy.

File format, one line at a time::

    # a comment for maintainers (ignored)
    @function NAME FILE [ops=a,b] [if=COND] [patch]
    code text                 //@ TOKEN TOKEN ...

``ops`` names the operations whose steps can be in the function
(``swapout``, ``load``, ``invalidate``, ``writeback``, ``switch``,
``shrink``; ``none``); ``patch`` marks a function an unmerged posting
changes, linked to the posting instead of a release tree. Tokens after
``//@``:

``=FN[/PHASE|PHASE][:CLASS][@page|@folio]``
    steps of kernel function FN (in those phases; CLASS ``neg``, ``zero``,
    ``pos``, ``ok`` (not negative) or an exact number; on a slot or
    folio-wide) are at this line.
``if:COND``
    the line exists only when COND holds: atoms joined by ``,`` (and);
    an atom is a profile flag (``charge_in_store_page``), its negation
    (``!single_page``), ``batch`` (batch_size > 1), or ``NAME=V1|V2`` on
    ``kernel``, ``refs``, ``allocator``, ``writeout_fn``.
``ctx``
    a step line that no built-in scenario reaches: shown as context.
``why:KEY``
    the one-line note KEY of ``why.txt`` (note and source).
``enter``
    a step here starts a new call of the function.
``label``
    a goto label.

A line without ``=`` tokens maps no step: it is context too (braces,
declarations, comments).
"""

from __future__ import annotations

from functools import lru_cache

from ..constants import DEFAULT_KERNEL, DEFAULT_REFS
from .diff import add_commands, diff_json, diff_rows, diff_text, parse_side
from .parse import _parse  # noqa: F401 - the file reader, for tests of the format
from .resolve import Function, Line, Listing, _listing, get_listing, listing_json

__all__ = [
    "Function",
    "Line",
    "Listing",
    "add_commands",
    "code_lines",
    "code_view",
    "diff_json",
    "diff_rows",
    "diff_text",
    "get_listing",
    "listing_json",
    "locate",
    "parse_side",
    "reached_lines",
    "source_column",
]

#: Which listing operations a step's operation (the generator or actor
#: name on the step) can be in.
_OP_FAMILY = {
    "swap_writepage": "swapout", "swap_writeout": "swapout", "zswap_store": "swapout",
    "zswap_load": "load",
    "zswap_invalidate": "invalidate", "invalidate": "invalidate",
    "zswap_writeback_one": "writeback", "writeback": "writeback", "shrink_worker": "writeback",
    "zswap_compressor_switch": "switch", "compressor_switch": "switch",
    "zs_pool_shrink": "shrink",
}

# -- steps to lines ------------------------------------------------------------


def _fields(step):
    """(op, fn, phase, arg, offset) of a step record or a raw yielded tuple."""
    fn = getattr(step, "fn", None)
    if fn is not None:
        # the acting operation or actor: Step.actor (Step.op before the typed records)
        op = getattr(step, "actor", None) or getattr(step, "op", None)
        phase = getattr(step, "phase", None)
        return op, fn, None if phase is None else str(phase), getattr(step, "arg", None), getattr(step, "offset", None)
    fn, offset, phase, arg = tuple(step)[:4]
    op = step[4] if len(step) > 4 else None
    return op, fn, phase, arg, offset


@lru_cache(maxsize=4096)
def _lookup(kernel: str, refs: str, op, fn: str, phase, arg_class, offset_none: bool):
    listing = _listing(kernel, refs)
    family = _OP_FAMILY.get(op)
    arg = {"neg": -1, "zero": 0, "pos": 1}.get(arg_class, arg_class)
    best = None
    for fi, f in enumerate(listing.functions):
        if family is not None and family not in f.ops:
            continue
        for li, line in enumerate(f.lines):
            for p in line.patterns:
                if p.matches(fn, phase, arg, None if offset_none else 0):
                    w = p.weight
                    if best is None or w > best[0]:
                        best = (w, fi, li)
    return None if best is None else (best[1], best[2])


def _arg_key(arg):
    """The part of a step's result that patterns can tell apart."""
    if arg is None or arg == 0:
        return "zero"
    if arg < 0:
        return arg
    return "pos"


def _locate_index(kernel: str, refs: str, step):
    op, fn, phase, arg, offset = _fields(step)
    return _lookup(kernel, refs, op, fn, phase, _arg_key(arg), offset is None)


def locate(kernel: str, step, refs: str = DEFAULT_REFS) -> tuple[str, int] | None:
    """The (function, line index) of *step* in *kernel*'s listing, or None if no line holds it.

    *step* is a :class:`~zswapviz.trace.Step` (or a yielded tuple); its
    kernel function, phase, result and operation pick the line.
    """
    listing = get_listing(kernel, refs)
    hit = _locate_index(listing.kernel, listing.refs, step)
    return None if hit is None else (listing.functions[hit[0]].name, hit[1])


def _trace_listing(trace) -> Listing:
    meta = getattr(trace, "meta", {}) or {}
    return get_listing(meta.get("kernel", DEFAULT_KERNEL), meta.get("refs", DEFAULT_REFS))


def code_lines(trace) -> list:
    """For every step of *trace*: (function, line index) in its release's listing, or None."""
    listing = _trace_listing(trace)
    out = []
    for step in trace.steps:
        hit = _locate_index(listing.kernel, listing.refs, step)
        out.append(None if hit is None else (listing.functions[hit[0]].name, hit[1]))
    return out


def reached_lines(traces) -> set[str]:
    """The data lines (``file:line``) that the steps of *traces* are at."""
    out = set()
    for trace in traces:
        listing = _trace_listing(trace)
        for step in trace.steps:
            hit = _locate_index(listing.kernel, listing.refs, step)
            if hit is not None:
                out.add(listing.functions[hit[0]].lines[hit[1]].where)
    return out


def _calls(listing: Listing, trace) -> list:
    """Per step: [function index, line index, call id] (-1s when unmapped).

    A call of a function starts at a line marked ``enter`` or when the
    function is not on the current operation's stack; a step in a caller
    returns from its callees.
    """
    rows = []
    stack: list = []  # (function index, call id)
    calls = 0
    last_op = None
    for step in trace.steps:
        op_index = getattr(step, "operation_index", getattr(step, "op_index", None))
        if op_index != last_op:
            stack, last_op = [], op_index
        hit = _locate_index(listing.kernel, listing.refs, step)
        if hit is None:
            rows.append([-1, -1, -1])
            continue
        fi, li = hit
        enter = listing.functions[fi].lines[li].enter
        pos = next((i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == fi), None)
        if pos is not None and not enter:
            del stack[pos + 1:]
        else:
            if pos is not None:
                del stack[pos:]
            calls += 1
            stack.append((fi, calls))
        rows.append([fi, li, stack[-1][1]])
    return rows


def code_view(trace) -> dict:
    """The code pane's part of a view model for *trace*: its listing and every step's line.

    ``steps[k]`` is ``[function index, line index, call id]`` (``-1`` when no
    line holds step k); the lines executed so far in step k's call are
    those of the steps j <= k with the same call id.
    """
    listing = _trace_listing(trace)
    return {"listing": listing_json(listing.kernel, listing.refs), "steps": _calls(listing, trace)}


def source_column(trace) -> list[str]:
    """For every step, its listing line as text (``function: code``), or '' when none."""
    listing = _trace_listing(trace)
    out = []
    for hit in (_locate_index(listing.kernel, listing.refs, s) for s in trace.steps):
        if hit is None:
            out.append("")
        else:
            f = listing.functions[hit[0]]
            out.append(f"{f.name}: {f.lines[hit[1]].text.strip()}")
    return out
