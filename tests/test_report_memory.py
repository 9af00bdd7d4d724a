"""The occupancy timeline is drawn from a bounded raster: memory and time do not grow with pages x steps.

Speed and memory figures live in ``benchmarks/bench_report.py`` (``make
bench``); here the raster is checked against the snapshots it summarises.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz import Scenario, load_scenario  # noqa: E402
from zswapviz.plots import occupancy_raster  # noqa: E402
from zswapviz.snapshot import CELL_STATES  # noqa: E402

CODE = {s: i for i, s in enumerate(CELL_STATES)}


def full_matrix(trace):
    return np.array([[CODE[c.state] for c in snap.cells] for snap in trace.snapshots], dtype=np.int8).T


def test_a_small_trace_is_drawn_cell_by_cell():
    """Within the bounds, the raster is every page at every step, exactly."""
    trace = load_scenario("demo").run()
    raster, per_col, per_row = occupancy_raster(trace)
    assert (per_col, per_row) == (1, 1)
    assert np.array_equal(raster, full_matrix(trace))


def test_columns_show_the_last_step_of_their_run():
    trace = load_scenario("demo").run()
    full = full_matrix(trace)
    raster, per_col, per_row = occupancy_raster(trace, max_steps=7)
    assert per_row == 1 and raster.shape[1] <= 7
    for j in range(raster.shape[1]):
        k = min((j + 1) * per_col, full.shape[1]) - 1
        assert np.array_equal(raster[:, j], full[:, k])


def test_rows_show_each_band_in_its_most_common_state():
    trace = Scenario(folio_pages=16, faults={5: "alloc_fail"}).run()
    full = full_matrix(trace)
    raster, per_col, per_row = occupancy_raster(trace, max_pages=4)
    assert per_col == 1 and per_row == 4 and raster.shape == (4, full.shape[1])
    for i in range(4):
        for k in range(full.shape[1]):
            counts = np.bincount(full[i * 4:(i + 1) * 4, k], minlength=len(CELL_STATES))
            assert raster[i, k] == counts.argmax()


def test_a_wide_long_trace_gives_a_bounded_raster():
    """1024 pages in 2 MiB folios: thousands of steps, one raster of at most 1600 x 512 cells."""
    trace = Scenario(folio_pages=512, pages={"kind": "text", "pages": 1024}).run()
    raster, per_col, per_row = occupancy_raster(trace)
    assert raster.shape[0] <= 512 and raster.shape[1] <= 1600
    assert raster.shape[1] * per_col >= len(trace) and raster.shape[0] * per_row >= 1024
    full = full_matrix(trace)
    assert np.array_equal(raster[:, -1], np.bincount(  # the last column: the final state, by bands
        (np.arange(1024) // per_row) * len(CELL_STATES) + full[:, -1],
        minlength=raster.shape[0] * len(CELL_STATES)).reshape(-1, len(CELL_STATES)).argmax(1))


@pytest.mark.parametrize("max_steps,max_pages", [(1, 1), (3, 5)])
def test_degenerate_bounds(max_steps, max_pages):
    trace = load_scenario("demo").run()
    raster, _, _ = occupancy_raster(trace, max_steps=max_steps, max_pages=max_pages)
    assert raster.shape[1] <= max_steps and raster.shape[0] <= max_pages
