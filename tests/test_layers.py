"""The package's shape stays as docs/architecture.md draws it.

Imports flow one way (base -> model -> algorithm -> recording -> view model
-> renderers -> command line); ``zswapviz/model/`` imports nothing above
it; the core never imports a presentation library; no import cycle among
the package's modules, deferred (function-level) imports included; nothing
imports the command line but ``__main__``; no module over 500 lines but a
named few. The checks read the source (``ast``; nothing is imported), so a
failure names the file and line. Each check also runs on a small made-up
package that breaks it, and must catch that.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "zswapviz"

#: The layers, lowest first: (rank, what, module prefixes). A module's layer
#: is that of its longest matching prefix; a module may import its own layer
#: and those below, never one above.
LAYERS = (
    (0, "base", ("zswapviz.constants", "zswapviz.errors", "zswapviz.profiles", "zswapviz.resources",
                 "zswapviz.outputs")),
    (1, "model", ("zswapviz.model",)),
    (2, "algorithm", ("zswapviz.actions", "zswapviz.store", "zswapviz.store_page", "zswapviz.lifetime",
                      "zswapviz.interleave", "zswapviz.compress", "zswapviz.pages", "zswapviz.faults",
                      "zswapviz.units", "zswapviz.fields")),
    (3, "recording", ("zswapviz.snapshot", "zswapviz.trace", "zswapviz.sentences", "zswapviz.ledger",
                      "zswapviz.files", "zswapviz.scenario", "zswapviz.simulate", "zswapviz.compare",
                      "zswapviz.search", "zswapviz.claims", "zswapviz.lessons", "zswapviz.teacher",
                      "zswapviz.glossary", "zswapviz.explain", "zswapviz.listings", "zswapviz.kernel")),
    (4, "view model", ("zswapviz.views.viewmodel", "zswapviz.views.frames", "zswapviz.views.templates")),
    (5, "renderers", ("zswapviz.views", "zswapviz.plots", "zswapviz.widgets", "zswapviz.report")),
    (6, "command line", ("zswapviz.cli", "zswapviz.__main__", "zswapviz.kernel.cli")),
)
#: The package itself (``zswapviz/__init__.py``, the public names) sits on top of everything it re-exports.
TOP = "zswapviz"
#: The core: the layers that never import a presentation library.
CORE_RANK = 4
PRESENTATION = ("matplotlib", "ipywidgets", "pandas", "anywidget")

#: Deferred imports (inside a function) that go up or close a loop, each on
#: purpose; at module level they would fail the checks like any other.
DEFERRED_ALLOWED = {
    ("zswapviz.trace", "zswapviz.plots"):
        "Trace.plot(step) draws the step with matplotlib for notebooks (README), only when called",
    ("zswapviz.trace", "pandas"): "Trace.to_dataframe() returns a pandas table, only when called",
    ("zswapviz.compare", "pandas"): "compare_variants() returns a pandas table, only when called",
    ("zswapviz.kernel.compare", "matplotlib"): "plot_comparison() draws the kernel beside the model on request",
    ("zswapviz.views.viewmodel", "zswapviz.views.frames"):
        "View, which moved to views/frames.py, is still importable from views/viewmodel.py",
}

#: Modules allowed over :data:`MAX_LINES`, and why.
LONG_ALLOWED = {
    "zswapviz/compress/lzo1x.py":
        "one algorithm: LZO1X-1 compression with the kernel's dictionary and its decompressor, compiled together",
    "zswapviz/model/zsmalloc.py":
        "one kernel structure: zsmalloc's size classes, zspages, placement and compaction, as mm/zsmalloc.c",
}
MAX_LINES = 500


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it is, and whether it waits for a call."""

    target: str
    line: int
    deferred: bool


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package at *root* by its dotted name (a package by its own name)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        out[".".join(parts[:-1] if path.name == "__init__.py" else parts)] = path
    return out


def read_imports(name: str, source: str, known: set[str], is_package: bool = False) -> list[Import]:
    """The imports of module *name* (its *source*), relative ones resolved; ``from . import x`` names module x."""
    package = name if is_package else name.rpartition(".")[0]
    out = []

    def visit(node, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend(Import(a.name, child.lineno, deferred) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - child.level + 1]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                for a in child.names:
                    sub = f"{module}.{a.name}"
                    out.append(Import(sub if sub in known else module, child.lineno, deferred))
            visit(child, inner)

    visit(ast.parse(source), False)
    return out


def package_graph(root: Path = PKG) -> dict[str, list[Import]]:
    """Module name -> its imports, for every module of the package at *root*."""
    names = module_names(root)
    return {name: read_imports(name, path.read_text(encoding="utf-8"), set(names), path.name == "__init__.py")
            for name, path in names.items()}


def layer_of(module: str) -> int | None:
    """The rank of *module*'s layer (its longest matching prefix in :data:`LAYERS`), or None."""
    if module == TOP:
        return LAYERS[-1][0]
    best = None
    for rank, _, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank)
    return None if best is None else best[1]


def _allowed(module: str, imp: Import) -> bool:
    return imp.deferred and (module, imp.target) in DEFERRED_ALLOWED


def upward_imports(graph: dict[str, list[Import]]) -> list[str]:
    """Every import of a module from a layer above its own (allowed deferred ones aside)."""
    bad = []
    for module, imports in graph.items():
        for imp in imports:
            if imp.target in graph and not _allowed(module, imp):
                if layer_of(imp.target) > layer_of(module):
                    bad.append(f"{module}:{imp.line} imports {imp.target}")
    return bad


def model_escapes(graph: dict[str, list[Import]]) -> list[str]:
    """Imports in zswapviz.model of anything of the package but the model and the base layer."""
    return [f"{module}:{imp.line} imports {imp.target}"
            for module, imports in graph.items() if module.startswith("zswapviz.model")
            for imp in imports if imp.target.startswith("zswapviz")
            and not imp.target.startswith("zswapviz.model") and layer_of(imp.target) != 0]


def presentation_imports(graph: dict[str, list[Import]]) -> list[str]:
    """Imports of matplotlib, ipywidgets, pandas or anywidget in the core (allowed deferred ones aside)."""
    return [f"{module}:{imp.line} imports {imp.target}"
            for module, imports in graph.items() if layer_of(module) <= CORE_RANK
            for imp in imports if imp.target.split(".")[0] in PRESENTATION
            and not (imp.deferred and (module, imp.target.split(".")[0]) in DEFERRED_ALLOWED)]


def import_cycle(graph: dict[str, list[Import]]) -> list[str] | None:
    """One cycle of imports among the package's modules (as a path a -> ... -> a), or None."""
    edges = {m: sorted({i.target for i in imports if i.target in graph and i.target != m and not _allowed(m, i)})
             for m, imports in graph.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = walk(nxt, path)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = walk(start, [])
            if found:
                return found
    return None


def cli_importers(graph: dict[str, list[Import]]) -> list[str]:
    """Modules other than ``__main__`` that import the command line module ``zswapviz.cli``."""
    return [f"{module}:{imp.line}" for module, imports in graph.items() if module != "zswapviz.__main__"
            for imp in imports if imp.target == "zswapviz.cli"]


def long_modules(root: Path = PKG, limit: int = MAX_LINES, allowed=LONG_ALLOWED) -> list[str]:
    """Modules of the package at *root* over *limit* lines, but those *allowed* (paths from the repository root)."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit and rel not in allowed:
            out.append(f"{rel}: {n} lines")
    return out


def alias_calls(graph_sources: dict[str, str], aliases=("load_scenario",)) -> list[str]:
    """Calls, in package code, of the names kept only for users (the one resolver is ``resolve_scenario``)."""
    out = []
    for module, source in graph_sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name in aliases:
                    out.append(f"{module}:{node.lineno} calls {name}")
    return out


# -- the real package ------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return package_graph()


def test_the_reader_resolves_relative_and_deferred_imports(graph):
    """``from ..x import y`` in a subpackage is zswapviz.x; an import inside a function is deferred."""
    world = {i.target: i for i in graph["zswapviz.model.world"]}
    assert "zswapviz.constants" in world and "zswapviz.model.entry" in world
    assert not world["zswapviz.constants"].deferred
    trace = {i.target: i for i in graph["zswapviz.trace"]}
    assert trace["pandas"].deferred


def test_every_module_has_a_layer(graph):
    assert [m for m in graph if layer_of(m) is None] == []


def test_imports_flow_one_way(graph):
    assert upward_imports(graph) == []


def test_model_imports_nothing_above_it(graph):
    assert model_escapes(graph) == []


def test_core_imports_no_presentation_library(graph):
    assert presentation_imports(graph) == []


def test_no_import_cycle(graph):
    assert import_cycle(graph) is None


def test_nothing_imports_the_command_line_but_main(graph):
    assert cli_importers(graph) == []


def test_no_module_over_500_lines():
    assert long_modules() == []


def test_the_package_never_calls_the_old_scenario_loader():
    sources = {name: path.read_text(encoding="utf-8") for name, path in module_names(PKG).items()
               if name != "zswapviz.scenario"}
    assert alias_calls(sources) == []


# -- made-up packages that break each rule: the checks must catch them -----------


def _fake(files: dict[str, str]) -> dict[str, list[Import]]:
    """A made-up package's graph from {module name: source}."""
    known = set(files)
    return {name: read_imports(name, src, known, name == "zswapviz") for name, src in files.items()}


def test_an_upward_import_is_caught():
    graph = _fake({"zswapviz.model.world": "from ..store import zswap_store\n",
                   "zswapviz.store": "from .model.world import World\n"})
    assert upward_imports(graph) == ["zswapviz.model.world:1 imports zswapviz.store"]
    assert model_escapes(graph) == ["zswapviz.model.world:1 imports zswapviz.store"]


def test_a_deferred_upward_import_is_caught_unless_allowed():
    graph = _fake({"zswapviz.scenario": "def f():\n    from .views.explorer import Explorer\n",
                   "zswapviz.views.explorer": "", "zswapviz.trace": "def plot():\n    from .plots import plot_step\n",
                   "zswapviz.plots": ""})
    assert upward_imports(graph) == ["zswapviz.scenario:2 imports zswapviz.views.explorer"]


def test_an_allowed_edge_at_module_level_is_caught():
    graph = _fake({"zswapviz.trace": "from .plots import plot_step\n", "zswapviz.plots": "from .trace import Trace\n"})
    assert upward_imports(graph) == ["zswapviz.trace:1 imports zswapviz.plots"]
    assert import_cycle(graph) is not None


def test_a_presentation_library_in_the_core_is_caught():
    graph = _fake({"zswapviz.store": "def f():\n    import matplotlib.pyplot as plt\n",
                   "zswapviz.ledger": "import pandas as pd\n",
                   "zswapviz.plots": "import matplotlib\n"})
    assert presentation_imports(graph) == ["zswapviz.store:2 imports matplotlib.pyplot",
                                           "zswapviz.ledger:1 imports pandas"]


def test_an_import_cycle_is_caught():
    graph = _fake({"zswapviz.scenario": "from .units import parse_folio_size\n",
                   "zswapviz.units": "def f():\n    from .cli import main\n",
                   "zswapviz.cli": "from .scenario import Scenario\n"})
    cycle = import_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"zswapviz.scenario", "zswapviz.units",
                                                                          "zswapviz.cli"}
    assert import_cycle(_fake({"zswapviz.a": "from . import b\n", "zswapviz.b": "x = 1\n"})) is None


def test_an_import_of_the_command_line_is_caught():
    graph = _fake({"zswapviz.search": "def f():\n    from .cli import argument_type\n",
                   "zswapviz.cli": "", "zswapviz.__main__": "from .cli import main\n"})
    assert cli_importers(graph) == ["zswapviz.search:2"]


def test_a_long_module_is_caught(tmp_path):
    pkg = tmp_path / "zswapviz"
    (pkg / "model").mkdir(parents=True)
    (pkg / "store.py").write_text("x = 1\n" * 501)
    (pkg / "model" / "zsmalloc.py").write_text("x = 1\n" * 700)
    (pkg / "short.py").write_text("x = 1\n" * 500)
    assert long_modules(pkg) == ["zswapviz/store.py: 501 lines"]


def test_a_call_of_the_old_loader_is_caught():
    sources = {"zswapviz.cli": "from .scenario import load_scenario\nload_scenario('demo')\n",
               "zswapviz.views.form": "import zswapviz.scenario as s\ns.load_scenario(p)\n",
               "zswapviz.lessons": "from .scenario import resolve_scenario\nresolve_scenario('demo')\n"}
    assert alias_calls(sources) == ["zswapviz.cli:2 calls load_scenario", "zswapviz.views.form:2 calls load_scenario"]
