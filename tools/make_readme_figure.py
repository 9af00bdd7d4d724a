"""Draw docs/zswap_store.png, the README's picture, from the demo scenario.

Run: .venv/bin/python tools/make_readme_figure.py
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zswapviz.plots import STATE_COLORS, draw_ledger, draw_occupancy_timeline  # noqa: E402
from zswapviz.scenario import load_scenario  # noqa: E402


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "docs" / "zswap_store.png"
    traces = {}
    for kernel in ("6.13", "6.14"):
        scenario = load_scenario("demo")
        scenario.kernel = kernel
        scenario.stale = [9, 12]
        traces[kernel] = scenario.run()
    fig, axes = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True,
                             gridspec_kw={"height_ratios": [1.3, 1, 1]})
    draw_occupancy_timeline(axes[0], traces["6.14"])
    axes[0].set_title("zswap_store() of a 64 KiB folio (16 pages), zs_malloc failing at page 5, stale entries at 9 and 12")
    axes[0].legend(handles=[Patch(color=STATE_COLORS[s], label=s) for s in ("stale", "storing", "stored", "erased", "disk")],
                   loc="upper left", ncol=5, fontsize=8)
    for ax, kernel in zip(axes[1:], ("6.13", "6.14")):
        draw_ledger(ax, traces[kernel], keys=("stored_pages", "pool_refs", "objcg_refs", "objcg_zswap_kib"))
        ax.set_title(f"kernel {kernel}: the ledger over the steps"
                     + (" - stored_pages and the charge end below zero (fixed by 63895d20d63b)" if kernel == "6.13" else " - everything returns to zero"),
                     fontsize=10)
        ax.legend(loc="upper left", fontsize=8, ncol=4)
    axes[-1].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    print(out)


if __name__ == "__main__":
    main()
