"""``struct zswap_pool``: a compressor, its zsmalloc pool and a percpu_ref.

The ref starts at 1 (the base ref, owned while the pool is current).
``percpu_ref_kill`` drops the base ref when the compressor is switched;
the pool lives on until its last entry is freed, then it is released
(``__zswap_pool_empty``). A put that takes the count below zero, or to zero
while the pool is still current, is recorded as a violation, never hidden.
"""

from __future__ import annotations

from .zsmalloc import ZsPool

__all__ = ["ZswapPool"]


class ZswapPool:
    """One zswap pool with a visible reference count."""

    __slots__ = ("name", "tfm_name", "zs_pool", "refcount", "dead", "released", "problems")

    def __init__(self, name: str, tfm_name: str) -> None:
        # "zswap<N>", as the kernel names pools in zswap_pool_create
        self.name = name
        # The compressor's crypto name (zswapviz.compress.get_compressor); fixed for the pool's life
        self.tfm_name = tfm_name
        # zsmalloc pool (6.18) or the zsmalloc behind zpool (6.13, 6.14)
        self.zs_pool = ZsPool()
        # percpu_ref count, base ref included: +1 get, -1 put
        self.refcount = 1
        # percpu_ref_kill done: the base ref is gone, no longer current
        self.dead = False
        # __zswap_pool_empty ran: the count reached zero
        self.released = False
        # Reference errors seen (put below zero, release while in use)
        self.problems: list[str] = []

    def tryget(self) -> bool:
        """``zswap_pool_tryget``: take a ref unless the count already hit zero."""
        if self.refcount <= 0:
            return False
        self.refcount += 1
        return True

    def get(self, nr: int = 1) -> None:
        """``zswap_pool_get`` / ``percpu_ref_get_many``: take *nr* refs."""
        if self.released:
            self.problems.append(f"{self.name}: ref taken after release")
        self.refcount += nr

    def put(self, nr: int = 1) -> None:
        """``zswap_pool_put``: drop *nr* refs; a killed pool is released at zero.

        A current pool whose count reaches zero has lost its base ref to an
        unmatched put: recorded, and the pool stays (its count goes on down).
        """
        before = self.refcount
        self.refcount -= nr
        if self.refcount < 0 <= before or (self.refcount < 0 and self.released):
            self.problems.append(f"{self.name}: refcount {self.refcount} (put below zero)")
        if self.refcount <= 0 < before:
            if self.dead:
                if self.released:
                    self.problems.append(f"{self.name}: released twice")
                # __zswap_pool_empty: release queued while the count is zero
                self.released = True
            else:
                self.problems.append(f"{self.name}: refcount reached 0 while current (a put without a get)")

    def resurrect(self) -> None:
        """``percpu_ref_resurrect``: back to percpu mode with the base ref; current again."""
        self.dead = False
        self.refcount += 1

    def kill(self) -> None:
        """``percpu_ref_kill``: drop the base ref; the pool stops being current."""
        self.dead = True
        self.put()

    def total_pages(self) -> int:
        """``zs_get_total_pages``: zspage pages allocated by this pool."""
        return self.zs_pool.pages_allocated
