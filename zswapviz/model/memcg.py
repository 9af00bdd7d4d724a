"""A memory cgroup and its ``obj_cgroup``, with zswap's charge and limits.

One level under the root cgroup (the root itself has no objcg:
``get_obj_cgroup_from_folio`` stops at the root). Charging follows
mm/memcontrol.c ``obj_cgroup_charge_zswap``: MEMCG_ZSWAP_B += size and
MEMCG_ZSWAPPED += 1 per call, on cgroup v2 only.
"""

from __future__ import annotations

from ..constants import PAGE_SIZE

__all__ = ["MemCgroup"]



class MemCgroup:
    """A non-root memory cgroup with its objcg, zswap limits and events."""

    __slots__ = (
        "name", "objcg_refs", "zswap_b", "zswapped", "zswap_max_pages",
        "zswap_writeback", "zswpout", "zswpin", "zswpwb", "objcg_problems",
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
        """Charge *size* compressed bytes: ZSWAP_B += size, ZSWAPPED += 1."""
        self.zswap_b += size
        self.zswapped += 1

    def obj_cgroup_uncharge_zswap(self, size: int) -> None:
        """Uncharge *size* bytes: ZSWAP_B -= size, ZSWAPPED -= 1."""
        self.zswap_b -= size
        self.zswapped -= 1

    def obj_cgroup_may_zswap(self) -> bool:
        """Whether the cgroup is under ``memory.zswap.max`` (pages compared)."""
        if self.zswap_max_pages is None:
            return True
        if self.zswap_max_pages == 0:
            return False
        return self.zswap_b // PAGE_SIZE < self.zswap_max_pages
