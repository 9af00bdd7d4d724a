"""The kernel lab's view of the host: the settings it reads and writes, and whether a run may change them.

Part of :mod:`zswapviz.kernel.lab` (which re-exports its public names): the live-run
permission (:func:`allow_live`, :data:`LIVE_ENV`), root, reading and writing
sysfs files, the swap and loop devices, :func:`lab_problem` and
:func:`system_snapshot`.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from typing import Iterator

from .. import counters

#: Root's folder for the undo journal and the lab's swap file (same lifetime).
LAB_DIR = "/var/lib/zswapviz"

#: Undo journal of the lab that is running; left behind only by a crash.
JOURNAL_PATH = LAB_DIR + "/kernel-lab.journal.json"

#: Set to ``1`` to allow kernel changes from a notebook, a script or a test
#: (the ``zswapviz lab`` commands need not: running them is the request).
LIVE_ENV = "ZSWAPVIZ_LIVE_LAB"

#: Whether this process asked for live runs (:func:`allow_live`).
_live_asked = False

DEBUGFS = "/sys/kernel/debug"


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
    return [kb for kb in counters.mthp_sizes_kb() if os.path.exists(os.path.join(counters.THP_DIR, f"hugepages-{kb}kB", "enabled"))]


def _pmd_size_kb() -> int:
    try:
        return int(_read(os.path.join(counters.THP_DIR, "hpage_pmd_size"))) // 1024
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
    if not os.path.exists(os.path.join(counters.ZSWAP_PARAMS, "enabled")):
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
    if os.path.isdir(counters.ZSWAP_PARAMS):
        for name in sorted(os.listdir(counters.ZSWAP_PARAMS)):
            snap["params"][name] = _read(os.path.join(counters.ZSWAP_PARAMS, name))
    for name in ("enabled", "defrag", "shmem_enabled"):
        path = os.path.join(counters.THP_DIR, name)
        if os.path.exists(path):
            snap["thp"][name] = _choice(path)
    for size in anon_folio_sizes_kb():
        snap["thp"][f"hugepages-{size}kB"] = _choice(os.path.join(counters.THP_DIR, f"hugepages-{size}kB", "enabled"))
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
