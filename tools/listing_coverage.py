"""Print how the listings cover the model: steps mapped to a line, lines reached.

Runs every built-in scenario under every release (its own reference
strategy where that release takes it, else per-page) and every saved
counterexample, then counts the steps that map to a listing line and, per
release, the listing lines that hold steps: reached by those runs, or
marked as context.

    PYTHONPATH=. python tools/listing_coverage.py
"""

from __future__ import annotations

from pathlib import Path

from zswapviz.errors import UsageError
from zswapviz.listings import code_lines, get_listing, reached_lines
from zswapviz.profiles import KERNEL_NAMES, check_refs
from zswapviz.scenario import builtin_scenarios, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    runs = []
    for name in builtin_scenarios():
        for kernel in KERNEL_NAMES:
            s = load_scenario(name)
            s.kernel = kernel
            try:
                check_refs(s.refs, kernel)
            except UsageError:
                s.refs = "per-page"
            runs.append(s.run())
    extra = [load_scenario(p).run() for p in sorted((ROOT / "data" / "counterexamples").glob("*.json"))]
    for label, traces in (("built-in scenarios x releases", runs), ("counterexamples", extra)):
        total = sum(len(t.steps) for t in traces)
        mapped = sum(hit is not None for t in traces for hit in code_lines(t))
        print(f"{label}: {len(traces)} runs, {mapped} of {total} steps mapped to a line")
    reached = reached_lines(runs)
    print()
    print(f"{'release':8s} {'lines':>6s} {'with steps':>11s} {'reached':>8s} {'context':>8s} {'unmarked':>9s}")
    for kernel in KERNEL_NAMES:
        listing = get_listing(kernel)
        lines = [ln for f in listing.functions for ln in f.lines]
        steps = [ln for ln in lines if ln.patterns]
        hit = [ln for ln in steps if ln.where in reached]
        ctx = [ln for ln in steps if ln.kind == "context"]
        bad = [ln for ln in steps if ln.kind == "code" and ln.where not in reached]
        print(f"{kernel:8s} {len(lines):6d} {len(steps):11d} {len(hit):8d} {len(ctx):8d} {len(bad):9d}")


if __name__ == "__main__":
    main()
