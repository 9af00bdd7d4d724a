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
