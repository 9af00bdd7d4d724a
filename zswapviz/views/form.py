"""The scenario form: plain values, their controls, and the one validator behind them.

:class:`ScenarioForm` keeps a scenario's values as plain Python
(:attr:`ScenarioForm.params`), shows them in ipywidgets controls, and turns
them into a :class:`~zswapviz.scenario.Scenario` through
:meth:`Scenario.from_dict <zswapviz.scenario.Scenario.from_dict>`, the
project's one scenario validator: the form only converts what a control
holds (text, a page file) into the scenario's JSON fields and never checks a
range itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from ..compress import COMPRESSOR_NAMES
from ..errors import UsageError
from ..faults import ALL_FAULT_KINDS
from ..pages import PAGE_KINDS, PAGE_SIZE, load_pages
from ..profiles import KERNEL_NAMES, REF_STRATEGIES
from ..scenario import SCENARIO_DIR, Scenario, builtin_scenarios, resolve_scenario

__all__ = ["DATA_DIR", "DEFAULTS", "FOLIO_PAGES", "ScenarioForm", "as_sentence", "builtin_name",
           "folio_size_label", "page_files", "params_from"]

#: The project's data directory, where page files are looked for.
DATA_DIR = SCENARIO_DIR.parent
#: Folio sizes a form offers, in pages.
FOLIO_PAGES = tuple(1 << o for o in range(10))
_TEXT_SUFFIXES = {".json", ".md", ".txt", ".py", ".csv", ".yml", ".yaml", ".html", ".ipynb"}

#: A fresh Scenario's field defaults (each written once, in zswapviz.scenario and zswapviz.constants).
_D = {f.name: f.default for f in fields(Scenario)}
#: The form's values and their defaults (a fresh Scenario's).
DEFAULTS = {
    "scenario": None,
    "folio_pages": _D["folio_pages"],
    "folios": 1,
    "contents": "text",
    "seed": 1,
    "compressor": _D["compressor"],
    "kernel": _D["kernel"],
    "refs": _D["refs"],
    "fault_kind": "none",
    "fault_page": 5,
    "stale": [],
    "enabled": _D["enabled"],
    "max_pool_percent": _D["max_pool_percent"],
    "accept_threshold_percent": _D["accept_threshold_percent"],
    "total_ram_pages": _D["total_ram_pages"],
    "zswap_max_pages": _D["zswap_max_pages"],
    "zswap_writeback": _D["zswap_writeback"],
    "root_cgroup": _D["root_cgroup"],
}


def folio_size_label(pages: int) -> str:
    """Name a folio size as a learner reads it.

    >>> folio_size_label(16), folio_size_label(512)
    ('64 KiB (16 pages)', '2 MiB (512 pages)')
    """
    kib = pages * PAGE_SIZE // 1024
    size = f"{kib // 1024} MiB" if kib >= 1024 else f"{kib} KiB"
    return f"{size} ({pages} page{'s' if pages > 1 else ''})"


def as_sentence(text: str) -> str:
    """*text* as one sentence: first letter capitalised, ending with a full stop.

    >>> as_sentence("cannot write 'x': no such folder")
    "Cannot write 'x': no such folder."
    """
    text = " ".join(str(text).split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


def page_files(data_dir: str | Path = DATA_DIR) -> list[str]:
    """Page files under *data_dir*: raw files whose size is a whole number of pages, and ``*.pages.xz``.

    Returned as paths relative to *data_dir*, sorted; text and JSON files
    are skipped.
    """
    root = Path(data_dir)
    found = []
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix.lower() in _TEXT_SUFFIXES:
                continue
            size = path.stat().st_size
            if path.name.endswith(".pages.xz") or (size and size % PAGE_SIZE == 0):
                found.append(str(path.relative_to(root)))
    return found[:100]


#: At most the pages a scenario accepts are read from a page file.
MAX_SCENARIO_PAGES = 1 << 16


def read_page_file(path: Path) -> bytes:
    """A page file's bytes (``*.pages.xz`` decompressed), through the one page loader."""
    return load_pages(path, first=MAX_SCENARIO_PAGES)


def builtin_name(scenario: Scenario) -> str | None:
    """The built-in scenario's name when *scenario* is one, unchanged; else None."""
    if not scenario.origin:
        return None
    try:
        origin = Path(scenario.origin).resolve()
        if origin.parent != SCENARIO_DIR.resolve() or not origin.is_file():
            return None
        return origin.stem if resolve_scenario(origin).to_dict() == scenario.to_dict() else None
    except (UsageError, OSError):
        return None


def params_from(scenario: Scenario) -> tuple[dict, object, dict]:
    """Plain values for *scenario*; also its pages when no simple recipe says them, and extra faults."""
    p = dict(DEFAULTS)
    pages = scenario.pages
    base_pages = None
    if isinstance(pages, dict) and "kind" in pages and pages.get("pages", 0) % scenario.folio_pages == 0:
        p["contents"] = pages["kind"]
        p["seed"] = pages.get("seed", 1)
        p["folios"] = pages["pages"] // scenario.folio_pages
    else:
        base_pages = pages
        p["contents"] = "scenario"
        try:
            p["folios"] = max(1, scenario.page_count() // scenario.folio_pages)
        except UsageError:
            p["folios"] = 1
    faults = dict(scenario.faults)
    extra = {}
    if faults:
        first = min(faults)
        p["fault_kind"], p["fault_page"] = faults.pop(first), first
        extra = faults
    for name in ("folio_pages", "compressor", "kernel", "refs", "enabled", "max_pool_percent",
                 "accept_threshold_percent", "total_ram_pages", "zswap_max_pages", "zswap_writeback",
                 "root_cgroup"):
        p[name] = getattr(scenario, name)
    p["stale"] = list(scenario.stale)
    return p, base_pages, extra


def _number(value):
    """What a number control holds, as an int when it reads as one (else unchanged, for the validator to refuse)."""
    if isinstance(value, (bool, int)):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return value


def _pages_list(value):
    """A stale-pages control's text as a list of page numbers (items that are not numbers stay text)."""
    if isinstance(value, (list, tuple)):
        return [_number(v) for v in value]
    return [_number(t) for t in str(value).replace(";", ",").replace(" ", ",").split(",") if t]


class ScenarioForm:
    """A scenario's values, plain and in controls, validated by ``Scenario.from_dict``.

    *on_change(name, value)* is called when a control changes (the
    explorer runs the scenario then). :meth:`build` returns the scenario
    or raises :class:`UsageError` with one plain sentence.
    """

    def __init__(self, scenario: Scenario, name: str | None = None, data_dir: str | Path = DATA_DIR,
                 on_change: Callable[[str, object], None] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.on_change = on_change
        self.use(scenario, name)
        self.syncing = False
        self.controls: dict = {}
        self.box = None

    # -- values --------------------------------------------------------------------

    def use(self, base: Scenario, name: str | None) -> None:
        """Take *base*'s values (and remember them as the unchanged state its title and notes go with)."""
        self.base = base
        #: The scenario's values, plain (what the controls show, valid or not).
        self.params, self.base_pages, self.extra_faults = params_from(base)
        self.params["scenario"] = name
        self.base_params = dict(self.params)

    def unchanged(self) -> bool:
        """Whether the values are still those of the scenario last taken."""
        return all(self.params[k] == self.base_params[k] for k in self.params if k != "scenario")

    def data(self) -> tuple[dict, bytes | None]:
        """The values as a scenario's JSON fields, and the page bytes when they come from a page file."""
        p = self.params
        nr = _number(p["folio_pages"])
        folios = _number(p["folios"])
        contents = p["contents"]
        raw = None
        if contents == "scenario":
            pages = self.base_pages
        elif isinstance(contents, str) and contents.startswith("file:"):
            rel = contents[5:]
            data = read_page_file(self.data_dir / rel)
            have = len(data) // PAGE_SIZE
            total = nr * folios if isinstance(nr, int) and isinstance(folios, int) else have
            if have < total:
                raise UsageError(f"The page file {rel} has {have} page(s); {folios} folio(s) of {nr} pages need {total}.")
            raw = data[:total * PAGE_SIZE]
            pages = {"kind": "zeros", "pages": total}
        else:
            total = nr * folios if isinstance(nr, int) and isinstance(folios, int) else folios
            pages = {"kind": contents, "pages": total, "seed": _number(p["seed"])}
        faults = {str(k): v for k, v in self.extra_faults.items()}
        if p["fault_kind"] not in ("none", None):
            faults[str(_number(p["fault_page"]))] = p["fault_kind"]
        zmax = p["zswap_max_pages"]
        zmax = None if zmax in ("", None, "max") else _number(zmax)
        d = {"pages": pages, "folio_pages": nr, "kernel": p["kernel"], "refs": p["refs"],
             "compressor": p["compressor"], "faults": faults, "stale": _pages_list(p["stale"]),
             "enabled": bool(p["enabled"]), "max_pool_percent": _number(p["max_pool_percent"]),
             "accept_threshold_percent": _number(p["accept_threshold_percent"]),
             "total_ram_pages": _number(p["total_ram_pages"]), "zswap_max_pages": zmax,
             "zswap_writeback": bool(p["zswap_writeback"]), "root_cgroup": bool(p["root_cgroup"]),
             "interleave": list(self.base.interleave)}
        if self.unchanged():
            d["title"], d["notes"] = self.base.title, self.base.notes
        return d, raw

    def build(self) -> Scenario:
        """The scenario the values describe, checked by ``Scenario.from_dict``; UsageError (one sentence) if invalid."""
        d, raw = self.data()
        if d["kernel"] not in KERNEL_NAMES:
            # from_dict would name the field; the form names the choice
            raise UsageError(f"There is no kernel {d['kernel']!r}; choose one of {', '.join(KERNEL_NAMES)}.")
        try:
            scenario = resolve_scenario(d, where="the scenario")
        except UsageError as e:
            raise UsageError(as_sentence(str(e))) from None
        if raw is not None:
            scenario.pages = raw
        if not self.unchanged():
            scenario.title = self.title(scenario)
        scenario.origin = self.base.origin
        return scenario

    def title(self, s: Scenario) -> str:
        """A title saying what the values make."""
        nr = s.folio_pages
        folios = max(1, s.page_count() // nr)
        what = f"{folios} folios of {folio_size_label(nr)}" if folios > 1 else f"A {folio_size_label(nr)} folio"
        contents = self.params["contents"] if self.params["contents"] != "scenario" else "the scenario's"
        text = f"{what}, {contents} pages, {s.compressor}, kernel {s.kernel}"
        if s.faults:
            text += ", " + ", ".join(f"{k} at page {pg}" for pg, k in sorted(s.faults.items()))
        return text

    # -- controls ----------------------------------------------------------------

    def widget(self, visible: bool = True):
        """The controls (made the first time): four rows of ipywidgets."""
        if self.box is not None:
            return self.box
        import ipywidgets as W

        desc = {"description_width": "initial"}
        files = page_files(self.data_dir)
        scenarios = ["(custom)"] + sorted(builtin_scenarios())
        contents = list(PAGE_KINDS) + [f"file:{f}" for f in files]
        c = {
            "scenario": W.Dropdown(options=[(n, None if n == "(custom)" else n) for n in scenarios],
                                   description="scenario", style=desc),
            "folio_pages": W.Dropdown(options=[(folio_size_label(n), n) for n in FOLIO_PAGES],
                                      description="folio size", style=desc),
            "folios": W.IntText(description="folios", style=desc, layout=W.Layout(width="120px")),
            "contents": W.Dropdown(options=contents, description="pages", style=desc),
            "seed": W.IntText(description="seed", style=desc, layout=W.Layout(width="110px")),
            "compressor": W.Dropdown(options=list(COMPRESSOR_NAMES), description="compressor", style=desc),
            "kernel": W.Dropdown(options=list(KERNEL_NAMES), description="kernel", style=desc),
            "refs": W.Dropdown(options=list(REF_STRATEGIES), description="refs", style=desc),
            "fault_kind": W.Dropdown(options=["none", *ALL_FAULT_KINDS], description="fault", style=desc),
            "fault_page": W.IntText(description="at page", style=desc, layout=W.Layout(width="130px")),
            "stale": W.Text(description="stale pages", placeholder="e.g. 9, 12", style=desc,
                            layout=W.Layout(width="200px")),
            "enabled": W.Checkbox(description="zswap enabled", indent=False),
            "max_pool_percent": W.IntText(description="max_pool_percent", style=desc, layout=W.Layout(width="190px")),
            "accept_threshold_percent": W.IntText(description="accept_threshold_percent", style=desc,
                                                  layout=W.Layout(width="240px")),
            "total_ram_pages": W.IntText(description="RAM pages", style=desc, layout=W.Layout(width="200px")),
            "zswap_max_pages": W.Text(description="memory.zswap.max (pages)", placeholder="max", style=desc,
                                      layout=W.Layout(width="250px")),
            "zswap_writeback": W.Checkbox(description="memory.zswap.writeback", indent=False),
            "root_cgroup": W.Checkbox(description="root cgroup (no objcg)", indent=False),
        }
        c["refs"].tooltip = "; ".join(f"{k}: {v}" for k, v in REF_STRATEGIES.items())
        c["fault_kind"].tooltip = "; ".join(f"{k}: {v}" for k, v in ALL_FAULT_KINDS.items())
        #: The controls by value name (they only call on_change).
        self.controls = c
        for name, w in c.items():
            w.observe(lambda change, name=name: self._changed(name, change["new"]), "value")
        self.sync()
        rows = [
            W.HBox([c["scenario"], c["folio_pages"], c["folios"], c["contents"], c["seed"]]),
            W.HBox([c["compressor"], c["kernel"], c["refs"], c["fault_kind"], c["fault_page"], c["stale"]]),
            W.HBox([c["max_pool_percent"], c["accept_threshold_percent"], c["total_ram_pages"],
                    c["zswap_max_pages"]]),
            W.HBox([c["enabled"], c["zswap_writeback"], c["root_cgroup"]]),
        ]
        for r in rows:
            r.layout.flex_flow = "row wrap"
        self.box = W.VBox(rows, layout=W.Layout(display="flex" if visible else "none"))
        self.box.add_class("zswapviz-form")
        return self.box

    def _changed(self, name: str, value) -> None:
        if self.syncing or self.on_change is None:
            return
        self.on_change(name, value)

    def sync(self) -> None:
        """Show :attr:`params` in the controls without calling on_change."""
        if not self.controls:
            return
        import ipywidgets as W

        self.syncing = True
        try:
            for name, w in self.controls.items():
                value = self.params[name]
                if name == "stale":
                    value = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
                elif name == "zswap_max_pages":
                    value = "" if value is None else str(value)
                if isinstance(w, W.Dropdown):
                    values = [o[1] if isinstance(o, tuple) else o for o in w.options]
                    if value not in values:
                        if name == "contents" and (value == "scenario" or str(value).startswith("file:")):
                            w.options = list(w.options) + [value]
                        else:
                            continue  # an invalid value: the message says so, the control keeps its last choice
                if isinstance(w, W.IntText):
                    try:
                        value = int(value)
                    except (TypeError, ValueError):
                        continue
                if w.value != value:
                    w.value = value
        finally:
            self.syncing = False
