"""Every bad input the issue lists: one ``zswapviz: error:`` line (exit 2) or one UsageError, never a traceback.

Files and the Python API go through the same validator
(:meth:`zswapviz.scenario.Scenario.validate`), so each case is tried both
ways where it can be written both ways.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz import Scenario, load_scenario  # noqa: E402
from zswapviz.cli import main  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.lessons import Lesson  # noqa: E402


def one_line(capsys, argv, *words):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("zswapviz: error: "), (status, err)
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def run_cli(*argv, **kwargs):
    return subprocess.run([sys.executable, "-m", "zswapviz", *map(str, argv)], cwd=ROOT, text=True,
                          capture_output=kwargs.pop("capture_output", True), timeout=120, **kwargs)


# -- scenario files ------------------------------------------------------------------

BAD_FILES = {
    "fault-as-list": ('{"faults": {"5": ["alloc_fail"]}}', "faults"),
    "deep-nesting": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "huge-int": ('{"max_pool_percent": 1' + "0" * 5000 + "}", "4300 digits"),
    "empty-pages": ('{"pages": []}', "pages"),
    "huge-stale": (json.dumps({"folio_size": "4K", "pages": {"kind": "text", "pages": 16},
                               "stale": list(range(200_000))}), "stale"),
    "huge-fault-key": ('{"faults": {"' + "9" * 5000 + '": "alloc_fail"}}', "out of range"),
    "fault-kind-object": ('{"faults": {"1": {"kind": "alloc_fail"}}}', "faults"),
    "stale-twice": ('{"stale": [3, 3]}', "twice"),
    "kernel-as-list": ('{"kernel": ["6.13"]}', "kernel"),
    "folio-size-number": ('{"folio_size": 1e300}', "folio_size"),
    "seed-huge": ('{"pages": {"kind": "text", "pages": 16, "seed": 1' + "0" * 40 + "}}", "seed"),
    "unicode-field": ('{"\\u00e9t\\u00e9": 1}', "unknown field"),
    "not-utf8": (b"\xff\xfe{", "cannot be read"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_scenario_file_is_one_line(capsys, tmp_path, name):
    text, word = BAD_FILES[name]
    path = tmp_path / f"{name}.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    one_line(capsys, ["report", path, "--out", tmp_path / "r.html"], word)
    assert not (tmp_path / "r.html").exists()


def test_a_device_or_fifo_as_scenario_file_is_refused(capsys, tmp_path):
    fifo = tmp_path / "s.json"
    os.mkfifo(fifo)
    one_line(capsys, ["report", fifo, "--out", tmp_path / "r.html"], "not a regular file")
    one_line(capsys, ["report", "/dev/zero", "--out", tmp_path / "r.html"], "not a regular file")


def test_a_scenario_pointing_at_dev_zero_is_refused(capsys, tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"pages": {"file": "/dev/zero"}}')
    one_line(capsys, ["report", path, "--out", tmp_path / "r.html"], "device")


def test_lesson_stop_variant_as_a_list_is_one_error():
    data = {"title": "t", "scenario": "demo", "stops": [{"at": 0, "note": "n", "variant": ["x"]}]}
    with pytest.raises(UsageError, match="variant"):
        Lesson.from_dict(data)


def test_lesson_file_with_a_list_variant_is_one_line(capsys, tmp_path):
    path = tmp_path / "l.json"
    path.write_text(json.dumps({"title": "t", "scenario": "demo",
                                "stops": [{"at": 0, "note": "n", "variant": ["x"]}]}))
    one_line(capsys, ["report", "--lesson", path, "--out", tmp_path / "r.html"], "variant")


# -- command lines -------------------------------------------------------------------

def test_fail_with_a_huge_page_number_is_one_line(capsys, tmp_path):
    pages = tmp_path / "p"
    pages.write_bytes(bytes(4096 * 16))
    one_line(capsys, ["simulate", "--pages", pages, "--folio-size", "64K", "--fail", "1" * 5000 + ":alloc_fail"],
             "out of range")


def test_two_kinds_on_one_page_are_refused(capsys, tmp_path):
    pages = tmp_path / "p"
    pages.write_bytes(bytes(4096 * 16))
    one_line(capsys, ["simulate", "--pages", pages, "--folio-size", "64K",
                      "--fail", "3:alloc_fail", "--fail", "3:compress_fail"], "two faults")


@pytest.mark.parametrize("value", ["0", "-1", "1" * 5000, "x"])
def test_search_max_examples_out_of_range(capsys, value):
    one_line(capsys, ["search", "--kernel", "6.13", "--max-examples", value], "--max-examples")


def test_search_save_into_proc(capsys):
    one_line(capsys, ["search", "--kernel", "6.13", "--refs", "per-page", "--max-examples", "5",
                      "--save", "/proc/zswapviz-x"], "cannot")


@pytest.mark.parametrize("argv", [["demo"], ["scenarios"], ["simulate", "--pages", "{pages}", "--folio-size", "4K"]])
def test_stdout_on_dev_full_is_one_line(tmp_path, argv):
    pages = tmp_path / "p"
    pages.write_bytes(bytes(4096 * 4))
    with open("/dev/full", "w") as full:
        proc = run_cli(*[a.format(pages=pages) for a in argv], stdout=full, stderr=subprocess.PIPE,
                       capture_output=False)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and lines == ["zswapviz: error: cannot write to standard output: "
                                              "No space left on device"], proc.stderr


def test_closed_stdout_is_an_error_not_a_silent_success(tmp_path):
    pages = tmp_path / "p"
    pages.write_bytes(bytes(4096 * 4))
    proc = subprocess.run(f"{sys.executable} -m zswapviz simulate --pages {pages} --folio-size 4K >&-",
                          shell=True, cwd=ROOT, capture_output=False, stderr=subprocess.PIPE, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("zswapviz: error: standard output is closed") and proc.stderr.count("\n") == 1


# -- the Python API: the same validator ---------------------------------------------------

API_CASES = {
    "pages-1e9": dict(pages=10 ** 9),
    "recipe-1e9": dict(pages={"kind": "text", "pages": 10 ** 9}),
    "negative-percent": dict(max_pool_percent=-1),
    "nan-percent": dict(accept_threshold_percent=math.nan),
    "float-percent": dict(max_pool_percent=20.0),
    "zero-ram": dict(total_ram_pages=0),
    "folio-pages-text": dict(folio_pages="16"),
    "folio-pages-3": dict(folio_pages=3),
    "kernel-number": dict(kernel=6.13),
    "fault-list-kind": dict(faults={5: ["alloc_fail"]}),
    "fault-bool-page": dict(faults={True: "alloc_fail"}),
    "stale-3M": dict(stale=list(range(3_200_000))),
    "stale-out-of-range": dict(stale=[16]),
    "empty-pages": dict(pages=[]),
    "enabled-text": dict(enabled="yes"),
    "raw-bytes-not-pages": dict(pages=b"abc"),
    "interleave-not-list": dict(interleave={"actor": "x"}),
}


@pytest.mark.parametrize("name", API_CASES)
def test_api_is_validated_like_files(name):
    """Each misuse the files refuse, Scenario(...) refuses with the same kind of sentence, at once."""
    with pytest.raises(UsageError) as info:
        Scenario(**API_CASES[name])
    assert "\n" not in str(info.value) and str(info.value).startswith("Scenario: field ")


def test_fields_changed_after_creation_are_checked_by_run():
    s = Scenario()
    s.max_pool_percent = -5
    with pytest.raises(UsageError, match="max_pool_percent"):
        s.run()


@pytest.mark.parametrize("arg", [None, 123, b"demo", "", "/nonexistent/demo", "foo/demo", "demo.json"])
def test_load_scenario_never_falls_back_to_the_builtin(arg):
    """A path that names a missing file is an error, not the built-in scenario of the same name."""
    with pytest.raises(UsageError):
        load_scenario(arg)
    assert load_scenario("demo").title  # the bare name still loads the built-in


def test_explorer_refuses_a_number():
    pytest.importorskip("ipywidgets")
    from zswapviz.widgets import Explorer

    with pytest.raises(UsageError, match="Explorer takes"):
        Explorer(123)
