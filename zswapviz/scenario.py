"""A run described as data: pages, folio size, kernel, faults, limits.

:meth:`Scenario.run` swaps the pages out folio by folio with the full
trace recorded, stale entries and limits set up first. The built-in
``demo`` is the 16-page folio failing at page 5 that ``make demo`` prints.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .errors import UsageError
from .faults import Faults
from .model.folio import Folio, folio_order_for_pages
from .model.memcg import MemCgroup
from .model.world import Params, World
from .pages import make_pages, pages_from_recipe, split_pages
from .profiles import get_profile
from .store import swap_writepage
from .trace import Trace, record

__all__ = ["BUILTIN_SCENARIOS", "Scenario", "ledger"]


@dataclass
class Scenario:
    """Everything one recorded run needs; :meth:`run` records it."""

    #: What the scenario shows, for titles.
    title: str = "A 64 KiB folio into zswap"
    #: Page contents: a recipe ({kind, pages, seed} or a list), or raw bytes.
    pages: dict | list | bytes = field(default_factory=lambda: {"kind": "text", "pages": 16})
    #: Pages per folio (1, 2, 4, ... 512).
    folio_pages: int = 16
    kernel: str = "6.18"
    compressor: str = "zstd"
    #: Run page number -> fault kind (see zswapviz.faults.FAULT_KINDS).
    faults: dict = field(default_factory=dict)
    #: Run page numbers whose slots hold a stale entry from an earlier swap-out.
    stale: list = field(default_factory=list)
    #: zswap's module parameters and the machine's RAM.
    enabled: bool = True
    max_pool_percent: int = 20
    accept_threshold_percent: int = 90
    total_ram_pages: int = 6171023
    #: The folios' cgroup: root (no objcg), memory.zswap.max, memory.zswap.writeback.
    root_cgroup: bool = False
    zswap_max_pages: int | None = None
    zswap_writeback: bool = True
    #: Free text shown with the run.
    notes: str = ""

    def page_bytes(self) -> bytes:
        """The scenario's pages as bytes."""
        return self.pages if isinstance(self.pages, (bytes, bytearray)) else pages_from_recipe(self.pages)

    def world(self) -> World:
        """A fresh world with this scenario's kernel, parameters and cgroup."""
        params = Params(enabled=self.enabled, compressor=self.compressor,
                        max_pool_percent=self.max_pool_percent,
                        accept_threshold_percent=self.accept_threshold_percent,
                        total_ram_pages=self.total_ram_pages)
        memcg = None if self.root_cgroup else MemCgroup(zswap_max_pages=self.zswap_max_pages,
                                                       zswap_writeback=self.zswap_writeback)
        return World(get_profile(self.kernel), params, memcg)

    def run(self) -> Trace:
        """Swap out every folio with the full trace recorded."""
        try:
            order = folio_order_for_pages(self.folio_pages)
        except ValueError as e:
            raise UsageError(str(e)) from None
        pages = split_pages(self.page_bytes())
        if len(pages) % self.folio_pages:
            raise UsageError(f"{len(pages)} pages do not fill whole folios of {self.folio_pages} pages")
        faults = Faults(self.faults)
        faults.check_range(len(pages))
        world = self.world()
        nr = self.folio_pages
        folios = [Folio(world.alloc_swap_slots(nr), order, pages[i:i + nr], i)
                  for i in range(0, len(pages), nr)]
        first = folios[0].offset
        self._plant_stale(world, folios, pages)
        ops = [swap_writepage(world, f, faults) for f in folios]
        meta = {"title": self.title, "kernel": world.profile.name, "compressor": self.compressor,
                "folio_pages": nr, "folios": len(folios), "notes": self.notes,
                "faults": {int(k): v for k, v in faults.by_page.items()}, "stale": list(self.stale),
                "source": world.profile.source}
        return record(world, ops, (first, len(pages)), meta)

    def _plant_stale(self, world: World, folios: list[Folio], pages: list[bytes]) -> None:
        """Store an earlier version of each stale page at its slot, order 0."""
        for p in self.stale:
            if not isinstance(p, int) or not 0 <= p < len(pages):
                raise UsageError(f"stale page {p!r} is out of range; the run has pages 0 to {len(pages) - 1}")
            folio = folios[p // self.folio_pages]
            offset = folio.offset + p % self.folio_pages
            older = bytes(reversed(pages[p]))
            if not any(older):
                older = make_pages("text", 1, seed=p)
            deque(swap_writepage(world, Folio(offset, 0, [older], -1)), maxlen=0)


def ledger(trace: Trace) -> dict:
    """The final ledger: refs held, charge, stored pages and the key counters."""
    world = trace.world
    s = world.stats
    m = world.memcg
    pool = world.zswap_pool_current()
    out = {
        "stored_pages": s["stored_pages"],
        "entries_in_trees": len(world.trees),
        "pool_refs": sum(p.refcount - (0 if p.dead else 1) for p in world.pools),
        "objcg_refs": (m.objcg_refs - 1) if m else 0,
        "objcg_zswap_bytes": m.zswap_b if m else 0,
        "memcg_zswapped": m.zswapped if m else 0,
        "pool_total_size": world.zswap_total_pages() * 4096,
        "zswpout": s["zswpout"],
        "pswpout": s["pswpout"],
        "lru": world.lru_len(),
        "current_pool": pool.name if pool else None,
    }
    for k, v in s.items():
        if k.startswith("reject_") and v:
            out[k] = v
    return out


BUILTIN_SCENARIOS = {
    "demo": Scenario(
        title="A 64 KiB folio failing at page 5",
        pages={"kind": "text", "pages": 16}, folio_pages=16, faults={5: "alloc_fail"},
        notes="Pages 0-4 are published, zs_malloc fails for page 5, and check_old erases all 16 slots.",
    ),
}
