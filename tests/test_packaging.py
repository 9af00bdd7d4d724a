"""Packaging checks: one dependency list in two formats, the documented commands, a light core.

pyproject.toml is the source of truth; environment.yml must list the same
packages (by their conda-forge names) with the same version specifiers.
The README names ``make demo`` and ``make test``, CI runs ``make test``, and
the model core imports none of the presentation libraries.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: pip name -> conda-forge name where they differ (identity otherwise).
PIP_TO_CONDA = {"python-lzo": "python-lzo", "lz4": "lz4", "zstandard": "zstandard"}

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(;.*)?$")


def parse_requirement(text: str) -> tuple[str, str]:
    """(normalised name, specifier without spaces) of a PEP 508 / conda match spec."""
    m = _REQ.match(text)
    assert m, f"cannot parse requirement {text!r}"
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    spec = re.sub(r"\s+", "", m.group(3))
    return name, ",".join(sorted(spec.split(","))) if spec else ""


def pyproject() -> dict:
    """pyproject.toml, parsed."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def environment_dependencies() -> list[str]:
    """The entries of environment.yml's ``dependencies:`` list (no YAML library needed)."""
    deps, inside = [], False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not raw.startswith((" ", "\t", "-")):
            inside = line.startswith("dependencies:")
            continue
        if inside:
            item = line.strip()
            assert item.startswith("- "), f"unexpected line in dependencies: {raw!r}"
            value = item[2:].strip()
            assert not value.endswith(":"), f"nested lists (pip:) are not expected: {raw!r}"
            deps.append(value)
    return deps


def conda_specs() -> dict[str, str]:
    """environment.yml as {name: specifier}."""
    out = {}
    for dep in environment_dependencies():
        name, spec = parse_requirement(dep)
        assert name not in out, f"{name} listed twice in environment.yml"
        out[name] = spec
    return out


def pip_specs(groups=("dependencies", "test")) -> dict[str, str]:
    """pyproject's runtime dependencies plus the named extras as {conda name: specifier}."""
    data = pyproject()["project"]
    reqs = list(data["dependencies"]) if "dependencies" in groups else []
    for extra in groups:
        if extra != "dependencies":
            reqs += data.get("optional-dependencies", {})[extra]
    out = {}
    for req in reqs:
        name, spec = parse_requirement(req)
        out[PIP_TO_CONDA.get(name, name)] = spec
    return out


def test_requirement_parser():
    """The small requirement parser normalises names and specifiers."""
    assert parse_requirement("numpy>=1.24,<2.6") == ("numpy", "<2.6,>=1.24")
    assert parse_requirement("python_lzo >= 1.15") == ("python-lzo", ">=1.15")
    assert parse_requirement("pytest") == ("pytest", "")


def test_pyproject_has_test_extra():
    """pyproject.toml declares runtime dependencies and a test extra with pytest."""
    data = pyproject()["project"]
    assert data["dependencies"]
    assert "pytest" in pip_specs(("test",))


def test_environment_lists_every_pyproject_package_with_same_specifier():
    """Every runtime and test dependency of pyproject.toml is in environment.yml with the same version specifier."""
    conda = conda_specs()
    for name, spec in pip_specs().items():
        assert name in conda, f"{name} (pyproject.toml) is missing from environment.yml"
        assert conda[name] == spec, f"{name}: pyproject.toml says {spec!r}, environment.yml {conda[name]!r}"


def test_environment_lists_nothing_pyproject_does_not():
    """environment.yml lists only python and packages of pyproject.toml (dependencies or extras), with equal specifiers."""
    extras = tuple(pyproject()["project"].get("optional-dependencies", {}))
    known = pip_specs(("dependencies", *extras))
    for name, spec in conda_specs().items():
        if name == "python":
            continue
        assert name in known, f"{name} is in environment.yml but not in pyproject.toml"
        assert known[name] == spec, f"{name}: pyproject.toml says {known[name]!r}, environment.yml {spec!r}"


def test_python_version_agrees():
    """environment.yml's python pin equals pyproject's requires-python."""
    conda = conda_specs()
    assert "python" in conda
    assert conda["python"] == parse_requirement("python" + pyproject()["project"]["requires-python"])[1]


def test_readme_names_make_demo_and_make_test():
    """README.md tells the reader to run ``make demo`` and ``make test``."""
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("README.md does not exist yet")
    text = readme.read_text()
    assert "make demo" in text
    assert "make test" in text


def test_makefile_targets():
    """The Makefile's demo target runs ``python -m zswapviz demo`` and its test target runs pytest."""
    text = (ROOT / "Makefile").read_text()
    demo = re.search(r"^demo:.*\n((?:\t.*\n?)+)", text, re.M)
    test = re.search(r"^test:.*\n((?:\t.*\n?)+)", text, re.M)
    assert demo and "-m zswapviz demo" in demo.group(1)
    assert test and "pytest" in test.group(1)


def test_ci_runs_make_test():
    """.ci/run calls ``make test``."""
    lines = [line.split("#", 1)[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert any(re.search(r"(^|[;&|]\s*)make\s+test\b", line) for line in lines)


CORE = ("zswapviz.store", "zswapviz.model", "zswapviz.trace", "zswapviz.simulate")
HEAVY = ("matplotlib", "ipywidgets", "anywidget", "pandas")


def test_core_imports_no_presentation_libraries():
    """Importing the core (store, model and its modules, trace, simulate) loads neither matplotlib, ipywidgets nor pandas."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "import zswapviz.model as m\n"
        "for info in pkgutil.iter_modules(m.__path__):\n"
        "    importlib.import_module('zswapviz.model.' + info.name)\n"
        f"loaded = sorted(h for h in {HEAVY!r} if h in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"the core imported {proc.stdout.strip()}"


def test_the_subprocess_check_can_see_heavy_imports():
    """The same subprocess check does report pandas once something imports it (so the test above is not vacuous)."""
    code = "import sys, pandas\nprint('pandas' in sys.modules)\n"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "True"
