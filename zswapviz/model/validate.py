"""Invariants of zswap's state, shared by the tests, the explorer and reports.

Each ``validate_*`` raises :class:`ValidationError` naming what broke; they
hold at quiescent points (between operations), not in the middle of one:
the kernel passes through deliberate transient states (an entry sits in
the xarray before its refs and charge exist). :func:`check_world` runs them
all and returns the messages instead of raising.
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..constants import PAGE_SIZE

__all__ = [
    "ValidationError",
    "check_world",
    "validate_all_or_nothing",
    "validate_charge",
    "validate_handles",
    "validate_lru",
    "validate_memory_current",
    "validate_objcg_refs",
    "validate_pool_refs",
    "validate_stored_pages",
    "validate_world",
]


class ValidationError(AssertionError):
    """An invariant of the modelled kernel state does not hold."""


def _entries(world) -> list:
    return [e for tree in world.trees.trees for e in tree.values()]


def _settled(world):
    """The totals of entries a bulk run settled (World.settle_entries); absent on older worlds."""
    return getattr(world, "settled", None)


def validate_pool_refs(world) -> None:
    """Each pool's refcount = base ref (if current) + one per entry using it.

    Also fails on any put below zero or release while in use that the
    pool recorded as it happened.
    """
    users: dict[int, int] = {}
    for e in _entries(world):
        if e.pool is not None:
            users[id(e.pool)] = users.get(id(e.pool), 0) + 1
    settled = _settled(world)
    if settled is not None:
        for key, n in settled.by_pool.items():
            users[key] = users.get(key, 0) + n
    for pool in world.pools + world.released_pools:
        if pool.problems:
            raise ValidationError("; ".join(dict.fromkeys(pool.problems)))
    for pool in world.pools:
        expected = (0 if pool.dead else 1) + users.get(id(pool), 0)
        if pool.refcount != expected:
            raise ValidationError(
                f"{pool.name}: refcount {pool.refcount}, expected {expected} "
                f"({'no base ref' if pool.dead else 'base ref'} + {users.get(id(pool), 0)} entries)"
            )
    live = {id(p) for p in world.pools}
    for e in _entries(world):
        if e.pool is not None and id(e.pool) not in live:
            raise ValidationError(f"entry at offset {e.swpentry[1]} uses released pool {e.pool.name}")


def validate_objcg_refs(world) -> None:
    """The objcg refcount = base ref + one per entry charged to it."""
    m = world.memcg
    if m is None:
        return
    if m.objcg_problems:
        raise ValidationError("; ".join(dict.fromkeys(m.objcg_problems)))
    users = sum(1 for e in _entries(world) if e.objcg is m)
    settled = _settled(world)
    if settled is not None:
        users += settled.memcg_entries
    if m.objcg_refs != 1 + users:
        raise ValidationError(f"objcg of {m.name}: refcount {m.objcg_refs}, expected {1 + users} (base ref + {users} entries)")


def validate_charge(world) -> None:
    """zswap_b (MEMCG_ZSWAP_B, memory.zswap.current) = sum of entry lengths; zswapped (MEMCG_ZSWAPPED) = entry count."""
    m = world.memcg
    if m is None or not world.params.cgroup_v2:
        return
    mine = [e for e in _entries(world) if e.objcg is m]
    total, count = sum(e.length for e in mine), len(mine)
    settled = _settled(world)
    if settled is not None:
        total, count = total + settled.memcg_bytes, count + settled.memcg_entries
    if m.zswap_b != total:
        raise ValidationError(f"zswap_b is {m.zswap_b}, but the cgroup's entries hold {total} bytes")
    if m.zswapped != count:
        raise ValidationError(f"zswapped is {m.zswapped}, but the cgroup has {count} entries")


def validate_stored_pages(world) -> None:
    """``stored_pages`` = entries in the trees (and incompressible = raw ones)."""
    settled = _settled(world)
    n = len(world.trees) + (settled.entries if settled is not None else 0)
    if world.stats["stored_pages"] != n:
        raise ValidationError(f"stored_pages is {world.stats['stored_pages']}, but the trees hold {n} entries")
    if world.profile.store_incompressible:
        raw = sum(1 for e in _entries(world) if e.length == PAGE_SIZE)
        raw += settled.raw if settled is not None else 0
        if world.stats["stored_incompressible_pages"] != raw:
            raise ValidationError(
                f"stored_incompressible_pages is {world.stats['stored_incompressible_pages']}, "
                f"but {raw} entries are stored as is"
            )


def validate_handles(world) -> None:
    """Every entry owns one live zsmalloc object, and no object is orphaned."""
    per_pool: dict[int, int] = {}
    for e in _entries(world):
        if e.handle is None or e.pool is None:
            raise ValidationError(f"entry at offset {e.swpentry[1] if e.swpentry else '?'} has no handle or pool")
        try:
            e.pool.zs_pool.handle_class(e.handle)
        except (KeyError, ValueError):
            raise ValidationError(f"entry at offset {e.swpentry[1]} holds freed handle {e.handle}") from None
        per_pool[id(e.pool)] = per_pool.get(id(e.pool), 0) + 1
    settled = _settled(world)
    if settled is not None:
        for key, n in settled.by_pool.items():
            per_pool[key] = per_pool.get(key, 0) + n
    for pool in world.pools:
        used = pool.zs_pool.objects_in_use()
        if used != per_pool.get(id(pool), 0):
            raise ValidationError(f"{pool.name}: {used} zsmalloc objects in use for {per_pool.get(id(pool), 0)} entries (leaked handles)")


def validate_lru(world) -> None:
    """The LRU holds exactly the entries in the trees."""
    in_tree = {id(e) for e in _entries(world)}
    on_lru = [e for lst in world.lru.values() for e in lst]
    for e in on_lru:
        if id(e) not in in_tree:
            raise ValidationError(f"LRU holds an entry no tree has (offset {e.swpentry[1] if e.swpentry else '?'})")
    if len(on_lru) != len(in_tree):
        raise ValidationError(f"{len(in_tree)} entries in the trees but {len(on_lru)} on the LRU")


def validate_all_or_nothing(world, folio, stored: bool, operation_seq: int | None = None) -> None:
    """After a store: every slot of *folio* has this store's entry, or none does.

    A slot whose new entry was written back during the store (an
    interleaved shrinker) counts as stored: its data went to the device.
    """
    op = world.operation_seq if operation_seq is None else operation_seq
    mine = 0
    for offset in range(folio.offset, folio.offset + folio.nr_pages):
        e = world.trees.xa_load(offset)
        if e is not None:
            if not stored:
                raise ValidationError(f"the folio was refused, yet offset {offset} still has an entry")
            if e.operation_seq != op:
                raise ValidationError(f"offset {offset} holds a stale entry after the folio was stored")
            mine += 1
        elif stored and offset in world.on_disk:
            mine += 1
    if stored and mine != folio.nr_pages:
        raise ValidationError(f"the folio was stored, but only {mine} of {folio.nr_pages} slots have entries")


def validate_memory_current(world) -> None:
    """memory.current's share: pages charged minus pages stocked, minus stocked bytes, = the entries' bytes.

    Every charge and uncharge keeps this (docs/kernel-facts.md section
    6.2); a page stock holding pages never charged (6.13's bug) is reported
    as the warning the kernel raises when that stock is drained.
    """
    m = world.memcg
    if m is None or not world.params.cgroup_v2:
        return
    held = m.pages_owed * 4096 - m.obj_stock_bytes
    total = sum(e.length for e in _entries(world) if e.objcg is m)
    settled = _settled(world)
    if settled is not None:
        total += settled.memcg_bytes
    problems = list(m.warnings)
    if held != total:
        problems.append(f"memory.current holds {held} bytes for zswap (pages charged minus stocks), "
                        f"but the cgroup's entries hold {total} bytes")
    if problems:
        raise ValidationError("; ".join(problems))


_ALL: tuple[Callable, ...] = (
    validate_pool_refs, validate_objcg_refs, validate_charge, validate_memory_current,
    validate_stored_pages, validate_handles, validate_lru,
)


def check_world(world, validators: Iterable[Callable] = _ALL) -> list[str]:
    """Run the validators; return each failure's message (empty when all hold)."""
    problems = []
    for validate in validators:
        try:
            validate(world)
        except ValidationError as e:
            problems.append(f"{validate.__name__}: {e}")
    return problems


def validate_world(world) -> None:
    """Run every validator; raise one ValidationError listing all failures."""
    problems = check_world(world)
    if problems:
        raise ValidationError("; ".join(problems))
