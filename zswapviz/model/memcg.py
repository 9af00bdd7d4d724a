"""A memory cgroup and its ``obj_cgroup``, with zswap's charge and limits.

One level under the root cgroup (the root itself has no objcg:
``get_obj_cgroup_from_folio`` stops at the root). Charging follows
mm/memcontrol.c ``obj_cgroup_charge_zswap``: the bytes are charged to the
cgroup's memory (``obj_cgroup_charge``: memory.current), MEMCG_ZSWAP_B +=
size and MEMCG_ZSWAPPED += 1 per call, on cgroup v2 only. memory.current is
modelled as zswap's share of the page_counter, with one CPU's object stock
(bytes) and page stock (pages): docs/kernel-facts.md section 6.2.
"""

from __future__ import annotations

from ..constants import PAGE_SIZE

__all__ = ["MemCgroup"]

#: Pages try_charge_memcg charges at once and a per-CPU page stock may hold (mm/memcontrol.c).
MEMCG_CHARGE_BATCH = 64


class MemCgroup:
    """A non-root memory cgroup with its objcg, zswap limits and events."""

    __slots__ = (
        "name", "objcg_refs", "zswap_b", "zswapped", "zswap_max_pages",
        "zswap_writeback", "zswpout", "zswpin", "zswpwb", "objcg_problems",
        "memory_pages", "stock_pages", "obj_stock_bytes", "warnings",
    )

    def __init__(self, name: str = "zswapviz", zswap_max_pages: int | None = None,
                 zswap_writeback: bool = True) -> None:
        self.name = name
        # obj_cgroup refcount, base ref (held by the memcg) included
        self.objcg_refs = 1
        # MEMCG_ZSWAP_B (memory.zswap.current): + size in obj_cgroup_charge_zswap
        self.zswap_b = 0
        # MEMCG_ZSWAPPED: +1 per obj_cgroup_charge_zswap call, -1 per uncharge
        self.zswapped = 0
        # memory.zswap.max in pages; None means "max" (no limit)
        self.zswap_max_pages = zswap_max_pages
        # memory.zswap.writeback: 0 keeps refused folios in RAM
        self.zswap_writeback = zswap_writeback
        # memory.stat events: ZSWPOUT at store end, ZSWPIN on load, ZSWPWB on writeback
        self.zswpout = 0
        self.zswpin = 0
        self.zswpwb = 0
        # obj_cgroup reference errors seen (put below the base ref)
        self.objcg_problems: list[str] = []
        # memory.current, zswap's share of the page_counter, in pages: + a
        # batch when the page stock is short, - the stock when it is drained
        self.memory_pages = 0
        # The CPU's memcg page stock: pages charged to the counter, not yet used
        self.stock_pages = 0
        # The CPU's obj_stock for this objcg: bytes of charged pages not yet used
        self.obj_stock_bytes = 0
        # Kernel warnings the charges make due, in order (page_counter underflow)
        self.warnings: list[str] = []

    def obj_cgroup_get(self, nr: int = 1) -> None:
        """Take *nr* objcg refs."""
        self.objcg_refs += nr

    def obj_cgroup_put(self, nr: int = 1) -> None:
        """Drop *nr* objcg refs; going below the base ref is recorded."""
        before = self.objcg_refs
        self.objcg_refs -= nr
        if self.objcg_refs < 1 <= before:
            self.objcg_problems.append(f"objcg of {self.name}: refcount fell below the base ref (a put without a get)")

    def obj_cgroup_charge_zswap(self, size: int) -> None:
        """Charge *size* compressed bytes: memory.current, ZSWAP_B += size, ZSWAPPED += 1."""
        self.obj_cgroup_charge(size)
        self.zswap_b += size
        self.zswapped += 1

    def obj_cgroup_uncharge_zswap(self, size: int) -> None:
        """Uncharge *size* bytes: memory.current, ZSWAP_B -= size, ZSWAPPED -= 1."""
        self.obj_cgroup_uncharge(size)
        self.zswap_b -= size
        self.zswapped -= 1

    def obj_cgroup_charge(self, size: int) -> None:
        """``obj_cgroup_charge``: take *size* bytes from the object stock, else charge whole pages.

        The unused rest of the last page goes to the object stock, without
        giving pages back (allow_uncharge false).
        """
        if self.obj_stock_bytes >= size:
            self.obj_stock_bytes -= size
            return
        nr_pages, nr_bytes = divmod(size, PAGE_SIZE)
        if nr_bytes:
            nr_pages += 1
        self._try_charge_memcg(nr_pages)
        if nr_bytes:
            self._refill_obj_stock(PAGE_SIZE - nr_bytes, allow_uncharge=False)

    def obj_cgroup_uncharge(self, size: int) -> None:
        """``obj_cgroup_uncharge``: return *size* bytes to the object stock (whole pages go back)."""
        self._refill_obj_stock(size, allow_uncharge=True)

    def _try_charge_memcg(self, nr_pages: int) -> None:
        """Take *nr_pages* from the page stock, else charge a batch to the page_counter."""
        if nr_pages <= MEMCG_CHARGE_BATCH and self.stock_pages >= nr_pages:
            self.stock_pages -= nr_pages
            return
        batch = max(MEMCG_CHARGE_BATCH, nr_pages)
        self.memory_pages += batch
        if batch > nr_pages:
            self._refill_stock(batch - nr_pages)

    def _refill_stock(self, nr_pages: int) -> None:
        """``refill_stock``: add pages to the page stock; above a batch, drain it to the page_counter."""
        self.stock_pages += nr_pages
        if self.stock_pages > MEMCG_CHARGE_BATCH:
            self.memory_pages -= self.stock_pages
            self.stock_pages = 0
        self._check_owed()

    def _refill_obj_stock(self, nr_bytes: int, allow_uncharge: bool) -> None:
        """``refill_obj_stock``: add bytes; with *allow_uncharge*, whole pages above one go back."""
        self.obj_stock_bytes += nr_bytes
        if allow_uncharge and self.obj_stock_bytes > PAGE_SIZE:
            nr_pages, self.obj_stock_bytes = divmod(self.obj_stock_bytes, PAGE_SIZE)
            # obj_cgroup_uncharge_pages -> refill_stock
            self._refill_stock(nr_pages)

    @property
    def pages_owed(self) -> int:
        """zswap's pages in use by the page_counter's account: charged minus stocked (below 0: never charged)."""
        return self.memory_pages - self.stock_pages

    def _check_owed(self) -> None:
        """Record, the first time it happens, that the stock now holds pages never charged."""
        if self.pages_owed < 0 and not self.warnings:
            self.warnings.append(
                f"page_counter underflow: {-self.pages_owed} page(s) returned to the stock were never "
                "charged; page_counter_cancel warns when the stock is drained")

    def obj_cgroup_may_zswap(self, cgroup_v2: bool = True) -> bool:
        """Whether the cgroup is under ``memory.zswap.max`` (pages compared); always true on cgroup v1."""
        if not cgroup_v2 or self.zswap_max_pages is None:
            return True
        if self.zswap_max_pages == 0:
            return False
        return self.zswap_b // PAGE_SIZE < self.zswap_max_pages
