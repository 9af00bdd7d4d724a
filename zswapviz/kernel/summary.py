"""What this machine's zswap looks like right now, for a "your kernel" panel.

:func:`kernel_summary` reads (never changes) the zswap module parameters,
the swap-out counters of ``/proc/vmstat``, the per-size mTHP counters and the
zswap debugfs counters, and says in plain sentences what it could not read
and why. :func:`format_kernel_summary` turns it into a few readable lines.
Both work without root: they show less, and say so.

>>> s = kernel_summary()
>>> isinstance(s["unreadable"], list) and isinstance(format_kernel_summary(s), str)
True
"""

from __future__ import annotations

import datetime
import os

from .counters import ZSWAP_DEBUGFS, read_counters

__all__ = ["POOL_KEYS", "SWAP_KEYS", "kernel_summary", "format_kernel_summary",
           "model_kernel_for_release"]

#: debugfs counters shown in ``pool`` (zswap/ under /sys/kernel/debug), in order.
POOL_KEYS = (
    "stored_pages", "pool_total_size", "stored_incompressible_pages", "pool_limit_hit",
    "written_back_pages", "reject_compress_poor", "reject_compress_fail",
    "reject_alloc_fail", "reject_kmemcache_fail", "reject_reclaim_fail", "decompress_fail",
)

#: ``/proc/vmstat`` events shown in ``swap``, in order.
SWAP_KEYS = ("zswpout", "zswpin", "zswpwb", "pswpout", "pswpin", "swpout_zero", "swpin_zero")


def model_kernel_for_release(release: str) -> str | None:
    """The model's kernel profile that behaves like *release*, or ``None``.

    6.18 and later: ``6.18`` (incompressible pages stored as they are,
    zsmalloc called directly); 6.14 to 6.17: ``6.14``; 6.13: ``6.13``
    (with its shipped accounting bug, fixed in 6.13.y from 6.13.5 by
    63895d20d63b's stable commit a3652f5552b2, so ``6.14`` for 6.13.y with
    y >= 5); 6.12: ``6.12`` (large folios refused). Older kernels have no
    profile. The closest profile, not an exact one: 6.15 to 6.17 already
    bound LZO (cc47f07234f7) and decompress before erasing (ff22f9299d7b),
    which the ``6.14`` profile does not.

    >>> model_kernel_for_release("6.18.44-fc-v657"), model_kernel_for_release("6.16.1")
    ('6.18', '6.14')
    >>> model_kernel_for_release("5.15.0") is None
    True
    """
    parts = []
    for piece in release.split("-", 1)[0].split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    if len(parts) < 2:
        return None
    major, minor = parts[0], parts[1]
    patch = parts[2] if len(parts) > 2 else 0
    if (major, minor) >= (6, 18):
        return "6.18"
    if (major, minor) >= (6, 14):
        return "6.14"
    if (major, minor) == (6, 13):
        return "6.14" if patch >= 5 else "6.13"
    if (major, minor) == (6, 12):
        return "6.12"
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().upper() in ("Y", "1")


def _sentence(what: str, why: str) -> str:
    return f"{what}: {why}"


def kernel_summary() -> dict:
    """Read this machine's zswap state now; change nothing.

    Returns a dict (JSON-ready):

    * ``time`` (UTC, ISO 8601), ``kernel_release``, ``model_kernel`` (the
      model profile that behaves like this kernel, or ``None``), ``is_root``;
    * ``zswap``: ``available`` (built in), ``enabled``, ``compressor``,
      ``max_pool_percent``, ``accept_threshold_percent``, ``shrinker_enabled``
      (``None`` where unknown) and ``params`` (every parameter as a string);
    * ``memtotal_pages`` and ``max_pool_pages`` (the pool limit in pages);
    * ``pool``: the debugfs counters of :data:`POOL_KEYS` that could be read
      (empty without root or debugfs), with ``pool_pages`` and
      ``pool_percent_of_limit`` added when ``pool_total_size`` is known;
    * ``swap``: the ``/proc/vmstat`` events of :data:`SWAP_KEYS`;
    * ``mthp``: ``{size_kb: {"zswpout", "swpout", "swpout_fallback"}}`` for
      every folio size with a ``hugepages-<N>kB`` directory (folios, not
      pages), largest first;
    * ``unreadable``: ``[{"what", "why"}]`` for each thing that could not be
      read; ``notes``: plain sentences for a reader (what is missing and how
      to see it, whether zswap is in use, whether a killed lab run left
      settings changed);
    * ``lab_journal``: ``{"path", "pid", "actions"}`` when a kernel lab run
      that was killed left its undo journal waiting, else ``None``.
    """
    snap = read_counters()
    params = snap.get("params", {})
    available = bool(params) or os.path.isdir("/sys/module/zswap/parameters")
    release = snap["kernel_release"]
    summary: dict = {
        "time": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "kernel_release": release,
        "model_kernel": model_kernel_for_release(release),
        "is_root": os.geteuid() == 0,
        "zswap": {
            "available": available,
            "enabled": _flag(params.get("enabled")),
            "compressor": params.get("compressor"),
            "max_pool_percent": _int(params.get("max_pool_percent")),
            "accept_threshold_percent": _int(params.get("accept_threshold_percent")),
            "shrinker_enabled": _flag(params.get("shrinker_enabled")),
            "params": dict(params),
        },
        "memtotal_pages": snap.get("memtotal_pages"),
    }
    mpp = summary["zswap"]["max_pool_percent"]
    memtotal = summary["memtotal_pages"]
    summary["max_pool_pages"] = memtotal * mpp // 100 if memtotal is not None and mpp is not None else None

    pool = {key: snap[key] for key in POOL_KEYS if key in snap}
    if "pool_total_size" in pool:
        pool["pool_pages"] = pool["pool_total_size"] // 4096
        if summary["max_pool_pages"]:
            pool["pool_percent_of_limit"] = round(100 * pool["pool_pages"] / summary["max_pool_pages"], 3)
    summary["pool"] = pool
    summary["swap"] = {key: snap[key] for key in SWAP_KEYS if key in snap}
    mthp: dict = {}
    for key, value in snap.items():
        if key.startswith("mthp_") and key.endswith(("_zswpout", "_swpout", "_swpout_fallback")):
            size_text, _, stat = key[len("mthp_"):].partition("kB_")
            if stat in ("zswpout", "swpout", "swpout_fallback"):
                mthp.setdefault(int(size_text), {})[stat] = value
    summary["mthp"] = dict(sorted(mthp.items(), reverse=True))
    summary["unreadable"] = [{"what": what, "why": why} for what, why in snap.get("unreadable", [])]
    from .lab import journal_waiting

    journal = journal_waiting()
    summary["lab_journal"] = None if journal is None else {
        "path": journal["path"], "pid": journal.get("pid"), "actions": len(journal.get("actions") or [])}
    summary["notes"] = _notes(summary)
    return summary


def _notes(s: dict) -> list[str]:
    notes = []
    journal = s.get("lab_journal")
    if journal:
        notes.append(f"A kernel lab run (pid {journal['pid']}) was killed before it could restore "
                     f"its {journal['actions']} change(s): its journal {journal['path']} is waiting; "
                     f"'zswapviz lab recover' (as root) puts them back.")
    z = s["zswap"]
    if not z["available"]:
        notes.append("This kernel has no zswap (no /sys/module/zswap/parameters): nothing to show.")
        return notes
    if z["enabled"] is False:
        notes.append("zswap is built in but disabled (enabled=N): pages swapped out now go "
                     "straight to the swap device.")
    elif z["enabled"]:
        notes.append(f"zswap is enabled with compressor {z['compressor']} and a pool limit of "
                     f"{z['max_pool_percent']} % of RAM.")
    if not s["pool"]:
        whys = [u["why"] for u in s["unreadable"] if u["what"].startswith(ZSWAP_DEBUGFS)]
        why = whys[0] if whys else "they could not be read"
        hint = ""
        if "root" in why:
            hint = "; run as root to see them"
        elif "not mounted" in why:
            hint = " (as root: mount -t debugfs none /sys/kernel/debug)"
            if not s["is_root"]:
                hint += ", and only root may read it"
        notes.append(f"The pool counters (stored_pages, pool_total_size, ...) are not shown: "
                     f"{why}{hint}.")
    elif s["pool"].get("stored_pages"):
        notes.append(f"The pool holds {s['pool']['stored_pages']} pages in "
                     f"{s['pool']['pool_pages']} pool pages right now.")
    else:
        notes.append("The pool is empty right now.")
    if s["model_kernel"] is None:
        notes.append(f"The model has no profile that behaves like kernel {s['kernel_release']} "
                     f"(it covers 6.12 and later).")
    other = [u for u in s["unreadable"] if not u["what"].startswith(ZSWAP_DEBUGFS)]
    for u in other:
        notes.append(f"Not read: {_sentence(u['what'], u['why'])}.")
    return notes


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def format_kernel_summary(summary: dict | None = None) -> str:
    """Readable lines of a :func:`kernel_summary` (read now when not given)."""
    s = kernel_summary() if summary is None else summary
    z = s["zswap"]
    lines = [
        f"kernel {s['kernel_release']} (model profile {s['model_kernel'] or 'none'}), "
        f"{'root' if s['is_root'] else 'not root'}, read {s['time']}",
    ]
    if z["available"]:
        lines.append(
            f"zswap: enabled {_fmt(z['enabled'])}, compressor {_fmt(z['compressor'])}, "
            f"max_pool_percent {_fmt(z['max_pool_percent'])} "
            f"(= {_fmt(s['max_pool_pages'])} of {_fmt(s['memtotal_pages'])} pages), "
            f"accept_threshold_percent {_fmt(z['accept_threshold_percent'])}, "
            f"shrinker {_fmt(z['shrinker_enabled'])}")
    else:
        lines.append("zswap: not in this kernel")
    if s["pool"]:
        lines.append("pool (debugfs zswap/):")
        lines.extend(f"  {key:32s} {_fmt(value)}" for key, value in s["pool"].items())
    if s["swap"]:
        lines.append("swap-out since boot (/proc/vmstat, pages):")
        lines.extend(f"  {key:32s} {_fmt(value)}" for key, value in s["swap"].items())
    moved = {size: stats for size, stats in s["mthp"].items() if any(stats.values())}
    if moved:
        lines.append("large folios swapped out since boot (mTHP stats, folios):")
        for size, stats in moved.items():
            lines.append(f"  {size:>5} kB  zswpout {_fmt(stats.get('zswpout'))}, "
                         f"swpout {_fmt(stats.get('swpout'))}, "
                         f"swpout_fallback {_fmt(stats.get('swpout_fallback'))}")
    elif s["mthp"]:
        lines.append("large folios swapped out since boot: none")
    if s["notes"]:
        lines.append("")
        lines.extend(s["notes"])
    return "\n".join(lines)
