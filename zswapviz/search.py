"""Find the bugs automatically: a Hypothesis search for broken variants.

For one kernel and reference strategy, :func:`find_counterexample`
searches scenarios (folio size, page contents, a fault at some page, stale
entries, another actor acting at some step in ``realistic`` mode) for one
whose trace breaks a validator, and shrinks it to the smallest. Broken
combinations (6.13's and v9's accounting, ``batch-after``,
``batch-before-drop-all``, ``batch-before-drop-none``) give a
counterexample; the merged code and ``batch-before`` give none.
:func:`save_counterexample` writes it as a scenario file the explorer and
the reports open (``data/counterexamples/``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .constants import DEFAULT_COMPRESSOR, DEFAULT_REFS
from .errors import UsageError
from .faults import FAULT_KINDS
from .interleave import ACTORS
from .profiles import KERNEL_NAMES, REF_STRATEGIES, check_refs, get_profile
from .resources import data_path
from .scenario import Scenario

__all__ = ["COUNTEREXAMPLE_DIR", "add_commands", "expected_broken", "find_counterexample",
           "save_counterexample", "variants"]

COUNTEREXAMPLE_DIR = data_path("counterexamples")
_AFTER_FNS = ("zswap_pool_current_get", "zswap_entry_cache_alloc", "xa_store", "zswap_lru_add")


def variants() -> list[tuple[str, str]]:
    """Every valid (kernel, refs) pair."""
    out = []
    for kernel in KERNEL_NAMES:
        for refs in REF_STRATEGIES:
            try:
                check_refs(refs, kernel)
            except UsageError:
                continue
            out.append((kernel, refs))
    return out


def expected_broken(kernel: str, refs: str) -> bool:
    """Whether the review thread and the fixes say this variant is wrong."""
    return kernel in ("6.13", "v9") or refs in ("batch-after", "batch-before-drop-all", "batch-before-drop-none")


def _scenarios(kernel: str, refs: str):
    """A Hypothesis strategy of small scenarios for one variant."""
    from hypothesis import strategies as st

    large_ok = get_profile(kernel).large_folios

    @st.composite
    def build(draw):
        nr = draw(st.sampled_from([1, 2, 4, 8, 16]))
        kinds = draw(st.lists(st.sampled_from(["text", "random"]), min_size=1, max_size=1))
        fault = draw(st.none() | st.tuples(st.integers(0, nr - 1), st.sampled_from(sorted(FAULT_KINDS))))
        # A large folio cannot carry stale zswap entries on kernels that refuse
        # large folios: large-folio swap-in falls back to order 0 once zswap
        # was ever enabled, so its slots were never stored one page at a time
        stale = draw(st.lists(st.integers(0, nr - 1), unique=True, max_size=2)) if large_ok or nr == 1 else []
        inter = []
        if draw(st.booleans()):
            actor = draw(st.sampled_from(ACTORS))
            spec = {"actor": actor, "after_fn": draw(st.sampled_from(_AFTER_FNS)),
                    "after_page": draw(st.integers(0, nr - 1))}
            if actor == "compressor_switch":
                spec["compressor"] = "deflate"
            inter.append(spec)
        return Scenario(
            title=f"Counterexample: kernel {kernel}, refs {refs}",
            pages={"kind": kinds[0], "pages": nr, "seed": 1}, folio_pages=nr,
            kernel=kernel, refs=refs, compressor=DEFAULT_COMPRESSOR,
            faults={fault[0]: fault[1]} if fault else {}, stale=sorted(stale), interleave=inter,
        )

    return build()


def _violations(scenario: Scenario) -> list[str]:
    return scenario.run().world.violations


def find_counterexample(kernel: str, refs: str = DEFAULT_REFS, max_examples: int = 400) -> Scenario | None:
    """The smallest scenario whose run breaks a validator, or None if none was found.

    Deterministic (derandomized); *max_examples* bounds the search.
    """
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    check_refs(refs, kernel)
    try:
        found = find(
            _scenarios(kernel, refs), lambda s: bool(_violations(s)),
            settings=settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                              suppress_health_check=list(HealthCheck)),
        )
    except NoSuchExample:
        return None
    problems = _violations(found)
    return replace(found, notes="Found and shrunk by zswapviz.search (Hypothesis). The validators report: "
                   + "; ".join(problems))


def save_counterexample(scenario: Scenario, directory: str | Path = COUNTEREXAMPLE_DIR) -> Path:
    """Write *scenario* as ``<kernel>-<refs>.json`` in *directory*; return the path."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder {str(directory)!r}: {e.strerror or e}") from None
    if not directory.is_dir():
        raise UsageError(f"cannot write into {str(directory)!r}: it is not a folder")
    path = directory / f"{scenario.kernel}-{scenario.refs}.json"
    scenario.save(path)
    return path


def _run(args) -> int:
    pairs = variants()
    if args.kernel:
        pairs = [p for p in pairs if p[0] == args.kernel] or [(args.kernel, args.refs or DEFAULT_REFS)]
    if args.refs:
        pairs = [p for p in pairs if p[1] == args.refs]
    for kernel, refs in pairs:
        check_refs(refs, kernel)
        found = find_counterexample(kernel, refs, args.max_examples)
        if found is None:
            print(f"{kernel:7s} {refs:24s} no counterexample in {args.max_examples} examples")
            continue
        path = save_counterexample(found, args.save) if args.save else None
        fault = ", ".join(f"page {p}: {k}" for p, k in found.faults.items()) or "no fault"
        print(f"{kernel:7s} {refs:24s} BROKEN: {found.folio_pages}-page folio, {fault}"
              + (f", stale {found.stale}" if found.stale else "")
              + (f", {found.interleave[0]['actor']} after {found.interleave[0]['after_fn']}" if found.interleave else "")
              + (f" -> {path}" if path else ""))
    return 0


def _max_examples(text: str) -> int:
    from .units import argument_type

    @argument_type
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= 100_000):
            raise UsageError(f"--max-examples must be a whole number from 1 to 100000, not {text[:40]!r}")
        return int(text)
    return parse(text)


def add_commands(sub) -> None:
    """Add ``zswapviz search`` to the command line."""
    p = sub.add_parser("search", help="search for scenarios that break each kernel / reference-strategy variant")
    p.add_argument("--kernel", choices=KERNEL_NAMES, default=None, help="one kernel (default: all)")
    p.add_argument("--refs", choices=tuple(REF_STRATEGIES), default=None, help="one strategy (default: all)")
    p.add_argument("--max-examples", type=_max_examples, default=400, metavar="N",
                   help="examples Hypothesis tries per variant, 1 to 100000 (default 400)")
    p.add_argument("--save", metavar="DIR", default=None,
                   help=f"write each counterexample as a scenario file there (e.g. {COUNTEREXAMPLE_DIR.relative_to(COUNTEREXAMPLE_DIR.parents[1])})")
    p.set_defaults(func=_run)


def main(argv: list[str] | None = None) -> int:
    """Run the search from ``python -m zswapviz.search``."""
    parser = argparse.ArgumentParser(prog="zswapviz search")
    sub = parser.add_subparsers()
    add_commands(sub)
    return _run(parser.parse_args(["search"] + (argv or [])))


if __name__ == "__main__":
    import sys

    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"zswapviz: error: {e}", file=sys.stderr)
        sys.exit(2)
