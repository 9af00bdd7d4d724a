"""One page file through the real kernel, and the same pages through the model.

:func:`lab_run` is what ``zswapviz lab run`` does: it refuses in one sentence
when the kernel lab cannot run here (not root, no zswap, a folio size or a
compressor this kernel lacks, too little memory or disk), otherwise runs the
pages in a :class:`~zswapviz.kernel.lab.KernelLab` (empty pool, every setting
restored) and returns the counters under the keys of ``zswapviz simulate
--json`` that the kernel exposes, plus where they came from.

:func:`model_run` runs :func:`zswapviz.simulate.simulate` on the same pages
with the kernel run's compressor, limits, ``MemTotal`` and memory cgroup, so
the two results can be put side by side (:mod:`.compare`).
"""

from __future__ import annotations

import os
import shutil

from ..constants import PAGE_SIZE
from ..errors import UsageError
from . import counters
from .lab import session, settings
from .summary import model_kernel_for_release

__all__ = [
    "MODEL_ONLY_KEYS",
    "exposed_keys",
    "kernel_compressors",
    "lab_refusal",
    "lab_run",
    "memcg_of_process",
    "model_run",
]


#: ``simulate --json`` keys the kernel does not expose globally: the memcg
#: charge and the reference counts are internal, the violations are the
#: model's own invariant checks.
MODEL_ONLY_KEYS = ("zswap_b", "pool_refs", "objcg_refs", "violations")


def exposed_keys(folio_pages: int) -> list[str]:
    """The ``simulate --json`` counter keys a kernel run reports, in that order.

    >>> exposed_keys(16)[-2:]
    ['mthp_64kB_zswpout', 'mthp_64kB_swpout']
    """
    from ..simulate import SUMMARY_KEYS

    keys = [k for k in SUMMARY_KEYS if k not in MODEL_ONLY_KEYS]
    if folio_pages > 1:
        kb = folio_pages * PAGE_SIZE // 1024
        keys += [f"mthp_{kb}kB_zswpout", f"mthp_{kb}kB_swpout"]
    return keys


def kernel_compressors() -> list[str]:
    """Compression algorithms of this kernel's crypto API (``/proc/crypto``)."""
    return sorted(n for n in settings._compressors() if n)


def _current_compressor() -> str | None:
    try:
        with open(os.path.join(counters.ZSWAP_PARAMS, "compressor")) as f:
            return f.read().strip()
    except OSError:
        return None


def memcg_of_process() -> dict:
    """This process's memory cgroup, and how the model should stand for it.

    ``version`` (1 or 2, ``None`` when there is no memory controller),
    ``path``, ``zswap_max`` and ``zswap_writeback`` (cgroup v2 files, ``None``
    elsewhere) and ``model_root_cgroup``: on cgroup v1 zswap neither charges
    nor limits a memcg (``obj_cgroup_may_zswap`` and
    ``obj_cgroup_charge_zswap`` return early), which is what the model's
    root cgroup does; on v2 a non-root memcg is modelled as one.
    """
    out = {"version": None, "path": None, "zswap_max": None, "zswap_writeback": None,
           "model_root_cgroup": True}
    try:
        with open("/proc/self/cgroup") as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f if line.count(":") >= 2]
    except OSError:
        return out
    for _, controllers, path in lines:
        if "memory" in controllers.split(","):
            out.update(version=1, path=path)
            return out
    for hierarchy, controllers, path in lines:
        if hierarchy == "0" and controllers == "":
            base = "/sys/fs/cgroup"
            try:
                with open(os.path.join(base, "cgroup.controllers")) as f:
                    if "memory" not in f.read().split():
                        return out
            except OSError:
                return out
            out.update(version=2, path=path, model_root_cgroup=path == "/")
            for name, key in (("memory.zswap.max", "zswap_max"),
                              ("memory.zswap.writeback", "zswap_writeback")):
                try:
                    with open(os.path.join(base, path.lstrip("/"), name)) as f:
                        out[key] = f.read().strip()
                except OSError:
                    pass
    return out


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def swap_mib_for(pages: int) -> int:
    """Size of the lab's swap device for *pages* pages: 1.25 x plus 64 MiB."""
    return max(64, (pages * PAGE_SIZE * 5 // 4 >> 20) + 64)


def lab_refusal(pages: int, folio_pages: int, compressor: str | None = None, *,
                model: bool = False) -> str | None:
    """Say in one sentence why :func:`lab_run` would refuse, or ``None``.

    Only looks; changes nothing. With *model*, also refuses what the model
    cannot reproduce: a compressor it lacks (the one asked for, or else the
    kernel's current one) and a kernel release it has no profile for.
    """
    folio_kb = folio_pages * PAGE_SIZE // 1024
    problem = settings.lab_problem(folio_kb)
    if problem:
        return problem
    available = kernel_compressors()
    if compressor is not None and compressor not in available:
        return (f"this kernel has no compressor {compressor!r}; it has "
                f"{', '.join(available) or 'none'}")
    if model:
        from ..compress import COMPRESSOR_NAMES

        used = compressor or _current_compressor()
        if used not in COMPRESSOR_NAMES:
            both = [c for c in available if c in COMPRESSOR_NAMES]
            how = "the kernel's current compressor " if compressor is None else "compressor "
            return (f"the model has no {how}{used!r}, so it cannot run the same pages; "
                    f"pass --compressor with one that both have: {', '.join(both) or 'none'}")
        release = os.uname().release
        if model_kernel_for_release(release) is None:
            return (f"the model has no profile that behaves like kernel {release} "
                    f"(it covers 6.12 and later), so there is nothing to compare")
    need = 2 * pages * PAGE_SIZE + (64 << 20)
    have = _mem_available()
    if have is not None and need > have:
        return (f"{pages} pages need about {need >> 20} MiB of free memory for the lab and only "
                f"{have >> 20} MiB is available; use fewer pages")
    swap_bytes = swap_mib_for(pages) << 20
    where = os.path.dirname(settings.JOURNAL_PATH)
    while not os.path.isdir(where):
        where = os.path.dirname(where)
    free = shutil.disk_usage(where).free
    if swap_bytes > free:
        return (f"the lab's swap file for {pages} pages needs {swap_bytes >> 20} MiB in {where} "
                f"and only {free >> 20} MiB is free; use fewer pages")
    return None


def _check_pages(pages: bytes, folio_pages: int) -> int:
    if not pages or len(pages) % PAGE_SIZE:
        raise UsageError(f"the pages must be a non-empty multiple of {PAGE_SIZE} bytes, "
                         f"not {len(pages)} bytes")
    n = len(pages) // PAGE_SIZE
    if folio_pages < 1 or folio_pages & (folio_pages - 1) or folio_pages > 512:
        raise UsageError(f"folio_pages must be a power of two from 1 to 512, not {folio_pages!r}")
    if n % folio_pages:
        raise UsageError(f"{n} pages do not fill whole folios of {folio_pages} pages; "
                         f"give a multiple of {folio_pages} pages")
    return n


def lab_run(pages: bytes, folio_pages: int, *, max_pool_percent: int | None = None,
            compressor: str | None = None, accept_threshold_percent: int | None = None,
            model: bool = False) -> dict:
    """Swap *pages* out through this kernel's zswap in folios of *folio_pages*.

    Root only. Prepares what is missing (debugfs, zswap enabled, the
    parameters given, a non-rotational loop-device swap, the mTHP size),
    starts from an empty pool, pages the pages out with ``MADV_PAGEOUT`` and
    restores every setting, also on error, Ctrl-C or SIGTERM. Parameters
    left ``None`` are used as the kernel has them.

    Returns the counter deltas under :func:`exposed_keys` (those this kernel
    has), and ``kernel`` (the model profile that behaves like it),
    ``kernel_release``, ``compressor``, ``folio_pages``, ``folios``,
    ``pages``, ``MemTotal`` (pages), ``max_pool_percent``,
    ``accept_threshold_percent``, ``max_pool_pages``, ``zswap_params``,
    ``memcg`` (:func:`memcg_of_process`), ``elapsed_s`` and ``us_per_page``
    (the ``MADV_PAGEOUT`` call alone), ``swpout_fallback`` (large folios
    split before swap-out; ``None`` for order 0), ``pool_empty_at_start`` and
    ``warnings`` (the lab's checks that the folio size took effect).

    Raises :class:`~zswapviz.errors.UsageError` with one sentence instead
    when it cannot run (see :func:`lab_refusal`); *model* also refuses what
    the model could not reproduce.
    """
    n = _check_pages(pages, folio_pages)
    for name, value in (("max_pool_percent", max_pool_percent),
                        ("accept_threshold_percent", accept_threshold_percent)):
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 100):
            raise UsageError(f"{name} must be a whole percentage from 0 to 100, not {value!r}")
    problem = lab_refusal(n, folio_pages, compressor, model=model)
    if problem:
        raise UsageError(problem)
    folio_kb = folio_pages * PAGE_SIZE // 1024
    try:
        with session.KernelLab(folio_kb, max_pool_percent=max_pool_percent, compressor=compressor,
                               accept_threshold_percent=accept_threshold_percent,
                               swap_mib=swap_mib_for(n)) as lab:
            memtotal = counters.read_counters().get("memtotal_pages")
            run = lab.run_pages(pages)
            params = dict(lab.params)
    except (OSError, RuntimeError) as e:
        raise UsageError(f"the kernel lab failed and put every setting back: {e}") from None
    release = os.uname().release
    result = {key: run[key] for key in exposed_keys(folio_pages) if key in run}
    max_pool = int(params["max_pool_percent"])
    check = run["check"]
    result.update({
        "kernel": model_kernel_for_release(release),
        "kernel_release": release,
        "compressor": params.get("compressor"),
        "folio_pages": folio_pages,
        "folios": n // folio_pages,
        "pages": n,
        "MemTotal": memtotal,
        "max_pool_percent": max_pool,
        "accept_threshold_percent": int(params["accept_threshold_percent"]),
        "max_pool_pages": memtotal * max_pool // 100 if memtotal is not None else None,
        "zswap_params": params,
        "memcg": memcg_of_process(),
        "elapsed_s": run["elapsed_s"],
        "us_per_page": run["elapsed_s"] / n * 1e6,
        "swpout_fallback": run.get(f"mthp_{folio_kb}kB_swpout_fallback") if folio_pages > 1 else None,
        "pool_empty_at_start": check["pool_empty_at_start"],
        "warnings": list(check["warnings"]),
    })
    return result


def model_run(pages: bytes, kernel_result: dict, progress=None) -> dict:
    """Run the model on *pages* as *kernel_result*'s run was made.

    Same folio size, compressor, ``max_pool_percent``,
    ``accept_threshold_percent``, total RAM pages (``MemTotal``) and memory
    cgroup (root on cgroup v1: see :func:`memcg_of_process`), from an empty
    pool, with the model profile that behaves like the kernel. Works
    without root: it reads only *kernel_result* (a recorded one too).
    """
    from ..simulate import simulate

    profile = kernel_result.get("kernel") or model_kernel_for_release(kernel_result["kernel_release"])
    if profile is None:
        raise UsageError(f"the model has no profile that behaves like kernel "
                         f"{kernel_result['kernel_release']}")
    memcg = kernel_result.get("memcg") or {}
    return simulate(
        pages, kernel_result["folio_pages"], kernel=profile,
        compressor=kernel_result["compressor"],
        max_pool_percent=kernel_result["max_pool_percent"],
        accept_threshold_percent=kernel_result["accept_threshold_percent"],
        total_ram_pages=kernel_result["MemTotal"],
        root_cgroup=memcg.get("model_root_cgroup", True),
        progress=progress,
    )
