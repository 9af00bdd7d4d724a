"""A run described as data: pages, folio size, kernel, faults, limits.

:meth:`Scenario.run` swaps the pages out folio by folio with the full
trace recorded, stale entries and limits set up first. Scenarios load from
JSON files (``data/scenarios/*.json`` holds the built-in ones) and are
validated field by field: a bad field raises
:class:`~zswapviz.errors.UsageError` naming the file, the field, what is
wrong and what is accepted.

>>> Scenario.from_dict({"folio_size": "16K", "faults": {"2": "alloc_fail"}}).folio_pages
4
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .actions import SwapOutcome, drive
from .compress import COMPRESSOR_NAMES
from .constants import (
    DEFAULT_ACCEPT_THRESHOLD_PERCENT,
    DEFAULT_COMPRESSOR,
    DEFAULT_KERNEL,
    DEFAULT_MAX_POOL_PERCENT,
    DEFAULT_REFS,
    DEFAULT_TOTAL_RAM_PAGES,
    PAGE_SIZE,
)
from .errors import UsageError
from .faults import LATER_FAULTS, Faults
from .fields import _MAX_LIST, _choice, _faults, _int, _pages, _show, _stale, _text, read_json_file
from .fields import MAX_PAGES as _MAX_PAGES
from .ledger import ledger
from .model.folio import Folio, folio_order_for_pages, make_folios
from .model.memcg import MemCgroup
from .model.world import Params, World
from .pages import load_pages, make_pages, pages_from_recipe, split_pages
from .profiles import REF_STRATEGIES, check_refs, get_profile, kernel_names
from .resources import data_path
from .store import swap_writepage, zswap_load
from .trace import Trace, record
from .units import parse_folio_size

__all__ = ["SCENARIO_DIR", "Scenario", "builtin_scenarios", "ledger", "load_scenario", "read_json_file",
           "resolve_scenario"]

#: Where the built-in scenario files live.
SCENARIO_DIR = data_path("scenarios")


@dataclass
class Scenario:
    """Everything one recorded run needs; :meth:`run` records it."""

    #: What the scenario shows, for titles.
    title: str = "A 64 KiB folio into zswap"
    #: Page contents: a recipe ({kind, pages, seed} or a list), {"file": path}, or raw bytes.
    pages: dict | list | bytes = field(default_factory=lambda: {"kind": "text", "pages": 16})
    #: Pages per folio (1, 2, 4, ... 512).
    folio_pages: int = 16
    kernel: str = DEFAULT_KERNEL
    #: How entries take their pool/objcg refs (zswapviz.profiles.RefStrategy).
    refs: str = DEFAULT_REFS
    compressor: str = DEFAULT_COMPRESSOR
    #: Run page number -> fault kind (see zswapviz.faults.FAULT_KINDS).
    faults: dict = field(default_factory=dict)
    #: Run page numbers whose slots hold a stale entry from an earlier swap-out.
    stale: list = field(default_factory=list)
    #: zswap's module parameters and the machine's RAM.
    enabled: bool = True
    max_pool_percent: int = DEFAULT_MAX_POOL_PERCENT
    accept_threshold_percent: int = DEFAULT_ACCEPT_THRESHOLD_PERCENT
    total_ram_pages: int = DEFAULT_TOTAL_RAM_PAGES
    #: The folios' cgroup: root (no objcg), memory.zswap.max, memory.zswap.writeback.
    root_cgroup: bool = False
    zswap_max_pages: int | None = None
    zswap_writeback: bool = True
    #: Other actors' actions between two steps (zswapviz.interleave), as dicts.
    interleave: list = field(default_factory=list)
    #: Free text shown with the run.
    notes: str = ""
    #: Where the scenario came from (a file path or a built-in name).
    origin: str = ""

    # -- files -----------------------------------------------------------------

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, where: str | None = None) -> "Scenario":
        """Check and normalise every field, as a scenario file's are; return the scenario.

        The one validator: :meth:`from_dict` (files), the Python API
        (``Scenario(...)``, checked on creation) and :meth:`run` (fields
        changed since) all come here, so each gets the same plain
        :class:`~zswapviz.errors.UsageError`: ``<where>: field 'x': ...``.
        """
        where = where or (self.origin if isinstance(self.origin, str) and self.origin else "Scenario")
        if not isinstance(self.origin, str):
            raise UsageError(f"{where}: field 'origin' must be text, not {_show(self.origin)}")
        self.title = _text({"title": self.title}, "title", "", where)
        self.notes = _text({"notes": self.notes}, "notes", "", where)
        self.folio_pages = _int({"folio_pages": self.folio_pages}, "folio_pages", 1, 512, where)
        try:
            folio_order_for_pages(self.folio_pages)
        except ValueError as e:
            raise UsageError(f"{where}: field 'folio_pages': {e}") from None
        self.pages = _pages(self.pages, where)
        self.kernel = _choice({"kernel": self.kernel}, "kernel", "", kernel_names(), where)
        self.refs = _choice({"refs": self.refs}, "refs", "", tuple(REF_STRATEGIES), where)
        try:
            check_refs(self.refs, self.kernel)
        except UsageError as e:
            raise UsageError(f"{where}: field 'refs': {e}") from None
        self.compressor = _choice({"compressor": self.compressor}, "compressor", "", COMPRESSOR_NAMES, where)
        self.faults = _faults(self.faults, where)
        self.stale = _stale(self.stale, where)
        for name in ("enabled", "root_cgroup", "zswap_writeback"):
            if not isinstance(getattr(self, name), bool):
                raise UsageError(f"{where}: field {name!r} must be true or false, not {_show(getattr(self, name))}")
        self.max_pool_percent = _int({"v": self.max_pool_percent}, "max_pool_percent", 0, 100, where, key="v")
        self.accept_threshold_percent = _int({"v": self.accept_threshold_percent}, "accept_threshold_percent",
                                             0, 100, where, key="v")
        self.total_ram_pages = _int({"v": self.total_ram_pages}, "total_ram_pages", 1, 1 << 40, where, key="v")
        if self.zswap_max_pages is not None:
            self.zswap_max_pages = _int({"v": self.zswap_max_pages}, "zswap_max_pages", 0, 1 << 40, where, key="v")
        inter = self.interleave
        if not isinstance(inter, list) or len(inter) > _MAX_LIST or not all(isinstance(i, dict) for i in inter):
            raise UsageError(f"{where}: field 'interleave' must be a list of at most {_MAX_LIST} objects, "
                             f"not {_show(inter)}")
        from .interleave import Interleaving
        for i, spec in enumerate(inter):
            Interleaving.from_dict(spec, f"{where}: field 'interleave'[{i}]")
        self._check_ranges(where)
        return self

    @classmethod
    def from_dict(cls, data: dict, where: str = "scenario") -> "Scenario":
        """Build a scenario from parsed JSON, checking every field (:meth:`validate`)."""
        if not isinstance(where, str):
            where = "scenario"
        if not isinstance(data, dict):
            raise UsageError(f"{where}: a scenario is a JSON object of fields, not {type(data).__name__}")
        known = {f.name for f in fields(cls)} | {"folio_size"}
        unknown = sorted((k for k in data if k not in known), key=str)
        if unknown:
            raise UsageError(f"{where}: unknown field {_show(unknown[0])}; accepted: "
                             f"{', '.join(sorted(known - {'origin'}))}")
        kwargs = {k: v for k, v in data.items() if k not in ("folio_size", "origin")}
        if "folio_size" in data and "folio_pages" in data:
            raise UsageError(f"{where}: give folio_size or folio_pages, not both")
        if "folio_size" in data:
            if not isinstance(data["folio_size"], (str, int)) or isinstance(data["folio_size"], bool) \
                    or len(str(data["folio_size"])) > 12:
                raise UsageError(f"{where}: field 'folio_size' must be a size such as \"64K\", "
                                 f"not {_show(data['folio_size'])}")
            try:
                kwargs["folio_pages"] = parse_folio_size(str(data["folio_size"]))
            except UsageError as e:
                raise UsageError(f"{where}: field 'folio_size': {e}") from None
        if "pages" not in kwargs:
            folio = kwargs.get("folio_pages", cls.folio_pages)
            if isinstance(folio, int) and not isinstance(folio, bool) and 1 <= folio <= 512:
                kwargs["pages"] = {"kind": "text", "pages": folio}
        if isinstance(kwargs.get("pages"), (bytes, bytearray)):
            raise UsageError(f"{where}: field 'pages' must be a recipe or {{\"file\": PATH}}")
        return cls(**kwargs, origin=where)

    def to_dict(self) -> dict:
        """The scenario as JSON-ready data (raw page bytes are not saved)."""
        d = asdict(self)
        d.pop("origin")
        if isinstance(self.pages, (bytes, bytearray)):
            raise UsageError("a scenario with raw page bytes cannot be saved; use a recipe or a page file")
        d["faults"] = {str(k): v for k, v in self.faults.items()}
        return d

    def save(self, path: str | os.PathLike) -> None:
        """Write the scenario as a JSON file (a regular file, whole or not at all: :mod:`zswapviz.outputs`)."""
        from .outputs import write_output

        write_output(path, json.dumps(self.to_dict(), indent=2) + "\n", example="scenario.json")

    def page_count(self) -> int:
        """How many pages the scenario swaps out, without making them."""
        p = self.pages
        if isinstance(p, (bytes, bytearray)):
            return len(p) // PAGE_SIZE
        if isinstance(p, dict) and "file" in p:
            from .pages import page_file_pages

            return page_file_pages(self._page_path())
        return sum(r["pages"] for r in (p if isinstance(p, list) else [p]))

    def _check_ranges(self, where: str) -> None:
        try:
            total = self.page_count()
        except UsageError as e:
            raise UsageError(f"{where}: field 'pages': {e}") from None
        if total > _MAX_PAGES:
            raise UsageError(f"{where}: field 'pages': {total} pages is too many for a recorded trace, which "
                             f"keeps every step (at most {_MAX_PAGES}); 'zswapviz simulate' runs any number of "
                             f"pages without keeping the steps")
        if total == 0:
            raise UsageError(f"{where}: field 'pages': the run has no pages; give at least one folio of pages")
        if total % self.folio_pages:
            raise UsageError(f"{where}: field 'pages': {total} pages do not fill whole folios of {self.folio_pages} pages")
        for p in list(self.faults) + list(self.stale):
            if p >= total:
                name = "faults" if p in self.faults else "stale"
                raise UsageError(f"{where}: field {name!r}: page {p} is out of range; the run has pages 0 to {total - 1}")
        # Every page, stale entry, later load and interleaved action adds steps (fields.MAX_PAGES)
        later = sum(1 for kind in self.faults.values() if kind in LATER_FAULTS)
        work = total + len(self.stale) + later + len(self.interleave)
        if work > _MAX_PAGES:
            raise UsageError(
                f"{where}: the run asks for {work} recorded actions ({total} pages, {len(self.stale)} stale "
                f"entries, {later} loads of decompress_fail pages, {len(self.interleave)} interleaved actions); "
                f"a recorded trace keeps every step, so together they may number at most {_MAX_PAGES}; "
                f"'zswapviz simulate' runs any number of pages without keeping the steps")

    # -- running ---------------------------------------------------------------

    def page_bytes(self) -> bytes:
        """The scenario's pages as bytes."""
        if isinstance(self.pages, (bytes, bytearray)):
            return bytes(self.pages)
        if isinstance(self.pages, dict) and "file" in self.pages:
            return load_pages(self._page_path())
        return pages_from_recipe(self.pages)

    def _page_path(self) -> Path:
        """The page file, relative to the scenario file's folder when the path is relative."""
        path = Path(self.pages["file"])
        if not path.is_absolute() and self.origin and os.path.exists(self.origin):
            path = Path(self.origin).parent / path
        return path

    def world(self) -> World:
        """A fresh world with this scenario's kernel, parameters and cgroup."""
        params = Params(enabled=self.enabled, compressor=self.compressor,
                        max_pool_percent=self.max_pool_percent,
                        accept_threshold_percent=self.accept_threshold_percent,
                        total_ram_pages=self.total_ram_pages)
        memcg = None if self.root_cgroup else MemCgroup(zswap_max_pages=self.zswap_max_pages,
                                                       zswap_writeback=self.zswap_writeback)
        world = World(get_profile(self.kernel), params, memcg)
        world.refs = self.refs
        return world

    def run(self) -> Trace:
        """Swap out every folio with the full trace recorded (the fields are checked again first)."""
        self.validate()
        pages = split_pages(self.page_bytes())
        faults = Faults(self.faults)
        faults.check_range(len(pages))
        world = self.world()
        nr = self.folio_pages
        try:
            folios = make_folios(world, nr, pages=pages)
        except ValueError as e:
            raise UsageError(str(e)) from None
        first = folios[0].offset
        self._plant_stale(world, folios, pages)
        ops = [swap_writepage(world, f, faults) for f in folios]
        between = None
        if self.interleave:
            from .interleave import interleaver
            between = interleaver(world, self.interleave, folios)
        # A page stored with a corrupted object (decompress_fail) is swapped in
        # afterwards: the load is where its failure shows (6.15+)
        ops = list(ops) + [zswap_load(world, folios[p // nr].offset + p % nr)
                           for p, kind in sorted(faults.by_page.items()) if kind in LATER_FAULTS]
        meta = {"title": self.title, "kernel": world.profile.name, "refs": self.refs,
                "kernel_title": world.profile.title, "unmerged": world.profile.unmerged,
                "compressor": self.compressor, "folio_pages": nr, "folios": len(folios),
                "notes": self.notes, "faults": {int(k): v for k, v in faults.by_page.items()},
                "stale": list(self.stale), "source": world.profile.source, "origin": self.origin}
        return record(world, ops, (first, len(pages)), meta, _checker(folios), between)

    def _plant_stale(self, world: World, folios: list[Folio], pages: list[bytes]) -> None:
        """Store an earlier version of each stale page at its slot, order 0.

        The earlier swap-out happened under default settings: zswap enabled,
        no limits, writeback allowed, whatever this scenario then sets.
        """
        params, memcg = world.params, world.memcg
        saved = (params.enabled, params.max_pool_percent, world.profile)
        saved_memcg = (memcg.zswap_max_pages, memcg.zswap_writeback) if memcg else None
        params.enabled, params.max_pool_percent = True, 100
        if memcg:
            memcg.zswap_max_pages, memcg.zswap_writeback = None, True
        try:
            self._plant(world, folios, pages)
        finally:
            params.enabled, params.max_pool_percent, world.profile = saved
            if memcg:
                memcg.zswap_max_pages, memcg.zswap_writeback = saved_memcg

    def _plant(self, world: World, folios: list[Folio], pages: list[bytes]) -> None:
        for p in self.stale:
            if not isinstance(p, int) or not 0 <= p < len(pages):
                raise UsageError(f"stale page {p!r} is out of range; the run has pages 0 to {len(pages) - 1}")
            folio = folios[p // self.folio_pages]
            offset = folio.offset + p % self.folio_pages
            older = bytes(reversed(pages[p]))
            if not any(older):
                older = make_pages("text", 1, seed=p)
            drive(swap_writepage(world, Folio(offset, 0, [older], -1)))


def _checker(folios: list[Folio]):
    """All-or-nothing for the folio each operation stored (record runs the world's validators)."""
    from .model.validate import ValidationError, validate_all_or_nothing

    def check(world: World, op_index: int, result) -> list[str]:
        problems = []
        if op_index < len(folios) and result in (SwapOutcome.ZSWAP, SwapOutcome.DISK, SwapOutcome.ACTIVATE):
            try:
                validate_all_or_nothing(world, folios[op_index], result is SwapOutcome.ZSWAP)
            except ValidationError as e:
                problems.append(f"validate_all_or_nothing: {e}")
        return problems
    return check


def __getattr__(name: str):
    # BUILTIN_SCENARIOS: a fresh dict each time, so callers may change them
    if name == "BUILTIN_SCENARIOS":
        return builtin_scenarios()
    raise AttributeError(name)


def builtin_scenarios() -> dict[str, Scenario]:
    """The scenarios shipped in data/scenarios/, by file stem."""
    return {p.stem: resolve_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.json"))}


def resolve_scenario(spec, where: str | None = None) -> Scenario:
    """The one way to a checked scenario: a built-in name, a JSON file's path, an object of fields, or a Scenario.

    A bare name (no folder, no ``.json``; its dots, as in "bug-6.13", are not
    a suffix) that is not an existing file is a built-in scenario of
    ``data/scenarios/``; a path that names a missing file is an error, never
    the built-in of the same name. Every way ends in
    :meth:`Scenario.validate`, so each bad input is one plain sentence
    (:class:`~zswapviz.errors.UsageError`); *where* starts it (a file's
    errors name the file).
    """
    if isinstance(spec, Scenario):
        return spec.validate(where)
    if isinstance(spec, dict):
        return Scenario.from_dict(spec, where=where or "scenario")
    lead = f"{where}: " if where else ""
    if not isinstance(spec, (str, os.PathLike)) or isinstance(os.fspath(spec), bytes):
        raise UsageError(f"{lead}a scenario is a built-in name, a file path or an object of fields, "
                         f"not {_show(spec)}")
    text = os.fspath(spec)
    if not text or "\0" in text:
        raise UsageError(f"{lead}no scenario {text!r}: give a built-in name or a file path")
    path = Path(text)
    bare = "/" not in text and os.sep not in text and not text.endswith(".json")
    if not path.exists() and bare:
        candidate = SCENARIO_DIR / f"{text}.json"
        if not candidate.exists():
            names = ", ".join(p.stem for p in sorted(SCENARIO_DIR.glob("*.json")))
            raise UsageError(f"no scenario {text!r}: not a file, and the built-in ones are {names}")
        path = candidate
    return Scenario.from_dict(read_json_file(path, "scenario"), where=str(path))


def load_scenario(name_or_path) -> Scenario:
    """Load a scenario file, or a built-in one by name: :func:`resolve_scenario`, under its older name.

    Kept for notebooks and the public API; the package itself calls
    :func:`resolve_scenario`.
    """
    return resolve_scenario(name_or_path)
