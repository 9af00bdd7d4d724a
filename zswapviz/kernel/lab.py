"""Run pages through the real ``zswap_store()`` of the running kernel.

:class:`KernelLab` is a context manager that, as root, prepares what a
measurement needs and puts every setting back on the way out:

1. debugfs mounted at ``/sys/kernel/debug`` (for the zswap counters);
2. the zswap module parameters asked for (``compressor``,
   ``max_pool_percent``, ...) and ``enabled=Y``;
3. the transparent huge page ``enabled`` files that make anonymous memory
   fault in folios of the chosen size;
4. its own swap device: a loop device over a temporary file, marked
   non-rotational (large folios are only swapped out whole to a
   non-rotational block device), at the highest swap priority.

:meth:`KernelLab.run_pages` then fills an anonymous private mapping aligned
to 2 MiB with the pages, calls ``madvise(MADV_PAGEOUT)`` (reclaim runs in the
calling thread, so the counters move before it returns) and returns the
change of every counter of :func:`~zswapviz.kernel.counters.read_counters`.

>>> with KernelLab(64) as lab:                        # doctest: +SKIP
...     run = lab.run_pages(make_pages("text", 64))
>>> run["zswpout"], run["mthp_64kB_zswpout"]          # doctest: +SKIP
(64, 4)

Restoring. Each change is pushed on an undo list *before* it is made, and the
list is also written to :data:`JOURNAL_PATH`. ``__exit__`` undoes the list in
reverse order whatever ended the block (an exception, ``KeyboardInterrupt``,
or ``SIGTERM``/``SIGHUP``, which the lab turns into ``SystemExit`` while it is
active in the main thread). While the lab sets up and while it restores,
``SIGINT``, ``SIGTERM`` and ``SIGHUP`` are *deferred* (:func:`signals_deferred`):
blocked in the calling thread, and, because a process-directed signal can be
delivered to any other thread that does not block it (numpy's OpenBLAS
workers do not), also caught by a handler that only notes it, so no
exception can be raised inside the set-up or the undo; each one noted is
delivered again right after. The undo loop itself goes on past any failure.
Only ``SIGKILL`` or a crash can leave settings behind: the next lab (or
``zswapviz lab recover``) finds the journal and restores it first, saying so
in one plain line on stderr; ``zswapviz lab status`` says when one waits.

Where. The journal and the lab's swap file live together in :data:`LAB_DIR`
(``/var/lib/zswapviz``, root's, persistent), so they share one lifetime: a
crash leaves both, and recovery removes both. The journal records the boot
it was written in; after a reboot (which reset every kernel setting) the
recovery only detaches and deletes the swap file and writes no setting.

Empty pool. The fresh ``swapon`` of the lab's own loop device starts an empty
zswap tree for that device, but entries of *other* swap devices share the
zsmalloc pool and would change ``pool_total_size`` deltas. With
``require_empty_pool=True`` (the default) the lab refuses to run when
``stored_pages`` is not 0 when it starts or before a run; with ``False`` it
only warns, and the run's ``check`` says the pool was not empty. Each run
unmaps its pages afterwards, which frees their zswap entries, so runs in one
lab each start from an empty pool again.

Only when asked. A lab changes this machine's settings, so it runs only
when the user asked for it explicitly: the ``zswapviz lab run``, ``compare``
and ``recover`` commands (and the recording and benchmark scripts) say so
with :func:`allow_live`; anywhere else (a notebook, a report, a test) the
environment variable :data:`LIVE_ENV` (``ZSWAPVIZ_LIVE_LAB=1``) must be set.
Without either, :func:`lab_problem` says why in one sentence and
:func:`exclusive` refuses, so no code path of a report or an unattended run
can reach the kernel.

Runs are serialised machine-wide by a lock file (:data:`LOCK_PATH`): two labs
(or a lab and :func:`~zswapviz.kernel.zram.zram_compressed_lengths`) never
change the kernel at the same time.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from typing import Iterator

from ..errors import UsageError
from .counters import THP_DIR, ZSWAP_DEBUGFS, ZSWAP_PARAMS, delta, mthp_sizes_kb, read_counters

__all__ = [
    "HOOK_ENV",
    "JOURNAL_PATH",
    "LIVE_ENV",
    "KernelLab",
    "LOCK_PATH",
    "allow_live",
    "anon_folio_sizes_kb",
    "exclusive",
    "is_root",
    "lab_problem",
    "live_allowed",
    "live_request",
    "recover",
    "settled_snapshot",
    "journal_waiting",
    "signals_blocked",
    "signals_deferred",
    "system_snapshot",
]

PAGE_SIZE = 4096

#: ``madvise`` advice values (``include/uapi/asm-generic/mman-common.h``).
MADV_HUGEPAGE = 14
MADV_NOHUGEPAGE = 15
MADV_PAGEOUT = 21

_PROT_READ, _PROT_WRITE = 1, 2
_MAP_PRIVATE, _MAP_ANONYMOUS = 0x02, 0x20
_ALIGN = 2 << 20

#: Lock file that serialises every user of the kernel lab on this machine.
LOCK_PATH = "/run/zswapviz-kernel-lab.lock"

#: Root's folder for the undo journal and the lab's swap file (same lifetime).
LAB_DIR = "/var/lib/zswapviz"

#: Undo journal of the lab that is running; left behind only by a crash.
JOURNAL_PATH = LAB_DIR + "/kernel-lab.journal.json"

#: Test hook: ``"<stage>:<marker file>"`` makes the lab write the marker file
#: at *stage* (``setup``: half-way through the set-up, after ``swapon``;
#: ``restore``: as the restore starts, before the first undo;
#: ``pageout``: pages written, just before ``MADV_PAGEOUT``) and wait there
#: (at most 60 s) for a signal.
HOOK_ENV = "ZSWAPVIZ_KERNEL_LAB_HOOK"

#: Set to ``1`` to allow kernel changes from a notebook, a script or a test
#: (the ``zswapviz lab`` commands need not: running them is the request).
LIVE_ENV = "ZSWAPVIZ_LIVE_LAB"

#: Whether this process asked for live runs (:func:`allow_live`).
_live_asked = False

DEBUGFS = "/sys/kernel/debug"
SWAP_PRIORITY = 32767
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def allow_live(allowed: bool = True) -> None:
    """Record that the user asked this process for live kernel runs (or take it back)."""
    global _live_asked
    _live_asked = bool(allowed)


@contextmanager
def live_request() -> Iterator[None]:
    """Allow live runs for the block only (a ``zswapviz lab`` command is the request)."""
    global _live_asked
    before, _live_asked = _live_asked, True
    try:
        yield
    finally:
        _live_asked = before


def live_allowed() -> bool:
    """Whether this process may change kernel settings: :func:`allow_live` or ``ZSWAPVIZ_LIVE_LAB=1``."""
    return _live_asked or os.environ.get(LIVE_ENV) == "1"


def _not_asked() -> str:
    return (f"live kernel runs change this machine's zswap, swap and THP settings, so they run only "
            f"when asked: use 'zswapviz lab run' or 'zswapviz lab compare', or set {LIVE_ENV}=1")


def is_root() -> bool:
    """Whether this process runs as root (tests replace it to simulate a user)."""
    return os.geteuid() == 0


def _read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _choice(path: str) -> str:
    """The selected word of a ``[bracketed]`` sysfs choice, or the whole value."""
    text = _read(path)
    for word in text.split():
        if word.startswith("[") and word.endswith("]"):
            return word[1:-1]
    return text


def anon_folio_sizes_kb() -> list[int]:
    """List the large folio sizes in KiB that anonymous memory can use here.

    Those are the ``hugepages-<N>kB`` directories that have an ``enabled``
    file (``hugepages-8kB`` exists for shmem stats only on x86-64).
    """
    return [kb for kb in mthp_sizes_kb() if os.path.exists(os.path.join(THP_DIR, f"hugepages-{kb}kB", "enabled"))]


def _pmd_size_kb() -> int:
    try:
        return int(_read(os.path.join(THP_DIR, "hpage_pmd_size"))) // 1024
    except (OSError, ValueError):
        return 2048


def _compressors() -> set[str]:
    """Names of the compression algorithms in ``/proc/crypto``."""
    names, name = set(), None
    try:
        with open("/proc/crypto") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "name":
                    name = value
                elif key == "type" and value in ("compression", "scomp", "acomp"):
                    names.add(name)
    except OSError:
        pass
    return names


def _debugfs_mounted() -> bool:
    with open("/proc/self/mounts") as f:
        return any(line.split()[1:3] == [DEBUGFS, "debugfs"] for line in f)


def _swap_devices() -> list[str]:
    with open("/proc/swaps") as f:
        return [line.split()[0] for line in f.readlines()[1:] if line.strip()]


def _loop_devices() -> dict[str, str]:
    """Map each attached loop device (``/dev/loopN``) to its backing file."""
    out = {}
    for name in sorted(os.listdir("/sys/block")):
        if name.startswith("loop"):
            try:
                out["/dev/" + name] = _read(f"/sys/block/{name}/loop/backing_file")
            except OSError:
                pass  # not attached
    return out


def _run(*cmd: str) -> str:
    # Its own session: a Ctrl-C sent to the terminal's process group must not
    # kill a swapoff or losetup half-way through an undo.
    proc = subprocess.run(cmd, capture_output=True, text=True, start_new_session=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout.strip()


def lab_problem(folio_size_kb: int = 4) -> str | None:
    """Say in one sentence why the kernel lab cannot run here, or ``None``.

    Nothing is changed: this only looks (root, zswap, THP sizes, loop
    devices, the swap tools).
    """
    if not is_root():
        return ("the kernel lab needs root, because it mounts debugfs, enables "
                "zswap, changes THP settings and adds a swap device; run it as root")
    if not os.path.exists(os.path.join(ZSWAP_PARAMS, "enabled")):
        return "this kernel has no zswap (no /sys/module/zswap/parameters), so there is nothing to measure"
    if not live_allowed():
        return _not_asked()
    if folio_size_kb != 4 and folio_size_kb not in anon_folio_sizes_kb():
        sizes = ", ".join(str(s) for s in [4, *anon_folio_sizes_kb()])
        return (f"this kernel cannot fault anonymous memory in {folio_size_kb} KiB folios; "
                f"folio sizes offered: {sizes} KiB")
    if not os.path.exists("/dev/loop-control"):
        return "this machine has no loop devices (/dev/loop-control), which the lab needs for its swap device"
    for tool in ("losetup", "mkswap", "swapon", "swapoff", "mount", "umount"):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in os.environ.get("PATH", "").split(":") + ["/sbin", "/usr/sbin"]):
            return f"the command {tool!r} is missing, which the kernel lab needs"
    return None


def system_snapshot() -> dict:
    """Read every setting a kernel lab or the zram oracle may change.

    Two snapshots, one before and one after a lab, must be equal: zswap
    parameters, THP ``enabled`` files, the swap list, attached loop devices
    and every loop device's ``rotational`` flag, whether debugfs is mounted,
    zram0's size and algorithm, and whether an undo journal is left.
    """
    snap: dict = {"params": {}, "thp": {}, "rotational": {}}
    if os.path.isdir(ZSWAP_PARAMS):
        for name in sorted(os.listdir(ZSWAP_PARAMS)):
            snap["params"][name] = _read(os.path.join(ZSWAP_PARAMS, name))
    for name in ("enabled", "defrag", "shmem_enabled"):
        path = os.path.join(THP_DIR, name)
        if os.path.exists(path):
            snap["thp"][name] = _choice(path)
    for size in anon_folio_sizes_kb():
        snap["thp"][f"hugepages-{size}kB"] = _choice(os.path.join(THP_DIR, f"hugepages-{size}kB", "enabled"))
    snap["swaps"] = _swap_devices()
    snap["loops"] = _loop_devices()
    for name in sorted(os.listdir("/sys/block")):
        if name.startswith("loop"):
            snap["rotational"][name] = _read(f"/sys/block/{name}/queue/rotational")
    snap["debugfs_mounted"] = _debugfs_mounted()
    if os.path.isdir("/sys/block/zram0"):
        snap["zram0"] = {"disksize": _read("/sys/block/zram0/disksize"),
                         "comp_algorithm": _choice("/sys/block/zram0/comp_algorithm")}
    snap["journal_left"] = os.path.exists(JOURNAL_PATH)
    # The journal, its temporary files and the swap files live there: a
    # finished lab leaves nothing.
    try:
        snap["lab_files"] = sorted(os.listdir(os.path.dirname(JOURNAL_PATH)))
    except OSError:
        snap["lab_files"] = []
    return snap


def settled_snapshot(timeout_s: float = 600.0) -> dict:
    """:func:`system_snapshot` taken while holding the lab lock (root only).

    No kernel lab of any process is half-way through then, so two settled
    snapshots compare what labs leave behind, not what one running at that
    moment has changed.
    """
    with exclusive(timeout_s, change=False):
        return system_snapshot()


# ---------------------------------------------------------------------------
# Undo list, journal and lock

def _undo_one(action: dict) -> None:
    """Carry out one undo action; each one is safe to repeat."""
    op = action["op"]
    if op == "write":
        _write(action["path"], action["value"])
    elif op == "umount":
        if _debugfs_mounted():
            _run("umount", DEBUGFS)
    elif op == "swapoff":
        for dev, backing in _loop_devices().items():
            if backing == action["backing"] and dev in _swap_devices():
                _run("swapoff", dev)
    elif op == "detach":
        for dev, backing in _loop_devices().items():
            if backing == action["backing"]:
                _run("losetup", "-d", dev)
    elif op == "unlink":
        try:
            os.unlink(action["path"])
        except FileNotFoundError:
            pass
    elif op == "zram_reset":
        dev = action["device"]
        _write(f"/sys/block/{dev}/reset", "1")
        _write(f"/sys/block/{dev}/comp_algorithm", action["comp_algorithm"])
    else:
        raise ValueError(f"unknown undo action {op!r}")


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
        return _read("/proc/sys/kernel/random/boot_id")
    except OSError:
        return None


def _lab_dir() -> str:
    """:data:`LAB_DIR`, created if missing; refused when it is not a folder only root may write."""
    import stat

    directory = os.path.dirname(JOURNAL_PATH)
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
        os.replace(tmp, JOURNAL_PATH)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _drop_journal() -> None:
    try:
        os.unlink(JOURNAL_PATH)
    except FileNotFoundError:
        pass


def journal_waiting() -> dict | None:
    """The journal a killed lab left (``pid``, ``boot_id``, ``actions``, ``path``), or ``None``.

    Needs no root: the journal is readable by everyone. Only looks.
    """
    try:
        with open(JOURNAL_PATH) as f:
            journal = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"pid": None, "boot_id": None, "actions": [], "path": JOURNAL_PATH, "unreadable": True}
    if not isinstance(journal, dict):
        journal = {}
    journal["path"] = JOURNAL_PATH
    return journal


def _recover_journal() -> None:
    """Undo what a lab that died (SIGKILL, crash) left behind, saying so in one line."""
    journal = journal_waiting()
    if journal is None:
        return
    if journal.get("unreadable"):
        _notice(f"ignoring the unreadable kernel lab journal {JOURNAL_PATH}")
        _drop_journal()
        return
    actions = [a for a in journal.get("actions", []) if isinstance(a, dict) and "op" in a]
    if journal.get("boot_id") != _boot_id():
        # Rebooted since: every kernel setting is back to its boot value; only the swap file is left.
        actions = [a for a in actions if a["op"] in ("swapoff", "detach", "unlink")]
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
    if change and not live_allowed():
        raise UsageError(_not_asked())
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
            with signals_deferred():
                _recover_journal()
        yield
    finally:
        os.close(fd)  # releases the lock


def recover() -> None:
    """Restore what a kernel lab killed with SIGKILL left changed, if anything.

    Every lab does this when it starts; this is the same without a run.
    """
    if not is_root():
        raise UsageError("restoring kernel settings needs root; run it as root")
    with exclusive():
        pass


@contextmanager
def signals_deferred(restore_to: dict | None = None) -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP in every thread; deliver each one again when the block ends.

    The calling thread blocks them; in the main thread a handler that only
    notes them stands in too, because a signal sent to the process can be
    delivered to another thread that does not block it (OpenBLAS workers),
    and Python then runs the handler in the main thread, inside the block.
    Signals still pending in the kernel are taken at the end
    (``sigtimedwait``) and, with the noted ones, raised again once the
    previous handlers are back, or those of *restore_to* (signal ->
    handler) for the signals it names.
    """
    noted: list[int] = []
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            handlers[sig] = signal.signal(sig, lambda signum, frame: (noted.append(signum), _noted.append(signum)))
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        while True:
            info = signal.sigtimedwait(_SIGNALS, 0)
            if info is None:
                break
            noted.append(info.si_signo)
        for _ in range(3):  # let a handler already tripped by another thread note its signal now
            pass
        for sig, handler in {**handlers, **(restore_to or {})}.items():
            signal.signal(sig, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        for sig in dict.fromkeys(noted):
            signal.raise_signal(sig)


#: Every signal a :func:`signals_deferred` handler noted in this process (the test hook looks).
_noted: list[int] = []

#: The old name: signals are now deferred in every thread, not only blocked in one.
signals_blocked = signals_deferred


def _hook(stage: str) -> None:
    """Test hook (:data:`HOOK_ENV`): mark *stage* reached and wait for a signal."""
    spec = os.environ.get(HOOK_ENV, "")
    want, _, marker = spec.partition(":")
    if want != stage or not marker:
        return
    _write(marker, str(os.getpid()))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if signal.sigpending() & set(_SIGNALS) or _noted:
            return  # deferred: it is delivered once the set-up or restore ends
        time.sleep(0.02)


def _on_terminate(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------------------
# libc

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_MAP_FAILED = ctypes.c_void_p(-1).value


def _madvise(addr: int, length: int, advice: int) -> None:
    if _libc.madvise(addr, length, advice) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"madvise({advice}) failed: {os.strerror(e)}")


# ---------------------------------------------------------------------------

class KernelLab:
    """Prepare the kernel for measuring zswap with folios of *folio_size_kb*.

    *folio_size_kb* is 4 (order-0 folios) or a size from
    :func:`anon_folio_sizes_kb` (64 and 2048 here; 16 to 1024 too).
    *max_pool_percent*, *compressor*, *accept_threshold_percent* and
    *shrinker_enabled* set those zswap parameters for the lab's lifetime
    (``None`` leaves them as they are). *swap_mib* sizes the lab's swap
    device; a run may use at most that many pages less 1/16 for free
    clusters. *require_empty_pool* refuses to run on a pool that holds
    entries (see the module docstring); *lock_timeout_s* is how long to wait
    for another lab to finish.

    Without root or without zswap, entering raises
    :class:`~zswapviz.errors.UsageError` and changes nothing.
    """

    def __init__(self, folio_size_kb: int, max_pool_percent: int | None = None,
                 compressor: str | None = None, swap_mib: int = 256, *,
                 accept_threshold_percent: int | None = None,
                 shrinker_enabled: bool | None = None,
                 require_empty_pool: bool = True, lock_timeout_s: float = 600.0):
        if not isinstance(folio_size_kb, int) or folio_size_kb < 4 or folio_size_kb & (folio_size_kb - 1):
            raise UsageError(f"folio size must be a power of two of at least 4 KiB, not {folio_size_kb!r}")
        for name, value in (("max_pool_percent", max_pool_percent),
                            ("accept_threshold_percent", accept_threshold_percent)):
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 100):
                raise UsageError(f"{name} must be a whole number from 0 to 100, not {value!r}")
        if not isinstance(swap_mib, int) or swap_mib < 16:
            raise UsageError(f"swap_mib must be a whole number of at least 16, not {swap_mib!r}")
        self.folio_size_kb = folio_size_kb
        self.max_pool_percent = max_pool_percent
        self.compressor = compressor
        self.swap_mib = swap_mib
        self.accept_threshold_percent = accept_threshold_percent
        self.shrinker_enabled = shrinker_enabled
        self.require_empty_pool = require_empty_pool
        self.lock_timeout_s = lock_timeout_s
        #: The swap device (``/dev/loopN``) while the lab is active.
        self.device: str | None = None
        #: zswap parameters in force while the lab is active.
        self.params: dict[str, str] = {}
        #: THP settings the lab chose: file name -> value.
        self.thp: dict[str, str] = {}
        #: Swap devices that were active before the lab added its own.
        self.other_swaps: list[str] = []
        #: ``stored_pages`` when the lab started (0 for an empty pool).
        self.stored_pages_at_start: int | None = None
        self._undo: list[dict] = []
        self._advice: int | None = None
        self._lock = None
        self._old_handlers: dict[int, object] = {}
        self._active = False

    # -- changes, each recorded before it is made ---------------------------

    def _push(self, action: dict) -> None:
        self._undo.append(action)
        _save_journal(self._undo)

    def _set(self, path: str, value: str, old: str | None = None) -> None:
        """Write *value* to *path*, recording the value to restore."""
        old = _read(path) if old is None else old
        if old == value:
            return
        self._push({"op": "write", "path": path, "value": old})
        _write(path, value)

    def _thp_plan(self) -> tuple[dict[str, str], int | None]:
        """THP files to set, and the madvise advice for the mapping."""
        plan, pmd = {}, _pmd_size_kb()
        for size in anon_folio_sizes_kb():
            plan[f"hugepages-{size}kB/enabled"] = "never"
        if self.folio_size_kb == 4:
            return plan, MADV_NOHUGEPAGE
        if self.folio_size_kb == pmd:
            plan["enabled"] = "madvise"
            plan[f"hugepages-{pmd}kB/enabled"] = "inherit"
            return plan, MADV_HUGEPAGE
        plan[f"hugepages-{self.folio_size_kb}kB/enabled"] = "always"
        return plan, None

    def _setup(self) -> None:
        if not _debugfs_mounted():
            self._push({"op": "umount"})
            _run("mount", "-t", "debugfs", "none", DEBUGFS)

        param = lambda name: os.path.join(ZSWAP_PARAMS, name)  # noqa: E731
        if self.compressor is not None:
            if self.compressor not in _compressors():
                raise UsageError(f"the kernel has no compressor {self.compressor!r}; "
                                 f"available: {', '.join(sorted(_compressors()))}")
            self._set(param("compressor"), self.compressor)
        if self.max_pool_percent is not None:
            self._set(param("max_pool_percent"), str(self.max_pool_percent))
        if self.accept_threshold_percent is not None:
            self._set(param("accept_threshold_percent"), str(self.accept_threshold_percent))
        if self.shrinker_enabled is not None:
            self._set(param("shrinker_enabled"), "Y" if self.shrinker_enabled else "N")
        self._set(param("enabled"), "Y")
        self.params = {name: _read(param(name)) for name in sorted(os.listdir(ZSWAP_PARAMS))}
        if self.compressor is not None and self.params.get("compressor") != self.compressor:
            raise RuntimeError(f"zswap kept compressor {self.params.get('compressor')!r} "
                               f"instead of {self.compressor!r}")

        self.other_swaps = _swap_devices()
        # Next to the journal, so that both outlive a crash together.
        fd, backing = tempfile.mkstemp(prefix="zswapviz-swap-", suffix=".img", dir=_lab_dir())
        self._push({"op": "unlink", "path": backing})
        try:
            os.posix_fallocate(fd, 0, self.swap_mib << 20)
        finally:
            os.close(fd)
        self.device = self._attach(backing)
        _write(f"/sys/block/{self.device[5:]}/queue/rotational", "0")
        _run("mkswap", self.device)
        self._push({"op": "swapoff", "backing": backing})
        _run("swapon", "--priority", str(SWAP_PRIORITY), self.device)
        _hook("setup")

        plan, self._advice = self._thp_plan()
        for name, value in plan.items():
            path = os.path.join(THP_DIR, name)
            self._set(path, value, old=_choice(path))
        self.thp = {name: _choice(os.path.join(THP_DIR, name)) for name in plan}
        self.stored_pages_at_start = self._stored_pages()
        self._check_pool("when the lab started", self.stored_pages_at_start)

    def _attach(self, backing: str) -> str:
        """Attach *backing* to a free loop device, recording how to undo it.

        The device's ``rotational`` flag is read before attaching: attaching
        resets it and detaching does not, so it is written back after the
        detach (undo runs newest first).
        """
        for _ in range(10):
            dev = _run("losetup", "--find")
            name = dev[len("/dev/"):]
            rotational = _read(f"/sys/block/{name}/queue/rotational")
            self._push({"op": "write", "path": f"/sys/block/{name}/queue/rotational",
                        "value": rotational})
            self._push({"op": "detach", "backing": backing})
            try:
                _run("losetup", dev, backing)
                return dev
            except RuntimeError:  # taken by someone else in the meantime
                self._undo.pop()
                self._undo.pop()
                _save_journal(self._undo)
        raise RuntimeError("could not attach a loop device in 10 tries")

    def _stored_pages(self) -> int:
        return int(_read(os.path.join(ZSWAP_DEBUGFS, "stored_pages")))

    def _check_pool(self, when: str, stored: int) -> None:
        if stored == 0:
            return
        msg = (f"the zswap pool held {stored} pages {when} (entries of another swap "
               f"device: {', '.join(self.other_swaps) or 'none active'}), so pool sizes "
               f"will not be those of an empty pool")
        if self.require_empty_pool:
            raise UsageError(msg + "; swap them off first or pass require_empty_pool=False")
        warnings.warn(msg)

    def _restore(self) -> list[str]:
        _hook("restore")
        errors = _undo_all(self._undo)
        _drop_journal()
        return errors

    # -- context manager ------------------------------------------------------

    def __enter__(self) -> "KernelLab":
        problem = lab_problem(self.folio_size_kb)
        if problem:
            raise UsageError(problem)
        lock = exclusive(self.lock_timeout_s)
        lock.__enter__()
        main = threading.current_thread() is threading.main_thread()
        # While the lab is active, SIGTERM and SIGHUP become SystemExit (not
        # "terminate now"), so that __exit__ restores; a signal deferred
        # during the set-up is delivered to that handler right after it.
        active = {sig: _on_terminate for sig in (signal.SIGTERM, signal.SIGHUP)} if main else {}
        self._old_handlers = {sig: signal.getsignal(sig) for sig in active}
        try:
            with signals_deferred(restore_to=active):
                try:
                    self._setup()
                except BaseException:
                    self._restore_or_warn()
                    raise
            # A signal held back during the set-up is delivered here.
        except BaseException:
            with signals_deferred(restore_to=self._old_handlers):
                self._restore_or_warn()
                lock.__exit__(None, None, None)
            self._old_handlers = {}
            raise
        self._lock = lock
        self._active = True
        return self

    def _restore_or_warn(self) -> None:
        errors = self._restore()
        if errors:
            _notice("the kernel lab could not restore: " + "; ".join(errors))

    def __exit__(self, exc_type, exc, tb) -> None:
        handlers, self._old_handlers = self._old_handlers, {}
        errors: list[str] = []
        # Signals that arrive while restoring are delivered after it, to the
        # handlers the program had before the lab.
        with signals_deferred(restore_to=handlers):
            self._active = False
            errors = self._restore()
            self.device = None
            if self._lock is not None:
                self._lock.__exit__(None, None, None)
                self._lock = None
        if errors:
            msg = "the kernel lab could not restore: " + "; ".join(errors)
            if exc_type is None:
                raise RuntimeError(msg)
            _notice(msg)

    # -- measuring ----------------------------------------------------------

    @property
    def swap_pages(self) -> int:
        """How many pages one run may swap out (the device less 1/16 spare)."""
        pages = (self.swap_mib << 20) // PAGE_SIZE
        return pages - pages // 16

    def run_pages(self, pages: bytes, settle_s: float = 0.3) -> dict:
        """Swap *pages* out through zswap with ``MADV_PAGEOUT``; return the deltas.

        The result holds the change of every number of
        :func:`~zswapviz.kernel.counters.read_counters` from just before the
        mapping is filled to after reclaim (gauges such as ``stored_pages``
        included), ``elapsed_s`` (the ``madvise`` call alone) and ``check``: a
        dict saying whether the folio size took effect (per-size fault and
        swap-out counts, ``swpout_fallback`` for large folios split before
        swap-out) and whether the pool was empty before the run.

        Reclaim is synchronous, but writeback started by a full pool runs in
        a worker: the counters are read again every 0.1 s until the pool
        counters have not moved for *settle_s* seconds (at most 10 s).
        """
        if not self._active:
            raise UsageError("run_pages() works only inside 'with KernelLab(...) as lab:'")
        pages = bytes(pages)
        if not pages or len(pages) % PAGE_SIZE:
            raise UsageError(f"pages must be a non-empty whole number of 4096-byte pages, "
                             f"not {len(pages)} bytes")
        n = len(pages) // PAGE_SIZE
        if n > self.swap_pages:
            raise UsageError(f"{n} pages do not fit the lab's {self.swap_mib} MiB swap device "
                             f"(at most {self.swap_pages}); pass a larger swap_mib")
        start = self._stored_pages()
        self._check_pool("before the run", start)

        span = len(pages) + _ALIGN
        raw = _libc.mmap(None, span, _PROT_READ | _PROT_WRITE, _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
        if raw in (None, _MAP_FAILED):
            e = ctypes.get_errno()
            raise OSError(e, f"mmap of {span} bytes failed: {os.strerror(e)}")
        affinity = os.sched_getaffinity(0)
        try:
            addr = (raw + _ALIGN - 1) & ~(_ALIGN - 1)
            # Trim the mapping to exactly the pages, so that no folio of the
            # chosen size can reach past them.
            if addr > raw:
                _libc.munmap(raw, addr - raw)
            _libc.munmap(addr + len(pages), raw + span - addr - len(pages))
            raw, span = addr, len(pages)
            if self._advice is not None:
                _madvise(addr, len(pages), self._advice)
            # One CPU for faulting and reclaim: MADV_PAGEOUT drains only this
            # CPU's LRU batches, and a folio still in another CPU's batch is
            # not on the LRU, so it could not be isolated and paged out.
            os.sched_setaffinity(0, {min(affinity)})
            before = read_counters()
            ctypes.memmove(addr, pages, len(pages))
            _hook("pageout")
            t0 = time.perf_counter()
            _madvise(addr, len(pages), MADV_PAGEOUT)
            elapsed = time.perf_counter() - t0
            after = self._settle(read_counters(), settle_s)
        finally:
            _libc.munmap(raw, span)
            os.sched_setaffinity(0, affinity)
        result = delta(before, after)
        result["elapsed_s"] = elapsed
        result["check"] = self._folio_check(pages, result, start)
        for warning in result["check"]["warnings"]:
            warnings.warn(warning)
        return result

    def run_workload(self, steps: list[dict], settle_s: float = 0.3) -> list[dict]:
        """Run several steps on regions of anonymous memory; return the deltas after each.

        Each step is a dict:

        * ``{"op": "store", "region": name, "pages": bytes}``: map a fresh
          region of that name, fill it and page it out (``MADV_PAGEOUT``);
        * ``{"op": "free", "region": name, "indices": [page, ...]}``: unmap
          those pages of the region, in that order; their swap slots are
          freed, which frees their zswap entries (``zswap_invalidate``);
        * ``{"op": "compact"}``: ``echo 2 > /proc/sys/vm/drop_caches``, which
          runs every slab shrinker once, zsmalloc's pool shrinker
          (``zs_compact``) included. It changes no setting, but drops the
          machine's reclaimable slab caches (dentries, inodes).

        Returns one dict per step: ``op`` and the change of every counter
        since before the first step (so ``stored_pages`` and
        ``pool_total_size`` are the pool's state). Every region is unmapped
        at the end. The pool must be empty at the start, as for
        :meth:`run_pages`.
        """
        if not self._active:
            raise UsageError("run_workload() works only inside 'with KernelLab(...) as lab:'")
        regions: dict[str, tuple[int, int]] = {}
        total = sum(len(s.get("pages", b"")) for s in steps) // PAGE_SIZE
        if total > self.swap_pages:
            raise UsageError(f"{total} pages do not fit the lab's {self.swap_mib} MiB swap device "
                             f"(at most {self.swap_pages}); pass a larger swap_mib")
        self._check_pool("before the workload", self._stored_pages())
        affinity = os.sched_getaffinity(0)
        out = []
        try:
            os.sched_setaffinity(0, {min(affinity)})
            start = read_counters()
            for step in steps:
                op = step["op"]
                if op == "store":
                    pages = bytes(step["pages"])
                    if not pages or len(pages) % PAGE_SIZE:
                        raise UsageError("a store step needs a whole number of 4096-byte pages")
                    span = len(pages) + _ALIGN
                    raw = _libc.mmap(None, span, _PROT_READ | _PROT_WRITE,
                                     _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
                    if raw in (None, _MAP_FAILED):
                        e = ctypes.get_errno()
                        raise OSError(e, f"mmap of {span} bytes failed: {os.strerror(e)}")
                    addr = (raw + _ALIGN - 1) & ~(_ALIGN - 1)
                    if addr > raw:
                        _libc.munmap(raw, addr - raw)
                    _libc.munmap(addr + len(pages), raw + span - addr - len(pages))
                    regions[step["region"]] = (addr, len(pages))
                    if self._advice is not None:
                        _madvise(addr, len(pages), self._advice)
                    ctypes.memmove(addr, pages, len(pages))
                    _madvise(addr, len(pages), MADV_PAGEOUT)
                elif op == "free":
                    addr, length = regions[step["region"]]
                    for i in step["indices"]:
                        if not 0 <= i < length // PAGE_SIZE:
                            raise UsageError(f"page {i} is outside region {step['region']!r}")
                        _libc.munmap(addr + i * PAGE_SIZE, PAGE_SIZE)
                elif op == "compact":
                    _write("/proc/sys/vm/drop_caches", "2")
                else:
                    raise UsageError(f"unknown workload step {op!r}; known: store, free, compact")
                after = self._settle(read_counters(), settle_s)
                out.append({"op": op, **delta(start, after)})
        finally:
            for addr, length in regions.values():
                _libc.munmap(addr, length)
            os.sched_setaffinity(0, affinity)
        return out

    @staticmethod
    def _settle(snap: dict, settle_s: float) -> dict:
        keys = ("stored_pages", "pool_total_size", "zswpwb", "written_back_pages", "pswpout")
        still_since = time.monotonic()
        deadline = still_since + 10
        while time.monotonic() < deadline and time.monotonic() - still_since < settle_s:
            time.sleep(0.1)
            new = read_counters()
            if any(new.get(k) != snap.get(k) for k in keys):
                still_since = time.monotonic()
            snap = new
        return snap

    def _folio_check(self, pages: bytes, d: dict, start: int) -> dict:
        size = self.folio_size_kb
        per = size * 1024 // PAGE_SIZE
        n = len(pages) // PAGE_SIZE
        whole = n // per
        step = per * PAGE_SIZE
        zero = bytes(step)
        zero_folios = sum(pages[i * step:(i + 1) * step] == zero for i in range(whole))
        others = {k: v for k, v in d.items() if k.startswith("mthp_") and v
                  and not k.startswith(f"mthp_{size}kB_")
                  and k.rsplit("_", 1)[-1] in ("zswpout", "swpout")}
        check = {
            "folio_size_kb": size,
            "pages": n,
            "whole_folios": whole,
            "zero_folios": zero_folios,
            "pool_empty_at_start": start == 0,
            "stored_pages_at_start": start,
            "other_swaps": list(self.other_swaps),
            "warnings": [],
        }
        warn = check["warnings"]
        if size > 4:
            fallback = d.get(f"mthp_{size}kB_swpout_fallback", 0)
            out = d.get(f"mthp_{size}kB_zswpout", 0) + d.get(f"mthp_{size}kB_swpout", 0)
            check["folios_swapped_out"] = out
            check["swpout_fallback"] = fallback
            if n % per:
                warn.append(f"{n % per} pages at the end do not fill a {size} KiB folio")
            if out != whole - zero_folios:
                # An all-zero folio goes to the zeromap and is not counted.
                warn.append(f"{out} folios of {size} KiB were swapped out, not the "
                            f"{whole - zero_folios} whole folios that are not all zero")
            if fallback:
                warn.append(f"{fallback} folios of {size} KiB were split before swap-out "
                            f"(swpout_fallback)")
        if others:
            warn.append(f"folios of other sizes were swapped out: {others}")
        check["folio_size_ok"] = not warn
        out = d.get("zswpout", 0) + d.get("pswpout", 0) + d.get("swpout_zero", 0)
        check["pages_out"] = out
        if "swpout_zero" in d and out != n:
            warn.append(f"zswpout + pswpout + swpout_zero = {out}, not the {n} pages given")
        if start:
            warn.append(f"the pool held {start} pages before the run")
        return check
