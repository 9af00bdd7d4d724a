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
    monkeypatch.setattr(lab.journal, "_undo_one", lambda action: done.append(action["undo"]))
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
        done.append(action["undo"])
        if action["undo"] == "b" and done.count("b") == 1:
            raise SystemExit(143)
        if action["undo"] == "c":
            raise OSError("device busy")
    monkeypatch.setattr(lab.journal, "_undo_one", undo)
    with pytest.raises(SystemExit):
        lab.journal._undo_all([{"undo": "a"}, {"undo": "b"}, {"undo": "c"}, {"undo": "d"}])
    assert done == ["d", "c", "b", "b", "a"]


def test_the_journal_is_written_without_a_stray_temporary_file(journal):
    lab.journal._save_journal([{"undo": "write", "path": "/x", "value": "1"}])
    folder = Path(lab.settings.JOURNAL_PATH).parent
    assert sorted(p.name for p in folder.iterdir()) == ["kernel-lab.journal.json"]
    data = json.loads(Path(lab.settings.JOURNAL_PATH).read_text())
    assert data["pid"] == os.getpid() and data["boot_id"] == lab.journal._boot_id()


def test_recovery_says_so_in_one_plain_line(journal, capsys):
    """Recovering a killed run's journal undoes every action and says so on stderr, not as a UserWarning."""
    Path(lab.settings.JOURNAL_PATH).write_text(json.dumps({
        "pid": 4242, "boot_id": lab.journal._boot_id(),
        "actions": [{"undo": "umount"}, {"undo": "write", "path": "/x", "value": "N"}, {"undo": "unlink", "path": "/y"}]}))
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
        "actions": [{"undo": "write", "path": "/x", "value": "N"}, {"undo": "unlink", "path": "/y"},
                    {"undo": "detach", "backing": "/y"}, {"undo": "swapoff", "backing": "/y"}]}))
    lab.journal._recover_journal()
    assert journal == ["swapoff", "detach", "unlink"]
    assert "before a reboot" in capsys.readouterr().err


def test_a_change_is_journalled_under_the_key_undo(journal, monkeypatch):
    """The lab writes each undo action with its kind under "undo" (not "op", its older name) before it changes anything."""
    written = {}
    monkeypatch.setattr(lab.settings, "_read", lambda path: "old")
    monkeypatch.setattr(lab.settings, "_write", lambda path, value: written.update({path: value}))
    kl = lab.KernelLab(4)
    kl._set("/x", "new")
    kl._set("/same", "old")  # already so: nothing to undo, nothing journalled
    actions = json.loads(Path(lab.settings.JOURNAL_PATH).read_text())["actions"]
    assert actions == [{"undo": "write", "path": "/x", "value": "old"}]
    assert lab.journal.UNDO_KEY == "undo" and written == {"/x": "new"}


@pytest.mark.parametrize("boot", ["same", "another"])
def test_a_journal_written_with_op_is_recovered_the_same(monkeypatch, tmp_path, capsys, boot):
    """A journal of an earlier version (each action's kind under "op") is undone exactly as the same journal under "undo"."""
    folder = tmp_path / "lab"
    folder.mkdir(mode=0o755)
    monkeypatch.setattr(lab.settings, "JOURNAL_PATH", str(folder / "kernel-lab.journal.json"))
    done = []
    monkeypatch.setattr(lab.journal, "_undo_one", lambda action: done.append(action))
    actions = [{"undo": "umount"}, {"undo": "write", "path": "/x", "value": "N"}, {"undo": "unlink", "path": "/y"},
               {"undo": "detach", "backing": "/y"}, {"undo": "swapoff", "backing": "/y"},
               {"undo": "zram_reset", "device": "zram0", "comp_algorithm": "lzo-rle"}]
    old = [{("op" if k == "undo" else k): v for k, v in a.items()} for a in actions]
    assert all("op" in a and "undo" not in a for a in old)
    boot_id = lab.journal._boot_id() if boot == "same" else "another-boot"
    runs = []
    for written in (actions, old):
        done.clear()
        Path(lab.settings.JOURNAL_PATH).write_text(json.dumps({"pid": 5, "boot_id": boot_id, "actions": written}))
        lab.journal._recover_journal()
        runs.append((list(done), capsys.readouterr().err))
        assert not Path(lab.settings.JOURNAL_PATH).exists()
    assert runs[1] == runs[0]
    kinds = [a["undo"] for a in runs[0][0]]
    assert kinds == (["zram_reset", "swapoff", "detach", "unlink", "write", "umount"] if boot == "same"
                     else ["swapoff", "detach", "unlink"])
    assert runs[0][0][-1 if boot == "another" else 3] == {"undo": "unlink", "path": "/y"}


def test_undo_one_reads_either_key_and_refuses_an_unknown_kind(monkeypatch):
    """``_undo_one`` does the same for "undo" and "op" (a real undo on fakes), and names an action it does not know."""
    written = []
    monkeypatch.setattr(lab.settings, "_write", lambda path, value: written.append((path, value)))
    lab.journal._undo_one({"undo": "write", "path": "/x", "value": "1"})
    lab.journal._undo_one({"op": "write", "path": "/x", "value": "1"})
    assert written == [("/x", "1"), ("/x", "1")]
    assert lab.journal.undo_kind({"value": "1"}) is None and lab.journal.undo_kind("write") is None
    with pytest.raises(ValueError, match="unknown undo action 'mount'"):
        lab.journal._undo_one({"undo": "mount"})


def test_lab_status_says_when_a_journal_waits(journal, capsys):
    """``zswapviz lab status`` (no root needed) tells that a killed run's journal waits and how to recover."""
    from zswapviz.cli import main

    Path(lab.settings.JOURNAL_PATH).write_text(json.dumps({"pid": 99, "boot_id": lab.journal._boot_id(),
                                                   "actions": [{"undo": "umount"}]}))
    assert kernel_summary()["lab_journal"]["pid"] == 99
    assert main(["lab", "status"]) == 0
    out = capsys.readouterr().out
    assert "was killed" in out and "zswapviz lab recover" in out
    os.unlink(lab.settings.JOURNAL_PATH)
    assert kernel_summary()["lab_journal"] is None


def test_a_workload_step_is_checked_before_any_step_runs(monkeypatch):
    """``run_workload`` refuses an unknown action, or one named twice, before it maps or writes anything."""
    from zswapviz.errors import UsageError

    def untouched(*args, **kwargs):
        raise AssertionError("the kernel was reached")
    monkeypatch.setattr(lab.settings, "_write", untouched)
    monkeypatch.setattr(lab.settings, "_run", untouched)
    monkeypatch.setattr(lab.KernelLab, "_stored_pages", untouched)
    kl = lab.KernelLab(4)
    kl._active = True  # as inside 'with': the checks come first
    store = {"action": "store", "region": "A", "pages": bytes(4096)}
    with pytest.raises(UsageError, match="unknown workload step 'defrag'; known: store, free, compact"):
        kl.run_workload([store, {"action": "defrag"}])
    with pytest.raises(UsageError, match="'action' or its older name 'op', not both"):
        kl.run_workload([dict(store, op="store")])
    with pytest.raises(UsageError, match="needs 'action'"):
        kl.run_workload([{"region": "A"}])
