"""The matplotlib figures (``zswapviz.views.figures``, re-exported by ``zswapviz.plots``).

"Save figure" at step k is ``trace.plot(k)`` and its slots show the view
model's states; a figure moved to step k by its panels' ``update`` (which is
how the draw functions place their current step) renders to the same Agg
pixels as one drawn directly at k, and neighbouring steps differ.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from zswapviz import Scenario, builtin_scenarios, ledger  # noqa: E402
from zswapviz.model.zsmalloc import SizeClasses  # noqa: E402
from zswapviz.plots import (  # noqa: E402
    EXPLORER_FIGSIZE,
    counters_frame,
    draw_explorer,
    draw_occupancy,
    draw_pool_pages,
    draw_refcounts,
    draw_rollback,
    draw_sizes,
    grid_columns,
    ledger_series,
    step_title,
)
from zswapviz.snapshot import CELL_STATES  # noqa: E402
from zswapviz.widgets import Explorer  # noqa: E402

SCENARIOS = builtin_scenarios()


@pytest.fixture(scope="module")
def traces():
    return {name: SCENARIOS[name].run() for name in ("demo", "stale-rollback", "bug-6.13", "pool-limit",
                                                     "incompressible-6.14", "zero-folio")}


def direct(trace, k: int, **kw) -> np.ndarray:
    """Pixels of a figure drawn straight at step k."""
    fig = Figure(figsize=kw.pop("figsize", EXPLORER_FIGSIZE), dpi=kw.pop("dpi", 80))
    return draw_explorer(fig, trace, k, **kw).rgba()


def interesting_steps(trace) -> list[int]:
    ks = {0, 1, len(trace) // 2, len(trace) - 1}
    if trace.failure_index is not None:
        ks |= {trace.failure_index, trace.failure_index + 1}
    if trace.rollback_indices:
        ks |= {trace.rollback_indices[0], trace.rollback_indices[-1]}
    return sorted(k for k in ks if 0 <= k < len(trace))


@pytest.mark.parametrize("name", ["demo", "stale-rollback", "bug-6.13", "pool-limit", "incompressible-6.14", "zero-folio"])
def test_saved_figure_at_step_k_is_trace_plot_at_k(name, tmp_path):
    """The explorer's "Save figure" at step k draws what trace.plot(k) draws, and its slots show the view model's states."""
    from zswapviz.views.frames import View
    from zswapviz.views.viewmodel import view_model

    ex = Explorer(SCENARIOS[name])
    view = View(view_model(ex.trace))
    for k in interesting_steps(ex.trace)[-2:]:
        ex.go(k)
        png = ex.save_figure(tmp_path / f"{k}.png").read_bytes()
        fig = ex.trace.plot(k)
        fig.canvas.draw()
        buf = tmp_path / f"{k}-direct.png"
        fig.savefig(buf, format="png")
        assert png == buf.read_bytes(), f"{name}: step {k}"
        grid = fig.axes[0].images[0].get_array()
        states = [CELL_STATES[int(v)] for v in np.asarray(grid).ravel()[: len(view.frame(k)["cells"])]]
        assert states == view.frame(k)["cells"]


def test_figure_comparison_can_fail(traces):
    """Figures of neighbouring steps differ, so the equality check above has teeth."""
    trace = traces["demo"]
    k = trace.failure_index
    assert not np.array_equal(direct(trace, k), direct(trace, k + 1))
    assert not np.array_equal(direct(trace, k), direct(trace, k - 1))


def test_stepping_back_and_forth_returns_the_same_pixels(traces):
    """Going to the end and back to step k gives exactly the pixels of the first visit (no state leaks)."""
    trace = traces["stale-rollback"]
    fig = Figure(figsize=EXPLORER_FIGSIZE, dpi=80)
    art = draw_explorer(fig, trace, 0)
    art.update(30)
    first = art.rgba()
    for k in (len(trace) - 1, 0, trace.failure_index, 5):
        art.update(k)
        art.rgba()
    art.update(30)
    assert np.array_equal(art.rgba(), first)


def test_updating_to_step_k_draws_what_drawing_at_k_draws(traces):
    """A figure drawn at step 0 and moved to step k by update() has the same artists and the same pixels as one drawn at k."""
    trace = traces["demo"]
    fig = Figure(figsize=EXPLORER_FIGSIZE, dpi=80)
    art = draw_explorer(fig, trace, 0)
    art.rgba()
    before = {id(a) for a in fig.findobj()}
    for k in (10, trace.failure_index, len(trace) - 1):
        art.update(k)
        assert np.array_equal(art.rgba(), direct(trace, k)), k
    after = {id(a) for a in fig.findobj()}
    assert after == before
    assert art.current == len(trace) - 1


def test_occupancy_grid_shows_each_cell_state(traces):
    """The grid's image holds each cell's state code, and the frame sits on the highlighted cell."""
    trace = traces["stale-rollback"]
    k = trace.failure_index
    snap = trace.snapshots[k]
    ax = Figure().add_subplot()
    art = draw_occupancy(ax, snap, highlight=6)
    codes = np.asarray(art.image.get_array()).ravel()[:len(snap.cells)]
    assert [CELL_STATES[int(c)] for c in codes] == [c.state for c in snap.cells]
    assert {"stored", "stale", "storing"} <= {c.state for c in snap.cells}
    x, y = art.box.get_xy()
    assert (x + 0.5, y + 0.5) == (6 % art.columns, 6 // art.columns)
    art.update(trace.snapshots[0], None)
    assert not art.box.get_visible()


def test_occupancy_grid_of_a_2mib_folio_is_32_by_16():
    """A 512-page folio is drawn as 16 rows of 32 cells, with a row label every few rows."""
    trace = Scenario(pages={"kind": "text", "pages": 512}, folio_pages=512).run()
    ax = Figure().add_subplot()
    art = draw_occupancy(ax, trace.snapshots[-1], highlight=511)
    assert art.columns == 32 and np.asarray(art.image.get_array()).shape == (16, 32)
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["page 0", "page 64"]
    assert grid_columns(16) == 16 and grid_columns(1) == 1


def test_sizes_panel_shows_compressed_lengths_and_classes(traces):
    """At the end of a store each page's bar is its compressed length and its outline the zsmalloc class size."""
    trace = Scenario().run()
    ax = Figure().add_subplot()
    art = draw_sizes(ax, trace, current=len(trace) - 1)
    length, cls, fail = art.values(len(trace) - 1)
    lengths = {s.page: s.arg for s in trace.steps if s.fn == "crypto_acomp_compress"}
    assert list(length) == [lengths[p] for p in range(16)]
    classes = SizeClasses()
    assert list(cls) == [classes.class_for_length(int(v)).size for v in length]
    assert not fail.any()
    assert "ratio" in art.note.get_text()
    length0, _, _ = art.values(0)
    assert not length0.any()


def test_sizes_panel_marks_failed_compression():
    """A compressor failure shows as a cross on that page and in the note."""
    trace = Scenario(kernel="6.14", faults={3: "compress_fail"}).run()
    ax = Figure().add_subplot()
    k = trace.failure_index
    art = draw_sizes(ax, trace, current=k)
    _, _, fail = art.values(k)
    assert list(np.flatnonzero(fail)) == [3]
    assert len(art.failed.get_offsets()) == 1
    assert "page 3: the compressor failed" in art.note.get_text()


def test_rollback_timeline_pairs_each_erase_with_its_store(traces):
    """Each red segment runs from a page's xa_store to the erase that undid it; stale ones start at the left edge."""
    trace = traces["stale-rollback"]
    ax = Figure().add_subplot()
    art = draw_rollback(ax, trace, current=0)
    segs = [np.asarray(s) for s in art.segments.get_segments()]
    stores = {s.page: s.index for s in trace.steps if s.fn == "xa_store" and s.arg == 0}
    erases = {s.page: s.index for s in trace.steps if s.fn == "xa_erase" and s.arg}
    by_page = {}
    for seg in segs:
        by_page.setdefault(int(seg[0, 1]), []).append((seg[0, 0], seg[1, 0]))
    for page in range(6):
        assert (stores[page], erases[page]) in by_page[page]
    assert (-0.5, erases[9]) in by_page[9] and (-0.5, erases[12]) in by_page[12]
    replaced = [s.index for s in trace.steps if s.fn == "zswap_entry_free" and s.page == 2]
    assert (-0.5, replaced[0]) in by_page[2]
    assert "failure at step" in art.note.get_text()


def test_ledger_series_ends_at_the_final_ledger(traces):
    """The ledger curves end where zswapviz.ledger() says the run ended, 6.13's negative charge included."""
    for name in ("demo", "bug-6.13", "pool-limit"):
        trace = traces[name]
        series = ledger_series(trace)
        final = ledger(trace)
        assert series["stored_pages"][-1] == final["stored_pages"]
        assert series["pool_refs"][-1] == final["pool_refs"]
        assert series["objcg_refs"][-1] == final["objcg_refs"]
        assert series["zswap_b"][-1] == final["zswap_b"]
    assert ledger_series(traces["bug-6.13"])["zswap_b"][-1] < 0


def test_refcount_panel_marks_the_current_step(traces):
    """The ledger panel's marker sits on the current step and its text gives the ledger there."""
    trace = traces["demo"]
    ax = Figure().add_subplot()
    k = trace.failure_index
    art = draw_refcounts(ax, trace, current=k)
    assert list(art.marker.get_xdata()) == [k, k]
    assert art.future.get_x() == k + 0.5
    snap = trace.snapshots[k]
    assert f"stored_pages {snap.stats['stored_pages']}" in art.values.get_text()


def test_pool_pages_plot_marks_refused_folios(traces):
    """The pool plot draws the limit lines and one red dot per folio refused at the limit."""
    trace = traces["pool-limit"]
    ax = Figure().add_subplot()
    line, limit, thr = draw_pool_pages(ax, trace, 20, 18)
    refused = [s for s in trace.steps if s.fn == "zswap_check_limits" and s.arg]
    assert len(refused) >= 1
    assert len(ax.collections[0].get_offsets()) == len(refused)
    assert list(limit.get_ydata()) == [20, 20] and len(line.get_xdata()) == len(trace)


def test_counters_frame_has_fixed_rows_and_changes(traces):
    """The counters table keeps the same rows at every step and reports each step's change."""
    trace = traces["demo"]
    charge = next(s.index for s in trace.steps if s.fn == "obj_cgroup_charge_zswap")
    df = counters_frame(trace, charge)
    assert list(df.index) == list(counters_frame(trace, 0).index)
    assert df.loc["zswap_b", "change"] == trace.steps[charge].arg
    assert df.loc["stored_pages", "change"] == 0
    assert (counters_frame(trace, 0)["value"] == 0).sum() > 10


def test_step_title_names_failures_by_errno(traces):
    """A failed step's title names its errno, a compression its length."""
    trace = traces["demo"]
    assert step_title(trace, trace.failure_index).endswith("-> -ENOMEM")
    k = next(s.index for s in trace.steps if s.fn == "crypto_acomp_compress")
    assert step_title(trace, k).endswith(f": {trace.steps[k].arg} bytes")
