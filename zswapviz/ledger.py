"""The ledger: what zswap holds and owes at one moment, computed in one place.

:func:`ledger` turns a world, a snapshot or a trace (its final world) into a
:class:`Ledger`; the tables, plots, lessons, the command line's JSON and the
kernel comparison all read it, so they cannot disagree.

References. A pool's percpu_ref and the objcg's refcount both start with a
base reference (``percpu_ref_init``, the memcg's own) that no entry or store
owns. The ledger counts the references *beyond* those base references: a
live pool's base ref is left out, a killed pool (``percpu_ref_kill`` dropped
its base ref) has none to leave out. So between operations ``pool_refs`` and
``objcg_refs`` each equal the number of entries, and a leak or an
over-release shows as a difference from ``stored_pages``.

Names. Each field has the kernel's name for its quantity; the old names
(``objcg_zswap_bytes``, ``charged_bytes``, ``nr_entries``, ``lru`` ...) still
read through ``led["old name"]`` (:data:`OLD_NAMES`), so notebooks and
lesson files written against the dict keep working. ``zswapviz.ledger`` the
attribute of the package is this module's :func:`ledger` function; import
the class as ``from zswapviz.ledger import Ledger``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .constants import PAGE_SIZE
from .model.world import World
from .snapshot import MemcgView, PoolView, Snapshot

__all__ = ["LEDGER_NUMBERS", "OLD_NAMES", "Ledger", "file_block", "ledger"]


@dataclass(frozen=True, eq=False)
class Ledger(dict):
    """zswap's books at one moment, each quantity under the kernel's name.

    A typed record (``led.pool_refs``) that is also a read-only dict of its
    fields followed by the nonzero reject_* counters (``led["pool_refs"]``,
    ``pd.Series(led)``); old key names still read (:data:`OLD_NAMES`).
    """

    #: debugfs stored_pages (zswap_stored_pages): entries zswap counts as stored; pages.
    stored_pages: int
    #: entries in the zswap_trees xarrays (no kernel counter; = stored_pages when the books balance); entries.
    entries_in_trees: int
    #: percpu_ref counts of every pool on the list, each live pool's base ref left out; references.
    pool_refs: int
    #: the obj_cgroup's refcount, the memcg's base ref left out (0 in the root cgroup); references.
    objcg_refs: int
    #: MEMCG_ZSWAP_B (memory.zswap.current, memory.stat "zswap"): compressed bytes charged; bytes.
    zswap_b: int
    #: MEMCG_ZSWAPPED (memory.stat "zswapped"): entries charged to the memcg; pages.
    zswapped: int
    #: memory.current, zswap's share of the page_counter (charged in batches of 64 pages); pages.
    memcg_memory_pages: int
    #: debugfs pool_total_size: zsmalloc pages of every pool x PAGE_SIZE; bytes.
    pool_total_size: int
    #: vmstat zswpout: pages stored into zswap; pages.
    zswpout: int
    #: vmstat pswpout: pages written to the swap device; pages.
    pswpout: int
    #: entries on the zswap list_lru lists (what writeback can find); entries.
    lru_len: int
    #: name of __zswap_pool_current()'s pool ("zswap0" ...), None when every pool is killed.
    current_pool: str | None
    #: debugfs reject_* counters that are not zero, by kernel name; events.
    rejects: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name != "rejects":
                dict.__setitem__(self, f.name, getattr(self, f.name))
        dict.update(self, self.rejects)

    def as_dict(self) -> dict:
        """The fields in order, then each nonzero reject_* counter, as a plain dict."""
        return dict(self)

    def __getitem__(self, key: str):
        return dict.__getitem__(self, OLD_NAMES.get(key, key))

    def get(self, key: str, default=None):
        return dict.get(self, OLD_NAMES.get(key, key), default)

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, OLD_NAMES.get(key, key))

    def _read_only(self, *args, **kwargs):
        raise TypeError("a Ledger is read-only; compute a new one with zswapviz.ledger.ledger()")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _read_only

    def __reduce__(self):
        return (_rebuild, (tuple(getattr(self, f.name) for f in fields(self)),))


def _rebuild(values: tuple) -> Ledger:
    return Ledger(*values)


#: The ledger's numeric fields in display order (every field but current_pool and rejects).
LEDGER_NUMBERS = tuple(f.name for f in fields(Ledger) if f.name not in ("current_pool", "rejects"))

#: Names the same quantities had before the ledger was one record -> their field.
OLD_NAMES = {
    "objcg_zswap_bytes": "zswap_b",
    "charged_bytes": "zswap_b",
    "memcg_zswapped": "zswapped",
    "nr_entries": "entries_in_trees",
    "entries": "entries_in_trees",
    "lru": "lru_len",
}


def ledger(source) -> Ledger:
    """The ledger of *source*: a World, a Snapshot, or a Trace (its final world)."""
    if isinstance(source, Snapshot):
        pools, memcg = source.pools, (source.memcg[0] if source.memcg else None)
        stats, total_pages = source.stats, source.total_pages
        lru_len, entries = source.lru_len, source.nr_entries
    else:
        world = source if isinstance(source, World) else source.world
        pools = tuple(PoolView(p.name, p.refcount, p.dead, p.released, p.zs_pool.pages_allocated)
                      for p in world.pools)
        m = world.memcg
        memcg = None if m is None else MemcgView(m.name, m.objcg_refs, m.zswap_b, m.zswapped, m.zswpout,
                                                 m.memory_pages)
        stats, total_pages = world.stats, world.zswap_total_pages()
        lru_len, entries = world.lru_len(), len(world.trees)
    current = next((p.name for p in reversed(pools) if not p.dead), None)
    return Ledger(
        stored_pages=stats["stored_pages"],
        entries_in_trees=entries,
        pool_refs=sum(p.entry_refs for p in pools),
        objcg_refs=memcg.objcg_refs - 1 if memcg else 0,
        zswap_b=memcg.zswap_b if memcg else 0,
        zswapped=memcg.zswapped if memcg else 0,
        memcg_memory_pages=memcg.memory_pages if memcg else 0,
        pool_total_size=total_pages * PAGE_SIZE,
        zswpout=stats["zswpout"],
        pswpout=stats["pswpout"],
        lru_len=lru_len,
        current_pool=current,
        rejects={k: v for k, v in stats.items() if k.startswith("reject_") and v},
    )


def file_block(source) -> dict:
    """What a user reads beside the ledger: the kernel's warnings so far, then what ``cat`` prints.

    *source* is a World or a Trace (its final world). Not Ledger fields: the
    file values are the ledger's numbers as the kernel formats them
    (:mod:`zswapviz.files`); without a memcg only debugfs stored_pages is read.
    """
    from .files import file_values
    world = source if isinstance(source, World) else source.world
    m = world.memcg
    out = {}
    if m is not None and m.warnings:
        out["kernel_warnings"] = list(m.warnings)
    values = file_values(ledger(world))
    out.update(values if m is not None else
               {k: v for k, v in values.items() if k == "debugfs stored_pages"})
    return out
