"""Record what the running kernel's zswap does with known pages.

Run as root on the project's machine (Linux 6.18 with zswap built in)::

    .venv/bin/python tools/record_kernel_runs.py            # every case
    .venv/bin/python tools/record_kernel_runs.py --only text-64k --only zram-lzo-pages
    .venv/bin/python tools/record_kernel_runs.py --list
    .venv/bin/python tools/record_kernel_runs.py --build-page-file   # then --only realfiles-...

Each case runs in its own :class:`~zswapviz.kernel.KernelLab` (so from an
empty pool, with every setting restored afterwards) and is written to
``data/kernel/<name>.json`` (runs over the real-files page file: in
``data/kernel/realfiles/``). ``data/kernel/README.md`` describes the format.

``--build-page-file`` rebuilds ``data/kernel/pages/realfiles.pages.xz`` and its
provenance from this machine's files (:mod:`zswapviz.kernel.realfiles`); the
runs over it name it by sha256, so re-record them afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.kernel import KernelLab, lab_problem, read_counters, zram_compressed_lengths, zram_problem  # noqa: E402
from zswapviz.kernel.lab import SWAP_PRIORITY, recover  # noqa: E402
from zswapviz.kernel.labrun import memcg_of_process  # noqa: E402
from zswapviz.kernel.realfiles import REALFILES_NAME, build_page_file, load_page_file, write_page_file  # noqa: E402
from zswapviz.kernel.recorded import RUN_FORMAT, WORKLOAD_FORMAT  # noqa: E402
from zswapviz.kernel.workload import workload_action  # noqa: E402
from zswapviz.kernel.zram import HUGE_CLASS_SIZE  # noqa: E402
from zswapviz.pages import PAGE_SIZE, make_pages, split_pages  # noqa: E402

OUT_DIR = ROOT / "data" / "kernel"
ZRAM_FORMAT = "zswapviz-zram-pages/1"

#: Keys of ``counters``: the simulator's JSON uses the same names.
COUNTER_KEYS = (
    "zswpout",
    "pswpout",
    "zswpwb",
    "stored_pages",
    "pool_total_size",
    "stored_incompressible_pages",
    "pool_limit_hit",
    "reject_compress_poor",
    "reject_compress_fail",
    "reject_alloc_fail",
    "reject_kmemcache_fail",
    "reject_reclaim_fail",
    "written_back_pages",
)

FOLIO_NAMES = {4: "4k", 64: "64k", 2048: "2m"}


@dataclass
class Case:
    """One recorded run: pages from *recipe* in folios of *folio_size_kb*."""

    name: str
    folio_size_kb: int
    recipe: object
    description: str
    compressor: str | None = None
    max_pool_percent: int | None = None
    #: Sub-directory of the output directory ("" for the top level).
    subdir: str = ""


@dataclass
class WorkloadCase:
    """Several steps in one lab: store regions, free some of their pages, compact.

    Each step is ``{"action": "store", "region", "recipe"}``, ``{"action": "free",
    "region", "indices", "how"}`` or ``{"action": "compact"}`` (see
    :meth:`zswapviz.kernel.KernelLab.run_workload`; files recorded before
    named the key ``"op"``, which is still read).
    """

    name: str
    folio_size_kb: int
    steps: list
    description: str
    compressor: str | None = "lzo"
    subdir: str = "workloads"


@dataclass
class ZramCase:
    """Per-page lengths of the pages of *recipe* through zram with *algorithm*."""

    name: str
    algorithm: str
    recipe: list
    description: str


def _cases() -> list:
    cases: list = []
    sizes = {"text": 2048, "mixed": 2048, "ramp": 2048, "halfzero": 2048, "same": 1024, "random": 512}
    for folio in (4, 64, 2048):
        for kind, pages in sizes.items():
            cases.append(Case(f"{kind}-{FOLIO_NAMES[folio]}", folio,
                              {"kind": kind, "pages": pages, "seed": 1},
                              f"{pages} {kind} pages in {folio} KiB folios"))
    cases.append(Case("zeros-64k", 64, {"kind": "zeros", "pages": 1024, "seed": 1},
                      "1024 all-zero pages in 64 KiB folios: every folio goes to the zeromap"))
    alternate = []
    for i in range(4):
        alternate.append({"kind": "zeros", "pages": 512, "seed": 1})
        alternate.append({"kind": "text", "pages": 512, "seed": i + 1})
    cases.append(Case("zerofolio-text-2m", 2048, alternate,
                      "8 folios of 2 MiB alternating all-zero and text: the zero folios "
                      "go to the zeromap, the text folios to zswap"))
    # About 1 % of RAM is the pool limit; text takes about 0.63 pool pages per
    # page, so 640 MiB of text crosses it about 60 % of the way through.
    limit = [{"kind": "text", "pages": 4096, "seed": 1 + i % 4} for i in range(40)]
    cases.append(Case("pool-limit-2m", 2048, limit,
                      "640 MiB of text in 2 MiB folios with max_pool_percent=1: the global "
                      "pool limit is reached part-way", max_pool_percent=1))
    for compressor in ("lzo-rle", "deflate"):
        for kind in ("text", "ramp"):
            cases.append(Case(f"{kind}-64k-{compressor}", 64, {"kind": kind, "pages": 2048, "seed": 1},
                              f"2048 {kind} pages in 64 KiB folios, compressor {compressor}",
                              compressor=compressor))
    realfiles = {"page_file": REALFILES_NAME, "sha256": _page_file_sha256(REALFILES_NAME)}
    for folio in (4, 64, 2048):
        cases.append(Case(f"realfiles-{FOLIO_NAMES[folio]}", folio, realfiles,
                          f"1024 pages of real files (licences, Python source and bytecode, gzip "
                          f"data, ELF executables and libraries) in {folio} KiB folios",
                          subdir="realfiles"))
    for compressor in ("lzo-rle", "deflate"):
        cases.append(Case(f"realfiles-64k-{compressor}", 64, realfiles,
                          f"1024 pages of real files in 64 KiB folios, compressor {compressor}",
                          compressor=compressor, subdir="realfiles"))
    cases.extend(_workload_cases(realfiles))
    zram_recipe = ([{"kind": "text", "pages": 512, "seed": 11},
                    {"kind": "ramp", "pages": 1024, "seed": 11},
                    {"kind": "mixed", "pages": 256, "seed": 11}]
                   + [{"kind": "same", "pages": 1, "seed": s} for s in range(11, 43)])
    for algorithm in ("lzo", "lzo-rle"):
        cases.append(ZramCase(f"zram-{algorithm}-pages", algorithm, zram_recipe,
                              f"length the kernel's {algorithm} gives each page, read through zram0"))
    return cases


def _free(region: str, pages: int, how: str) -> dict:
    """A free step: which pages of *region* (of *pages* pages) are unmapped, in order."""
    if how.startswith("random-half-seed-"):
        import random

        indices = sorted(random.Random(int(how.rsplit("-", 1)[1])).sample(range(pages), pages // 2))
    elif how == "odd-pages":
        indices = list(range(1, pages, 2))
    elif how == "first-half":
        indices = list(range(pages // 2))
    else:
        raise ValueError(how)
    return {"action": "free", "region": region, "how": how, "indices": indices}


def _workload_cases(realfiles: dict) -> list:
    ramp_a = {"kind": "ramp", "pages": 2048, "seed": 3}
    ramp_b = {"kind": "ramp", "pages": 1024, "seed": 4}
    what = ("store A, unmap {how} of A, store B, then run the slab shrinkers once "
            "(drop_caches=2, which compacts the zsmalloc pool)")
    out = []
    for name, folio, a, pages, how in (
        ("free-refill-ramp-4k", 4, ramp_a, 2048, "random-half-seed-7"),
        ("free-refill-ramp-2m", 2048, ramp_a, 2048, "odd-pages"),
        ("free-refill-realfiles-64k", 64, realfiles, 1024, "random-half-seed-7"),
        ("free-refill-realfiles-4k", 4, realfiles, 1024, "first-half"),
    ):
        steps = [{"action": "store", "region": "A", "recipe": a}, _free("A", pages, how),
                 {"action": "store", "region": "B", "recipe": ramp_b}, {"action": "compact"}]
        out.append(WorkloadCase(name, folio, steps, what.format(how=how.replace("-", " "))
                                + f", in {folio} KiB folios"))
    return out


#: Counters kept after each workload step.
WORKLOAD_KEYS = ("stored_pages", "pool_total_size", "stored_incompressible_pages", "zswpout",
                 "pswpout", "swpout_zero", "pool_limit_hit", "written_back_pages")


def record_workload(case: WorkloadCase) -> dict:
    """Run the steps of *case* in a fresh lab and return its JSON object."""
    steps = []
    for step in case.steps:
        if workload_action(step) == "store":
            steps.append(dict(step, pages=build_pages(step["recipe"])))
        else:
            steps.append(step)
    n = sum(len(s["pages"]) for s in steps if "pages" in s) // PAGE_SIZE
    swap_mib = max(64, (n * PAGE_SIZE * 5 // 4 >> 20) + 64)
    with KernelLab(case.folio_size_kb, compressor=case.compressor, swap_mib=swap_mib) as lab:
        memtotal = read_counters()["memtotal_pages"]
        results = lab.run_workload(steps)
        params = dict(lab.params)
    keys = list(WORKLOAD_KEYS)
    if case.folio_size_kb > 4:
        keys.append(f"mthp_{case.folio_size_kb}kB_zswpout")
    recorded = []
    for step, result in zip(case.steps, results):
        entry = {k: v for k, v in step.items()}
        entry["counters"] = {k: result.get(k, 0) for k in keys}
        recorded.append(entry)
    return {
        "format": WORKLOAD_FORMAT,
        "name": case.name,
        "description": case.description,
        "folio_size_kb": case.folio_size_kb,
        "steps": recorded,
        "provenance": {
            "kernel_release": os.uname().release,
            "date": _now(),
            "compressor": params["compressor"],
            "zswap_params": params,
            "max_pool_percent": int(params["max_pool_percent"]),
            "accept_threshold_percent": int(params["accept_threshold_percent"]),
            "memtotal_pages": memtotal,
            "thp_settings": dict(lab.thp),
            "method": "KernelLab.run_workload: MADV_PAGEOUT of 2 MiB-aligned anonymous "
                      "private regions, munmap of single pages, drop_caches=2; one CPU; "
                      "counters are changes since before the first step",
            "memcg": memcg_of_process(),
            "pool_empty_at_start": True,
            "tool": "tools/record_kernel_runs.py",
        },
    }


def _page_file_sha256(name: str) -> str | None:
    path = OUT_DIR / "pages" / f"{name}.json"
    try:
        return json.loads(path.read_text())["sha256"]
    except (OSError, ValueError, KeyError):
        return None


@lru_cache(maxsize=None)
def _chunk(kind: str, pages: int, seed: int) -> bytes:
    return make_pages(kind, pages, seed)


def build_pages(recipe) -> bytes:
    """The pages of *recipe*, like :func:`zswapviz.pages.pages_from_recipe`.

    Identical parts of a recipe list are made once (the pool-limit case
    repeats four texts ten times).
    """
    if isinstance(recipe, list):
        return b"".join(build_pages(r) for r in recipe)
    if "page_file" in recipe:
        return load_page_file(recipe["page_file"])
    return _chunk(recipe["kind"], recipe["pages"], recipe.get("seed", 1))


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def _dump(obj: dict, path: Path) -> None:
    text = json.dumps(obj, indent=2)
    # Keep lists of numbers and flat objects (recipe parts) on one line each.
    text = re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
                  lambda m: "[" + ", ".join(m.group(1).replace(",", " ").split()) + "]", text)
    text = re.sub(r"\{\n\s*(\"kind\"[^{}\[\]]*?)\n\s*\}",
                  lambda m: "{" + " ".join(m.group(1).split()) + "}", text)
    path.write_text(text + "\n")


def _mem_available() -> int | None:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def record_case(case: Case) -> dict:
    """Run *case* in a fresh lab and return its JSON object."""
    pages = build_pages(case.recipe)
    n = len(pages) // PAGE_SIZE
    available = _mem_available()
    if available is not None and 3 * len(pages) > available:
        raise UsageError(f"case {case.name} needs about {3 * len(pages) >> 20} MiB of free "
                         f"memory and only {available >> 20} MiB is available")
    swap_mib = max(64, (n * PAGE_SIZE * 5 // 4 >> 20) + 64)
    with KernelLab(case.folio_size_kb, max_pool_percent=case.max_pool_percent,
                   compressor=case.compressor, swap_mib=swap_mib) as lab:
        memtotal = read_counters()["memtotal_pages"]
        run = lab.run_pages(pages)
        params, thp, other_swaps = dict(lab.params), dict(lab.thp), list(lab.other_swaps)
    counters = {key: run.get(key, 0) for key in COUNTER_KEYS}
    if case.folio_size_kb > 4:
        for stat in ("zswpout", "swpout"):
            key = f"mthp_{case.folio_size_kb}kB_{stat}"
            counters[key] = run.get(key, 0)
    if "swpout_zero" in run:
        counters["swpout_zero"] = run["swpout_zero"]
    check = run["check"]
    # Fault counts are left out: they are system-wide, and while the lab runs
    # every process on the machine faults in folios of the chosen size.
    other = {k: v for k, v in sorted(run.items())
             if k not in counters and k not in ("check", "elapsed_s") and v
             and "_anon_fault_" not in k}
    max_pool = int(params["max_pool_percent"])
    accept = int(params["accept_threshold_percent"])
    max_pages = memtotal * max_pool // 100
    return {
        "format": RUN_FORMAT,
        "name": case.name,
        "description": case.description,
        "folio_size_kb": case.folio_size_kb,
        "recipe": case.recipe,
        "pages": n,
        "provenance": {
            "kernel_release": os.uname().release,
            "date": _now(),
            "compressor": params["compressor"],
            "zswap_params": params,
            "max_pool_percent": max_pool,
            "accept_threshold_percent": accept,
            "memtotal_pages": memtotal,
            "max_pool_pages": max_pages,
            "accept_pool_pages": max_pages * accept // 100,
            "page_size": PAGE_SIZE,
            "folio_size_kb": case.folio_size_kb,
            "thp_settings": thp,
            "madvise": "MADV_NOHUGEPAGE" if case.folio_size_kb == 4 else
                       "MADV_HUGEPAGE" if case.folio_size_kb == 2048 else None,
            "method": "MADV_PAGEOUT of a 2 MiB-aligned anonymous private mapping, one CPU",
            "swap_device": f"loop device over a {swap_mib} MiB file, rotational 0, "
                           f"swap priority {SWAP_PRIORITY}, swapped on just before the run",
            "other_swaps": other_swaps,
            "pool_empty_at_start": check["pool_empty_at_start"],
            "memcg": memcg_of_process(),
            "tool": "tools/record_kernel_runs.py",
        },
        "counters": counters,
        "swpout_fallback": run.get(f"mthp_{case.folio_size_kb}kB_swpout_fallback", 0)
        if case.folio_size_kb > 4 else None,
        "other_deltas": other,
        "check": check,
        "elapsed_s": round(run["elapsed_s"], 6),
    }


def record_zram(case: ZramCase) -> dict:
    """Read the per-page lengths of *case* through zram0 and return its JSON object."""
    pages = split_pages(build_pages(case.recipe))
    details = zram_compressed_lengths(pages, case.algorithm, details=True)
    return {
        "format": ZRAM_FORMAT,
        "name": case.name,
        "description": case.description,
        "recipe": case.recipe,
        "pages": len(pages),
        "distinct_pages": len(set(pages)),
        "provenance": {
            "kernel_release": os.uname().release,
            "date": _now(),
            "algorithm": case.algorithm,
            "device": "zram0",
            "method": "one page per sector, written with O_DIRECT; length = change of "
                      "compr_data_size in /sys/block/zram0/mm_stat",
            "huge_class_size": HUGE_CLASS_SIZE,
            "tool": "tools/record_kernel_runs.py",
        },
        "lengths": [d["length"] for d in details],
        "huge": [i for i, d in enumerate(details) if d["huge"]],
        "same_filled": [i for i, d in enumerate(details) if d["same_filled"]],
        "caveat": f"zram reports 4096 for every length >= {HUGE_CLASS_SIZE} (huge pages, "
                  "listed in 'huge') and 0 for same-filled pages (one 8-byte word "
                  "repeated, listed in 'same_filled'), which it does not compress",
    }


def _headline(obj: dict) -> str:
    if obj["format"] == WORKLOAD_FORMAT:
        return "  ".join(f"{workload_action(s)}: stored {s['counters']['stored_pages']} pool "
                         f"{s['counters']['pool_total_size'] // PAGE_SIZE}" for s in obj["steps"])
    if obj["format"] == ZRAM_FORMAT:
        lengths = obj["lengths"]
        return (f"{obj['pages']} pages, {len(obj['huge'])} huge, "
                f"{len(obj['same_filled'])} same-filled, mean {sum(lengths) / len(lengths):.0f} B")
    c = obj["counters"]
    mthp = " ".join(f"{k}={v}" for k, v in c.items() if k.startswith("mthp_"))
    text = (f"stored {c['stored_pages']} pool {c['pool_total_size']} "
            f"({c['pool_total_size'] // PAGE_SIZE} pages) incompressible "
            f"{c['stored_incompressible_pages']} zswpout {c['zswpout']} pswpout {c['pswpout']} "
            f"limit_hit {c['pool_limit_hit']} {mthp}")
    if obj["check"]["warnings"]:
        text += f"  WARNINGS: {obj['check']['warnings']}"
    return text


def main(argv: list[str] | None = None) -> int:
    """Record the cases asked for; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="record only this case (repeatable; see --list)")
    parser.add_argument("--list", action="store_true", help="list the case names and exit")
    parser.add_argument("--recover", action="store_true",
                        help="only restore settings left changed by a killed run, then exit")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: %(default)s)")
    parser.add_argument("--build-page-file", action="store_true",
                        help="rebuild data/kernel/pages/realfiles.pages.xz from this machine's files, then exit")
    args = parser.parse_args(argv)
    if args.build_page_file:
        try:
            data, provenance = build_page_file()
        except UsageError as e:
            print(f"record_kernel_runs: error: {e}", file=sys.stderr)
            return 2
        xz = write_page_file(data, provenance, args.out / "pages")
        print(f"{xz}: {len(data) // PAGE_SIZE} pages, {xz.stat().st_size} bytes, "
              f"sha256 {provenance['sha256']}")
        return 0
    cases = _cases()
    if args.recover:
        try:
            recover()
        except UsageError as e:
            print(f"record_kernel_runs: error: {e}", file=sys.stderr)
            return 2
        return 0
    if args.list:
        for case in cases:
            print(f"{case.name:24} {case.description}")
        return 0
    if args.only:
        known = {c.name for c in cases}
        unknown = [n for n in args.only if n not in known]
        if unknown:
            print(f"record_kernel_runs: error: unknown case {', '.join(unknown)}; "
                  f"see --list", file=sys.stderr)
            return 2
        cases = [c for c in cases if c.name in args.only]
    from zswapviz.kernel.lab import allow_live

    allow_live()  # running this script is the request for live runs
    problem = lab_problem() or (zram_problem() if any(isinstance(c, ZramCase) for c in cases) else None)
    if problem:
        print(f"record_kernel_runs: error: {problem}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        for case in cases:
            t = time.monotonic()
            if isinstance(case, ZramCase):
                obj = record_zram(case)
            elif isinstance(case, WorkloadCase):
                obj = record_workload(case)
            else:
                obj = record_case(case)
            directory = args.out / getattr(case, "subdir", "")
            directory.mkdir(parents=True, exist_ok=True)
            _dump(obj, directory / f"{case.name}.json")
            print(f"{case.name:24} {time.monotonic() - t:6.1f} s  {_headline(obj)}", flush=True)
    except UsageError as e:
        print(f"record_kernel_runs: error: {e}", file=sys.stderr)
        return 2
    print(f"recorded {len(cases)} cases in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
