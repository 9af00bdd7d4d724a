"""The kernel lab's parts (``zswapviz/kernel/lab/``): each name has one owner, and a replacement goes there.

The parts call each other through their modules (``settings.is_root()``,
``journal.exclusive()``), so a test or a notebook check that replaces a name
replaces it on the part that defines it (``monkeypatch.setattr(lab.settings,
"is_root", ...)``) and every caller sees the fake. Replaced on the package
(``lab.is_root = ...``) it would reach no caller: these checks find every
replacement in the tests, notebooks and tools and require its owner.

Nothing here changes the kernel: the checks read source text, import, and
replace names with fakes that stop before any change.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from zswapviz.kernel import lab, labrun, zram
from zswapviz.kernel.lab import journal, session, settings, signals

ROOT = Path(__file__).resolve().parents[1]
PARTS = {"settings": settings, "signals": signals, "journal": journal, "session": session}


def _defined(module) -> set[str]:
    """The names *module*'s source binds at its top level (def, class, assignment), not those it imports."""
    names = set()
    for node in ast.parse(Path(module.__file__).read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


#: Each name a part defines -> the part.
OWNER = {name: short for short, part in PARTS.items() for name in _defined(part)}

_SETATTR = re.compile(r"setattr\(\s*([A-Za-z_][\w.]*)\s*,\s*['\"](\w+)['\"]")
_SETATTR_DOTTED = re.compile(r"setattr\(\s*['\"]([\w.]+)\.(\w+)['\"]")
_ASSIGN = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\.(\w+)\s*=(?!=)")


def patches(text: str) -> list[tuple[str, str]]:
    """Every ``(target, name)`` of a lab part's name that *text* replaces (setattr or assignment)."""
    text = text.replace("\\n", "\n")  # code inside string literals (notebook cells prepended by tests)
    found = []
    for pattern in (_SETATTR, _SETATTR_DOTTED, _ASSIGN):
        for m in pattern.finditer(text):
            target, name = m.groups()
            if name in OWNER and target != "self":
                found.append((target, name))
    return found


def misplaced(text: str) -> list[str]:
    """The replacements in *text* made on a module other than the part that defines the name."""
    return [f"{target}.{name}" for target, name in patches(text) if target.rsplit(".", 1)[-1] != OWNER[name]]


def _sources() -> dict[str, str]:
    """The text of every test, tool, benchmark and module, and the code of every notebook."""
    out = {}
    for folder in ("tests", "tools", "benchmarks", "zswapviz"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name != "test_lab_parts.py":
                out[str(path.relative_to(ROOT))] = path.read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        out[str(path.relative_to(ROOT))] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return out


def test_no_part_imports_a_name_of_another_part():
    """Each part names its siblings and the counters and workload modules as modules, so each name has one binding."""
    for short, part in PARTS.items():
        for node in ast.walk(ast.parse(Path(part.__file__).read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                names = [a.name for a in node.names]
                assert node.module in ("errors", "constants") or set(names) <= {*PARTS, "counters", "workload"}, (short, names)
    defined = [name for part in PARTS.values() for name in _defined(part)]
    assert len(defined) == len(set(defined)) == len(OWNER)
    for module in (labrun, zram):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "lab":
                assert {a.name for a in node.names} <= set(PARTS), (module.__name__, [a.name for a in node.names])


def test_every_replacement_is_made_on_the_owner():
    """Every name of the lab replaced in a test, notebook check, tool or module is replaced on its part."""
    sources = _sources()
    wrong = {path: misplaced(text) for path, text in sources.items() if misplaced(text)}
    assert wrong == {}
    replaced = {name for text in sources.values() for _, name in patches(text)}
    # the scan sees the replacements the tests rely on (it is not looking at nothing)
    assert {"is_root", "exclusive", "JOURNAL_PATH", "LOCK_PATH", "_undo_one", "_live_asked", "KernelLab",
            "anon_folio_sizes_kb", "_compressors"} <= replaced


def test_a_replacement_on_the_package_is_caught():
    """The broken cases: a replacement on the package, on an importer, or on the wrong part is found."""
    text = ('monkeypatch.setattr(lab, "is_root", lambda: False)\n'
            "_lab.exclusive = _trap\n"
            'm.setattr(labrun, "KernelLab", no_lab)\n'
            'monkeypatch.setattr(lab.journal, "JOURNAL_PATH", "elsewhere")\n'
            'monkeypatch.setattr("zswapviz.kernel.lab.lab_problem", lambda *a: None)\n'
            'cell = "import zswapviz.kernel.lab as _lab\\n_lab.is_root = lambda: True"\n')
    assert misplaced(text) == ["lab.is_root", "labrun.KernelLab", "lab.journal.JOURNAL_PATH",
                               "zswapviz.kernel.lab.lab_problem", "_lab.exclusive", "_lab.is_root"]
    right = ('monkeypatch.setattr(lab.settings, "is_root", lambda: False)\n'
             "_lab.journal.exclusive = _trap\nself.is_root = 1\nx.is_root == 1\n")
    assert misplaced(right) == []
    assert patches(right) == [("lab.settings", "is_root"), ("_lab.journal", "exclusive")]


def test_the_package_names_its_parts_objects():
    """Each public name of zswapviz.kernel.lab is the object of the part that defines it."""
    for name in lab.__all__:
        assert getattr(lab, name) is vars(PARTS[OWNER[name]])[name], name


def test_a_fake_lock_on_its_owner_stops_every_lab_entry(monkeypatch):
    """KernelLab, recover and settled_snapshot take the lock through journal.exclusive, so a fake there stops all three."""
    class Trapped(Exception):
        pass

    def trap(*args, **kwargs):
        raise Trapped

    monkeypatch.setattr(lab.settings, "lab_problem", lambda *a, **k: None)
    monkeypatch.setattr(lab.settings, "is_root", lambda: True)
    monkeypatch.setattr(lab.journal, "exclusive", trap)
    with pytest.raises(Trapped):
        lab.KernelLab(64).__enter__()
    with pytest.raises(Trapped):
        lab.recover()
    with pytest.raises(Trapped):
        lab.settled_snapshot()


def test_the_live_permission_reads_the_same_flag_everywhere(monkeypatch):
    """allow_live() sets the flag live_allowed() reads, which lab_problem and the lock read too."""
    monkeypatch.delenv(lab.LIVE_ENV, raising=False)
    monkeypatch.setattr(lab.settings, "_live_asked", False)
    assert not lab.live_allowed() and settings._live_asked is False
    lab.allow_live()
    assert lab.live_allowed() and settings._live_asked is True
    lab.allow_live(False)
    with lab.live_request():
        assert lab.live_allowed()
    assert not lab.live_allowed()
