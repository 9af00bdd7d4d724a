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

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..profiles import DEFAULT_REFS, KERNEL_NAMES, check_refs, get_profile

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

_DIR = Path(__file__).resolve().parent
_FILES = ("swapout.lst", "store.lst", "lifetime.lst")

#: The kernel tree each profile's links point into, and the posting of the
#: unmerged ones (for the functions it changes).
_TAGS = {"6.12": "v6.12", "v9": "v6.12", "6.13": "v6.13", "6.14": "v6.14", "6.18": "v6.18", "batch8": "v6.18"}
_PATCHES = {
    "v9": "https://lore.kernel.org/all/20240930221221.6981-7-kanchana.p.sridhar@intel.com/",
    "batch8": "https://lore.kernel.org/all/20260125033537.334628-26-kanchana.p.sridhar@intel.com/",
}
_ELIXIR = "https://elixir.bootlin.com/linux/{tag}/C/ident/{name}"

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
_FAMILIES = {"swapout", "load", "invalidate", "writeback", "switch", "shrink", "none"}
_CLASSES = {"neg", "zero", "pos", "ok"}
_PHASES = ("check", "store", "publish", "account", "rollback", "writeback", "done")


# -- the data ------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """Which steps a line holds: kernel function, phases, result class, scope."""

    fn: str
    phases: tuple = ()
    cls: str | None = None
    scope: str | None = None

    def matches(self, fn: str, phase: str, arg, offset) -> bool:
        """Whether a step with these fields is at this pattern's line."""
        if fn != self.fn or (self.phases and phase not in self.phases):
            return False
        if self.scope == "page" and offset is None or self.scope == "folio" and offset is not None:
            return False
        c = self.cls
        if c is None:
            return True
        a = 0 if arg is None else arg
        if c == "neg":
            return a < 0
        if c == "zero":
            return a == 0
        if c == "pos":
            return a > 0
        if c == "ok":
            return a >= 0
        return a == int(c)

    @property
    def weight(self) -> int:
        """How specific the pattern is (the most specific match wins)."""
        exact = self.cls is not None and self.cls not in _CLASSES
        return bool(self.phases) + (self.cls is not None) + exact + (self.scope is not None)


@dataclass(frozen=True)
class _RawLine:
    text: str
    patterns: tuple
    conds: tuple
    ctx: bool
    why: str | None
    enter: bool
    label: bool
    where: str


@dataclass(frozen=True)
class _RawFunction:
    name: str
    file: str
    ops: frozenset
    conds: tuple
    patch: bool
    lines: tuple
    where: str


@dataclass(frozen=True)
class Line:
    """One line of a resolved listing."""

    #: The pseudo-code.
    text: str
    #: "code" (a step line reached by the built-in scenarios), "context" or "label".
    kind: str
    #: The one-line why note, and its source (commit or lore message), or None.
    why: str | None
    source: str | None
    #: Which steps are here (empty for context lines without steps).
    patterns: tuple = ()
    #: A step here starts a new call.
    enter: bool = False
    #: Where the line is in the data (file:line), for tests and error messages.
    where: str = ""


@dataclass(frozen=True)
class Function:
    """One function of a resolved listing, with its file and link."""

    name: str
    file: str
    url: str
    lines: tuple
    #: Operation families whose steps may be here.
    ops: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class Listing:
    """The listing of one release (and reference strategy)."""

    kernel: str
    refs: str
    functions: tuple

    def function(self, name: str) -> Function:
        """The function called *name* (KeyError if this release has none)."""
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)


def _parse_pattern(token: str, where: str) -> _Pattern:
    body = token[1:]
    scope = None
    if "@" in body:
        body, scope = body.rsplit("@", 1)
        if scope not in ("page", "folio"):
            raise ValueError(f"{where}: scope {scope!r} is not page or folio")
    cls = None
    if ":" in body:
        body, cls = body.rsplit(":", 1)
        if cls not in _CLASSES and not re.fullmatch(r"-?\d+", cls):
            raise ValueError(f"{where}: result class {cls!r}")
    phases = ()
    if "/" in body:
        body, ph = body.split("/", 1)
        phases = tuple(ph.split("|"))
        bad = [p for p in phases if p not in _PHASES]
        if bad:
            raise ValueError(f"{where}: unknown phase {bad[0]!r}")
    if not body:
        raise ValueError(f"{where}: empty function in {token!r}")
    return _Pattern(body, phases, cls, scope)


def _parse_conds(text: str, where: str) -> tuple:
    out = []
    for atom in text.split(","):
        atom = atom.strip()
        if not atom:
            raise ValueError(f"{where}: empty condition")
        out.append(atom)
    return tuple(out)


def _parse(path: Path) -> list[_RawFunction]:
    """Read one .lst file into raw functions (ValueError naming the line if malformed)."""
    functions = []
    current = None
    lines: list = []

    def close():
        if current is not None:
            functions.append(_RawFunction(*current[:5], tuple(lines), current[5]))

    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{no}"
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("@function"):
            close()
            parts = raw.split()
            if len(parts) < 3:
                raise ValueError(f"{where}: @function NAME FILE [ops=..] [if=..] [patch]")
            ops, conds, patch = frozenset(_FAMILIES - {"none"}), (), False
            for extra in parts[3:]:
                if extra.startswith("ops="):
                    ops = frozenset(extra[4:].split(","))
                    if ops - _FAMILIES:
                        raise ValueError(f"{where}: unknown operation {min(ops - _FAMILIES)!r}")
                elif extra.startswith("if="):
                    conds = _parse_conds(extra[3:], where)
                elif extra == "patch":
                    patch = True
                else:
                    raise ValueError(f"{where}: unknown attribute {extra!r}")
            current = (parts[1], parts[2], ops, conds, patch, where)
            lines = []
            continue
        if current is None:
            raise ValueError(f"{where}: code before any @function")
        text, _, ann = raw.partition("//@")
        patterns, conds, ctx, why, enter, label = [], [], False, None, False, False
        for token in ann.split():
            if token.startswith("="):
                patterns.append(_parse_pattern(token, where))
            elif token.startswith("if:"):
                conds.extend(_parse_conds(token[3:], where))
            elif token.startswith("why:"):
                why = token[4:]
            elif token == "ctx":
                ctx = True
            elif token == "enter":
                enter = True
            elif token == "label":
                label = True
            else:
                raise ValueError(f"{where}: unknown token {token!r}")
        lines.append(_RawLine(text.rstrip(), tuple(patterns), tuple(conds), ctx, why, enter, label, where))
    close()
    return functions


@lru_cache(maxsize=1)
def _raw() -> tuple:
    """Every raw function of every file, and the why notes."""
    functions = []
    for name in _FILES:
        functions.extend(_parse(_DIR / name))
    notes = {}
    for no, raw in enumerate((_DIR / "why.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = [p.strip() for p in raw.split("|", 2)]
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"why.txt:{no}: KEY | SOURCE | NOTE")
        notes[parts[0]] = (parts[2], parts[1])
    for f in functions:
        for line in f.lines:
            if line.why is not None and line.why not in notes:
                raise ValueError(f"{line.where}: no why note {line.why!r} in why.txt")
    return tuple(functions), notes


_FLAG_NAMES = ("charge_in_store_page", "store_incompressible", "large_folios", "single_page",
               "refs_before_compress", "unmerged", "decompress_before_erase")


def _holds(conds: tuple, profile, refs: str, where: str) -> bool:
    for atom in conds:
        if "=" in atom:
            name, values = atom.split("=", 1)
            value = {"kernel": profile.name, "refs": refs, "allocator": profile.allocator,
                     "writeout_fn": profile.writeout_fn}.get(name)
            if value is None:
                raise ValueError(f"{where}: unknown condition {name!r}")
            if value not in values.split("|"):
                return False
            continue
        neg = atom.startswith("!")
        name = atom[1:] if neg else atom
        if name == "batch":
            value = profile.batch_size > 1
        elif name in _FLAG_NAMES:
            value = bool(getattr(profile, name))
        else:
            raise ValueError(f"{where}: unknown flag {name!r}")
        if value == neg:
            return False
    return True


def get_listing(kernel: str = "6.18", refs: str = DEFAULT_REFS) -> Listing:
    """The listing of release *kernel* with reference strategy *refs*.

    >>> get_listing("6.14").function("zswap_store_page").file
    'mm/zswap.c'
    """
    profile = get_profile(kernel)
    check_refs(refs, profile)
    return _listing(profile.name, refs)


@lru_cache(maxsize=64)
def _listing(kernel: str, refs: str) -> Listing:
    profile = get_profile(kernel)
    functions, notes = _raw()
    out = []
    for f in functions:
        if not _holds(f.conds, profile, refs, f.where):
            continue
        lines = []
        for raw in f.lines:
            if not _holds(raw.conds, profile, refs, raw.where):
                continue
            kind = "label" if raw.label else "code" if raw.patterns and not raw.ctx else "context"
            why, source = notes[raw.why] if raw.why else (None, None)
            lines.append(Line(raw.text, kind, why, source, raw.patterns, raw.enter, raw.where))
        if f.patch and kernel in _PATCHES:
            url = _PATCHES[kernel]
        else:
            url = _ELIXIR.format(tag=_TAGS[kernel], name=f.name)
        out.append(Function(f.name, f.file, url, tuple(lines), f.ops))
    return Listing(kernel, refs, tuple(out))


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
    return get_listing(meta.get("kernel", "6.18"), meta.get("refs", DEFAULT_REFS))


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


def listing_json(kernel: str = "6.18", refs: str = DEFAULT_REFS) -> dict:
    """What a renderer needs of a listing: functions with file, link and lines (text, kind, why)."""
    listing = get_listing(kernel, refs)
    profile = get_profile(listing.kernel)
    return {
        "kernel": listing.kernel,
        "refs": listing.refs,
        "title": profile.title,
        "unmerged": profile.unmerged,
        "functions": [
            {"name": f.name, "file": f.file, "url": f.url,
             "lines": [{"text": ln.text, "kind": ln.kind, "why": ln.why, "source": ln.source}
                       for ln in f.lines]}
            for f in listing.functions
        ],
    }


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


# -- two releases side by side --------------------------------------------------


def parse_side(text: str) -> tuple[str, str]:
    """``KERNEL`` or ``KERNEL:REFS`` -> (kernel, refs), checked (UsageError otherwise)."""
    kernel, _, refs = str(text).partition(":")
    refs = refs or DEFAULT_REFS
    profile = get_profile(kernel)
    check_refs(refs, profile)
    return profile.name, refs


def diff_rows(left: Listing, right: Listing) -> list[dict]:
    """The two listings aligned function by function and line by line.

    Each row is ``{"function", "left", "right", "same"}`` where left/right
    are line indices (None where that side has no such line); a row whose
    function exists on one side only has the other side None throughout.
    """
    present = {f.name for f in left.functions + right.functions}
    names = []
    for f in _raw()[0]:
        if f.name in present and f.name not in names:
            names.append(f.name)
    rows = []
    for name in names:
        a = next((f for f in left.functions if f.name == name), None)
        b = next((f for f in right.functions if f.name == name), None)
        ta = [ln.text.strip() for ln in a.lines] if a else []
        tb = [ln.text.strip() for ln in b.lines] if b else []
        matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                rows.extend({"function": name, "left": i, "right": j, "same": True}
                            for i, j in zip(range(i1, i2), range(j1, j2)))
                continue
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                i = i1 + k if i1 + k < i2 else None
                j = j1 + k if j1 + k < j2 else None
                rows.append({"function": name, "left": i, "right": j, "same": False})
    return rows


def diff_json(left: str, right: str) -> dict:
    """Both listings (``KERNEL[:REFS]`` each) and their aligned rows, for a renderer."""
    (k1, r1), (k2, r2) = parse_side(left), parse_side(right)
    a, b = get_listing(k1, r1), get_listing(k2, r2)
    return {"left": listing_json(k1, r1), "right": listing_json(k2, r2), "rows": diff_rows(a, b)}


def diff_text(left: str, right: str, width: int = 78, context: int | None = None) -> str:
    """The two releases' listings aligned as text, differing lines marked with ``|`` (and ``<``/``>``).

    *context*: show only differing lines and this many lines around them
    (None: everything).
    """
    (k1, r1), (k2, r2) = parse_side(left), parse_side(right)
    a, b = get_listing(k1, r1), get_listing(k2, r2)
    rows = diff_rows(a, b)

    def side(listing, name, idx):
        if idx is None:
            return ""
        return listing.function(name).lines[idx].text

    def cut(text):
        text = text.expandtabs(4)
        return text if len(text) <= width else text[:width - 1] + "~"

    def label(k, r):
        return k if r == DEFAULT_REFS else f"{k} (refs {r})"

    keep = set(range(len(rows)))
    if context is not None:
        keep = set()
        for n, row in enumerate(rows):
            if not row["same"]:
                keep.update(m for m in range(max(0, n - context), min(len(rows), n + context + 1))
                            if rows[m]["function"] == row["function"])
    out = [f"{label(k1, r1):<{width}}   {label(k2, r2)}", ""]
    current = None
    skipped = False
    for n, row in enumerate(rows):
        if n not in keep:
            skipped = True
            continue
        if row["function"] != current:
            current = row["function"]
            fa = next((f for f in a.functions if f.name == current), None)
            fb = next((f for f in b.functions if f.name == current), None)
            ha = f"== {current} ({fa.file})" if fa else "== (none)"
            hb = f"== {current} ({fb.file})" if fb else "== (none)"
            out.append(f"{cut(ha):<{width}}   {cut(hb)}")
            skipped = False
        elif skipped:
            out.append(f"{'...':<{width}}   ...")
            skipped = False
        mark = " " if row["same"] else "<" if row["right"] is None else ">" if row["left"] is None else "|"
        out.append(f"{cut(side(a, current, row['left'])):<{width}} {mark} {cut(side(b, current, row['right']))}")
    return "\n".join(out)


# -- command line --------------------------------------------------------------


def _diff_command(args) -> int:
    print(diff_text(args.left, args.right, context=args.context))
    return 0


def add_commands(sub) -> None:
    """Add ``zswapviz diff``: two releases' listings aligned, differing lines marked."""
    refs = "per-page, batch-after, ..."
    p = sub.add_parser(
        "diff", help="print two releases' listings aligned, with the lines that differ marked",
        description=(f"Each side is KERNEL ({', '.join(KERNEL_NAMES)}) or KERNEL:REFS ({refs}), "
                     "e.g. 'zswapviz diff 6.13 6.14' or 'zswapviz diff 6.18 6.18:batch-after'."),
    )
    p.add_argument("left", help="KERNEL or KERNEL:REFS")
    p.add_argument("right", help="KERNEL or KERNEL:REFS")
    p.add_argument("--context", type=_context_type, default=None, metavar="N",
                   help="only the differing lines and N lines around them")
    p.set_defaults(func=_diff_command)


def _context_type(text: str) -> int:
    import argparse

    if not str(text).isascii() or not str(text).isdigit():
        raise argparse.ArgumentTypeError(f"--context must be a whole number of lines (0 or more), not {text!r}")
    return int(text)

