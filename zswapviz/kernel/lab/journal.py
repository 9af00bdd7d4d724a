"""The kernel lab's undo list, its journal on disk, the machine-wide lock and the recovery of a killed lab.

Part of :mod:`zswapviz.kernel.lab` (which re-exports its public names). The
journal's format (``{"pid", "boot_id", "actions"}``, one undo action per
change, each naming its kind under :data:`UNDO_KEY`) is read back by
:func:`journal_waiting` and :func:`recover`; ``docs/security.md`` describes it.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

from ...errors import UsageError
from . import settings, signals

#: Lock file that serialises every user of the kernel lab on this machine.
LOCK_PATH = "/run/zswapviz-kernel-lab.lock"

#: Key of an undo action that names its kind (``"write"``, ``"umount"``, ``"swapoff"``,
#: ``"detach"``, ``"unlink"``, ``"zram_reset"``); every action written has it.
UNDO_KEY = "undo"
#: Its older name, still read: a journal left by a killed lab of an earlier version.
OLD_UNDO_KEY = "op"


def undo_kind(action: object) -> str | None:
    """The kind of the undo action *action*, under :data:`UNDO_KEY` or its older name; ``None`` if it has none."""
    if not isinstance(action, dict):
        return None
    kind = action.get(UNDO_KEY, action.get(OLD_UNDO_KEY))
    return kind if isinstance(kind, str) else None


def _as_written_now(action: dict) -> dict:
    """*action* with its kind under :data:`UNDO_KEY` (an older journal's ``"op"`` renamed)."""
    rest = {k: v for k, v in action.items() if k not in (UNDO_KEY, OLD_UNDO_KEY)}
    return {UNDO_KEY: undo_kind(action), **rest}


def _undo_one(action: dict) -> None:
    """Carry out one undo action; each one is safe to repeat."""
    kind = undo_kind(action)
    if kind == "write":
        settings._write(action["path"], action["value"])
    elif kind == "umount":
        if settings._debugfs_mounted():
            settings._run("umount", settings.DEBUGFS)
    elif kind == "swapoff":
        for dev, backing in settings._loop_devices().items():
            if backing == action["backing"] and dev in settings._swap_devices():
                settings._run("swapoff", dev)
    elif kind == "detach":
        for dev, backing in settings._loop_devices().items():
            if backing == action["backing"]:
                settings._run("losetup", "-d", dev)
    elif kind == "unlink":
        try:
            os.unlink(action["path"])
        except FileNotFoundError:
            pass
    elif kind == "zram_reset":
        dev = action["device"]
        settings._write(f"/sys/block/{dev}/reset", "1")
        settings._write(f"/sys/block/{dev}/comp_algorithm", action["comp_algorithm"])
    else:
        raise ValueError(f"unknown undo action {kind!r}")


def _undo_all(actions: list[dict]) -> list[str]:
    """Undo *actions* newest first, every one whatever happens; return a sentence per failure.

    An exception that is not an error (``KeyboardInterrupt``, ``SystemExit``)
    does not stop the loop either: it is raised again once every action ran.
    """
    errors, stop = [], None
    while actions:
        action = actions.pop()
        try:
            _undo_one(action)
        except Exception as e:  # keep going: restore as much as possible
            errors.append(f"{action}: {e}")
        except BaseException as e:  # noqa: BLE001 - finish the undo first
            stop = stop or e
            actions.append(action)  # not done: try it again
    if stop is not None:
        raise stop
    return errors


def _notice(text: str) -> None:
    """Say *text* in one plain line on stderr (not a Python warning with a file and line)."""
    import sys

    print(f"zswapviz: {text}", file=sys.stderr, flush=True)


def _boot_id() -> str | None:
    try:
        return settings._read("/proc/sys/kernel/random/boot_id")
    except OSError:
        return None


def _lab_dir() -> str:
    """:data:`LAB_DIR`, created if missing; refused when it is not a folder only root may write."""
    import stat

    directory = os.path.dirname(settings.JOURNAL_PATH)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    st = os.lstat(directory)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise UsageError(f"{directory} must be a folder owned by root that no one else can write; "
                         f"fix or remove it")
    return directory


def _save_journal(actions: list[dict]) -> None:
    """Write the undo list to :data:`JOURNAL_PATH` (a temporary file, then a rename)."""
    fd, tmp = tempfile.mkstemp(prefix=".journal-", suffix=".tmp", dir=_lab_dir())
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"pid": os.getpid(), "boot_id": _boot_id(), "actions": actions}, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, settings.JOURNAL_PATH)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _drop_journal() -> None:
    try:
        os.unlink(settings.JOURNAL_PATH)
    except FileNotFoundError:
        pass


def journal_waiting() -> dict | None:
    """The journal a killed lab left (``pid``, ``boot_id``, ``actions``, ``path``), or ``None``.

    Needs no root: the journal is readable by everyone. Only looks.
    """
    try:
        with open(settings.JOURNAL_PATH) as f:
            journal = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"pid": None, "boot_id": None, "actions": [], "path": settings.JOURNAL_PATH, "unreadable": True}
    if not isinstance(journal, dict):
        journal = {}
    journal["path"] = settings.JOURNAL_PATH
    return journal


def _recover_journal() -> None:
    """Undo what a lab that died (SIGKILL, crash) left behind, saying so in one line."""
    journal = journal_waiting()
    if journal is None:
        return
    if journal.get("unreadable"):
        _notice(f"ignoring the unreadable kernel lab journal {settings.JOURNAL_PATH}")
        _drop_journal()
        return
    # A journal of an earlier version names the kind "op": read the same, undone the same.
    actions = [_as_written_now(a) for a in journal.get("actions", []) if undo_kind(a) is not None]
    if journal.get("boot_id") != _boot_id():
        # Rebooted since: every kernel setting is back to its boot value; only the swap file is left.
        actions = [a for a in actions if a[UNDO_KEY] in ("swapoff", "detach", "unlink")]
        _notice(f"removing the swap file an earlier kernel lab (pid {journal.get('pid')}) left "
                f"before a reboot")
    else:
        _notice(f"restoring the settings an earlier kernel lab (pid {journal.get('pid')}) left "
                f"changed when it was killed")
    errors = _undo_all(actions)
    _drop_journal()
    if errors:
        _notice("could not restore: " + "; ".join(errors))


@contextmanager
def exclusive(timeout_s: float = 600.0, *, change: bool = True) -> Iterator[None]:
    """Hold the machine-wide kernel lab lock; recover a dead lab's journal first.

    With *change* (the holder will change kernel settings), refuses unless
    :func:`live_allowed`; without it (only looking), leaves a journal alone.
    """
    if change and not settings.live_allowed():
        raise UsageError(settings._not_asked())
    fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise UsageError(f"another kernel lab run holds {LOCK_PATH} and did not "
                                     f"finish within {timeout_s:.0f} s; try again later") from None
                time.sleep(0.2)
        if change:
            with signals.signals_deferred():
                _recover_journal()
        yield
    finally:
        os.close(fd)  # releases the lock


def recover() -> None:
    """Restore what a kernel lab killed with SIGKILL left changed, if anything.

    Every lab does this when it starts; this is the same without a run.
    """
    if not settings.is_root():
        raise UsageError("restoring kernel settings needs root; run it as root")
    with exclusive():
        pass


def settled_snapshot(timeout_s: float = 600.0) -> dict:
    """:func:`system_snapshot` taken while holding the lab lock (root only).

    No kernel lab of any process is half-way through then, so two settled
    snapshots compare what labs leave behind, not what one running at that
    moment has changed.
    """
    with exclusive(timeout_s, change=False):
        return settings.system_snapshot()
