"""Issue 11: every sentence, counter and value true for its release.

Each test pins one fact of docs/kernel-facts.md that an earlier version of
the model got wrong, so it fails on that version.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zswapviz.profiles import KERNEL_NAMES, compressor_overflow, get_profile, has_counter
from zswapviz.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_no_project_file_points_outside_the_project():
    """README, code, tests and docs never cite the helpers' shared notes; docs/kernel-facts.md exists."""
    out = subprocess.run(["git", "grep", "-n", "-I", "-e", "shared/docs", "-e", "../shared",
                          "-e", "zsmalloc-and-lzo.md", "-e", "shared documents", "--", ".",
                          ":!tests/test_truth.py"],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        pytest.skip("not a git checkout")
    assert out.stdout == ""
    facts = (ROOT / "docs" / "kernel-facts.md").read_text()
    for needle in ("cc47f07234f7", "63895d20d63b", "20250306205011.784787-1-nphamcs@gmail.com",
                   "percpu_ref_resurrect", "%llu", "MEMCG_CHARGE_BATCH"):
        assert needle in facts


@pytest.mark.parametrize("kernel", ("6.12", "v9", "6.13", "6.14"))
def test_compressor_overflow_before_the_lzo_fix(kernel):
    """zstd/lz4/deflate return -EINVAL; LZO returns the longer stream (None) on the tags before cc47f07234f7."""
    assert [compressor_overflow(kernel, c) for c in ("zstd", "lz4", "deflate")] == [-22, -22, -22]
    assert compressor_overflow(kernel, "lzo") is None and compressor_overflow(kernel, "lzo-rle") is None


def test_compressor_overflow_on_618():
    """6.18: bounded LZO is -EINVAL like zstd; deflate as an acomp algorithm is -ENOSPC."""
    assert [compressor_overflow("6.18", c) for c in ("lzo", "lzo-rle", "zstd", "lz4", "deflate")] == \
        [-22, -22, -22, -22, -28]


def test_stable_notes_name_the_lzo_backports():
    """The profiles say which stable updates behave differently (6.12.31, 6.14.9; never 6.13.y)."""
    assert "6.12.31" in get_profile("6.12").stable_notes
    assert "6.14.9" in get_profile("6.14").stable_notes
    assert "never" in get_profile("6.13").stable_notes


def test_incompressible_614_scenario_is_compress_fail_with_zstd():
    """The built-in scenario (zstd on 6.14): -EINVAL from the compressor, reject_compress_fail, no zs_malloc."""
    scenario = load_scenario("incompressible-6.14")
    assert scenario.compressor == "zstd"
    trace = scenario.run()
    stats = trace.world.stats
    assert stats["reject_compress_fail"] == 1 and stats["reject_compress_poor"] == 0
    assert not trace.find(fn="zpool_malloc", failed=True)
    assert "-EINVAL" in scenario.notes and "reject_compress_fail" in scenario.notes
    assert "compresses above 4096 bytes, zs_malloc refuses it" not in scenario.notes


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_counters_by_release(kernel):
    """swpout_zero exists from 6.12, decompress_fail from 6.15, stored_incompressible_pages from 6.18."""
    release = get_profile(kernel).release
    assert has_counter(kernel, "swpout_zero")
    assert has_counter(kernel, "decompress_fail") == (release >= (6, 15))
    assert has_counter(kernel, "stored_incompressible_pages") == (release >= (6, 18))
    assert has_counter(kernel, "stored_pages")


# -- counters a release does not have; values as the files print them ---------------


def _run_json(kernel: str, tmp_path) -> dict:
    import json

    from zswapviz.cli import main
    from zswapviz.pages import make_pages

    path = tmp_path / "pages.bin"
    path.write_bytes(make_pages("text", 16, seed=1))
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["simulate", "--pages", str(path), "--folio-size", "64K", "--kernel", kernel,
                     "--json", "--total-ram-pages", "100000"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("kernel", ("6.12", "6.13", "6.14", "6.18"))
def test_json_shows_only_the_releases_counters(kernel, tmp_path):
    """simulate --json leaves out stored_incompressible_pages before 6.18; swpout_zero is there from 6.12."""
    result = _run_json(kernel, tmp_path)
    assert ("stored_incompressible_pages" in result) == (kernel == "6.18")
    assert "swpout_zero" in result


@pytest.mark.parametrize("kernel", ("6.13", "6.18"))
def test_tables_show_only_the_releases_counters(kernel):
    """The explorer's counter table and the view model have no row for a counter the release lacks."""
    from zswapviz.plots import counters_frame
    from zswapviz.views.viewmodel import view_model

    scenario = load_scenario("demo")
    scenario.kernel = kernel
    trace = scenario.run()
    rows = set(counters_frame(trace, len(trace) - 1).index)
    keys = set(view_model(trace)["values"]["keys"])
    for table in (rows, keys):
        assert ("stored_incompressible_pages" in table) == (kernel == "6.18")
        assert ("decompress_fail" in table) == (kernel == "6.18")
    assert "swpout_zero" in rows


def test_613_file_values_beside_internal_values():
    """After 6.13's failure: internal stored_pages -5 and negative bytes; cat prints 2^64-5 and 0."""
    from zswapviz.scenario import ledger

    trace = load_scenario("bug-6.13").run()
    led = ledger(trace)
    assert led["stored_pages"] == -5 and led["objcg_zswap_bytes"] < 0 and led["memcg_zswapped"] == -5
    assert led["debugfs stored_pages"] == "18446744073709551611"
    assert led["memory.zswap.current"] == 0 and led["memory.stat zswapped"] == 0


def test_memory_current_charges_pages_in_batches():
    """obj_cgroup_charge: 1831 bytes charge one page, taken from a batch of 64 pages; the rest is stocked."""
    from zswapviz.model.memcg import MemCgroup

    m = MemCgroup()
    m.obj_cgroup_charge_zswap(1831)
    assert (m.memory_pages, m.stock_pages, m.obj_stock_bytes) == (64, 63, 4096 - 1831)
    m.obj_cgroup_charge_zswap(2000)
    assert (m.memory_pages, m.stock_pages, m.obj_stock_bytes) == (64, 63, 4096 - 1831 - 2000)
    m.obj_cgroup_uncharge_zswap(1831)
    m.obj_cgroup_uncharge_zswap(2000)
    # everything back in the stocks: one page returned to the page stock, nothing owed
    assert m.zswap_b == 0 and m.pages_owed * 4096 - m.obj_stock_bytes == 0
    assert m.warnings == []


def test_613_bug_marks_the_page_counter_underflow():
    """Uncharging bytes never charged leaves the page stock holding pages the counter never had."""
    trace = load_scenario("bug-6.13").run()
    m = trace.world.memcg
    assert m.pages_owed < 0
    assert any("page_counter underflow" in v for v in trace.world.violations)
    fixed = load_scenario("bug-6.13")
    fixed.kernel = "6.14"
    assert not fixed.run().world.memcg.warnings


def test_validate_memory_current_catches_a_broken_stock():
    """The validator's broken case: a stock that does not add up to MEMCG_ZSWAP_B."""
    from zswapviz.model.validate import ValidationError, validate_memory_current

    trace = load_scenario("demo").run()
    world = trace.world
    validate_memory_current(world)
    world.memcg.obj_stock_bytes += 8
    with pytest.raises(ValidationError, match="memory.current holds"):
        validate_memory_current(world)
