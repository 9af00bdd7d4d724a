"""The teaching notebooks: committed clean, public API only, and each runs top to bottom headless."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 120
TOPICS = ("walkthrough", "failures", "reference", "compressors", "limits", "kernel")
#: Run first in the kernel notebook: stand in for a machine without root, so
#: the lab's own check refuses every live run (the test never touches zswap).
NO_ROOT_CELL = "import zswapviz.kernel.lab as _lab\n_lab.is_root = lambda: False"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_there_are_six_notebooks_in_order():
    """notebooks/ holds the six numbered notebooks, one per topic, in order, and nothing else."""
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]
    for path, topic in zip(NOTEBOOKS, TOPICS):
        assert topic in path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    """The notebook file has no outputs, execution counts or saved widget state."""
    nb = read(path)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "widgets" not in nb.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_uses_public_api_only(path):
    """Code cells import only public zswapviz names and touch no underscore attributes."""
    code = "\n".join(c.source for c in read(path).cells if c.cell_type == "code")
    assert "zswapviz" in code
    assert not re.search(r"from\s+zswapviz[\w.]*\s+import\s+[^\n]*\b_\w", code)
    assert not re.search(r"(import|from)\s+zswapviz(\.\w+)*\._", code)
    assert not re.search(r"\.\s*_[a-z]\w*", code), re.search(r"\.\s*_[a-z]\w*", code)
    assert "sys.path" not in code and "%run" not in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_explains_before_it_shows_and_ends_with_questions(path):
    """It opens with prose, never runs three code cells without words between, and ends with questions for a teacher."""
    cells = read(path).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    run = 0
    for cell in cells:
        run = run + 1 if cell.cell_type == "code" else 0
        assert run <= 2, f"three code cells in a row at {cell.source[:50]!r}"
    last = cells[-1]
    assert last.cell_type == "markdown" and "Questions for a teacher" in last.source
    assert len(re.findall(r"^\d+\.", last.source, flags=re.MULTILINE)) >= 3


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A kernel spec named python3 that runs this interpreter (the project's venv)."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (zswapviz venv)", "language": "python"}))
    return root


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, kernel_dir, tmp_path, monkeypatch):
    """Executed headless with nbclient in the venv's kernel, every cell runs without an error."""
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    from jupyter_client.kernelspec import KernelSpecManager

    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    nb = read(path)
    if "kernel" in path.stem:
        monkeypatch.delenv("ZSWAPVIZ_LIVE_LAB", raising=False)
        nb.cells.insert(0, nbformat.v4.new_code_cell(NO_ROOT_CELL))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else ""
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    widgets = [o for c in code for o in c.outputs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    if any("Explorer(" in c.source or "SideBySide(" in c.source for c in code):
        assert widgets, "the explorer did not display"
    if path.stem == "01-walkthrough":
        # the last code cell reports the failure step and its sentence, from the recorded trace
        from zswapviz import builtin_scenarios

        trace = builtin_scenarios()["demo"].run()
        text = "".join(o.get("text", "") for c in code for o in c.outputs)
        assert f"the failure is step {trace.failure_index}" in text
        assert trace.steps[trace.failure_index].text in text
