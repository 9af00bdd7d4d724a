"""The one output writer (``zswapviz/outputs.py``) and every command that writes through it.

A regular file or nothing: devices, FIFOs, folders and symbolic links are
refused with one sentence; a replaced file keeps its mode; the temporary
file has an unpredictable name, is created exclusively, and is gone after
any error or catchable signal.
"""

import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz.cli import main  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.outputs import check_output, write_output  # noqa: E402

ROOT_USER = os.geteuid() == 0


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".zswapviz-")]


def one_error_line(capsys, argv, *words):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("zswapviz: error: "), err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- the writer itself -------------------------------------------------------------

def test_writes_a_new_file_with_the_umask_mode(tmp_path):
    """A new file holds the data and gets 0666 less the umask; no temporary file is left."""
    old = os.umask(0o027)
    try:
        path = write_output(tmp_path / "a.html", "héllo")
    finally:
        os.umask(old)
    assert path.read_bytes() == "héllo".encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(tmp_path):
    """Replacing a 0600 file leaves a 0600 file (set-id bits are dropped)."""
    path = tmp_path / "private.html"
    path.write_text("old")
    path.chmod(0o600)
    write_output(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o4750)
    write_output(path, "newer")
    assert stat.S_IMODE(path.stat().st_mode) == 0o750


def test_a_fifo_is_refused_and_kept(tmp_path):
    """A FIFO at the path is refused in one sentence and still a FIFO afterwards."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="FIFO"):
        write_output(fifo, "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not ROOT_USER, reason="making a device node needs root")
def test_a_device_is_refused_and_kept(tmp_path):
    """A character device (a copy of /dev/null's numbers) is refused and stays a device."""
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    with pytest.raises(UsageError, match="character device"):
        write_output(dev, "x" * 100_000)
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(UsageError, match="it is a folder; give a file name"):
        write_output(tmp_path, "x")


def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path):
    """The decision on links: never written through (or replaced); the target is unchanged."""
    target = tmp_path / "target.txt"
    target.write_text("precious")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    with pytest.raises(UsageError, match="symbolic link"):
        write_output(link, "x")
    assert target.read_text() == "precious" and link.is_symlink()
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(UsageError, match="symbolic link"):
        write_output(dangling, "x")
    assert not (tmp_path / "nowhere").exists()


def test_a_missing_folder_and_an_empty_name_are_refused(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        write_output(tmp_path / "no" / "a.html", "x")
    for bad in ("", None, 123):
        with pytest.raises(UsageError, match="give a file name"):
            check_output(bad)


def test_temporary_names_are_unpredictable_and_exclusive(tmp_path, monkeypatch):
    """Two writes use different random temporary names in the target's folder, opened with O_EXCL."""
    seen = []
    real_mkstemp = __import__("tempfile").mkstemp

    def spy(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        seen.append(name)
        return fd, name
    monkeypatch.setattr("zswapviz.outputs.tempfile.mkstemp", spy)
    write_output(tmp_path / "a.html", "1")
    write_output(tmp_path / "a.html", "2")
    assert len(set(seen)) == 2
    for name in seen:
        assert Path(name).parent == tmp_path
        assert re.fullmatch(r"\.zswapviz-\w{8,}\.tmp", Path(name).name)


def test_an_error_while_writing_leaves_nothing(tmp_path, monkeypatch):
    """A failing disk (fsync raising) gives one sentence, the old file intact and no temporary file."""
    path = tmp_path / "a.html"
    path.write_text("old")

    def full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("zswapviz.outputs.os.fsync", full)
    with pytest.raises(UsageError, match="No space left"):
        write_output(path, "new")
    assert path.read_text() == "old" and leftovers(tmp_path) == []


SIGNALLED = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    import zswapviz.outputs as out
    real = os.fsync
    def fsync(fd):
        os.kill(os.getpid(), {sig})
        real(fd)
    out.os.fsync = fsync
    out.write_output({path!r}, b"x" * (8 << 20))
    print("finished")
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_while_writing_leaves_no_temporary_file(tmp_path, sig):
    """SIGTERM, SIGHUP or SIGINT arriving mid-write: the process ends, and no .zswapviz-*.tmp is left."""
    path = tmp_path / "big.html"
    child = subprocess.run([sys.executable, "-c", SIGNALLED.format(root=str(ROOT), sig=int(sig), path=str(path))],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode != 0 and "finished" not in child.stdout
    assert leftovers(tmp_path) == [] and not path.exists()


# -- every command that writes ---------------------------------------------------

def test_report_out_refuses_a_fifo_before_running(capsys, tmp_path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    one_error_line(capsys, ["report", "demo", "--out", fifo], "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not ROOT_USER, reason="making a device node needs root")
def test_report_out_refuses_a_device(capsys, tmp_path):
    """The issue's reproduction: mknod x c 1 3; report demo --out x leaves x a device."""
    dev = tmp_path / "x"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    one_error_line(capsys, ["report", "demo", "--out", dev], "character device")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_report_out_keeps_the_mode_and_refuses_a_link(capsys, tmp_path):
    path = tmp_path / "r.html"
    path.write_text("old")
    path.chmod(0o600)
    assert main(["report", "demo", "--out", str(path)]) == 0
    capsys.readouterr()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "<html" in path.read_text()[:200].lower()
    link = tmp_path / "l.html"
    link.symlink_to(path)
    one_error_line(capsys, ["report", "demo", "--out", link], "symbolic link")
    assert leftovers(tmp_path) == []


def test_search_save_does_not_follow_a_planted_link(capsys, tmp_path):
    """A link planted at the file name search --save writes is refused; its target is unchanged."""
    victim = tmp_path / "victim"
    victim.write_text("precious")
    out = tmp_path / "found"
    out.mkdir()
    for name in ("6.13-per-page.json", "6.13-per-page.json.tmp"):
        (out / name).symlink_to(victim)
    status = main(["search", "--kernel", "6.13", "--refs", "per-page", "--max-examples", "50",
                   "--save", str(out)])
    capsys.readouterr()
    assert victim.read_text() == "precious"
    assert status in (0, 2)


def test_search_save_into_proc_is_one_line(capsys):
    one_error_line(capsys, ["search", "--kernel", "6.13", "--refs", "per-page", "--max-examples", "5",
                            "--save", "/proc/zswapviz-nonexistent"], "cannot")


def test_scenario_save_refuses_a_fifo(tmp_path):
    from zswapviz import load_scenario

    fifo = tmp_path / "s.json"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="FIFO"):
        load_scenario("demo").save(fifo)
    ok = tmp_path / "ok.json"
    load_scenario("demo").save(ok)
    assert json.loads(ok.read_text())["title"]


def test_lab_compare_plot_refuses_a_fifo_before_the_lab(capsys, tmp_path):
    pages = tmp_path / "p.pages"
    pages.write_bytes(bytes(4096 * 16))
    fifo = tmp_path / "plot.png"
    os.mkfifo(fifo)
    one_error_line(capsys, ["lab", "compare", "--pages", pages, "--folio-size", "64K", "--plot", fifo], "FIFO")


def test_only_the_output_module_writes_files():
    """No module but outputs.py creates or replaces a user's file (the lab writes sysfs and its journal)."""
    allowed = {"outputs.py", "kernel/lab/settings.py", "kernel/lab/journal.py", "kernel/lab/session.py", "kernel/zram.py"}
    pattern = re.compile(r"os\.replace\(|\.write_text\(|\.write_bytes\(|open\([^)]*['\"][wax]b?['\"]|"
                         r"\.savefig\((?!buf)|mkstemp\(|NamedTemporaryFile")
    offenders = []
    for path in sorted((ROOT / "zswapviz").rglob("*.py")):
        rel = path.relative_to(ROOT / "zswapviz").as_posix()
        if rel in allowed:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []
