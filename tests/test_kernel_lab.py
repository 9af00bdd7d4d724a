"""The kernel lab against the real kernel: runs, restores, interruptions.

Live tests need root, zswap and loop devices; elsewhere they skip and say
why. They change kernel settings for about a second each and put them back.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kernel_util import need_lab, say_why_live_tests_skip  # noqa: E402,F401

from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.kernel import KernelLab, lab, read_counters, system_snapshot, zram  # noqa: E402
from zswapviz.kernel.lab import HOOK_ENV, lab_problem, settled_snapshot  # noqa: E402
from zswapviz.pages import make_pages  # noqa: E402


def ours(snapshot: dict) -> list[str]:
    """Loop devices and swap devices that belong to a kernel lab."""
    loops = [dev for dev, backing in snapshot["loops"].items() if "zswapviz-swap-" in backing]
    return loops + [dev for dev in snapshot["swaps"] if dev in loops]


@pytest.mark.kernel
def test_tiny_run_counts_pages_and_folios():
    """64 text pages in 64 KiB folios are stored as 64 pages in 4 whole folios."""
    need_lab(64)
    with KernelLab(64) as kl:
        run = kl.run_pages(make_pages("text", 64))
    assert run["zswpout"] == 64
    assert run["mthp_64kB_zswpout"] == 4
    assert run["stored_pages"] == 64
    assert run["pswpout"] == 0
    assert run["check"]["folio_size_ok"], run["check"]["warnings"]
    assert run["elapsed_s"] > 0


@pytest.mark.kernel
def test_every_setting_is_restored_after_a_run():
    """A lab that changes every setting it can leaves the snapshot as it found it."""
    need_lab(2048)
    before = settled_snapshot()
    compressor = "deflate" if before["params"].get("compressor") != "deflate" else "lzo"
    with KernelLab(2048, max_pool_percent=7, compressor=compressor,
                   accept_threshold_percent=80) as kl:
        inside = system_snapshot()
        run = kl.run_pages(make_pages("text", 1024))
    after = settled_snapshot()
    assert inside != before  # the lab really changed something
    assert inside["params"]["enabled"] == "Y" and inside["params"]["max_pool_percent"] == "7"
    assert ours(inside)
    assert run["mthp_2048kB_zswpout"] == 2
    assert after == before
    assert not ours(after)


CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import numpy  # its OpenBLAS worker threads do not block signals: the case that once broke the restore
    from zswapviz.kernel import KernelLab
    from zswapviz.pages import make_pages
    with KernelLab(64, max_pool_percent=9) as lab:
        lab.run_pages(make_pages("text", 256))
    print("finished")
""")


@pytest.mark.kernel
@pytest.mark.parametrize("via", ["api", "cli"])
@pytest.mark.parametrize("stage", ["setup", "pageout", "restore"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_interrupted_run_restores_everything(tmp_path, stage, sig, via):
    """A run (KernelLab or ``zswapviz lab run``) signalled in set-up, before reclaim or while restoring restores every setting.

    The API child has imported numpy, whose OpenBLAS threads take signals the
    main thread blocks; the lab's own folder is left empty (no journal, no
    temporary journal, no swap file).
    """
    need_lab(64)
    before = settled_snapshot()
    marker = tmp_path / "reached"
    env = dict(os.environ, **{HOOK_ENV: f"{stage}:{marker}", lab.LIVE_ENV: "1"})
    if via == "api":
        argv = [sys.executable, "-c", CHILD.format(root=str(ROOT))]
    else:
        pages = tmp_path / "text.pages"
        pages.write_bytes(make_pages("text", 256))
        argv = [sys.executable, "-m", "zswapviz", "lab", "run", "--pages", str(pages),
                "--folio-size", "64K", "--max-pool-percent", "9", "--json"]
    child = subprocess.Popen(argv, env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # another lab may hold the lock
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), child.communicate(timeout=30)
        paused = system_snapshot()
        assert ours(paused), "the lab's swap device should exist at the hook"
        assert paused["params"]["max_pool_percent"] == "9"
        assert paused["journal_left"]
        child.send_signal(sig)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0
    if via == "api":
        assert "finished" not in out
    else:
        assert out == "", "an interrupted lab run must print no result"
        assert child.returncode == (130 if sig == signal.SIGINT else 128 + sig)
        if sig == signal.SIGINT:
            assert err.strip().splitlines()[-1] == "zswapviz: interrupted", err
    after = settled_snapshot()
    assert after == before, err
    assert not ours(after) and after["lab_files"] == []
    assert "Warning" not in err, err


def test_non_root_is_refused_with_one_sentence(monkeypatch):
    """Without root the lab and the zram oracle refuse in one sentence and change nothing."""
    monkeypatch.setattr(lab.settings, "is_root", lambda: False)
    before = settled_snapshot() if os.geteuid() == 0 else None
    with pytest.raises(UsageError) as info:
        with KernelLab(64):
            pass  # pragma: no cover
    message = str(info.value)
    assert "needs root" in message and "\n" not in message
    with pytest.raises(UsageError, match="needs root"):
        zram.zram_compressed_lengths([bytes(4096)])
    if before is not None:
        assert settled_snapshot() == before


@pytest.mark.kernel
def test_zram_oracle_reports_lengths_and_restores():
    """zram reports 0 for a zero page, 4096 for a random page, and zram0 is put back."""
    problem = zram.zram_problem("lzo") or lab_problem()
    if problem:
        pytest.skip(f"zram oracle unavailable: {problem}")
    before = settled_snapshot()
    text = make_pages("text", 1)
    lengths = zram.zram_compressed_lengths([bytes(4096), make_pages("random", 1), text], "lzo")
    assert lengths[0] == 0 and lengths[1] == 4096
    assert 0 < lengths[2] < zram.HUGE_CLASS_SIZE
    assert settled_snapshot() == before


@pytest.mark.kernel
def test_workload_free_and_refill_matches_the_model():
    """Storing, freeing every third page and storing again leaves the pool the model predicts."""
    need_lab(64)
    from zswapviz.kernel.recorded import replay_workload

    a = {"kind": "ramp", "pages": 512, "seed": 21}
    b = {"kind": "text", "pages": 256, "seed": 22}
    steps = [{"action": "store", "region": "A", "recipe": a},
             {"action": "free", "region": "A", "indices": list(range(0, 512, 3))},
             {"action": "store", "region": "B", "recipe": b}]
    before = settled_snapshot()
    with KernelLab(64, compressor="lzo") as kl:
        results = kl.run_workload([dict(s, pages=make_pages(**s["recipe"])) if "recipe" in s else s
                                   for s in steps])
        params = dict(kl.params)
    assert settled_snapshot() == before
    keys = ("stored_pages", "pool_total_size", "zswpout", "mthp_64kB_zswpout")
    workload = {
        "name": "live", "folio_size_kb": 64,
        "steps": [dict(s, counters={k: r[k] for k in keys}) for s, r in zip(steps, results)],
        "provenance": {"kernel_release": os.uname().release, "compressor": params["compressor"],
                       "max_pool_percent": int(params["max_pool_percent"]),
                       "accept_threshold_percent": int(params["accept_threshold_percent"]),
                       "memtotal_pages": read_counters()["memtotal_pages"]},
    }
    assert [r["action"] for r in results] == ["store", "free", "store"]
    assert [r["stored_pages"] for r in results] == [512, 512 - 171, 512 - 171 + 256]
    model = replay_workload(workload)
    assert [{k: m[k] for k in keys} for m in model] == [s["counters"] for s in workload["steps"]]
