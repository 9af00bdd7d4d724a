"""Other actors acting between two steps of a store, deterministically.

An :class:`Interleaving` names an actor, the step after which it acts (a
kernel function at a run page, e.g. after page 3's ``zswap_lru_add``) and a
mode. The actor's own steps go into the same trace, tagged with its name.

Actors:

``writeback``
    The shrinker reaches the target page's entry (``shrink_memcg_cb``): a
    referenced entry first gets its second chance, then
    ``zswap_writeback_entry`` runs. In ``realistic`` mode it fails with
    -EEXIST because the slot's large folio is locked in the swap cache
    (``reject_reclaim_fail``) -- Nhat Pham's argument in the v9 thread that
    made the writeback race impossible for the merged code (lore
    CAKEwX=Mt-UEt8jXcLQUq=U1h9uswcteSxgipAv2RYFM4wCar5w@mail.gmail.com). In
    ``naive`` mode that exclusion is ignored, so the race Yosry Ahmed
    described (lore CAJD7tkadrmzUHMXRbeScq+ekY1AJhjrSZ_mZtt4H7x1Z=Ad=UQ@mail.gmail.com)
    happens: an entry written back and freed before a batched ref exists.
``compressor_switch``
    ``zswap.compressor`` changes: a new pool becomes current and the old
    one is killed (``percpu_ref_kill``); the store keeps using the old pool
    through its tryget ref. Nothing excludes this in either mode.
``invalidate``
    The target slot is freed (``zswap_invalidate``). In ``realistic`` mode
    it cannot be: the swap cache holds the slot while the folio is stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Iterator

from .actions import Action, Phase, ShrinkResult
from .constants import EEXIST
from .errors import UsageError
from .lifetime import compressor_switch_steps, invalidate_steps, shrink_memcg_cb
from .model.folio import Folio
from .model.world import World

__all__ = ["ACTORS", "MODES", "Interleaving", "interleaver"]

WRITEBACK = Phase.WRITEBACK

ACTORS = ("writeback", "compressor_switch", "invalidate")
MODES = ("realistic", "naive")


@dataclass(frozen=True)
class Interleaving:
    """One other actor's action, and the step it follows."""

    #: One of ACTORS.
    actor: str
    #: Act right after the first step of this kernel function ...
    after_fn: str = "zswap_lru_add"
    #: ... on this run page (None: the first such step at all).
    after_page: int | None = None
    #: The page whose slot the actor works on (default: after_page).
    target_page: int | None = None
    #: "realistic" honours the swap-cache exclusion, "naive" ignores it.
    mode: str = "realistic"
    #: The new compressor of a compressor_switch.
    compressor: str = "lzo"

    @classmethod
    def from_dict(cls, data: dict, where: str = "interleave") -> "Interleaving":
        """Build from a scenario file's interleave entry, checking each field."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"{where}: unknown field {unknown[0]!r}; accepted: {', '.join(sorted(known))}")
        if data.get("actor") not in ACTORS:
            raise UsageError(f"{where}: actor {data.get('actor')!r}; accepted: {', '.join(ACTORS)}")
        if data.get("mode", "realistic") not in MODES:
            raise UsageError(f"{where}: mode {data.get('mode')!r}; accepted: {', '.join(MODES)}")
        for name in ("after_page", "target_page"):
            v = data.get(name)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise UsageError(f"{where}: {name} must be a page number (0 or more), not {v!r}")
        if not isinstance(data.get("after_fn", "zswap_lru_add"), str):
            raise UsageError(f"{where}: after_fn must be a kernel function name")
        if data["actor"] == "compressor_switch":
            from .compress import COMPRESSOR_NAMES
            if data.get("compressor", "lzo") not in COMPRESSOR_NAMES:
                raise UsageError(f"{where}: compressor {data.get('compressor')!r}; accepted: {', '.join(COMPRESSOR_NAMES)}")
        elif data.get("target_page", data.get("after_page")) is None:
            raise UsageError(f"{where}: a {data['actor']} needs target_page (or after_page)")
        return cls(**data)

    def to_dict(self) -> dict:
        """JSON-ready form (only the fields that differ from the defaults)."""
        default = Interleaving(self.actor)
        return {k: v for k, v in asdict(self).items() if k == "actor" or v != getattr(default, k)}


def interleaver(world: World, specs: Iterable, folios: list[Folio]) -> Callable[[Action], Iterator[Action] | None]:
    """The ``between`` hook for :func:`zswapviz.actions.drive` that runs each interleaving after its step.

    Each spec (an Interleaving or its dict) acts once, right after the first
    step that matches it; its actions carry the actor's name.
    """
    pending = [s if isinstance(s, Interleaving) else Interleaving.from_dict(s, f"interleave[{i}]")
               for i, s in enumerate(specs)]
    nr = folios[0].nr_pages if folios else 1
    total = nr * len(folios)
    for s in pending:
        for p in (s.after_page, s.target_page):
            if p is not None and p >= total:
                raise UsageError(f"interleaving page {p} is out of range; the run has pages 0 to {total - 1}")

    def offset_of(page: int) -> int:
        return folios[page // nr].offset + page % nr

    def between(action: Action) -> Iterator[Action] | None:
        due = [spec for spec in pending
               if action.fn == spec.after_fn
               and (spec.after_page is None or action.offset == offset_of(spec.after_page))]
        if not due:
            return None
        for spec in due:
            pending.remove(spec)
        return _run(world, due, offset_of)
    return between


def _run(world: World, due: list[Interleaving], offset_of) -> Iterator[Action]:
    """Every due actor's actions, in order, each tagged with its actor's name."""
    for spec in due:
        target = spec.target_page if spec.target_page is not None else spec.after_page
        for action in _act(world, spec, None if target is None else offset_of(target)):
            yield action._replace(actor=spec.actor)


def _act(world: World, spec: Interleaving, offset: int | None):
    """The actor's actions, as the store's generators yield them."""
    if spec.actor == "compressor_switch":
        yield from compressor_switch_steps(world, spec.compressor)
    elif spec.actor == "writeback":
        entry = world.trees.xa_load(offset)
        if entry is None or not entry.on_lru:
            # The shrinker walks the LRU: an entry not on it cannot be reached
            yield Action("list_lru_walk_one", offset, WRITEBACK, 0)
            return
        if entry.objcg is not None and not entry.objcg.zswap_writeback:
            # memory.zswap.writeback = 0: the shrinkers skip this cgroup
            yield Action("mem_cgroup_zswap_writeback_enabled", offset, WRITEBACK, 0)
            return
        respect = spec.mode == "realistic"
        result = yield from shrink_memcg_cb(world, entry, respect)
        if result is ShrinkResult.ROTATED:
            yield from shrink_memcg_cb(world, entry, respect)
    elif spec.actor == "invalidate":
        if spec.mode == "realistic" and offset in world.swap_cache:
            yield Action("swap_entry_free", offset, WRITEBACK, EEXIST)
            return
        yield from invalidate_steps(world, offset, WRITEBACK)
