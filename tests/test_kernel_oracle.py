"""The model against this project's real kernel: recorded runs must match exactly.

Each file in data/kernel/ was recorded by tools/record_kernel_runs.py on a
6.18 kernel from an empty pool (provenance inside). The model replays the
same pages with the same parameters; every counter must be equal and
``pool_total_size`` exact.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from zswapviz.compress import get_compressor
from zswapviz.kernel import recording_pages
from zswapviz.pages import pages_from_recipe, split_pages
from zswapviz.simulate import simulate

DATA = Path(__file__).resolve().parents[1] / "data" / "kernel"
RUNS = sorted(p for p in DATA.glob("*.json") if not p.name.startswith("zram-"))
ZRAM = sorted(DATA.glob("zram-*-pages.json"))


def test_recordings_exist():
    """The kernel recordings the oracle tests read are in the repository."""
    assert len(RUNS) >= 20 and len(ZRAM) >= 2


@pytest.mark.parametrize("path", RUNS, ids=[p.stem for p in RUNS])
def test_model_matches_recorded_kernel_run(path):
    """Every counter the kernel recorded equals the model's, pool_total_size included."""
    run = json.loads(path.read_text())
    prov = run["provenance"]
    assert prov["pool_empty_at_start"], "recordings must start from an empty pool"
    pages = recording_pages(run)
    assert len(pages) == run["pages"] * 4096
    result = simulate(
        pages, run["folio_size_kb"] // 4, kernel="6.18", compressor=prov["compressor"],
        max_pool_percent=prov["max_pool_percent"],
        accept_threshold_percent=prov["accept_threshold_percent"],
        total_ram_pages=prov["memtotal_pages"],
        # MADV_PAGEOUT from a process in the root memory cgroup (cgroup v1 here)
        root_cgroup=True,
    )
    differences = {k: (v, result.get(k)) for k, v in run["counters"].items() if result.get(k) != v}
    assert not differences, f"kernel vs model (kernel, model): {differences}"
    assert result["violations"] == []


@pytest.mark.parametrize("path", ZRAM, ids=[p.stem for p in ZRAM])
def test_lzo_matches_kernel_page_by_page(path):
    """Our LZO1X-1 gives each page the length the kernel's lib/lzo gave it (through zram)."""
    rec = json.loads(path.read_text())
    algorithm = rec["provenance"]["algorithm"]
    pages = split_pages(pages_from_recipe(rec["recipe"]))
    assert len(pages) == rec["pages"] == len(rec["lengths"])
    comp = get_compressor(algorithm)
    model = comp.lengths(np.frombuffer(b"".join(pages), np.uint8).reshape(-1, 4096))
    huge = set(rec["huge"])
    same = set(rec["same_filled"])
    threshold = rec["provenance"]["huge_class_size"]
    compared = 0
    for i, (kernel_len, model_len) in enumerate(zip(rec["lengths"], model.tolist())):
        if i in same:
            continue
        if i in huge:
            assert model_len >= threshold, f"page {i}: kernel huge (>= {threshold}), model {model_len}"
        else:
            assert model_len == kernel_len, f"page {i}: kernel {kernel_len}, model {model_len}"
            compared += 1
    assert compared > 1000
