"""The glossary: every term explained and placed, docs/glossary.md up to date, first uses linked in the notebooks."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest

from zswapviz.glossary import (
    anchor,
    glossary_html,
    glossary_markdown,
    link_first_uses,
    term,
    terms,
    unlinked_first_uses,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-6]-*.ipynb"))
REQUIRED = ("folio", "mTHP", "THP", "xarray", "swap slot", "swap cache", "zswap_entry", "zswap_pool", "percpu_ref",
            "obj_cgroup", "memcg", "zsmalloc", "zspage", "size class", "handle", "compressor", "writeback",
            "shrinker", "LRU", "zeromap", "reject counters")


def test_the_required_terms_are_there_with_a_source_file_and_short_text():
    """Each term of the issue has one or two sentences and the kernel file where it lives."""
    names = {t.term for t in terms()}
    assert set(REQUIRED) <= names
    for t in terms():
        assert t.where and ("/" in t.where or t.where.endswith(".c")), t.term
        assert 1 <= t.text.count(". ") + 1 <= 3 and len(t.text) < 400, t.term
    assert len({t.anchor for t in terms()}) == len(terms())
    assert term("objcg").term == "obj_cgroup"


def test_docs_glossary_is_generated_from_the_data():
    """docs/glossary.md equals glossary_markdown() (regenerate: python -m zswapviz.glossary > docs/glossary.md)."""
    assert (ROOT / "docs" / "glossary.md").read_text() == glossary_markdown()


def test_glossary_html_escapes_and_has_an_id_per_term():
    """The HTML fragment has one entry per term, each with its id, every text escaped."""
    out = glossary_html()
    assert out.count("<dt ") == len(terms())
    assert f'id="glossary-{anchor("size class")}"' in out
    assert html.escape(term("zspage").text) in out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_use_of_each_term_in_a_notebook_links_to_the_glossary(path):
    """In each notebook's text, the first use of every glossary term is a link to its entry."""
    md = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    assert unlinked_first_uses(md) == []
    linked = " ".join(md)
    assert "../docs/glossary.md#" in linked


def test_unlinked_first_uses_catches_a_term_used_before_its_link():
    """A text that uses a term before linking it is reported; link_first_uses repairs it."""
    texts = ["# A zspage title\n\nA zspage holds objects.", "Then a [zspage](../docs/glossary.md#zspage)."]
    assert "zspage" in unlinked_first_uses(texts)
    fixed = link_first_uses(texts)
    assert "zspage" not in unlinked_first_uses(fixed)
    assert fixed[0].startswith("# A zspage title")
    assert "`/sys/module/zswap/parameters/compressor`" in link_first_uses(
        ["see `/sys/module/zswap/parameters/compressor`, the compressor"])[0]
