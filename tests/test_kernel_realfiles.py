"""Real files through the kernel and the model: the shipped page file and its recorded runs.

``data/kernel/pages/realfiles.pages.xz`` holds 1024 pages of files from a
Debian 12 machine (provenance in ``realfiles.json``);
``data/kernel/realfiles/*.json`` are this project's 6.18 kernel's runs over
them. The model must reproduce every counter exactly. Two live tests (root,
zswap, the same Debian files) rebuild the page file and re-run the kernel.
"""

import hashlib
import json
import lzma
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kernel_util import say_why_live_tests_skip  # noqa: E402,F401

from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.kernel import as_kernel_result, differences, model_run  # noqa: E402
from zswapviz.kernel.lab import lab_problem  # noqa: E402
from zswapviz.kernel.realfiles import PAGES_DIR, REALFILES_PAGES, build_page_file, load_realfiles  # noqa: E402
from zswapviz.kernel.recorded import DATA_DIR, recording_pages  # noqa: E402

RUN_DIR = DATA_DIR / "realfiles"
RUNS = sorted(RUN_DIR.glob("*.json"))
PROVENANCE = json.loads((PAGES_DIR / "realfiles.json").read_text())


def test_page_file_is_small_and_matches_its_provenance():
    """The shipped page file is under 1.5 MB, 1024 pages, and its sha256 and file list add up."""
    xz = PAGES_DIR / "realfiles.pages.xz"
    assert xz.stat().st_size < 1_500_000
    data = load_realfiles()
    assert len(data) == REALFILES_PAGES * 4096 == PROVENANCE["pages"] * 4096
    assert hashlib.sha256(data).hexdigest() == PROVENANCE["sha256"]
    files = PROVENANCE["files"]
    assert sum(f["pages"] for f in files) == REALFILES_PAGES
    for f in files:
        start = f["first_page"] * 4096
        part = data[start:start + f["pages"] * 4096]
        assert hashlib.sha256(part).hexdigest() == f["slice_sha256"], f["path"]
        assert f["size"] > 0 and len(f["sha256"]) == 64
    kinds = {f["what"].split(",")[0] for f in files}
    assert {"licence text", "Python source", "Python bytecode", "shared library"} <= kinds


def test_page_file_mixes_content_the_kernel_treats_differently():
    """The real files hold zero pages, incompressible pages and compressible text, as recorded."""
    data = np.frombuffer(load_realfiles(), np.uint8).reshape(-1, 4096)
    zero = ~data.any(axis=1)
    assert 0 < zero.sum() < 64
    run4k = json.loads((RUN_DIR / "realfiles-4k.json").read_text())
    assert run4k["counters"]["swpout_zero"] == int(zero.sum())
    assert run4k["counters"]["stored_incompressible_pages"] > 0


def test_a_damaged_page_file_is_refused(tmp_path):
    """A page file whose bytes do not match its provenance's sha256 is refused in one sentence."""
    from zswapviz.errors import UsageError
    from zswapviz.kernel.realfiles import load_page_file

    data = bytearray(load_realfiles())
    data[5] ^= 1
    (tmp_path / "realfiles.pages.xz").write_bytes(lzma.compress(bytes(data), preset=0))
    (tmp_path / "realfiles.json").write_text(json.dumps(PROVENANCE))
    with pytest.raises(UsageError, match="does not match the sha256"):
        load_page_file("realfiles", tmp_path)
    (tmp_path / "realfiles.json").write_text(json.dumps({"name": "realfiles"}))
    with pytest.raises(UsageError, match=r"realfiles.json is damaged \(it names no sha256"):
        load_page_file("realfiles", tmp_path)
    (tmp_path / "realfiles.pages.xz").unlink()
    with pytest.raises(UsageError, match="does not exist; build it with tools/record_kernel_runs.py"):
        load_page_file("realfiles", tmp_path)


def test_every_folio_size_and_kernel_compressor_is_recorded():
    """Runs over the real files exist at 4K, 64K and 2M with lzo, and at 64K with lzo-rle and deflate."""
    names = {p.stem for p in RUNS}
    assert {"realfiles-4k", "realfiles-64k", "realfiles-2m",
            "realfiles-64k-lzo-rle", "realfiles-64k-deflate"} <= names


@pytest.mark.parametrize("path", RUNS, ids=[p.stem for p in RUNS])
def test_model_matches_recorded_realfiles_run(path):
    """Every counter the kernel recorded over the real files equals the model's, pool_total_size exactly."""
    run = json.loads(path.read_text())
    assert run["provenance"]["pool_empty_at_start"]
    assert run["recipe"]["sha256"] == PROVENANCE["sha256"]
    kernel = as_kernel_result(run)
    model = model_run(recording_pages(run), kernel)
    assert differences(kernel, model) == {}
    assert len(kernel) > 20 and kernel["pool_total_size"] > 0
    assert model["violations"] == []


@pytest.mark.kernel
def test_page_file_rebuilds_byte_for_byte_from_this_machine():
    """On a Debian 12 machine with the same package versions the page file rebuilds identically."""
    missing = [f["path"] for f in PROVENANCE["files"] if not os.path.exists(f["path"])]
    if missing:
        pytest.skip(f"this machine lacks {missing[0]} (and {len(missing) - 1} more) of the real files")
    changed = [f["path"] for f in PROVENANCE["files"]
               if hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest() != f["sha256"]]
    if changed:
        pytest.skip(f"{changed[0]} differs from the recorded one here (another package version)")
    data, provenance = build_page_file(packages=False)
    assert [f["slice_sha256"] for f in provenance["files"]] == [f["slice_sha256"] for f in PROVENANCE["files"]]
    assert provenance["sha256"] == PROVENANCE["sha256"]
    assert data == load_realfiles()


@pytest.mark.kernel
def test_live_kernel_reproduces_the_recorded_realfiles_run(monkeypatch):
    """Running the real files through this kernel again gives the recorded counters."""
    monkeypatch.setenv("ZSWAPVIZ_LIVE_LAB", "1")  # a kernel-marked test is the request
    problem = lab_problem(64)
    if problem:
        pytest.skip(f"kernel lab unavailable: {problem}")
    from zswapviz.kernel import lab_run

    run = json.loads((RUN_DIR / "realfiles-64k.json").read_text())
    if os.uname().release != run["provenance"]["kernel_release"]:
        pytest.skip(f"recorded on {run['provenance']['kernel_release']}, this is {os.uname().release}")
    live = lab_run(load_realfiles(), 16, compressor="lzo")
    assert {k: live[k] for k in run["counters"]} == run["counters"]


NOTEBOOK = ROOT / "notebooks" / "06-your-kernel.ipynb"


def test_notebook_is_committed_without_outputs():
    """The kernel notebook is stored with no outputs and no execution counts."""
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_notebook_runs_without_root_and_shows_recorded_runs():
    """Headless, as a user without root, the notebook replays recorded runs and says why it runs nothing live."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Stand in for a machine without root: the lab's own check says no.
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import zswapviz.kernel.lab as _lab\n_lab.settings.is_root = lambda: False"))
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    assert "Live runs are not possible here: the kernel lab needs root" in text
    assert "match the kernel exactly" in text and "all 16 counters equal" in text
    replayed = [line for line in text.splitlines() if line.startswith("replayed ")]
    assert replayed and replayed[0].split()[1] == replayed[0].split()[-5]  # every replay matched
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the recorded 64K run, then the same run standing in for a live one


# -- workloads: free pages, store again, compact ---------------------------------

from zswapviz.kernel.recorded import recorded_workloads, replay_workload  # noqa: E402
from zswapviz.kernel.workload import workload_action  # noqa: E402

WORKLOADS = recorded_workloads()


def test_workloads_are_recorded():
    """Free-and-refill workloads at 4K, 64K and 2M, on generated and real pages, are in the repository."""
    names = {w["name"] for w in WORKLOADS}
    assert {"free-refill-ramp-4k", "free-refill-ramp-2m", "free-refill-realfiles-64k",
            "free-refill-realfiles-4k"} <= names
    for w in WORKLOADS:
        assert [s["action"] for s in w["steps"]] == ["store", "free", "store", "compact"]
        assert not any("op" in s for s in w["steps"]), "recorded files name a step's action 'action'"


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w["name"] for w in WORKLOADS])
def test_model_matches_workload_after_frees_and_refill(workload):
    """After storing, freeing half the pages and storing again, the model's pool is the kernel's, page for page."""
    model = replay_workload(workload)
    for step, got in zip(workload["steps"], model):
        assert got["action"] == step["action"]
        assert {k: got[k] for k in step["counters"]} == step["counters"], step["action"]
    freed = workload["steps"][1]["counters"]
    assert freed["stored_pages"] < workload["steps"][0]["counters"]["stored_pages"]


def test_a_workload_written_with_op_replays_the_same():
    """A workload whose steps name their action "op" (files written before the rename) replays exactly as with "action"."""
    workload = min(WORKLOADS, key=lambda w: sum(len(s.get("indices", ())) for s in w["steps"]))
    old = dict(workload, steps=[{("op" if k == "action" else k): v for k, v in s.items()}
                                for s in workload["steps"]])
    assert all("op" in s and "action" not in s for s in old["steps"])
    assert replay_workload(old) == replay_workload(workload)


def test_a_workload_step_without_one_action_is_refused_in_one_sentence():
    """A step with neither "action" nor "op", with both, or with an unknown action is a UsageError naming the fix."""
    assert workload_action({"action": "free"}) == "free" and workload_action({"op": "compact"}) == "compact"
    with pytest.raises(UsageError, match="needs 'action'"):
        workload_action({"region": "A"})
    with pytest.raises(UsageError, match="not both"):
        workload_action({"action": "store", "op": "store"})
    workload = WORKLOADS[0]
    bad = dict(workload, steps=[{"action": "defrag", "counters": {}}])
    with pytest.raises(UsageError, match="unknown workload step 'defrag'; known: store, free, compact"):
        replay_workload(bad)


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w["name"] for w in WORKLOADS])
def test_model_matches_pool_after_compaction(workload):
    """After the pool shrinker ran (zs_compact), the model's pool_total_size is the kernel's."""
    kernel = workload["steps"][-1]["counters"]["pool_total_size"]
    before = workload["steps"][-2]["counters"]["pool_total_size"]
    assert kernel < before, "compaction should have freed zspages in the recording"
    model = replay_workload(workload)[-1]["pool_total_size"]
    assert model == kernel
