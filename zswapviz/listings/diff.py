"""Two releases' listings side by side: ``zswapviz diff 6.13 6.14``."""

from __future__ import annotations

import difflib

from ..constants import DEFAULT_REFS
from ..profiles import KERNEL_NAMES, check_refs, get_profile
from .parse import _raw
from .resolve import Listing, get_listing, listing_json

__all__ = ["add_commands", "diff_json", "diff_rows", "diff_text", "parse_side"]


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

