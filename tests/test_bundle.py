"""The renderer's parts (``zswapviz/views/static/*.js``) joined into one ES module.

``zswapviz.views.assets.bundle()`` joins the parts listed in ``PARTS`` in
order; these tests check that it contains every part once, that no import is
left between parts, that each part imports every name it takes from another
(so each part is also a valid module on its own), and that a missing part or
an import that does not match stops the bundle with a RuntimeError.
"""

from __future__ import annotations

import re

import pytest

from zswapviz.views import assets

TOP = re.compile(r"^(?:export )?(?:async )?(?:function|const|let|var|class) ([\w$]+)", re.MULTILINE)
IMPORT = re.compile(r'^import \{ ([\w$, ]+) \} from "\./([\w-]+\.js)";$', re.MULTILINE)


def code_only(text: str) -> str:
    """*text* without its comments and string literals (crudely: enough for these files)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"`(?:\\.|[^`\\])*`", '""', text, flags=re.DOTALL)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\\n])*'", '""', text)
    return re.sub(r"//[^\n]*", " ", text)


def test_the_bundle_has_every_part_once_in_order_and_no_import_between_them():
    code = assets.bundle()
    names = [name for name, _ in assets.part_sources()]
    assert tuple(names) == assets.PARTS
    where = [code.index(f"/* ---- part {name} ---- */") for name in names]
    assert where == sorted(where)
    for name, text in assets.part_sources():
        assert code.count(f"/* ---- part {name} ---- */") == 1
        tops = TOP.findall(text)
        assert tops, f"{name} defines nothing"
        for top in tops:
            # each top-level name defined exactly once in the one scope
            assert len(re.findall(rf"^(?:async )?(?:function|const|let|var|class) {re.escape(top)}\b", code, re.MULTILINE)) == 1, top
    assert not re.search(r"^\s*import\b", code, re.MULTILINE)
    exports = re.findall(r"^export\b.*$", code, re.MULTILINE)
    assert exports == ["export default { render: render };", f"export {{ {', '.join(assets.PUBLIC)} }};"]


def test_each_part_imports_what_it_uses_from_the_others():
    sources = dict(assets.part_sources())
    owner = {top: name for name, text in sources.items() for top in TOP.findall(text)}
    for name, text in sources.items():
        imported = {n for m in IMPORT.finditer(text) for n in m.group(1).split(", ")}
        own = set(TOP.findall(text))
        body = code_only(IMPORT.sub("", text))
        used = {top for top in owner if top not in own and re.search(rf"(?<![\w$.]){re.escape(top)}\b(?!\s*:)", body)}
        assert used <= imported, f"{name} uses {sorted(used - imported)} without importing it"
        unused = {n for n in imported if not re.search(rf"(?<![\w$.]){re.escape(n)}\b", body)}
        assert not unused, f"{name} imports {sorted(unused)} and never uses it"


def _with(name: str, text: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, text if n == name else t) for n, t in assets.part_sources())


def test_a_missing_part_is_one_runtime_error(monkeypatch, tmp_path):
    for name, text in assets.part_sources():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "panels.js").unlink()
    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path)
    assets.part_sources.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"panels\.js is missing"):
            assets.part_sources()
    finally:
        monkeypatch.undo()
        assets.part_sources.cache_clear()
    assert assets.part_sources()


@pytest.mark.parametrize(("old", "new", "message"), [
    ('import { Player } from "./player.js";', 'import { Playr } from "./player.js";', r"imports Playr from \./player\.js, which does not export it"),
    ('import { Player } from "./player.js";', 'import { Player } from "./widget.js";', r"\./widget\.js, which comes after it"),
    ('import { Player } from "./player.js";', 'import { Player } from "./nowhere.js";', r"\./nowhere\.js, which is not a part"),
    ('import { Player } from "./player.js";', 'import {Player} from "./player.js";', r"an import the bundle cannot join"),
    ('import { Player } from "./player.js";', 'import { Player } from "./player.js";\nfunction el() {}', r"both define el"),
    ("Pair.prototype.destroy", "export { Pair };\nPair.prototype.destroy", r"an export the bundle cannot join"),
    ("Pair.prototype.destroy", "export default {};\nPair.prototype.destroy", r"only the last part"),
])
def test_an_import_or_export_that_does_not_match_is_one_runtime_error(old, new, message):
    text = dict(assets.part_sources())["pair.js"]
    assert old in text
    with pytest.raises(RuntimeError, match=message):
        assets._join(_with("pair.js", text.replace(old, new, 1)))


def test_a_public_name_no_part_exports_is_one_runtime_error():
    text = dict(assets.part_sources())["decode.js"]
    broken = text.replace("export function fill(", "function fill(")
    with pytest.raises(RuntimeError, match="no part exports fill"):
        assets._join(_with("decode.js", broken))
