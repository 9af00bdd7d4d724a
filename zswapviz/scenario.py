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
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .compress import COMPRESSOR_NAMES
from .errors import UsageError
from .faults import FAULT_KINDS, Faults
from .model.folio import Folio, folio_order_for_pages
from .model.memcg import MemCgroup
from .model.world import Params, World
from .pages import PAGE_KINDS, load_pages, make_pages, pages_from_recipe, split_pages
from .profiles import KERNEL_NAMES, REF_STRATEGIES, check_refs, get_profile
from .store import swap_writepage
from .trace import Trace, record

__all__ = ["SCENARIO_DIR", "Scenario", "builtin_scenarios", "ledger", "load_scenario", "read_json_file"]

#: Where the built-in scenario files live.
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "data" / "scenarios"
_MAX_PAGES = 1 << 16


@dataclass
class Scenario:
    """Everything one recorded run needs; :meth:`run` records it."""

    #: What the scenario shows, for titles.
    title: str = "A 64 KiB folio into zswap"
    #: Page contents: a recipe ({kind, pages, seed} or a list), {"file": path}, or raw bytes.
    pages: dict | list | bytes = field(default_factory=lambda: {"kind": "text", "pages": 16})
    #: Pages per folio (1, 2, 4, ... 512).
    folio_pages: int = 16
    kernel: str = "6.18"
    #: How entries take their pool/objcg refs (zswapviz.profiles.REF_STRATEGIES).
    refs: str = "per-page"
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
    #: Other actors' actions between two steps (zswapviz.interleave), as dicts.
    interleave: list = field(default_factory=list)
    #: Free text shown with the run.
    notes: str = ""
    #: Where the scenario came from (a file path or a built-in name).
    origin: str = ""

    # -- files -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict, where: str = "scenario") -> "Scenario":
        """Build a scenario from parsed JSON, checking every field."""
        if not isinstance(data, dict):
            raise UsageError(f"{where}: a scenario is a JSON object of fields, not {type(data).__name__}")
        known = {f.name for f in fields(cls)} | {"folio_size"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"{where}: unknown field {unknown[0]!r}; accepted: {', '.join(sorted(known - {'origin'}))}")
        s = cls(origin=where)
        s.title = _text(data, "title", s.title, where)
        s.notes = _text(data, "notes", "", where)
        if "folio_size" in data and "folio_pages" in data:
            raise UsageError(f"{where}: give folio_size or folio_pages, not both")
        if "folio_size" in data:
            from .cli import parse_folio_size
            try:
                s.folio_pages = parse_folio_size(str(data["folio_size"]))
            except UsageError as e:
                raise UsageError(f"{where}: field 'folio_size': {e}") from None
        elif "folio_pages" in data:
            s.folio_pages = _int(data, "folio_pages", 1, 512, where)
            try:
                folio_order_for_pages(s.folio_pages)
            except ValueError as e:
                raise UsageError(f"{where}: field 'folio_pages': {e}") from None
        s.pages = _pages(data.get("pages", {"kind": "text", "pages": s.folio_pages}), where)
        s.kernel = _choice(data, "kernel", s.kernel, KERNEL_NAMES, where)
        s.refs = _choice(data, "refs", s.refs, tuple(REF_STRATEGIES), where)
        try:
            check_refs(s.refs, s.kernel)
        except UsageError as e:
            raise UsageError(f"{where}: field 'refs': {e}") from None
        s.compressor = _choice(data, "compressor", s.compressor, COMPRESSOR_NAMES, where)
        s.faults = _faults(data.get("faults", {}), where)
        stale = data.get("stale", [])
        if not isinstance(stale, list) or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in stale):
            raise UsageError(f"{where}: field 'stale' must be a list of page numbers (0 or more), not {stale!r}")
        s.stale = stale
        for name in ("enabled", "root_cgroup", "zswap_writeback"):
            if name in data:
                if not isinstance(data[name], bool):
                    raise UsageError(f"{where}: field {name!r} must be true or false, not {data[name]!r}")
                setattr(s, name, data[name])
        s.max_pool_percent = _int(data, "max_pool_percent", 0, 100, where, s.max_pool_percent)
        s.accept_threshold_percent = _int(data, "accept_threshold_percent", 0, 100, where, s.accept_threshold_percent)
        s.total_ram_pages = _int(data, "total_ram_pages", 1, 1 << 40, where, s.total_ram_pages)
        if data.get("zswap_max_pages") is not None:
            s.zswap_max_pages = _int(data, "zswap_max_pages", 0, 1 << 40, where)
        inter = data.get("interleave", [])
        if not isinstance(inter, list) or not all(isinstance(i, dict) for i in inter):
            raise UsageError(f"{where}: field 'interleave' must be a list of objects, not {inter!r}")
        from .interleave import Interleaving
        for i, spec in enumerate(inter):
            Interleaving.from_dict(spec, f"{where}: field 'interleave'[{i}]")
        s.interleave = inter
        s._check_ranges(where)
        return s

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
            return len(p) // 4096
        if isinstance(p, dict) and "file" in p:
            return len(self.page_bytes()) // 4096
        return sum(r["pages"] for r in (p if isinstance(p, list) else [p]))

    def _check_ranges(self, where: str) -> None:
        try:
            total = self.page_count()
        except UsageError as e:
            raise UsageError(f"{where}: field 'pages': {e}") from None
        if total > _MAX_PAGES:
            raise UsageError(f"{where}: field 'pages': {total} pages is too many for a recorded trace; at most {_MAX_PAGES}")
        if total % self.folio_pages:
            raise UsageError(f"{where}: field 'pages': {total} pages do not fill whole folios of {self.folio_pages} pages")
        for p in list(self.faults) + list(self.stale):
            if p >= total:
                name = "faults" if p in self.faults else "stale"
                raise UsageError(f"{where}: field {name!r}: page {p} is out of range; the run has pages 0 to {total - 1}")

    # -- running ---------------------------------------------------------------

    def page_bytes(self) -> bytes:
        """The scenario's pages as bytes."""
        if isinstance(self.pages, (bytes, bytearray)):
            return bytes(self.pages)
        if isinstance(self.pages, dict) and "file" in self.pages:
            path = Path(self.pages["file"])
            if not path.is_absolute() and self.origin and os.path.exists(self.origin):
                path = Path(self.origin).parent / path
            return load_pages(path)
        return pages_from_recipe(self.pages)

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
        check_refs(self.refs, self.kernel)
        world = self.world()
        nr = self.folio_pages
        folios = [Folio(world.alloc_swap_slots(nr), order, pages[i:i + nr], i)
                  for i in range(0, len(pages), nr)]
        first = folios[0].offset
        self._plant_stale(world, folios, pages)
        ops = [swap_writepage(world, f, faults) for f in folios]
        if self.interleave:
            from .interleave import interleave
            ops = interleave(world, ops, self.interleave, folios)
        meta = {"title": self.title, "kernel": world.profile.name, "refs": self.refs,
                "kernel_title": world.profile.title, "unmerged": world.profile.unmerged,
                "compressor": self.compressor, "folio_pages": nr, "folios": len(folios),
                "notes": self.notes, "faults": {int(k): v for k, v in faults.by_page.items()},
                "stale": list(self.stale), "source": world.profile.source, "origin": self.origin}
        return record(world, ops, (first, len(pages)), meta, _checker(folios))

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
            deque(swap_writepage(world, Folio(offset, 0, [older], -1)), maxlen=0)


def _checker(folios: list[Folio]):
    """The validators plus all-or-nothing for the folio each operation stored."""
    from .model.validate import ValidationError, check_world, validate_all_or_nothing

    def check(world: World, op_index: int, result) -> list[str]:
        problems = check_world(world)
        if op_index < len(folios) and result in ("zswap", "disk", "activate"):
            try:
                validate_all_or_nothing(world, folios[op_index], result == "zswap")
            except ValidationError as e:
                problems.append(f"validate_all_or_nothing: {e}")
        return problems
    return check


def _text(data: dict, name: str, default: str, where: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise UsageError(f"{where}: field {name!r} must be text, not {value!r}")
    return value


def _int(data: dict, name: str, lo: int, hi: int, where: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise UsageError(f"{where}: field {name!r} must be a whole number from {lo} to {hi}, not {value!r}")
    return value


def _choice(data: dict, name: str, default: str, accepted, where: str) -> str:
    value = data.get(name, default)
    if value not in accepted:
        raise UsageError(f"{where}: field {name!r} is {value!r}; accepted: {', '.join(accepted)}")
    return value


def _pages(value, where: str):
    recipes = value if isinstance(value, list) else [value]
    for r in recipes:
        if isinstance(r, dict) and set(r) == {"file"} and isinstance(r["file"], str) and not isinstance(value, list):
            return value
        if not isinstance(r, dict) or "kind" not in r or "pages" not in r or set(r) - {"kind", "pages", "seed"}:
            raise UsageError(
                f"{where}: field 'pages' must be a recipe {{\"kind\", \"pages\", \"seed\"}}, a list of them, "
                f"or {{\"file\": PATH}}; got {r!r}"
            )
        if r["kind"] not in PAGE_KINDS:
            raise UsageError(f"{where}: field 'pages': unknown kind {r['kind']!r}; accepted: {', '.join(PAGE_KINDS)}")
        if not isinstance(r["pages"], int) or isinstance(r["pages"], bool) or not 1 <= r["pages"] <= _MAX_PAGES:
            raise UsageError(f"{where}: field 'pages': page count must be a whole number from 1 to {_MAX_PAGES}, not {r['pages']!r}")
        if "seed" in r and (not isinstance(r["seed"], int) or isinstance(r["seed"], bool)):
            raise UsageError(f"{where}: field 'pages': seed must be a whole number, not {r['seed']!r}")
    return value


def _faults(value, where: str) -> dict:
    if isinstance(value, list):
        try:
            return dict(Faults.parse(value).by_page)
        except UsageError as e:
            raise UsageError(f"{where}: field 'faults': {e}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{where}: field 'faults' must map page numbers to kinds, e.g. {{\"5\": \"alloc_fail\"}}")
    out = {}
    for page, kind in value.items():
        if not (str(page).isascii() and str(page).isdigit()):
            raise UsageError(f"{where}: field 'faults': {page!r} is not a page number")
        if kind not in FAULT_KINDS:
            raise UsageError(f"{where}: field 'faults': unknown kind {kind!r}; accepted: {', '.join(FAULT_KINDS)}")
        out[int(page)] = kind
    return out


def __getattr__(name: str):
    # BUILTIN_SCENARIOS: a fresh dict each time, so callers may change them
    if name == "BUILTIN_SCENARIOS":
        return builtin_scenarios()
    raise AttributeError(name)


def builtin_scenarios() -> dict[str, Scenario]:
    """The scenarios shipped in data/scenarios/, by file stem."""
    return {p.stem: load_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.json"))}


def load_scenario(name_or_path: str | os.PathLike) -> Scenario:
    """Load a scenario file, or a built-in one by name."""
    path = Path(name_or_path)
    if not path.exists() and path.suffix != ".json":
        # A built-in name (its dots, as in "bug-6.13", are not a suffix)
        candidate = SCENARIO_DIR / f"{path.name}.json"
        if not candidate.exists():
            names = ", ".join(p.stem for p in sorted(SCENARIO_DIR.glob("*.json")))
            raise UsageError(f"no scenario {str(name_or_path)!r}: not a file, and the built-in ones are {names}")
        path = candidate
    return Scenario.from_dict(read_json_file(path, "scenario"), where=str(path))


def read_json_file(path: str | os.PathLike, what: str):
    """Parse the JSON file at *path*; a missing, unreadable or malformed one is a UsageError.

    *what* names the kind of file in the message ("scenario", "lesson").
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} file {str(path)!r} does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError, OSError) as e:
        raise UsageError(f"{what} file {str(path)!r} cannot be read as text ({type(e).__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"{what} file {str(path)!r} is not valid JSON: {e.msg} at line {e.lineno}") from None


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
