"""The kernel's counters beside the model's, each difference marked.

Both sides are dicts under the keys of ``zswapviz simulate --json``: a kernel
side from :func:`~zswapviz.kernel.labrun.lab_run` (or a recorded run through
:func:`~zswapviz.kernel.recorded.as_kernel_result`) and a model side from
:func:`~zswapviz.kernel.labrun.model_run`. Only the keys the kernel exposes
are compared; every count must be equal and ``pool_total_size`` exact.

:func:`plot_comparison` draws the same; it imports matplotlib when called,
never when this module is imported.
"""

from __future__ import annotations

from ..constants import PAGE_SIZE
from .labrun import MODEL_ONLY_KEYS

__all__ = ["compare_results", "differences", "format_comparison", "plot_comparison"]


#: Compared keys that count pages (the rest count folios or events).
PAGE_KEYS = ("zswpout", "pswpout", "swpout_zero", "stored_pages", "stored_incompressible_pages",
             "zswpwb", "written_back_pages")


def _compared_keys(kernel: dict) -> list[str]:
    from .labrun import exposed_keys

    return [k for k in exposed_keys(kernel["folio_pages"]) if k in kernel]


def compare_results(kernel: dict, model: dict) -> list[dict]:
    """One row per compared key: ``key``, ``kernel``, ``model``, ``equal``, ``note``.

    ``note`` says how far off ``pool_total_size`` is (bytes, pool pages and
    per cent) when it differs, and is empty otherwise.

    >>> rows = compare_results({"folio_pages": 1, "zswpout": 3}, {"zswpout": 4})
    >>> [(r["key"], r["equal"]) for r in rows]
    [('zswpout', False)]
    """
    rows = []
    for key in _compared_keys(kernel):
        k, m = kernel[key], model.get(key)
        note = ""
        if k != m and key == "pool_total_size" and isinstance(m, int):
            off = m - k
            pct = 100 * off / k if k else float("inf")
            note = f"model {off:+d} B ({off // PAGE_SIZE:+d} pool pages, {pct:+.3f} %)"
        elif k != m and isinstance(m, int):
            note = f"model {m - k:+d}"
        rows.append({"key": key, "kernel": k, "model": m, "equal": k == m, "note": note})
    return rows


def differences(kernel: dict, model: dict) -> dict:
    """``{key: {"kernel": k, "model": m}}`` for every compared key that differs."""
    return {r["key"]: {"kernel": r["kernel"], "model": r["model"]}
            for r in compare_results(kernel, model) if not r["equal"]}


def format_comparison(kernel: dict, model: dict) -> str:
    """A side-by-side table; each differing row is marked ``<>`` and explained."""
    rows = compare_results(kernel, model)
    folio_kb = kernel["folio_pages"] * PAGE_SIZE // 1024
    memcg = kernel.get("memcg") or {}
    lines = [
        f"{kernel.get('pages', '?')} pages in {kernel.get('folios', '?')} folio(s) of {folio_kb} KiB, "
        f"compressor {kernel.get('compressor')}, max_pool_percent {kernel.get('max_pool_percent')}, "
        f"accept_threshold_percent {kernel.get('accept_threshold_percent')}, "
        f"MemTotal {kernel.get('MemTotal')} pages",
        f"kernel {kernel.get('kernel_release')} vs model profile {model.get('kernel')}"
        + (f" ({'root cgroup' if memcg.get('model_root_cgroup', True) else 'one non-root memcg'}"
           f" in the model; the kernel run's memory cgroup: v{memcg.get('version')}"
           + (f" {memcg['path']}" if memcg.get("path") else "") + ")"
           if memcg.get("version") else "")
        + (f", recorded {kernel['date']}" if kernel.get("recorded") and kernel.get("date") else ""),
        "",
        f"   {'counter':32s} {'kernel':>14s} {'model':>14s}",
    ]
    for r in rows:
        mark = "<>" if not r["equal"] else "  "
        model_text = "-" if r["model"] is None else str(r["model"])
        line = f"{mark} {r['key']:32s} {r['kernel']:>14} {model_text:>14s}"
        if r["note"]:
            line += f"   {r['note']}"
        lines.append(line)
    lines.append("")
    bad = [r["key"] for r in rows if not r["equal"]]
    if bad:
        lines.append(f"{len(bad)} of {len(rows)} counters differ (marked <>): {', '.join(bad)}")
    else:
        lines.append(f"all {len(rows)} counters equal, pool_total_size exact")
    extra = [f"{k} {model[k]}" for k in MODEL_ONLY_KEYS if k in model and k != "violations"]
    if extra:
        lines.append("model only (the kernel does not expose them): " + ", ".join(extra))
    violations = model.get("violations")
    if violations is not None:
        lines.append("model invariants: " + ("all hold" if not violations else "; ".join(violations)))
    if kernel.get("elapsed_s") is not None:
        lines.append(f"kernel MADV_PAGEOUT took {kernel['elapsed_s'] * 1e3:.1f} ms "
                     f"({kernel['elapsed_s'] / kernel['pages'] * 1e6:.2f} us per page)")
    for warning in kernel.get("warnings") or []:
        lines.append(f"kernel lab warning: {warning}")
    return "\n".join(lines)


def plot_comparison(kernel: dict, model: dict, ax=None, title: str | None = None):
    """Draw kernel and model counters side by side; return the figure.

    Pages (and ``pool_total_size`` in pool pages) on the left, folios and
    events on the right; a counter that differs is labelled in red with
    ``<>``. Draws into *ax* (a pair of axes) when given.
    """
    if ax is None:
        # A Figure without pyplot: no GUI backend, no global state (saves headless).
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 4.6))
        ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    axes = list(ax)
    fig = axes[0].figure
    rows = compare_results(kernel, model)
    left = [r for r in rows if r["key"] in PAGE_KEYS or r["key"] == "pool_total_size"]
    right = [r for r in rows if r not in left]
    for a, part, unit in ((axes[0], left, "pages"), (axes[1], right, "folios / events")):
        labels, kv, mv, colors = [], [], [], []
        for r in part:
            scale = PAGE_SIZE if r["key"] == "pool_total_size" else 1
            name = "pool_total_size (pool pages)" if r["key"] == "pool_total_size" else r["key"]
            labels.append(("<> " if not r["equal"] else "") + name)
            kv.append(r["kernel"] / scale)
            mv.append((r["model"] or 0) / scale)
            colors.append("#c62828" if not r["equal"] else "black")
        y = range(len(labels))
        a.barh([i - 0.2 for i in y], kv, height=0.4, color="#455a64", label="kernel")
        a.barh([i + 0.2 for i in y], mv, height=0.4, color="#43a047", label="model")
        a.set_yticks(list(y))
        a.set_yticklabels(labels)
        for tick, color in zip(a.get_yticklabels(), colors):
            tick.set_color(color)
        a.invert_yaxis()
        a.set_xlabel(unit)
        top = max(kv + mv + [1])
        for i, (k, m) in enumerate(zip(kv, mv)):
            for dy, v in ((-0.2, k), (0.2, m)):
                a.text(v + top * 0.01, i + dy, f"{v:g}", va="center", fontsize=7,
                       color="black" if v else "#9e9e9e")
        a.set_xlim(0, top * 1.18)
    axes[0].legend(loc="lower right", fontsize=8)
    bad = sum(not r["equal"] for r in rows)
    verdict = (f"{bad} counter(s) differ" if bad else "every counter equal")
    fig.suptitle(title or (f"kernel {kernel.get('kernel_release')} vs model {model.get('kernel')}: "
                           f"{kernel.get('pages')} pages, {kernel['folio_pages'] * 4} KiB folios, "
                           f"{kernel.get('compressor')} - {verdict}"), fontsize=10)
    fig.tight_layout()
    return fig

