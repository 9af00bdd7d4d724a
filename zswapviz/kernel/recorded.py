"""Recorded kernel runs: what this project's 6.18 kernel did, for machines without one.

``data/kernel/*.json`` (generated pages, named by a recipe) and
``data/kernel/realfiles/*.json`` (pages of real files, shipped as a page file
in ``data/kernel/pages/``) were recorded by ``tools/record_kernel_runs.py``
(format ``zswapviz-kernel-run/1``, described in ``data/kernel/README.md``).

* :func:`recorded_runs` lists them;
* :func:`recording_pages` gives a run's pages byte for byte;
* :func:`recorded_workloads` and :func:`replay_workload`: multi-step runs
  (``data/kernel/workloads/``: store, free some pages, store again, compact)
  and the model's counters after each step;
* :func:`as_kernel_result` turns one into the shape of
  :func:`~zswapviz.kernel.labrun.lab_run`'s result, so that
  :func:`~zswapviz.kernel.labrun.model_run`,
  :func:`~zswapviz.kernel.compare.format_comparison` and
  :func:`~zswapviz.kernel.compare.plot_comparison` take either.

>>> runs = recorded_runs()
>>> len(runs) > 20 and all(r["format"] == "zswapviz-kernel-run/1" for r in runs)
True
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from ..errors import UsageError
from ..resources import data_path
from .workload import WORKLOAD_ACTION_KEY, workload_action

__all__ = ["DATA_DIR", "RUN_FORMAT", "WORKLOAD_FORMAT", "as_kernel_result",
           "recorded_run", "recorded_runs", "recorded_workloads", "recording_pages",
           "replay_workload"]

#: ``data/kernel`` of the repository.
DATA_DIR = data_path("kernel")

RUN_FORMAT = "zswapviz-kernel-run/1"

#: Sub-directories of :data:`DATA_DIR` that hold runs besides the top level.
_RUN_DIRS = ("", "realfiles")


def _run_paths() -> list[Path]:
    paths = []
    for sub in _RUN_DIRS:
        directory = DATA_DIR / sub if sub else DATA_DIR
        paths.extend(p for p in sorted(directory.glob("*.json")) if not p.name.startswith("zram-"))
    return paths


def recorded_runs() -> list[dict]:
    """Every recorded kernel run, sorted by directory and name."""
    runs = []
    for path in _run_paths():
        run = json.loads(path.read_text())
        if run.get("format") == RUN_FORMAT:
            run["path"] = str(path.relative_to(DATA_DIR))
            runs.append(run)
    return runs


def recorded_run(name: str) -> dict:
    """The recorded run called *name* (file name without ``.json``)."""
    for run in recorded_runs():
        if run["name"] == name:
            return run
    names = ", ".join(r["name"] for r in recorded_runs())
    raise UsageError(f"no recorded kernel run {name!r}; recorded: {names}")


@lru_cache(maxsize=16)
def _chunk(kind: str, pages: int, seed: int) -> bytes:
    from ..pages import make_pages

    return make_pages(kind, pages, seed)


def recording_pages(run: dict) -> bytes:
    """The pages of a recorded run, byte for byte.

    A ``recipe`` of ``{kind, pages, seed}`` parts (each distinct part made
    once: the pool-limit run repeats four parts ten times) or a
    ``{"page_file": name, "sha256": ...}`` shipped in ``data/kernel/pages/``.
    """
    recipe = run["recipe"]
    if isinstance(recipe, dict) and "page_file" in recipe:
        from .realfiles import load_page_file

        data = load_page_file(recipe["page_file"])
        if recipe.get("sha256") and hashlib.sha256(data).hexdigest() != recipe["sha256"]:
            raise UsageError(f"page file {recipe['page_file']!r} is not the one run "
                             f"{run['name']!r} was recorded with (sha256 differs)")
        return data
    parts = recipe if isinstance(recipe, list) else [recipe]
    try:
        return b"".join(_chunk(p["kind"], p["pages"], p.get("seed", 1)) for p in parts)
    except (KeyError, TypeError):
        raise UsageError(f"run {run.get('name')!r} has a recipe this version cannot read: "
                         f"{recipe!r}") from None


def as_kernel_result(run: dict) -> dict:
    """A recorded run in the shape of :func:`~zswapviz.kernel.labrun.lab_run`'s result."""
    from .summary import model_kernel_for_release

    prov = run["provenance"]
    out = dict(run["counters"])
    folio_pages = run["folio_size_kb"] // 4
    out.update({
        "kernel": model_kernel_for_release(prov["kernel_release"]),
        "kernel_release": prov["kernel_release"],
        "compressor": prov["compressor"],
        "folio_pages": folio_pages,
        "folios": run["pages"] // folio_pages,
        "pages": run["pages"],
        "MemTotal": prov["memtotal_pages"],
        "max_pool_percent": prov["max_pool_percent"],
        "accept_threshold_percent": prov["accept_threshold_percent"],
        "max_pool_pages": prov["max_pool_pages"],
        "zswap_params": prov.get("zswap_params"),
        # MADV_PAGEOUT ran in the root memory cgroup or a cgroup v1 one.
        "memcg": prov.get("memcg") or {"version": 1, "path": None, "model_root_cgroup": True},
        "elapsed_s": run.get("elapsed_s"),
        "us_per_page": run["elapsed_s"] / run["pages"] * 1e6 if run.get("elapsed_s") else None,
        "swpout_fallback": run.get("swpout_fallback"),
        "pool_empty_at_start": prov["pool_empty_at_start"],
        "warnings": list(run.get("check", {}).get("warnings", [])),
        "recorded": run["name"],
        "date": prov.get("date"),
    })
    return out


WORKLOAD_FORMAT = "zswapviz-kernel-workload/1"

def recorded_workloads() -> list[dict]:
    """Every recorded workload (``data/kernel/workloads/*.json``), sorted by name."""
    out = []
    for path in sorted((DATA_DIR / "workloads").glob("*.json")):
        obj = json.loads(path.read_text())
        if obj.get("format") == WORKLOAD_FORMAT:
            obj["path"] = str(path.relative_to(DATA_DIR))
            out.append(obj)
    return out


def replay_workload(workload: dict) -> list[dict]:
    """Run a recorded workload's steps through the model; return its counters after each.

    A step names what it does under ``"action"`` (:func:`~zswapviz.kernel.workload.workload_action`;
    ``"op"``, its older name, is still read, for workload files of one's own
    written before), and so does each returned row.

    ``store`` steps swap the region's pages out folio by folio (as
    :func:`zswapviz.simulate.simulate` does), ``free`` steps invalidate the
    listed pages' swap slots in order (``zswap_invalidate``, which frees
    their zsmalloc objects), and ``compact`` steps run the pool shrinker
    (``zs_pool_shrink``: ``zs_compact`` on every pool), as the recording's
    ``drop_caches`` did. Each result holds the step's recorded counter keys.
    """
    import numpy as np

    from ..actions import drive
    from ..compress import get_compressor
    from ..constants import PAGE_SIZE
    from ..ledger import ledger
    from ..model.world import Params, World
    from ..simulate import bulk_folios
    from ..store import swap_writepage, zs_pool_shrink, zswap_invalidate
    from .summary import model_kernel_for_release

    prov = workload["provenance"]
    folio_pages = workload["folio_size_kb"] // 4
    params = Params(compressor=prov["compressor"], max_pool_percent=prov["max_pool_percent"],
                    accept_threshold_percent=prov["accept_threshold_percent"],
                    total_ram_pages=prov["memtotal_pages"])
    world = World(model_kernel_for_release(prov["kernel_release"]), params, memcg=None)
    comp = get_compressor(prov["compressor"])
    regions: dict[str, list[int]] = {}
    out = []
    for step in workload["steps"]:
        action = workload_action(step)
        if action == "store":
            data = recording_pages({"name": workload["name"], "recipe": step["recipe"]})
            arr = np.frombuffer(data, np.uint8).reshape(-1, PAGE_SIZE)
            offsets = []
            for folio in bulk_folios(world, arr, folio_pages, comp):
                drive(swap_writepage(world, folio))
                offsets.extend(range(folio.offset, folio.offset + folio_pages))
            regions[step["region"]] = offsets
        elif action == "free":
            offsets = regions[step["region"]]
            for i in step["indices"]:
                drive(zswap_invalidate(world, offsets[i]))
        elif action == "compact":
            drive(zs_pool_shrink(world))
        else:
            raise UsageError(f"unknown workload step {action!r}; known: store, free, compact")
        stats = dict(world.stats)
        stats["pool_total_size"] = ledger(world)["pool_total_size"]
        out.append({WORKLOAD_ACTION_KEY: action, **{k: stats.get(k, 0) for k in step["counters"]}})
    return out
