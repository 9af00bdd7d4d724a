"""``zswapviz lab``: live runs and comparisons, refusals, bad input.

Live tests need root, zswap and loop devices and skip elsewhere, saying why.
Refusals are simulated by replacing the lab's checks, so they run everywhere;
none of them changes anything. Bad input: one ``zswapviz: error:`` line on
stderr, nothing on stdout, exit status 2.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kernel_util import need_lab, say_why_live_tests_skip  # noqa: E402,F401

from zswapviz.cli import main  # noqa: E402
from zswapviz.kernel import as_kernel_result, counters, labrun, recorded_run  # noqa: E402
from zswapviz.kernel import lab as kernel_lab  # noqa: E402
from zswapviz.kernel import summary as kernel_summary_module  # noqa: E402
from zswapviz.kernel.lab import settled_snapshot  # noqa: E402
from zswapviz.kernel.realfiles import load_realfiles  # noqa: E402
from zswapviz.pages import make_pages  # noqa: E402
from zswapviz.simulate import SUMMARY_KEYS  # noqa: E402

#: Keys ``lab run --json`` adds to the simulator's counter keys.
RUN_KEYS = {"kernel", "kernel_release", "compressor", "folio_pages", "folios", "pages", "MemTotal",
            "max_pool_percent", "accept_threshold_percent", "max_pool_pages", "zswap_params",
            "memcg", "elapsed_s", "us_per_page", "swpout_fallback", "pool_empty_at_start",
            "warnings"}


@pytest.fixture(scope="module")
def realfiles(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "realfiles.pages"
    path.write_bytes(load_realfiles())
    return path


@pytest.fixture(scope="module")
def text_pages(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "text.pages"
    path.write_bytes(make_pages("text", 64))
    return path


def run_cli(capsys, *argv):
    """Run ``zswapviz argv`` in this process; return (status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_refused(status, out, err, *words):
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("zswapviz: error: "), err
    for word in words:
        assert word in lines[0], lines[0]


def ours(snapshot: dict) -> list[str]:
    return [dev for dev, backing in snapshot["loops"].items() if "zswapviz-swap-" in backing]


# -- live --------------------------------------------------------------------

@pytest.mark.kernel
def test_lab_run_json_has_the_simulators_keys_and_restores(capsys, realfiles):
    """``lab run --json`` reports the kernel's counters under simulate's keys and leaves no trace."""
    need_lab(64)
    before = settled_snapshot()
    status, out, err = run_cli(capsys, "lab", "run", "--pages", realfiles, "--folio-size", "64K",
                               "--max-pool-percent", "15", "--json")
    assert status == 0, err
    result = json.loads(out)
    exposed = {k for k in SUMMARY_KEYS if k not in labrun.MODEL_ONLY_KEYS}
    assert set(result) == exposed | {"mthp_64kB_zswpout", "mthp_64kB_swpout"} | RUN_KEYS
    assert result["kernel_release"] == os.uname().release
    assert result["max_pool_percent"] == 15 and result["zswap_params"]["max_pool_percent"] == "15"
    assert result["zswpout"] + result["swpout_zero"] == 1024 and result["folios"] == 64
    assert result["mthp_64kB_zswpout"] == 63 and result["pool_empty_at_start"]
    assert result["MemTotal"] > 0 and result["warnings"] == []
    assert settled_snapshot() == before


@pytest.mark.kernel
def test_lab_run_text_summary(capsys, text_pages):
    """``lab run`` without --json prints a readable summary of the counters."""
    need_lab(4)
    status, out, err = run_cli(capsys, "lab", "run", "--pages", text_pages, "--folio-size", "4K")
    assert status == 0, err
    assert "zswpout                          64" in out
    assert "every setting restored" in out


@pytest.mark.kernel
def test_lab_compare_matches_and_plots(capsys, realfiles, tmp_path):
    """``lab compare`` on real files at 2M finds every counter equal and writes the plot."""
    need_lab(2048)
    before = settled_snapshot()
    plot = tmp_path / "compare.png"
    status, out, err = run_cli(capsys, "lab", "compare", "--pages", realfiles, "--folio-size", "2M",
                               "--plot", plot)
    assert status == 0, out + err
    assert "all 16 counters equal, pool_total_size exact" in out
    assert "<>" not in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert settled_snapshot() == before


@pytest.mark.kernel
def test_lab_compare_json(capsys, text_pages):
    """``lab compare --json`` gives both sides, no differences, and exit status 0."""
    need_lab(64)
    status, out, err = run_cli(capsys, "lab", "compare", "--pages", text_pages, "--folio-size", "64K",
                               "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["equal"] is True and result["differences"] == {}
    assert result["kernel"]["stored_pages"] == result["model"]["stored_pages"] == 64
    assert result["model"]["kernel"] == result["kernel"]["kernel"] == "6.18"


def test_lab_status_works_without_root(capsys, monkeypatch):
    """``lab status`` shows what it can read and says why it could not read the rest."""
    real = kernel_summary_module.read_counters

    def as_a_user():
        snap = {k: v for k, v in real().items() if k not in kernel_summary_module.POOL_KEYS}
        snap["unreadable"] = [("/sys/kernel/debug/zswap", "permission denied (needs root)")]
        return snap

    monkeypatch.setattr(kernel_summary_module, "read_counters", as_a_user)
    status, out, err = run_cli(capsys, "lab", "status")
    assert status == 0 and err == ""
    assert "pool counters" in out and "permission denied (needs root); run as root to see them" in out
    status, out, _ = run_cli(capsys, "lab", "status", "--json")
    summary = json.loads(out)
    assert summary["pool"] == {}
    assert summary["unreadable"] == [{"what": "/sys/kernel/debug/zswap",
                                      "why": "permission denied (needs root)"}]


@pytest.mark.kernel
def test_lab_status_as_a_real_user_changes_nothing():
    """Run as user nobody, ``lab status`` exits 0 and names what it could not read."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a command as another user")
    before = settled_snapshot()
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-m", "zswapviz", "lab", "status", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["is_root"] is False
    assert any(u["what"].startswith("/sys/kernel/debug") for u in summary["unreadable"])
    assert any("pool counters" in n for n in summary["notes"])
    assert settled_snapshot() == before


# -- comparison without a kernel -----------------------------------------------

def test_lab_compare_marks_each_difference(capsys, monkeypatch, tmp_path):
    """A model that is one pool page off is marked <>, explained, plotted and exits 1."""
    run = recorded_run("realfiles-64k")
    pages = tmp_path / "realfiles.pages"
    pages.write_bytes(load_realfiles())
    monkeypatch.setattr(labrun, "lab_run", lambda *a, **k: as_kernel_result(run))
    real_model = labrun.model_run

    def off_by_one_page(data, kernel, progress=None):
        result = real_model(data, kernel)
        result["pool_total_size"] += 4096
        result["mthp_64kB_zswpout"] -= 1
        return result

    monkeypatch.setattr(labrun, "model_run", off_by_one_page)
    plot = tmp_path / "diff.png"
    status, out, err = run_cli(capsys, "lab", "compare", "--pages", pages, "--folio-size", "64K",
                               "--plot", plot)
    assert status == 1, err
    marked = [line for line in out.splitlines() if line.startswith("<>")]
    assert [line.split()[1] for line in marked] == ["pool_total_size", "mthp_64kB_zswpout"]
    assert "+4096 B (+1 pool pages, +0.108 %)" in marked[0]
    assert "2 of 16 counters differ" in out
    assert plot.stat().st_size > 10_000


# -- refusals (simulated: nothing is changed) -----------------------------------

@pytest.mark.parametrize("command", ["run", "compare"])
def test_refused_without_root(capsys, monkeypatch, text_pages, command):
    """Without root both commands refuse in one sentence, exit 2 and change nothing."""
    monkeypatch.setattr(kernel_lab.settings, "is_root", lambda: False)
    before = settled_snapshot() if os.geteuid() == 0 else None
    result = run_cli(capsys, "lab", command, "--pages", text_pages, "--folio-size", "64K")
    assert_refused(*result, "needs root")
    if before is not None:
        assert settled_snapshot() == before


@pytest.fixture
def capable(monkeypatch, tmp_path):
    """Pretend this is a root machine with zswap, 64K/2M folios and loop devices."""
    params = tmp_path / "zswap-params"
    params.mkdir()
    (params / "enabled").write_text("N\n")
    (params / "compressor").write_text("lzo\n")
    monkeypatch.setattr(kernel_lab.settings, "is_root", lambda: True)
    monkeypatch.setattr(counters, "ZSWAP_PARAMS", str(params))
    monkeypatch.setattr(kernel_lab.settings, "anon_folio_sizes_kb", lambda: [64, 2048])
    monkeypatch.setattr(kernel_lab.settings, "_compressors", lambda: {"lzo", "deflate", "842"})
    monkeypatch.setattr(os.path, "exists",
                        lambda p, _real=os.path.exists: True if p == "/dev/loop-control" else _real(p))
    monkeypatch.setattr(os, "access", lambda *a, **k: True)

    def no_lab(*a, **k):
        raise AssertionError("a refused command must not start a kernel lab")

    monkeypatch.setattr(kernel_lab.session, "KernelLab", no_lab)
    return params


def test_refused_without_zswap(capsys, capable, monkeypatch, text_pages):
    """A kernel without zswap is refused in one sentence."""
    monkeypatch.setattr(counters, "ZSWAP_PARAMS", str(capable / "missing"))
    assert_refused(*run_cli(capsys, "lab", "run", "--pages", text_pages, "--folio-size", "64K"),
                   "has no zswap")


def test_refused_folio_size_the_kernel_lacks(capsys, capable, text_pages):
    """A folio size without a hugepages-<N>kB directory is refused, naming the sizes offered."""
    assert_refused(*run_cli(capsys, "lab", "run", "--pages", text_pages, "--folio-size", "32K"),
                   "32 KiB folios", "4, 64, 2048 KiB")


def test_refused_compressor_the_kernel_lacks(capsys, capable, text_pages):
    """``lab run --compressor zstd`` on a kernel without zstd is refused, naming what it has."""
    assert_refused(*run_cli(capsys, "lab", "run", "--pages", text_pages, "--folio-size", "64K",
                            "--compressor", "zstd"),
                   "no compressor 'zstd'", "842, deflate, lzo")


def test_compare_refuses_a_compressor_the_model_lacks(capsys, capable, text_pages):
    """``lab compare --compressor 842`` is refused: the model has no 842, and both have lzo, deflate."""
    assert_refused(*run_cli(capsys, "lab", "compare", "--pages", text_pages, "--folio-size", "64K",
                            "--compressor", "842"),
                   "model has no compressor '842'", "deflate, lzo")


def test_compare_refuses_the_kernels_current_compressor_if_the_model_lacks_it(capsys, capable, text_pages):
    """Without --compressor, ``lab compare`` refuses when the kernel's current compressor is one the model lacks."""
    (capable / "compressor").write_text("842\n")
    assert_refused(*run_cli(capsys, "lab", "compare", "--pages", text_pages, "--folio-size", "64K"),
                   "kernel's current compressor '842'")
    # ``lab run`` needs no model, so the same kernel compressor is fine up to the lab itself.
    with pytest.raises(AssertionError, match="must not start a kernel lab"):
        main(["lab", "run", "--pages", str(text_pages), "--folio-size", "64K"])


def test_compare_refuses_a_kernel_without_model_profile(capsys, capable, monkeypatch, text_pages):
    """A kernel older than the model's profiles is refused by ``lab compare``."""
    monkeypatch.setattr(labrun.os, "uname", lambda: os.uname_result(("Linux", "h", "5.15.0", "#1", "x86_64")))
    assert_refused(*run_cli(capsys, "lab", "compare", "--pages", text_pages, "--folio-size", "64K"),
                   "no profile that behaves like kernel 5.15.0")


def test_refused_when_memory_is_short(capsys, capable, monkeypatch, text_pages):
    """A page file larger than the free memory allows is refused before anything is changed."""
    monkeypatch.setattr(labrun, "_mem_available", lambda: 16 << 20)
    assert_refused(*run_cli(capsys, "lab", "run", "--pages", text_pages, "--folio-size", "64K"),
                   "MiB of free memory")


# -- bad input ---------------------------------------------------------------

def _make_page_files(tmp: Path) -> None:
    (tmp / "odd.pages").write_bytes(bytes(4096 * 3))
    (tmp / "short.pages").write_bytes(bytes(4000))
    (tmp / "empty.pages").write_bytes(b"")
    (tmp / "good.pages").write_bytes(make_pages("text", 16))


def _bad_inputs(tmp: Path) -> dict:
    """Case name -> (argv, words the error line must contain); files from _make_page_files."""
    odd, short, empty, g = tmp / "odd.pages", tmp / "short.pages", tmp / "empty.pages", str(tmp / "good.pages")
    return {
        "missing file": (["lab", "run", "--pages", str(tmp / "nope"), "--folio-size", "64K"], "does not exist"),
        "directory": (["lab", "run", "--pages", str(tmp), "--folio-size", "64K"], "is a directory"),
        "empty file": (["lab", "run", "--pages", str(empty), "--folio-size", "4K"], "is empty"),
        "not whole pages": (["lab", "run", "--pages", str(short), "--folio-size", "4K"], "not a multiple"),
        "partial folio": (["lab", "compare", "--pages", str(odd), "--folio-size", "64K"], "whole folios"),
        "folio size 3K": (["lab", "run", "--pages", g, "--folio-size", "3K"], "bad folio size"),
        "folio size 4M": (["lab", "run", "--pages", g, "--folio-size", "4M"], "bad folio size"),
        "folio size word": (["lab", "compare", "--pages", g, "--folio-size", "big"], "bad folio size"),
        "percent 101": (["lab", "run", "--pages", g, "--folio-size", "4K", "--max-pool-percent", "101"],
                        "0 to 100"),
        "percent negative": (["lab", "run", "--pages", g, "--folio-size", "4K",
                              "--accept-threshold-percent=-5"], "0 to 100"),
        "percent fraction": (["lab", "compare", "--pages", g, "--folio-size", "4K",
                              "--max-pool-percent", "2.5"], "0 to 100"),
        "compressor name": (["lab", "run", "--pages", g, "--folio-size", "4K", "--compressor", "lzo;rm"],
                            "compressor name"),
        "plot suffix": (["lab", "compare", "--pages", g, "--folio-size", "4K", "--plot", str(tmp / "a.txt")],
                        ".png"),
        "plot directory": (["lab", "compare", "--pages", g, "--folio-size", "4K", "--plot",
                            str(tmp / "no" / "a.png")], "does not exist"),
        "missing --pages": (["lab", "run", "--folio-size", "4K"], "--pages"),
        "missing --folio-size": (["lab", "compare", "--pages", g], "--folio-size"),
        "unknown option": (["lab", "run", "--pages", g, "--folio-size", "4K", "--fast"], "--fast"),
        "unknown lab command": (["lab", "start"], "start"),
        "no lab command": (["lab"], "choose a lab command"),
        "status argument": (["lab", "status", "extra"], "extra"),
    }


BAD = sorted(_bad_inputs(Path("/nonexistent")))


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_error_line(capsys, monkeypatch, tmp_path, case):
    """Bad input exits 2 with one ``zswapviz: error:`` line, nothing on stdout, and starts no lab."""
    _make_page_files(tmp_path)
    argv, words = _bad_inputs(tmp_path)[case]

    def no_lab(*a, **k):
        raise AssertionError("bad input must not start a kernel lab")

    monkeypatch.setattr(kernel_lab.session, "KernelLab", no_lab)
    assert_refused(*run_cli(capsys, *argv), words)
