"""Nothing but an explicit request changes the kernel: not a report, a notebook export or a test.

The live lab (``KernelLab``, ``lab_run``, the zram oracle, journal recovery)
runs only after ``zswapviz lab run/compare/recover`` (or a recording or
benchmark script) asked for it, or with ``ZSWAPVIZ_LIVE_LAB=1``. These tests
never change a kernel setting: where the lab would be entered, a trap stands
in for it.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.kernel import counters, lab  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "06-your-kernel.ipynb"

#: Prepended to notebook 06: the lab looks possible (root, zswap), but
#: entering it or taking its lock is recorded and stopped before any change.
TRAP = """
import zswapviz.kernel.lab as _lab
_lab.settings.is_root = lambda: True
_entered = []
def _trap(*args, **kwargs):
    _entered.append(args)
    raise RuntimeError("TRAP: the live lab was entered")
_lab.KernelLab.__enter__ = _trap
_lab.journal.exclusive = _trap
"""


@pytest.fixture
def no_request(monkeypatch, tmp_path):
    """No live-lab request in this process, and a private lock and journal."""
    monkeypatch.delenv(lab.LIVE_ENV, raising=False)
    monkeypatch.setattr(lab.settings, "_live_asked", False)
    monkeypatch.setattr(lab.journal, "LOCK_PATH", str(tmp_path / "lab.lock"))
    monkeypatch.setattr(lab.settings, "JOURNAL_PATH", str(tmp_path / "lab.journal.json"))


def test_the_lab_lock_refuses_without_a_request(no_request):
    """Taking the lab lock to change the kernel refuses in one sentence naming ZSWAPVIZ_LIVE_LAB."""
    with pytest.raises(UsageError) as info:
        with lab.exclusive(1):
            pass  # pragma: no cover
    assert "ZSWAPVIZ_LIVE_LAB=1" in str(info.value) and "\n" not in str(info.value)


def test_a_journal_is_not_recovered_by_a_look(no_request):
    """Looking under the lock (change=False) leaves a killed run's journal for an explicit recover."""
    Path(lab.settings.JOURNAL_PATH).write_text('{"pid": 1, "actions": []}')
    with lab.exclusive(1, change=False):
        pass
    assert Path(lab.settings.JOURNAL_PATH).exists()


def test_lab_problem_names_the_request_as_root(no_request, monkeypatch):
    """As root with zswap, the lab's check says it runs only when asked; allow_live lifts it."""
    monkeypatch.setattr(lab.settings, "is_root", lambda: True)
    if not os.path.exists(os.path.join(counters.ZSWAP_PARAMS, "enabled")):
        pytest.skip("this kernel has no zswap, so the lab refuses for that first")
    assert "ZSWAPVIZ_LIVE_LAB=1" in lab.lab_problem(4)
    with pytest.raises(UsageError, match="ZSWAPVIZ_LIVE_LAB"):
        with lab.KernelLab(4):
            pass  # pragma: no cover
    monkeypatch.setenv(lab.LIVE_ENV, "1")
    assert "ZSWAPVIZ_LIVE_LAB" not in (lab.lab_problem(4) or "")


def test_notebook_06_shows_the_recorded_run_unless_asked(monkeypatch):
    """Run unattended (as root, with zswap), notebook 06 never enters the lab and shows the recorded run."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if not os.path.exists(os.path.join(counters.ZSWAP_PARAMS, "enabled")):
        pytest.skip("this kernel has no zswap, so the notebook could not reach the lab anyway")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(TRAP))
    nb.cells.append(nbformat.v4.new_code_cell("print('entered', len(_entered))"))
    env = {k: v for k, v in os.environ.items() if k != lab.LIVE_ENV}
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute(env=env)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors[0]["evalue"]
    text = "\n".join(o.get("text", "") for o in outputs)
    assert "entered 0" in text
    assert "ZSWAPVIZ_LIVE_LAB=1" in text and "recorded run of the same pages" in text


def test_export_notebook_never_passes_the_request_on(monkeypatch, tmp_path):
    """Even with ZSWAPVIZ_LIVE_LAB=1 in the environment, a report's notebook kernel runs without it."""
    nbformat = pytest.importorskip("nbformat")
    from zswapviz.views.report import export_notebook

    monkeypatch.setenv(lab.LIVE_ENV, "1")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os\nprint('live request:', os.environ.get('ZSWAPVIZ_LIVE_LAB', 'absent'))"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "probe.ipynb"
    nbformat.write(nb, src)
    out = export_notebook(src, tmp_path / "probe.html", timeout=120)
    html = out.read_text()
    assert "live request: absent" in html
