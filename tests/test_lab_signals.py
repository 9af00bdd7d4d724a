"""The kernel lab's restore machinery without the kernel: deferred signals, the undo loop, the journal.

The live versions (signals sent to a real lab in set-up, before reclaim and
while restoring) are in ``test_kernel_lab.py``; these run everywhere and
change nothing (the journal is a temporary file, the undo actions fakes).
"""

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz.kernel import lab  # noqa: E402
from zswapviz.kernel.summary import kernel_summary  # noqa: E402


@pytest.fixture
def journal(monkeypatch, tmp_path):
    """A private journal path and fake undo actions that only record what they would do."""
    folder = tmp_path / "lab"
    folder.mkdir(mode=0o755)
    monkeypatch.setattr(lab.settings, "JOURNAL_PATH", str(folder / "kernel-lab.journal.json"))
    done = []
    monkeypatch.setattr(lab.journal, "_undo_one", lambda action: done.append(action["op"]))
    return done


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_taken_by_another_thread_waits_for_the_block(sig):
    """A signal to the process, which a thread that blocks nothing may take, runs no handler inside the block, and runs once after it."""
    seen = []
    old = signal.signal(sig, lambda signum, frame: seen.append(signum))
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)  # started before the block: signals unblocked there
    worker.start()
    try:
        with lab.signals_deferred():
            os.kill(os.getpid(), sig)
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:  # Python code runs: a handler would run here if it could
                pass
            inside = list(seen)
        time.sleep(0.05)
        for _ in range(1000):
            pass
        after = list(seen)
    finally:
        stop.set()
        signal.signal(sig, old)
    assert inside == []
    assert after == [sig]


def test_restore_to_installs_the_given_handler_before_delivering():
    """restore_to: the deferred signal goes to the handler named there, not the one before the block."""
    seen = []
    old = signal.signal(signal.SIGHUP, lambda s, f: seen.append("before"))
    try:
        with lab.signals_deferred(restore_to={signal.SIGHUP: lambda s, f: seen.append("after")}):
            os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(1000):
            pass
    finally:
        signal.signal(signal.SIGHUP, old)
    assert seen == ["after"]


def test_the_undo_loop_finishes_past_an_interrupt(monkeypatch):
    """KeyboardInterrupt or SystemExit in one undo does not stop the others; it is raised once all ran."""
    done = []

    def undo(action):
        done.append(action["op"])
        if action["op"] == "b" and done.count("b") == 1:
            raise SystemExit(143)
        if action["op"] == "c":
            raise OSError("device busy")
    monkeypatch.setattr(lab.journal, "_undo_one", undo)
    with pytest.raises(SystemExit):
        lab.journal._undo_all([{"op": "a"}, {"op": "b"}, {"op": "c"}, {"op": "d"}])
    assert done == ["d", "c", "b", "b", "a"]


def test_the_journal_is_written_without_a_stray_temporary_file(journal):
    lab.journal._save_journal([{"op": "write", "path": "/x", "value": "1"}])
    folder = Path(lab.settings.JOURNAL_PATH).parent
    assert sorted(p.name for p in folder.iterdir()) == ["kernel-lab.journal.json"]
    data = json.loads(Path(lab.settings.JOURNAL_PATH).read_text())
    assert data["pid"] == os.getpid() and data["boot_id"] == lab.journal._boot_id()


def test_recovery_says_so_in_one_plain_line(journal, capsys):
    """Recovering a killed run's journal undoes every action and says so on stderr, not as a UserWarning."""
    Path(lab.settings.JOURNAL_PATH).write_text(json.dumps({
        "pid": 4242, "boot_id": lab.journal._boot_id(),
        "actions": [{"op": "umount"}, {"op": "write", "path": "/x", "value": "N"}, {"op": "unlink", "path": "/y"}]}))
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")
        lab.journal._recover_journal()
    err = capsys.readouterr().err
    assert journal == ["unlink", "write", "umount"]
    assert err.splitlines() == [
        "zswapviz: restoring the settings an earlier kernel lab (pid 4242) left changed when it was killed"]
    assert not Path(lab.settings.JOURNAL_PATH).exists()


def test_after_a_reboot_only_the_swap_file_is_cleaned(journal, capsys):
    """A journal from another boot writes no setting (the reboot reset them) but removes the swap file."""
    Path(lab.settings.JOURNAL_PATH).write_text(json.dumps({
        "pid": 7, "boot_id": "another-boot",
        "actions": [{"op": "write", "path": "/x", "value": "N"}, {"op": "unlink", "path": "/y"},
                    {"op": "detach", "backing": "/y"}, {"op": "swapoff", "backing": "/y"}]}))
    lab.journal._recover_journal()
    assert journal == ["swapoff", "detach", "unlink"]
    assert "before a reboot" in capsys.readouterr().err


def test_lab_status_says_when_a_journal_waits(journal, capsys):
    """``zswapviz lab status`` (no root needed) tells that a killed run's journal waits and how to recover."""
    from zswapviz.cli import main

    Path(lab.settings.JOURNAL_PATH).write_text(json.dumps({"pid": 99, "boot_id": lab.journal._boot_id(),
                                                   "actions": [{"op": "umount"}]}))
    assert kernel_summary()["lab_journal"]["pid"] == 99
    assert main(["lab", "status"]) == 0
    out = capsys.readouterr().out
    assert "was killed" in out and "zswapviz lab recover" in out
    os.unlink(lab.settings.JOURNAL_PATH)
    assert kernel_summary()["lab_journal"] is None
