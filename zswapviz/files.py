"""What reading a file prints, beside the kernel's internal value.

The model keeps the kernel's internal sums, which 6.13's bug drives below
zero. A user who runs ``cat`` sees them through the kernel's formatting
(docs/kernel-facts.md section 6.3):

* the memcg files (``memory.zswap.current``, memory.stat ``zswap`` and
  ``zswapped``) are read through ``memcg_page_state``, which clamps a
  negative sum to 0 (CONFIG_SMP, mm/memcontrol.c); ``zswapped`` is shown
  in bytes (entries x PAGE_SIZE);
* debugfs ``stored_pages`` is an ``atomic_long_t`` printed with ``"%llu"``
  (6e1fa555ec77, v6.13): -5 reads 18446744073709551611;
* ``memory.current`` is the page_counter x PAGE_SIZE; the counter never
  reads negative because ``page_counter_cancel`` resets it to 0 after its
  "page_counter underflow" warning.
"""

from __future__ import annotations

from .pages import PAGE_SIZE

__all__ = ["FILES", "debugfs_llu", "file_values", "memcg_page_state"]

#: Each file value the model shows -> (the internal value it reads, how it is printed, source).
FILES = {
    "memory.zswap.current": (
        "zswap_b", "MEMCG_ZSWAP_B through memcg_page_state: a negative sum reads 0",
        "zswap_current_read and memcg_page_state, mm/memcontrol.c",
    ),
    "memory.stat zswapped": (
        "zswapped", "MEMCG_ZSWAPPED x 4096 through memcg_page_state: a negative sum reads 0",
        "memory_stat_format and memcg_page_state, mm/memcontrol.c",
    ),
    "debugfs stored_pages": (
        "stored_pages", "atomic_long_t printed with %llu: a negative value reads 2^64 minus it",
        "debugfs_get_stored_pages, mm/zswap.c; 6e1fa555ec77 (v6.13)",
    ),
    "memory.current (zswap's share)": (
        "memcg_memory_pages", "page_counter x 4096; zswap charges whole pages in batches of 64",
        "obj_cgroup_charge and try_charge_memcg, mm/memcontrol.c",
    ),
}


def memcg_page_state(value: int) -> int:
    """A memcg statistic as the kernel reads it: a negative sum is 0.

    >>> memcg_page_state(-8944), memcg_page_state(12)
    (0, 12)
    """
    return max(0, value)


def debugfs_llu(value: int) -> int:
    """A signed counter printed with ``%llu``.

    >>> debugfs_llu(-5)
    18446744073709551611
    """
    return value % (1 << 64)


def file_values(ledger: dict) -> dict:
    """What ``cat`` of each file in :data:`FILES` prints, from a ledger of internal values.

    *ledger* is :func:`zswapviz.ledger.ledger` or
    :func:`zswapviz.lessons.snapshot_ledger`; files whose internal value is
    missing (no memcg) are left out.
    """
    out = {}
    if "zswap_b" in ledger and ledger.get("has_memcg", True):
        out["memory.zswap.current"] = memcg_page_state(ledger["zswap_b"])
    if "zswapped" in ledger and ledger.get("has_memcg", True):
        out["memory.stat zswapped"] = memcg_page_state(ledger["zswapped"]) * PAGE_SIZE
    if "stored_pages" in ledger:
        # as text: what cat prints, and exact in JSON (2^64 - 5 is not a double)
        out["debugfs stored_pages"] = str(debugfs_llu(ledger["stored_pages"]))
    if "memcg_memory_pages" in ledger:
        out["memory.current (zswap's share)"] = max(0, ledger["memcg_memory_pages"]) * PAGE_SIZE
    return out
