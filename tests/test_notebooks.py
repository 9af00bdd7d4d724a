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
NO_ROOT_CELL = "import zswapviz.kernel.lab as _lab\n_lab.settings.is_root = lambda: False"


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


#: Words that place things on the screen: the explorer's layout changes, the text must not depend on it.
LAYOUT_WORDS = re.compile(r"\b(on the (right|left)|(top|bottom) (left|right)|\*\*(right|left|top|bottom)\*\*"
                          r"|below the (counters|explorer|plot)|(left|right|top|bottom) panel|panel on the"
                          r"|in (purple|red|green|orange)|(purple|red|green|orange|black|grey) (cells?|dots?|lines?|frame|ticks?))\b",
                          re.IGNORECASE)


def _markdown(path: Path) -> str:
    return "\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_text_uses_no_layout_or_colour_words_for_the_explorer(path):
    """No sentence says where on the screen or in which colour something is (the explorer is redrawn freely)."""
    code_comments = "\n".join(line for c in read(path).cells if c.cell_type == "code"
                              for line in c.source.splitlines() if line.lstrip().startswith("#"))
    hit = LAYOUT_WORDS.search(_markdown(path) + "\n" + code_comments)
    assert not hit, hit.group(0)


def test_lesson_notes_use_no_layout_or_colour_words():
    """Lesson notes, questions and answers avoid layout and colour words too."""
    from zswapviz.lessons import LESSON_DIR

    for f in sorted(LESSON_DIR.glob("*.json")):
        data = json.loads(f.read_text())
        texts = [data.get("summary", "")] + [s.get(k, "") for s in data["stops"] for k in ("note", "question", "answer")]
        for text in texts:
            hit = LAYOUT_WORDS.search(text)
            assert not hit, (f.name, hit.group(0))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_sentence_says_compaction_is_not_modelled(path):
    """The model compacts zsmalloc (ZsPool.zs_compact); no notebook may say it leaves compaction out."""
    for sentence in re.split(r"(?<=[.!?])\s+", _markdown(path).replace("\n", " ")):
        if "compaction" in sentence.lower():
            assert not re.search(r"leaves out|not model|does not (model|reproduce)|isn't modelled", sentence), sentence


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_title_that_states_a_folio_size_states_the_size_it_runs(path):
    """A scenario titled "A N KiB ..." in a code cell runs a folio of N KiB (folio_pages x 4)."""
    cells = [c.source for c in read(path).cells if c.cell_type == "code"]
    for code in cells:
        for m in re.finditer(r"Scenario\((?:[^()]|\([^()]*\)|\{[^{}]*\})*\)", code, re.DOTALL):
            call = m.group(0)
            size = re.search(r"title=\"[^\"]*?(\d+) (KiB|MiB)", call)
            pages = re.search(r"folio_pages=(\d+)", call)
            if size and pages:
                kib = int(size.group(1)) * (1024 if size.group(2) == "MiB" else 1)
                assert kib == 4 * int(pages.group(1)), call
            if pages and int(pages.group(1)) != 16 and "Explorer(" in code:
                # the default title reads "A 64 KiB folio ...": a scenario of another size shown needs its own
                assert "title=" in call, f"{call[:60]}... would be shown as 'A 64 KiB folio'"


def test_the_size_class_table_never_prints_negative_waste(kernel_dir, tmp_path, monkeypatch):
    """Notebook 04's size-class table: a huge object's handle is outside it, so no slot wastes a negative count."""
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    path = NOTEBOOK_DIR / "04-compressors-and-zsmalloc.ipynb"
    nb = read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    nb.cells = [code[0]] + [c for c in code if "SizeClasses()" in c.source]
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "".join(o.get("text", "") for c in nb.cells for o in c.outputs)
    rows = re.findall(r"^\s*(\d+) bytes -> class\s+(\d+) bytes.*?(-?\d+) bytes unused", text, re.MULTILINE)
    assert len(rows) >= 8, text
    assert all(int(unused) >= 0 for _, _, unused in rows), rows
    assert ("4096", "4096", "0") in rows
