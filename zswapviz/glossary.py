"""The glossary: one or two plain sentences per term, and the kernel source file where it lives.

The terms are data (``data/glossary/terms.json``); this module loads them
and writes them out three ways: :func:`glossary_markdown` (the text of
``docs/glossary.md``, which a test keeps up to date; regenerate it with
``python -m zswapviz.glossary > docs/glossary.md``), :func:`glossary_html`
(a self-contained fragment the explorer and the reports can show) and
:func:`anchor` (the ``#id`` both use, so a notebook can link
``../docs/glossary.md#zswap_entry``).

:func:`unlinked_first_uses` finds the terms a notebook's text uses before it
links them to the glossary; :func:`link_first_uses` adds those links.

>>> term("zspage").where
'mm/zsmalloc.c'
>>> anchor("size class")
'size-class'

No matplotlib, ipywidgets or pandas here.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from .resources import data_path

__all__ = ["GLOSSARY_FILE", "Term", "anchor", "glossary_html", "glossary_markdown", "link_first_uses", "term",
           "terms", "unlinked_first_uses"]

#: The glossary's data.
GLOSSARY_FILE = data_path("glossary", "terms.json")
#: Where notebooks (in notebooks/) link to.
DOC_LINK = "../docs/glossary.md"


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    #: One or two plain sentences.
    text: str
    #: The kernel source file(s) where it lives.
    where: str
    #: Words whose first use in a notebook links here.
    match: tuple = ()

    @property
    def anchor(self) -> str:
        return anchor(self.term)


def anchor(name: str) -> str:
    """The id of a term's entry: lower case, runs of other characters made one dash."""
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")


@lru_cache(maxsize=1)
def terms() -> tuple[Term, ...]:
    """Every term, in the glossary's order."""
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return tuple(Term(t["term"], t["text"], t["where"], tuple(t.get("match", ()))) for t in data["terms"])


def term(name: str) -> Term:
    """The entry for *name* (a term or one of its matched words); KeyError if there is none."""
    for t in terms():
        if name == t.term or name in t.match:
            return t
    raise KeyError(name)


def glossary_markdown() -> str:
    """The text of docs/glossary.md."""
    lines = ["# Glossary", "",
             "Plain words for the kernel terms the notebooks, lessons and explorer use, each with the",
             "kernel source file where it lives. Generated from `data/glossary/terms.json` by",
             "`python -m zswapviz.glossary > docs/glossary.md`; do not edit by hand.", ""]
    for t in terms():
        lines += [f'<a id="{t.anchor}"></a>', f"## {t.term}", "", t.text, "", f"*Kernel source:* `{t.where}`", ""]
    return "\n".join(lines)


def glossary_html() -> str:
    """The glossary as one self-contained HTML fragment (a ``<dl>``), every text escaped."""
    items = "".join(
        f'<dt id="glossary-{html.escape(t.anchor)}">{html.escape(t.term)}</dt>'
        f"<dd>{html.escape(t.text)} <span class=\"zv-glossary-src\">{html.escape(t.where)}</span></dd>"
        for t in terms())
    return f'<dl class="zv-glossary">{items}</dl>'


# code spans, links and plain text of a markdown text
_SEGMENT = re.compile(r"(```.*?```|`[^`\n]*`|\[[^\]]*\]\([^)]*\))", re.DOTALL)


def _uses(source: str, word: str):
    """(start, end, linked) of each use of *word* in markdown *source*, outside headings and other code."""
    out = []
    pos = 0
    for part in _SEGMENT.split(source):
        start = pos
        pos += len(part)
        if part.startswith("[") and part.endswith(")"):
            label, _, url = part[1:-1].partition("](")
            if re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", label.strip("`*")):
                out.append((start, pos, DOC_LINK in url))
            continue
        if part.startswith("`"):
            if part.strip("`") == word:
                out.append((start, pos, False))
            continue
        for m in re.finditer(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", part):
            line_start = part.rfind("\n", 0, m.start()) + 1
            if part[line_start:].startswith("#"):
                continue
            out.append((start + m.start(), start + m.end(), False))
    return out


def unlinked_first_uses(sources: list[str]) -> list[str]:
    """The terms whose first use in these markdown texts (in order) is not a link to the glossary."""
    missing = []
    for t in terms():
        for i, src in enumerate(sources):
            found = sorted(u for w in t.match for u in _uses(src, w))
            if found:
                if not found[0][2]:
                    missing.append(t.term)
                break
    return missing


def link_first_uses(sources: list[str]) -> list[str]:
    """The markdown texts with the first use of each term linked to its glossary entry."""
    sources = list(sources)
    for t in terms():
        for i, src in enumerate(sources):
            found = sorted(u for w in t.match for u in _uses(src, w))
            if not found:
                continue
            start, end, linked = found[0]
            if not linked:
                sources[i] = f"{src[:start]}[{src[start:end]}]({DOC_LINK}#{t.anchor}){src[end:]}"
            break
    return sources


if __name__ == "__main__":
    print(glossary_markdown(), end="")
