"""``zswapviz explain [--kernel K]``: every step a release can take, its sentence and source.

The steps come from :data:`zswapviz.sentences.SENTENCES`, which is written
in the order of the code (swap-out, load, writeback, invalidation, the
compressor switch, the pool shrinker); a step whose meaning depends on its
result or context appears once per case. Each line ends with the source of
the fact: a commit with its release, or a lore message id.
"""

from __future__ import annotations

from .profiles import DEFAULT_KERNEL, KERNEL_NAMES, get_profile
from .sentences import Sentence, sentences_for_kernel

__all__ = ["add_commands", "explain_text", "sample_texts"]

#: The arguments each step is shown with: every outcome its sentence tells apart.
_SAMPLES = {
    "shrink_memcg": (0, -2, -11), "zswap_check_limits": (0, 1), "zswap_entry_cache_alloc": (0, -12),
    "zswap_pool_current_get": (1, 0), "crypto_acomp_compress": (1831, 4400, -22, -28),
    "mem_cgroup_zswap_writeback_enabled": (4096, -22, -28, 0), "zswap_compress": (-22, -28),
    "zpool_malloc": (1831, -28, -12), "zs_malloc": (1831, -28, -12), "xa_store": (0, -12),
    "kmem_cache_alloc_bulk": (8, -12), "xa_erase": (1831, 0), "xa_load": (1831, 0, -12),
    "zswap_decompress": (1831, -5), "zswap_load": (1, 0, -5), "shrink_memcg_cb": (0, 1, -17, -12, -5),
    "__read_swap_cache_async": (0, -17), "xa_cmpxchg": (0, -12), "folio_test_large": (16, -22),
    "zswap_store": (16, 1, 0), "list_lru_walk_one": (0,), "page_counter_cancel": (-1,),
    "zswap_compressor_switch": (0,), "percpu_ref_kill": (3,), "percpu_ref_resurrect": (4,),
    "zs_compact": (3,), "zswap_entry_free": (1831,), "obj_cgroup_charge_zswap": (1831,),
    "zswap_lru_add": (0,),
    ("zswap_store", "start"): (16,), ("xa_load", "load"): (1831, 0), ("__swap_writepage", "writeback"): (1,),
    ("xa_erase", "check_old"): (1831, 0),
}
_PHASES = ("check", "store", "publish", "account", "rollback", "writeback", "done")
_OPS = ("swap_writepage", "zswap_load", "zswap_writeback_one", "zswap_invalidate")


def sample_texts(s: Sentence) -> list[str]:
    """The template's distinct texts for page 0 and each sample argument its condition accepts."""
    out: list[str] = []
    for arg in _SAMPLES.get((s.fn, s.case), _SAMPLES.get(s.fn, (16,))):
        if s.when is not None and not any(s.when(0, arg, ph, op) for ph in _PHASES for op in _OPS):
            continue
        text = s.text(0, arg)
        if text not in out:
            out.append(text)
    return out or [s.text(0, 16)]


def explain_text(kernel: str) -> str:
    """The whole listing for one profile, as printed by ``zswapviz explain``."""
    profile = get_profile(kernel)
    lines = [f"{profile.name}: {profile.title}"]
    if profile.unmerged:
        lines.append("NOTE: a model of code that was never merged.")
    lines.append(f"source: {profile.source}")
    if profile.stable_notes:
        lines.append(f"stable updates: {profile.stable_notes}")
    lines.append("")
    op = None
    for n, s in enumerate(sentences_for_kernel(profile.name), 1):
        if s.op != op:
            op = s.op
            lines.append(f"== {op}")
        case = f" [{s.case}]" if s.case else ""
        lines.append(f"{n:3d}. {s.fn}{case}")
        lines.extend(f"     {text}" for text in sample_texts(s))
        lines.append(f"     source: {s.source}")
    return "\n".join(lines)


def add_commands(sub) -> None:
    """Add ``explain`` to the command line (zswapviz.cli discovers it)."""
    p = sub.add_parser("explain", help="list every step a kernel release can take, with its sentence and source")
    p.add_argument("--kernel", default=DEFAULT_KERNEL, help=f"one of {', '.join(KERNEL_NAMES)} (default {DEFAULT_KERNEL})")
    p.set_defaults(func=_explain)


def _explain(args) -> int:
    get_profile(args.kernel)
    print(explain_text(args.kernel))
    return 0
