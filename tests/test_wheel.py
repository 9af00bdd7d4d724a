"""A wheel is a product too: built from a copy of the checkout, installed in a fresh venv, used from elsewhere.

The venv has no system site-packages and no checkout on its path; the
dependencies come from this test's own environment through a ``.pth`` line
(nothing is downloaded but the build backend, from pip's configured index).
zswapviz itself must come from the wheel: its scenarios, lessons, kernel
recordings, counterexamples and notebooks included.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "zswapviz", "data", "notebooks")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python of a fresh venv with the wheel installed, a folder outside the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SHIPPED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = work / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                           capture_output=True, text=True, timeout=600)
    if build.returncode:
        pytest.fail(f"building the wheel failed: {build.stderr[-2000:]}")
    wheel = next(dist.glob("zswapviz-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("zswapviz/_data/scenarios/") for n in names)
    assert any(n.startswith("zswapviz/_data/lessons/") for n in names)
    assert any(n.startswith("zswapviz/_data/kernel/") for n in names)
    assert any(n.startswith("zswapviz/_data/counterexamples/") for n in names)
    assert any(n.startswith("zswapviz/_notebooks/") and n.endswith(".ipynb") for n in names)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies: this environment's site-packages, after the venv's own
    (site / "zz-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    if install.returncode:
        pytest.fail(f"installing the wheel failed: {install.stderr[-2000:]}")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return python, elsewhere


def run(installed, *argv):
    python, cwd = installed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([str(python), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_zswapviz_comes_from_the_wheel(installed):
    proc = run(installed, "-c", "import zswapviz, zswapviz.resources as r; print(zswapviz.__file__); "
                                "print(r.data_path('scenarios'))")
    assert proc.returncode == 0, proc.stderr
    module, data = proc.stdout.split()
    assert str(ROOT) not in module and "site-packages" in module
    assert data.endswith(os.path.join("zswapviz", "_data", "scenarios"))


def test_demo_scenarios_and_report(installed):
    python, cwd = installed
    demo = run(installed, "-m", "zswapviz", "demo")
    assert demo.returncode == 0 and "zs_malloc" in demo.stdout, demo.stderr
    listed = run(installed, "-m", "zswapviz", "scenarios")
    assert listed.returncode == 0 and "demo" in listed.stdout, listed.stderr
    report = run(installed, "-m", "zswapviz", "report", "demo", "--out", "demo.html")
    assert report.returncode == 0, report.stderr
    assert (cwd / "demo.html").read_text().lstrip().lower().startswith("<!doctype html")
    lessons = run(installed, "-m", "zswapviz", "lessons")
    assert lessons.returncode == 0 and "stops" in lessons.stdout, lessons.stderr


def test_notebooks_are_copied_out_of_the_package(installed):
    python, cwd = installed
    proc = run(installed, "-m", "zswapviz", "notebooks", "nbs")
    assert proc.returncode == 0, proc.stderr
    copied = sorted(p.name for p in (cwd / "nbs").glob("*.ipynb"))
    assert copied == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def test_an_explorer_opens(installed):
    proc = run(installed, "-c", "from zswapviz.widgets import Explorer; e = Explorer('demo'); "
                                "print(len(e.trace))")
    assert proc.returncode == 0 and int(proc.stdout.split()[-1]) > 0, proc.stderr
