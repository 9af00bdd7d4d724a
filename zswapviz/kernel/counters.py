"""Read what the running kernel tells about zswap, swap-out and mTHP.

A snapshot is one plain ``dict`` so that two of them can be subtracted
(:func:`delta`) and either can be written to JSON as it is. Counter names are
the kernel's own, so a recorded run and the simulator use one vocabulary:

* ``/proc/vmstat``: ``zswpout``, ``zswpin``, ``zswpwb``, ``pswpout``,
  ``pswpin``, ``swpout_zero``, ``swpin_zero``, ``thp_swpout``,
  ``thp_swpout_fallback`` (each only where this kernel has it);
* ``/sys/kernel/debug/zswap/*``: every file under its own name
  (``stored_pages``, ``pool_total_size``, ``stored_incompressible_pages``,
  ``pool_limit_hit``, ``reject_*``, ``written_back_pages``,
  ``decompress_fail``, ...);
* ``/sys/kernel/mm/transparent_hugepage/hugepages-<N>kB/stats/<stat>``: one
  count per folio, as ``mthp_<N>kB_<stat>`` (``zswpout``, ``swpout``,
  ``swpout_fallback`` and the fault counters that show which folio size the
  kernel really allocated);
* ``memtotal_pages`` (``MemTotal`` in 4 KiB pages), ``kernel_release``
  (``uname -r``) and ``params``: the zswap module parameters from
  ``/sys/module/zswap/parameters/``, as the strings the kernel prints.

Whatever could not be read is listed under ``unreadable`` as ``(what, why)``
pairs instead of raising: reading never needs root, it just sees less without
it.

>>> snap = read_counters()
>>> isinstance(snap["unreadable"], list)
True
"""

from __future__ import annotations

import errno
import os
from typing import Mapping

__all__ = [
    "MTHP_STATS",
    "THP_DIR",
    "VMSTAT_KEYS",
    "ZSWAP_DEBUGFS",
    "ZSWAP_PARAMS",
    "delta",
    "mthp_sizes_kb",
    "read_counters",
]

#: Directory of the zswap module parameters (``enabled``, ``compressor``, ...).
ZSWAP_PARAMS = "/sys/module/zswap/parameters"

#: Directory of the zswap debugfs counters; exists once zswap was enabled.
ZSWAP_DEBUGFS = "/sys/kernel/debug/zswap"

#: Directory of the transparent huge page settings and per-size stats.
THP_DIR = "/sys/kernel/mm/transparent_hugepage"

#: ``/proc/vmstat`` events read, where the kernel has them.
VMSTAT_KEYS = (
    "pswpin",
    "pswpout",
    "swpin_zero",
    "swpout_zero",
    "thp_swpout",
    "thp_swpout_fallback",
    "zswpin",
    "zswpout",
    "zswpwb",
)

#: Per-size mTHP stats read, as ``mthp_<N>kB_<stat>``.
MTHP_STATS = (
    "anon_fault_alloc",
    "anon_fault_fallback",
    "split",
    "swpout",
    "swpout_fallback",
    "zswpout",
)


def mthp_sizes_kb() -> list[int]:
    """List the folio sizes in KiB that have a ``hugepages-<N>kB`` directory.

    >>> all(isinstance(n, int) for n in mthp_sizes_kb())
    True
    """
    try:
        names = os.listdir(THP_DIR)
    except OSError:
        return []
    sizes = []
    for name in names:
        if name.startswith("hugepages-") and name.endswith("kB"):
            try:
                sizes.append(int(name[len("hugepages-"):-2]))
            except ValueError:
                pass
    return sorted(sizes)


def _why(e: OSError) -> str:
    """Say in a few words why a read failed."""
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (needs root)"
    if e.errno == errno.ENOENT:
        return "does not exist on this kernel"
    return e.strerror or str(e)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def _read_vmstat(snap: dict, unreadable: list) -> None:
    try:
        text = _read("/proc/vmstat")
    except OSError as e:
        unreadable.append(("/proc/vmstat", _why(e)))
        return
    values = dict(line.split(None, 1) for line in text.splitlines() if " " in line)
    for key in VMSTAT_KEYS:
        if key in values:
            snap[key] = int(values[key])
        elif key in ("zswpout", "pswpout", "zswpwb"):
            unreadable.append((f"/proc/vmstat {key}", "this kernel has no such event"))


def _read_params(snap: dict, unreadable: list) -> None:
    params = {}
    try:
        names = sorted(os.listdir(ZSWAP_PARAMS))
    except OSError as e:
        unreadable.append((ZSWAP_PARAMS, "zswap is not built into this kernel"
                           if e.errno == errno.ENOENT else _why(e)))
        names = []
    for name in names:
        try:
            params[name] = _read(os.path.join(ZSWAP_PARAMS, name))
        except OSError as e:
            unreadable.append((os.path.join(ZSWAP_PARAMS, name), _why(e)))
    snap["params"] = params


def _debugfs_mounted() -> bool:
    try:
        with open("/proc/self/mounts") as f:
            return any(line.split()[1:3] == ["/sys/kernel/debug", "debugfs"] for line in f)
    except OSError:
        return False


def _read_debugfs(snap: dict, unreadable: list) -> None:
    if not _debugfs_mounted():
        unreadable.append((ZSWAP_DEBUGFS, "debugfs is not mounted at /sys/kernel/debug"))
        return
    try:
        names = sorted(os.listdir(ZSWAP_DEBUGFS))
    except OSError as e:
        if e.errno == errno.ENOENT:
            why = "zswap has not been enabled since boot, so its debugfs directory does not exist yet"
        else:
            why = _why(e)
        unreadable.append((ZSWAP_DEBUGFS, why))
        return
    for name in names:
        path = os.path.join(ZSWAP_DEBUGFS, name)
        try:
            snap[name] = int(_read(path))
        except OSError as e:
            unreadable.append((path, _why(e)))
        except ValueError:
            unreadable.append((path, "not a number"))


def _read_mthp(snap: dict, unreadable: list) -> None:
    sizes = mthp_sizes_kb()
    if not sizes:
        unreadable.append((THP_DIR, "no per-size (mTHP) directories on this kernel"))
    for size in sizes:
        stats = os.path.join(THP_DIR, f"hugepages-{size}kB", "stats")
        for stat in MTHP_STATS:
            try:
                snap[f"mthp_{size}kB_{stat}"] = int(_read(os.path.join(stats, stat)))
            except FileNotFoundError:
                pass  # e.g. hugepages-8kB has no anonymous fault stats
            except OSError as e:
                unreadable.append((os.path.join(stats, stat), _why(e)))


def _read_memtotal(snap: dict, unreadable: list) -> None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    kb = int(line.split()[1])
                    snap["memtotal_pages"] = kb * 1024 // 4096
                    return
    except OSError as e:
        unreadable.append(("/proc/meminfo", _why(e)))
        return
    unreadable.append(("/proc/meminfo MemTotal", "line not found"))


def read_counters() -> dict:
    """Read every zswap, swap and mTHP counter this process can see.

    Numbers are ``int`` at the top level; ``kernel_release`` is a string,
    ``params`` a dict of strings and ``unreadable`` a list of ``(what, why)``
    pairs naming what could not be read and why (not root, debugfs not
    mounted, zswap never enabled, ...).

    >>> "kernel_release" in read_counters()
    True
    """
    snap: dict = {}
    unreadable: list[tuple[str, str]] = []
    snap["kernel_release"] = os.uname().release
    _read_memtotal(snap, unreadable)
    _read_params(snap, unreadable)
    _read_vmstat(snap, unreadable)
    _read_mthp(snap, unreadable)
    _read_debugfs(snap, unreadable)
    snap["unreadable"] = unreadable
    return snap


def delta(before: Mapping, after: Mapping) -> dict:
    """Subtract two snapshots: ``after - before`` for every number in both.

    Gauges such as ``stored_pages`` and ``pool_total_size`` subtract like
    counters. Strings, ``params`` and ``unreadable`` are left out, and so is
    ``memtotal_pages``, which is a size, not a count.

    >>> delta({"zswpout": 3, "x": "a"}, {"zswpout": 10, "x": "b"})
    {'zswpout': 7}
    """
    out = {}
    for key, value in after.items():
        if key == "memtotal_pages" or isinstance(value, bool) or not isinstance(value, int):
            continue
        old = before.get(key)
        if isinstance(old, int) and not isinstance(old, bool):
            out[key] = value - old
    return out
