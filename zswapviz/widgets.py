"""The explorer: step through a recorded ``zswap_store()`` in JupyterLab.

:class:`Explorer` keeps plain values apart from its widgets, in the manner
of mpl-interactions' ``Controls``: :attr:`Explorer.params` holds the
scenario's values and :attr:`Explorer.step` the step shown; the widgets only
call :meth:`Explorer.set` and :meth:`Explorer.go`, which tests call directly.
Changing a scenario value runs :meth:`zswapviz.scenario.Scenario.run` once;
stepping only indexes the recorded trace and moves the figure's artists
(:mod:`zswapviz.plots`). An invalid value shows one plain sentence, never a
traceback, and keeps the last good run on screen.

>>> ex = Explorer(load_scenario("demo"))
>>> ex.to_failure()
True
>>> ex.trace.steps[ex.step].fn
'zs_malloc'
>>> ex.set(fault_page=99)
False
>>> ex.message
'The fault page 99 is beyond the run: its pages are 0 to 15.'

Beyond stepping, the explorer writes the run's offline HTML report
(:meth:`Explorer.export_html`), leads a class through a lesson stop by stop
(:meth:`Explorer.lesson`: the stop's note, its question, the answer on the
next click) and shows this machine's zswap in a "your kernel" panel
(:class:`KernelPanel`). Each keeps its plain values on the object (the
lesson's :class:`~zswapviz.lessons.LessonRunner`, the kernel summary dict);
the buttons only call the methods tests call.

This is the package's only ipywidgets import. The figure is shown as a
PNG image by default; with ipympl installed and ``%matplotlib widget``
active (or ``live=True``) it is an ipympl canvas updated in place.
"""

from __future__ import annotations

import html
import io
import os
from pathlib import Path
from typing import Callable

import ipywidgets as W
from matplotlib.figure import Figure

from .compress import COMPRESSOR_NAMES
from .errors import UsageError
from .faults import FAULT_KINDS
from .lessons import Lesson, LessonRunner, load_lesson
from .pages import PAGE_KINDS, PAGE_SIZE, load_pages
from .plots import EXPLORER_FIGSIZE, counters_frame, draw_explorer, step_title
from .profiles import KERNEL_NAMES, REF_STRATEGIES
from .scenario import SCENARIO_DIR, Scenario, builtin_scenarios, load_scenario

__all__ = [
    "DATA_DIR",
    "Explorer",
    "KernelPanel",
    "SideBySide",
    "folio_size_label",
    "kernel_summary_html",
    "page_files",
    "status_of",
]

#: The project's data directory, where page files are looked for.
DATA_DIR = SCENARIO_DIR.parent
#: Most pages the explorer records in one run (a trace keeps a snapshot per step).
MAX_PAGES = 8192
#: Runs of at least this many pages show "running..." while they record.
_BIG = 64
#: The report file name the explorer's "Export HTML" control starts with.
DEFAULT_REPORT = "zswapviz-report.html"
_TEXT_SUFFIXES = {".json", ".md", ".txt", ".py", ".csv", ".yml", ".yaml", ".html", ".ipynb"}


def folio_size_label(pages: int) -> str:
    """Name a folio size as a learner reads it.

    >>> folio_size_label(16), folio_size_label(512)
    ('64 KiB (16 pages)', '2 MiB (512 pages)')
    """
    kib = pages * PAGE_SIZE // 1024
    size = f"{kib // 1024} MiB" if kib >= 1024 else f"{kib} KiB"
    return f"{size} ({pages} page{'s' if pages > 1 else ''})"


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


def _read_page_file(path: Path) -> bytes:
    """A page file's bytes (``*.pages.xz`` decompressed), through the one page loader."""
    return load_pages(path, first=MAX_PAGES)


def status_of(snapshot) -> tuple[bool, str]:
    """The validators' verdict at a snapshot: (all hold, one line saying so or what broke).

    The validators run between operations (the kernel passes through
    deliberate transient states inside one); a refcount put below zero is
    recorded the moment it happens.
    """
    if snapshot.violations:
        return False, "; ".join(snapshot.violations)
    return True, "all invariants hold (checked after each operation)"


def _as_sentence(text: str) -> str:
    """*text* as one sentence: first letter capitalised, ending with a full stop.

    >>> _as_sentence("cannot write 'x': no such folder")
    "Cannot write 'x': no such folder."
    """
    text = " ".join(str(text).split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


def _size_label(nbytes: int) -> str:
    """A file size as a reader reads it.

    >>> _size_label(900), _size_label(81_234), _size_label(3_400_000)
    ('900 bytes', '79.3 KiB', '3.2 MiB')
    """
    if nbytes < 1024:
        return f"{nbytes} bytes"
    if nbytes < 1024 * 1024:
        return f"{nbytes / 1024:.1f} KiB"
    return f"{nbytes / (1024 * 1024):.1f} MiB"


def _builtin_name(scenario: Scenario) -> str | None:
    """The built-in scenario's name when *scenario* is one, unchanged; else None."""
    if not scenario.origin:
        return None
    try:
        origin = Path(scenario.origin).resolve()
        if origin.parent != SCENARIO_DIR.resolve() or not origin.is_file():
            return None
        return origin.stem if load_scenario(origin).to_dict() == scenario.to_dict() else None
    except (UsageError, OSError):
        return None


_DEFAULTS = {
    "scenario": None,
    "folio_pages": 16,
    "folios": 1,
    "contents": "text",
    "seed": 1,
    "compressor": "zstd",
    "kernel": "6.18",
    "refs": "per-page",
    "fault_kind": "none",
    "fault_page": 5,
    "stale": [],
    "enabled": True,
    "max_pool_percent": 20,
    "accept_threshold_percent": 90,
    "total_ram_pages": 6171023,
    "zswap_max_pages": None,
    "zswap_writeback": True,
    "root_cgroup": False,
}
_FOLIO_PAGES = tuple(1 << o for o in range(10))


def _params_from(scenario: Scenario) -> tuple[dict, object, dict]:
    """Plain values for *scenario*; also its pages when no simple recipe says them, and extra faults."""
    p = dict(_DEFAULTS)
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


def _whole(value, name: str, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise UsageError(f"The {name} must be a whole number, not {value!r}.") from None
    if value < lo or (hi is not None and value > hi):
        bound = f"from {lo} to {hi}" if hi is not None else f"of at least {lo}"
        raise UsageError(f"The {name} must be a whole number {bound}, not {value}.")
    return value


def _parse_pages(text) -> list[int]:
    if isinstance(text, (list, tuple)):
        return [_whole(v, "stale page", 0) for v in text]
    items = [t for t in str(text).replace(";", ",").replace(" ", ",").split(",") if t]
    return [_whole(t, "stale page", 0) for t in items]


class _Stepper:
    """What Explorer and SideBySide share: a slider and a Play widget over the steps."""

    def _set_step_range(self, n: int) -> None:
        """Let the slider and Play run over *n* steps, without triggering a step."""
        self._syncing = True
        try:
            self.slider.max = max(n - 1, 0)
            self.play.max = max(n - 1, 0)
        finally:
            self._syncing = False

    def _show_step_in_controls(self) -> None:
        """Move the slider and Play to :attr:`step`, without triggering a step."""
        self._syncing = True
        try:
            self.slider.value = self.step
            self.play.value = self.step
        finally:
            self._syncing = False

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class Explorer(_Stepper):
    """Step through one scenario's recorded ``zswap_store()``: controls, step buttons, figure, counters.

    *scenario* is a :class:`~zswapviz.scenario.Scenario` or a built-in
    scenario's name (default: a 64 KiB folio of text). *live* chooses the
    figure: ``"auto"`` uses an ipympl canvas when ``%matplotlib widget`` is
    active, ``True`` always (ipympl needed), ``False`` a PNG image.
    *controls* shows the scenario controls; *label* names the variant in
    the figure's title.

    Below the counters: an "Export HTML" control (:meth:`export_html`) and a
    "your kernel" toggle (:meth:`show_kernel`). :meth:`lesson` starts a
    lesson: a panel above the controls shows the stop's note and question,
    with previous stop, reveal and next stop buttons.
    """

    def __init__(self, scenario: Scenario | str | None = None, *, live: bool | str = "auto",
                 controls: bool = True, label: str | None = None, figsize=EXPLORER_FIGSIZE,
                 dpi: int = 80, data_dir: str | Path = DATA_DIR) -> None:
        self._scenario_name = None
        if scenario is not None and not isinstance(scenario, (Scenario, str, os.PathLike)):
            raise UsageError(f"Explorer takes a Scenario, a built-in scenario's name or a scenario file, "
                             f"not {type(scenario).__name__}")
        if isinstance(scenario, os.PathLike):
            scenario = load_scenario(scenario)
        if isinstance(scenario, str):
            builtins = builtin_scenarios()
            if scenario in builtins:
                self._scenario_name, scenario = scenario, builtins[scenario]
            else:
                scenario = load_scenario(scenario)
        base = scenario or Scenario()
        #: The scenario's values, plain (what the widgets show, valid or not).
        self.params, self._base_pages, self._extra_faults = _params_from(base)
        self.params["scenario"] = self._scenario_name
        self._base = base
        self._base_params = dict(self.params)
        self._data_dir = Path(data_dir)
        self.label = label
        #: The step shown, an index into :attr:`trace`.
        self.step = 0
        #: The last good run's trace.
        self.trace = None
        #: The last good run's scenario.
        self.scenario: Scenario | None = None
        #: One plain sentence about the last invalid value, or "".
        self.message = ""
        #: The exception behind an unexpected failure, for developers.
        self.last_error: BaseException | None = None
        #: Called with the explorer after every successful run.
        self.on_run: list[Callable[["Explorer"], None]] = []
        #: The PNG of the last render (image mode), for tests and saving.
        self.png = b""
        #: The lesson being run (its cursor), or None outside a lesson.
        self.runner: LessonRunner | None = None
        #: The last report written: (path, size in bytes), or None.
        self.exported: tuple[Path, int] | None = None
        #: One sentence about the last export (where and how big, or why not), or "".
        self.export_message = ""
        #: The "your kernel" panel, made the first time it is shown.
        self.kernel_panel: KernelPanel | None = None
        #: Whether the "your kernel" panel is shown.
        self.kernel_shown = False
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.artists = None
        self._live = self._want_live(live)
        self._syncing = False
        self._build_widgets(controls)
        if not self._rerun():
            raise UsageError(self.message)

    # -- plain values ----------------------------------------------------------

    def build_scenario(self) -> Scenario:
        """The scenario :attr:`params` describe; raise UsageError with one plain sentence if invalid."""
        p = self.params
        for name, accepted in (("compressor", COMPRESSOR_NAMES), ("kernel", KERNEL_NAMES),
                               ("refs", tuple(REF_STRATEGIES))):
            if p[name] not in accepted:
                raise UsageError(f"There is no {name} {p[name]!r}; choose one of {', '.join(accepted)}.")
        nr = p["folio_pages"]
        if nr not in _FOLIO_PAGES:
            raise UsageError(f"A folio has 1, 2, 4, ... 512 pages (4 KiB to 2 MiB), not {nr}.")
        folios = _whole(p["folios"], "number of folios", 1, MAX_PAGES)
        seed = _whole(p["seed"], "seed", 0)
        contents = p["contents"]
        if contents == "scenario":
            pages = self._base_pages
            total = Scenario(pages=pages, folio_pages=1).page_count()
            if total % nr:
                raise UsageError(f"The scenario's {total} pages do not fill whole folios of {nr} pages; "
                                 f"choose another folio size or other page contents.")
        elif str(contents).startswith("file:"):
            rel = str(contents)[5:]
            data = _read_page_file(self._data_dir / rel)
            total = nr * folios
            have = len(data) // PAGE_SIZE
            if have < total:
                raise UsageError(f"The page file {rel} has {have} page(s); {folios} folio(s) of {nr} pages need {total}.")
            pages = data[:total * PAGE_SIZE]
        elif contents in PAGE_KINDS:
            total = nr * folios
            pages = {"kind": contents, "pages": total, "seed": seed}
        else:
            raise UsageError(f"There are no page contents {contents!r}; choose one of {', '.join(PAGE_KINDS)}.")
        if total > MAX_PAGES:
            raise UsageError(f"{total} pages is too many to record step by step here; the explorer takes at most {MAX_PAGES}.")
        faults = dict(self._extra_faults)
        kind = p["fault_kind"]
        if kind not in ("none", None):
            if kind not in FAULT_KINDS:
                raise UsageError(f"There is no fault {kind!r}; choose none or one of {', '.join(FAULT_KINDS)}.")
            page = _whole(p["fault_page"], "fault page", 0)
            faults[page] = kind
        for page in faults:
            if page >= total:
                raise UsageError(f"The fault page {page} is beyond the run: its pages are 0 to {total - 1}.")
        stale = _parse_pages(p["stale"])
        for page in stale:
            if page >= total:
                raise UsageError(f"The stale page {page} is beyond the run: its pages are 0 to {total - 1}.")
        max_pool = _whole(p["max_pool_percent"], "max_pool_percent", 0, 100)
        accept = _whole(p["accept_threshold_percent"], "accept_threshold_percent", 0, 100)
        ram = _whole(p["total_ram_pages"], "total RAM in pages", 1)
        zmax = p["zswap_max_pages"]
        if zmax in ("", None, "max"):
            zmax = None
        else:
            zmax = _whole(zmax, "memory.zswap.max in pages", 0)
        if self._params_unchanged():
            title, notes = self._base.title, self._base.notes
        else:
            title = self._title(total, nr, faults)
            notes = ""
        return Scenario(title=title, pages=pages, folio_pages=nr, kernel=p["kernel"], refs=p["refs"],
                        compressor=p["compressor"], faults=faults, stale=stale, enabled=bool(p["enabled"]),
                        max_pool_percent=max_pool, accept_threshold_percent=accept, total_ram_pages=ram,
                        root_cgroup=bool(p["root_cgroup"]), zswap_max_pages=zmax,
                        zswap_writeback=bool(p["zswap_writeback"]), interleave=list(self._base.interleave),
                        notes=notes, origin=self._base.origin)

    def _params_unchanged(self) -> bool:
        return all(self.params[k] == self._base_params[k] for k in self.params if k != "scenario")

    def _title(self, total: int, nr: int, faults: dict) -> str:
        p = self.params
        folios = total // nr
        what = f"{folios} folios of {folio_size_label(nr)}" if folios > 1 else f"A {folio_size_label(nr)} folio"
        contents = p["contents"] if p["contents"] != "scenario" else "the scenario's"
        text = f"{what}, {contents} pages, {p['compressor']}, kernel {p['kernel']}"
        if faults:
            text += ", " + ", ".join(f"{k} at page {pg}" for pg, k in sorted(faults.items()))
        return text

    def set(self, **values) -> bool:
        """Change scenario values and run the scenario once; return whether it ran.

        Keys are those of :attr:`params`; ``scenario`` loads a built-in
        scenario by name (its values replace the current ones). On an
        invalid value :attr:`message` says why in one sentence and the last
        good run stays shown.
        """
        unknown = sorted(set(values) - set(_DEFAULTS))
        if unknown:
            raise TypeError(f"unknown explorer value {unknown[0]!r}; known: {', '.join(_DEFAULTS)}")
        name = values.pop("scenario", self.params["scenario"])
        if name != self.params["scenario"]:
            self._load_builtin(name)
        self.params.update(values)
        self._sync_controls()
        return self._rerun()

    def _load_builtin(self, name: str | None) -> None:
        self._use_scenario(builtin_scenarios()[name] if name else Scenario(), name)

    def _use_scenario(self, base: Scenario, name: str | None) -> None:
        """Take *base*'s values as the explorer's (and as the unchanged state its title and notes go with)."""
        self._base = base
        self.params, self._base_pages, self._extra_faults = _params_from(base)
        self.params["scenario"] = name
        self._base_params = dict(self.params)

    # -- stepping ----------------------------------------------------------------

    def go(self, k: int) -> None:
        """Show step *k* (clamped to the trace); only artists and text change."""
        k = max(0, min(int(k), len(self.trace) - 1))
        if k == self.step and self.artists is not None and self.artists.current == k:
            return
        self.step = k
        self.artists.update(k)
        self._refresh()

    def forward(self) -> None:
        """Show the next step."""
        self.go(self.step + 1)

    def back(self) -> None:
        """Show the previous step."""
        self.go(self.step - 1)

    def next_page(self) -> None:
        """Show the first step of the next page the trace works on (or the last step)."""
        steps = self.trace.steps
        here = steps[self.step].page
        for s in steps[self.step + 1:]:
            if s.page is not None and s.page != here:
                self.go(s.index)
                return
        self.to_end()

    def _jump(self, indices: list[int]) -> bool:
        if not indices:
            return False
        later = [i for i in indices if i > self.step]
        self.go(later[0] if later else indices[0])
        return True

    def to_failure(self) -> bool:
        """Show the next failed step (the first again after the last); False if none failed."""
        return self._jump(self.trace.find(failed=True))

    def to_rollback(self) -> bool:
        """Show the start of the next rollback; False if nothing was rolled back."""
        rb = self.trace.rollback_indices
        starts = [i for n, i in enumerate(rb) if n == 0 or rb[n - 1] != i - 1]
        return self._jump(starts)

    def to_end(self) -> None:
        """Show the last step."""
        self.go(len(self.trace) - 1)

    # -- what is shown -------------------------------------------------------------

    @property
    def sentence(self) -> str:
        """The current step's kernel function and its plain sentence, as text."""
        step = self.trace.steps[self.step]
        return f"{step_title(self.trace, self.step)}: {step.text}"

    @property
    def counters(self):
        """The counters after the current step (pandas DataFrame)."""
        return counters_frame(self.trace, self.step)

    @property
    def status(self) -> tuple[bool, str]:
        """The validators' verdict at the current step: (all hold, text)."""
        return status_of(self.trace.snapshots[self.step])

    def render(self) -> None:
        """Draw the figure at the current step into its canvas (and the PNG in image mode)."""
        self.artists.render()
        if self._live:
            self.figure.canvas.blit()
        else:
            from PIL import Image

            buf = io.BytesIO()
            rgba = self.figure.canvas.buffer_rgba()
            Image.frombuffer("RGBA", self.figure.canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1) \
                .convert("RGB").save(buf, format="png", compress_level=1)
            self.png = buf.getvalue()
            self.image.value = self.png

    # -- the report ----------------------------------------------------------------

    def export_html(self, path: str | Path) -> Path:
        """Write the current run's offline HTML report to *path*; return the path written.

        The report (:func:`zswapviz.report.export_html`) steps through the
        trace shown, without a network or Python. A path that cannot be
        written raises :class:`UsageError` with one plain sentence; the
        "Export HTML" button shows that sentence instead.
        """
        from . import report

        try:
            written = Path(report.export_html(self.trace, path))
        except UsageError as e:
            self.export_message = _as_sentence(str(e))
            self._show_export(ok=False)
            raise UsageError(self.export_message) from None
        size = written.stat().st_size
        self.exported = (written, size)
        self.export_message = f"Wrote {written.resolve()} ({_size_label(size)})."
        self._show_export(ok=True)
        return written

    def _export_clicked(self) -> None:
        """The "Export HTML" button: write the report to the file named, say where or why not."""
        self.export_status.value = '<span style="color:#555"><i>writing the report…</i></span>'
        try:
            self.export_html(self.export_name.value.strip())
        except UsageError:
            pass  # export_html already shows the sentence
        except Exception as e:  # noqa: BLE001 - one sentence in the UI, the exception for developers
            self.last_error = e
            first = str(e).splitlines()[0] if str(e) else ""
            self.export_message = _as_sentence(f"The report could not be written: {type(e).__name__}: {first}".rstrip(": "))
            self._show_export(ok=False)

    def _show_export(self, ok: bool) -> None:
        color = "#1b5e20" if ok else "#b71c1c"
        self.export_status.value = (f'<span class="zswapviz-export-{"ok" if ok else "failed"}" '
                                    f'style="color:{color}">{html.escape(self.export_message)}</span>')

    # -- lessons -------------------------------------------------------------------

    def lesson(self, lesson: Lesson | str | Path) -> "Explorer":
        """Run a lesson here: its run, stop by stop, with the teacher's notes and questions; return the explorer.

        *lesson* is a :class:`~zswapviz.lessons.Lesson`, a built-in lesson's
        name (``walkthrough-64k``, ``rollback-stale``, ``ref-debate``,
        ``accounting-6.13``) or a lesson file. The explorer shows the lesson's
        recorded trace (a variant's when the stop is in one) at the first
        stop's step; :meth:`next_stop` reveals a question's answer first, then
        moves on. A lesson that cannot be loaded raises :class:`UsageError`.
        """
        if not isinstance(lesson, Lesson):
            lesson = load_lesson(lesson)
        self.runner = lesson.runner()
        self._show_stop()
        return self

    def _lesson_runner(self) -> LessonRunner:
        if self.runner is None:
            raise UsageError("No lesson is running here; start one with explorer.lesson(\"walkthrough-64k\").")
        return self.runner

    def next_stop(self) -> bool:
        """Reveal the current question's answer, or go to the next stop; False at the lesson's end."""
        moved = self._lesson_runner().next()
        self._show_stop()
        return moved

    def previous_stop(self) -> bool:
        """Undo one :meth:`next_stop` (hide the answer, or go back a stop); False at the start."""
        moved = self._lesson_runner().previous()
        self._show_stop()
        return moved

    def reveal(self) -> None:
        """Show the current stop's answer (nothing happens when it asks no question)."""
        self._lesson_runner().reveal()
        self._show_stop()

    def go_stop(self, index: int) -> None:
        """Jump to the lesson's stop *index* (from 0), its answer hidden."""
        self._lesson_runner().go(index)
        self._show_stop()

    def leave_lesson(self) -> None:
        """Close the lesson panel; the explorer stays on the run and step shown."""
        self.runner = None
        self.lesson_box.layout.display = "none"
        self.lesson_html.value = ""

    def _show_stop(self) -> None:
        """Show the runner's stop: its trace (the lesson's or a variant's), its step, its note."""
        r = self._lesson_runner()
        if self.trace is not r.trace:
            scenario = r.lesson.scenario if r.variant is None else r.lesson.variants[r.variant]
            self._use_scenario(scenario, _builtin_name(scenario))
            self._sync_controls()
            self.step = r.step
            self._show_run(r.trace, scenario)
        self.go(r.step)
        self._lesson_refresh()

    def _lesson_refresh(self) -> None:
        r = self.runner
        if r is None:
            return
        lesson, stop = r.lesson, r.stop
        total = len(lesson.stops)
        where = f"variant {r.variant}" if r.variant else "the lesson's run"
        head = (f'<div style="font-size:13px;color:#555">Lesson: <b>{html.escape(lesson.title)}</b> · '
                f'stop {r.number} of {total} · step {r.step} of {where}</div>')
        summary = (f'<div style="color:#444;margin:2px 0 4px 0">{html.escape(lesson.summary)}</div>'
                   if lesson.summary and r.index == 0 and not r.revealed else "")
        title = f'<div style="font-size:17px;font-weight:bold;margin:2px 0">{html.escape(stop.title)}</div>' \
            if stop.title else ""
        note = f'<div class="zswapviz-lesson-note" style="font-size:15px;line-height:1.35">{html.escape(r.note)}</div>'
        parts = [head, summary, title, note]
        if r.question:
            parts.append('<div class="zswapviz-lesson-question" style="font-size:15px;background:#e3f2fd;'
                         f'padding:4px 8px;margin-top:6px;border-radius:4px"><b>Question:</b> '
                         f'{html.escape(r.question)}</div>')
            if r.answer is not None:
                parts.append('<div class="zswapviz-lesson-answer" style="font-size:15px;background:#e8f5e9;'
                             f'padding:4px 8px;margin-top:4px;border-radius:4px"><b>Answer:</b> '
                             f'{html.escape(r.answer)}</div>')
            else:
                parts.append('<div style="color:#666;margin-top:4px"><i>The answer shows on the next click '
                             '(next stop ▶ or reveal answer).</i></div>')
        if self.trace is not r.trace:
            parts.append('<div style="color:#b71c1c;margin-top:4px">The explorer now shows a run of your own; '
                         'the lesson\'s buttons take it back to the lesson\'s run.</div>')
        self.lesson_html.value = f'<div style="line-height:1.35">{"".join(parts)}</div>'
        b = self.lesson_buttons
        b["previous"].disabled = r.at_start
        b["next"].disabled = r.at_end
        b["reveal"].disabled = not r.question or r.revealed
        self.lesson_box.layout.display = "flex"

    # -- your kernel ---------------------------------------------------------------

    def show_kernel(self, on: bool = True) -> "KernelPanel | None":
        """Show (or hide) the "your kernel" panel; it reads this machine's zswap the first time it is shown."""
        self.kernel_shown = bool(on)
        if on and self.kernel_panel is None:
            self.kernel_panel = KernelPanel()
            self.kernel_box.children = (self.kernel_panel.widget,)
        self.kernel_box.layout.display = "flex" if on else "none"
        if self.kernel_toggle.value != self.kernel_shown:
            self.kernel_toggle.value = self.kernel_shown
        return self.kernel_panel

    # -- running -----------------------------------------------------------------

    def _rerun(self) -> bool:
        try:
            scenario = self.build_scenario()
        except UsageError as e:
            return self._invalid(str(e))
        big = scenario.folio_pages * max(1, self._safe_folios()) >= _BIG
        self._running(True, big)
        try:
            trace = scenario.run()
        except UsageError as e:
            return self._invalid(str(e))
        except Exception as e:  # noqa: BLE001 - the UI shows one sentence, developers get last_error
            self.last_error = e
            return self._invalid(f"The run failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": "))
        finally:
            self._running(False, big)
        self._show_run(trace, scenario)
        return True

    def _show_run(self, trace, scenario: Scenario) -> None:
        """Show a recorded run: redraw the figure once for it, keep the step (clamped)."""
        self.trace, self.scenario, self.message, self.last_error = trace, scenario, "", None
        self.message_html.value = ""
        self.step = max(0, min(self.step, len(trace) - 1))
        if self.artists is not None:
            self.artists.disconnect()
        self.figure.clear()
        self.artists = draw_explorer(self.figure, trace, self.step, label=self.label, blit=True)
        self._after_run()
        self._refresh()
        for callback in self.on_run:
            callback(self)

    def _safe_folios(self) -> int:
        try:
            return int(self.params["folios"])
        except (TypeError, ValueError):
            return 1

    def _invalid(self, sentence: str) -> bool:
        self.message = _as_sentence(sentence)
        self.message_html.value = (f'<div class="zswapviz-invalid" style="color:#b71c1c;font-weight:bold">'
                                   f'{html.escape(self.message)}</div>')
        return False

    def _running(self, on: bool, big: bool) -> None:
        if on:
            self.message_html.value = ('<div style="color:#555"><i>running… recording every step of '
                                       f'{"a big run" if big else "the run"}</i></div>')
        else:
            self.message_html.value = ""

    # -- widgets -----------------------------------------------------------------

    @staticmethod
    def _want_live(live) -> bool:
        if live == "auto":
            import matplotlib

            backend = matplotlib.get_backend().lower()
            return "ipympl" in backend or "widget" in backend
        if live:
            import ipympl  # noqa: F401 - a clear ImportError if the optional extra is missing
        return bool(live)

    def _build_widgets(self, with_controls: bool) -> None:
        p = self.params
        desc = {"description_width": "initial"}
        files = page_files(self._data_dir)
        scenarios = ["(custom)"] + sorted(builtin_scenarios())
        contents = list(PAGE_KINDS) + [f"file:{f}" for f in files]
        c = {
            "scenario": W.Dropdown(options=[(n, None if n == "(custom)" else n) for n in scenarios],
                                   description="scenario", style=desc),
            "folio_pages": W.Dropdown(options=[(folio_size_label(n), n) for n in _FOLIO_PAGES],
                                      description="folio size", style=desc),
            "folios": W.IntText(description="folios", style=desc, layout=W.Layout(width="120px")),
            "contents": W.Dropdown(options=contents, description="pages", style=desc),
            "seed": W.IntText(description="seed", style=desc, layout=W.Layout(width="110px")),
            "compressor": W.Dropdown(options=list(COMPRESSOR_NAMES), description="compressor", style=desc),
            "kernel": W.Dropdown(options=list(KERNEL_NAMES), description="kernel", style=desc),
            "refs": W.Dropdown(options=list(REF_STRATEGIES), description="refs", style=desc),
            "fault_kind": W.Dropdown(options=["none", *FAULT_KINDS], description="fault", style=desc),
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
        c["fault_kind"].tooltip = "; ".join(f"{k}: {v}" for k, v in FAULT_KINDS.items())
        #: The scenario controls by value name (they only call :meth:`set`).
        self.controls = c
        for name, w in c.items():
            w.observe(self._guard(lambda change, name=name: self._control_changed(name, change["new"])), "value")
        self._sync_controls()

        def button(label, tooltip, cls, action, width="auto"):
            b = W.Button(description=label, tooltip=tooltip, layout=W.Layout(width=width))
            b.add_class(f"zswapviz-{cls}")
            b.on_click(self._guard(lambda _b: action()))
            return b

        #: The step buttons: back, forward, next_page, failure, rollback, end.
        self.buttons = {
            "back": button("◀ back", "the previous step", "back", self.back),
            "forward": button("forward ▶", "the next step", "forward", self.forward),
            "next_page": button("next page", "the first step of the next page", "next-page", self.next_page),
            "failure": button("to failure", "the step that failed", "failure", self.to_failure),
            "rollback": button("to rollback", "the first rollback step", "rollback", self.to_rollback),
            "end": button("to end", "the last step", "end", self.to_end),
        }
        self.play = W.Play(interval=200, step=1, min=0, max=1, show_repeat=False, description="play")
        self.play.add_class("zswapviz-play")
        self.speed = W.IntSlider(value=5, min=1, max=30, description="steps/s", continuous_update=False,
                                 layout=W.Layout(width="230px"), style=desc)
        self.speed.observe(lambda ch: setattr(self.play, "interval", max(1, 1000 // int(ch["new"]))), "value")
        self.slider = W.IntSlider(min=0, max=1, description="step", continuous_update=True,
                                  layout=W.Layout(width="98%"), style=desc)
        self.slider.add_class("zswapviz-slider")
        W.link((self.play, "value"), (self.slider, "value"))
        self.slider.observe(self._guard(lambda ch: None if self._syncing else self.go(ch["new"])), "value")

        self.header_html = W.HTML()
        self.message_html = W.HTML()
        self.message_html.add_class("zswapviz-message")
        self.sentence_html = W.HTML(layout=W.Layout(min_height="3.2em"))
        self.sentence_html.add_class("zswapviz-sentence")
        self.badge_html = W.HTML()
        self.badge_html.add_class("zswapviz-badge")
        self.counters_html = W.HTML()
        self.counters_html.add_class("zswapviz-counters")
        if self._live:
            from ipympl.backend_nbagg import Canvas, FigureManager

            canvas = Canvas(self.figure)
            FigureManager(canvas, 0)
            canvas.toolbar_visible = False
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.add_class("zswapviz-figure")
            self.image = canvas
        else:
            w, h = (int(round(v)) for v in self.figure.get_size_inches() * self.figure.dpi)
            self.image = W.Image(format="png", layout=W.Layout(width=f"{w}px", max_width="100%"))
            self.image.add_class("zswapviz-figure")

        # the lesson panel (shown by lesson())
        self.lesson_html = W.HTML()
        self.lesson_html.add_class("zswapviz-lesson-text")
        #: The lesson buttons: previous, reveal, next, leave.
        self.lesson_buttons = {
            "previous": button("◀ previous stop", "undo the last click: hide the answer or go back a stop",
                               "lesson-previous", self.previous_stop),
            "reveal": button("reveal answer", "show the answer to the stop's question", "lesson-reveal",
                             self.reveal),
            "next": button("next stop ▶", "reveal the answer, or go to the next stop", "lesson-next",
                           self.next_stop),
            "leave": button("leave lesson", "close the lesson panel and keep exploring", "lesson-leave",
                            self.leave_lesson),
        }
        self.lesson_buttons["next"].button_style = "primary"
        lb = self.lesson_buttons
        self.lesson_box = W.VBox(
            [self.lesson_html, W.HBox([lb["previous"], lb["reveal"], lb["next"], lb["leave"]],
                                      layout=W.Layout(margin="6px 0 0 0"))],
            layout=W.Layout(display="none", border="2px solid #1976d2", padding="6px 10px", margin="4px 0"))
        self.lesson_box.add_class("zswapviz-lesson")

        # the tools row: export the report, your kernel
        self.export_name = W.Text(value=DEFAULT_REPORT, description="report file", style=desc,
                                  layout=W.Layout(width="300px"))
        self.export_name.add_class("zswapviz-export-name")
        self.export_button = button("Export HTML", "write this run's offline HTML report (it steps without "
                                    "Python or a network)", "export", self._export_clicked)
        self.export_status = W.HTML()
        self.export_status.add_class("zswapviz-export-status")
        self.kernel_toggle = W.ToggleButton(value=False, description="your kernel",
                                            tooltip="show this machine's zswap parameters and counters",
                                            layout=W.Layout(width="auto", margin="0 24px 0 0"))
        self.kernel_toggle.add_class("zswapviz-kernel-toggle")
        self.kernel_toggle.observe(self._guard(lambda ch: self.show_kernel(ch["new"])), "value")
        self.kernel_box = W.VBox(layout=W.Layout(display="none"))
        tools_row = W.HBox([self.kernel_toggle, self.export_name, self.export_button, self.export_status],
                           layout=W.Layout(flex_flow="row wrap", align_items="center", margin="6px 0 0 0"))
        self.export_status.layout.margin = "0 0 0 8px"

        rows = [
            W.HBox([c["scenario"], c["folio_pages"], c["folios"], c["contents"], c["seed"]]),
            W.HBox([c["compressor"], c["kernel"], c["refs"], c["fault_kind"], c["fault_page"], c["stale"]]),
            W.HBox([c["max_pool_percent"], c["accept_threshold_percent"], c["total_ram_pages"],
                    c["zswap_max_pages"]]),
            W.HBox([c["enabled"], c["zswap_writeback"], c["root_cgroup"]]),
        ]
        self.controls_box = W.VBox(rows, layout=W.Layout(display="flex" if with_controls else "none"))
        b = self.buttons
        steps_row = W.HBox([self.play, self.speed, b["back"], b["forward"], b["next_page"], b["failure"],
                            b["rollback"], b["end"]], layout=W.Layout(flex_flow="row wrap"))
        self.sentence_html.layout.flex = "1 1 auto"
        self.widget = W.VBox([
            self.header_html, self.lesson_box, self.controls_box, self.message_html, steps_row, self.slider,
            W.HBox([self.sentence_html, self.badge_html], layout=W.Layout(align_items="flex-start")),
            self.image, self.counters_html, tools_row, self.kernel_box,
        ])
        self.widget.add_class("zswapviz-explorer")

    def _guard(self, fn):
        """Wrap a widget callback: an error shows one sentence, never a traceback."""
        def run(*args):
            try:
                fn(*args)
            except UsageError as e:
                self._invalid(str(e))
            except Exception as e:  # noqa: BLE001
                self.last_error = e
                self._invalid(f"That did not work: {type(e).__name__}: {e}")
        return run

    def _control_changed(self, name: str, value) -> None:
        if self._syncing:
            return
        if name == "stale":
            try:
                value = _parse_pages(value)
            except UsageError as e:
                self.params["stale"] = value
                self._invalid(str(e))
                return
        self.set(**{name: value})

    def _sync_controls(self) -> None:
        """Show :attr:`params` in the controls without triggering runs."""
        self._syncing = True
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
            self._syncing = False

    def _after_run(self) -> None:
        n = len(self.trace)
        self._set_step_range(n)
        self.buttons["failure"].disabled = self.trace.failure_index is None
        self.buttons["rollback"].disabled = not self.trace.rollback_indices
        self._lesson_refresh()
        meta = self.trace.meta
        notes = f'<div style="color:#444;max-width:1100px">{html.escape(meta.get("notes") or "")}</div>' \
            if meta.get("notes") else ""
        self.header_html.value = f"<h3 style='margin:4px 0'>{html.escape(meta.get('title', ''))}</h3>{notes}"

    def _refresh(self) -> None:
        """Show the current step everywhere: figure, sentence, counters, badge, slider."""
        self.render()
        step = self.trace.steps[self.step]
        color = "#b71c1c" if step.failed else "#111"
        self.sentence_html.value = (
            f'<div style="font-size:14px;color:{color}"><b>{html.escape(step_title(self.trace, self.step))}</b>'
            f'<br>{html.escape(step.text)}</div>')
        ok, text = self.status
        bg = "#2e7d32" if ok else "#c62828"
        mark = "✓" if ok else "✗ invariant broken:"
        self.badge_html.value = (f'<div class="zswapviz-status-{"ok" if ok else "broken"}" style="background:{bg};'
                                 f'color:white;padding:4px 8px;border-radius:4px;max-width:420px">'
                                 f'{mark} {html.escape(text)}</div>')
        self.counters_html.value = _counters_html(self.counters)
        self._show_step_in_controls()



def _counters_html(df, columns=("value", "change"), per_row: int = 3) -> str:
    """The counters as an HTML table, *per_row* counters side by side; changed (or differing) ones highlighted.

    Each counter is a group of cells: name, then one cell per column.
    """
    groups = []
    for name, row in df.iterrows():
        changed = bool(row["change"] != 0) if "change" in columns else bool(row.get("differs", False))
        bg = "background:#fff3cd;" if changed else ""
        tip = html.escape(str(row.get("meaning", "")))
        cells = [f'<td class="zswapviz-counter" title="{tip}" style="{bg}padding:1px 6px">'
                 f'<code>{html.escape(str(name))}</code></td>']
        cells += [f'<td style="{bg}text-align:right;padding:1px 6px;min-width:3.5em">{_fmt(row[c], c == "change")}</td>'
                  for c in columns]
        groups.append("".join(cells))
    head_one = '<th style="text-align:left;padding:0 6px">counter</th>' + "".join(
        f'<th style="text-align:right;padding:0 6px;white-space:nowrap">{html.escape(c)}</th>' for c in columns)
    spacer = '<td style="width:18px"></td>'
    rows = [spacer.join(groups[i:i + per_row]) for i in range(0, len(groups), per_row)]
    head = spacer.join([head_one] * min(per_row, len(groups)))
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return f'<table style="font-size:12px;border-collapse:collapse;margin-top:4px"><tr>{head}</tr>{body}</table>'


def _fmt(v, signed: bool = False) -> str:
    if isinstance(v, bool) or v is None:
        return html.escape(str(v))
    try:
        f = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if signed:
        return "" if f == 0 else (f"{int(f):+d}" if f == int(f) else f"{f:+.2f}")
    return f"{int(f)}" if f == int(f) else f"{f:.2f}"


def _kv(value) -> str:
    """A kernel value as the panel shows it: - for unknown, yes/no, spaced thousands."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u2009")
    return html.escape(str(value))


def _kernel_table(title: str, rows: list[tuple[str, str]], empty: str = "") -> str:
    head = f'<tr><th colspan="2" style="text-align:left;padding:2px 6px;background:#eceff1">{html.escape(title)}</th></tr>'
    if not rows:
        body = f'<tr><td colspan="2" style="padding:1px 6px;color:#666"><i>{html.escape(empty)}</i></td></tr>'
    else:
        body = "".join(f'<tr><td style="padding:1px 6px"><code>{html.escape(k)}</code></td>'
                       f'<td style="padding:1px 6px;text-align:right">{v}</td></tr>' for k, v in rows)
    return (f'<table class="zswapviz-kernel-table" style="font-size:12px;border-collapse:collapse;'
            f'margin:0 18px 6px 0;align-self:flex-start">{head}{body}</table>')


def kernel_summary_html(summary: dict) -> str:
    """A :func:`zswapviz.kernel.kernel_summary` as HTML: tables of values, the notes, what could not be read and why.

    Every value is escaped. A summary of a machine without zswap (or whose
    counters are unreadable) shows the tables it has and the notes saying why.
    """
    from .kernel.summary import format_kernel_summary

    z = summary.get("zswap") or {}
    release = summary.get("kernel_release") or "unknown"
    model = summary.get("model_kernel")
    who = "as root" if summary.get("is_root") else "as a user (not root)"
    head = (f'<div style="margin-bottom:4px"><b>Your kernel: {html.escape(str(release))}</b> · '
            f'the model\'s profile: {html.escape(str(model)) if model else "none"} · read {who} at '
            f'{html.escape(str(summary.get("time", "")))}</div>')
    if z.get("available"):
        params = [("enabled", _kv(z.get("enabled"))), ("compressor", _kv(z.get("compressor"))),
                  ("max_pool_percent", _kv(z.get("max_pool_percent"))),
                  ("= pool limit (pages)", _kv(summary.get("max_pool_pages"))),
                  ("MemTotal (pages)", _kv(summary.get("memtotal_pages"))),
                  ("accept_threshold_percent", _kv(z.get("accept_threshold_percent"))),
                  ("shrinker_enabled", _kv(z.get("shrinker_enabled")))]
    else:
        params = []
    tables = [_kernel_table("zswap parameters", params, "zswap is not in this kernel"),
              _kernel_table("pool (debugfs zswap/)", [(k, _kv(v)) for k, v in (summary.get("pool") or {}).items()],
                            "not readable: see the notes below"),
              _kernel_table("swap-out since boot (/proc/vmstat, pages)",
                            [(k, _kv(v)) for k, v in (summary.get("swap") or {}).items()], "not readable")]
    mthp = summary.get("mthp") or {}
    if mthp:
        cols = ("zswpout", "swpout", "swpout_fallback")
        head_row = "".join(f'<th style="padding:1px 6px;text-align:right">{c}</th>' for c in ("folio size", *cols))
        rows = "".join(
            f'<tr><td style="padding:1px 6px;text-align:right">{html.escape(folio_size_label(int(size) // 4))}</td>'
            + "".join(f'<td style="padding:1px 6px;text-align:right">{_kv(stats.get(c))}</td>' for c in cols)
            + "</tr>" for size, stats in mthp.items())
        tables.append(f'<table class="zswapviz-kernel-table" style="font-size:12px;border-collapse:collapse;'
                      f'margin:0 18px 6px 0;align-self:flex-start"><tr><th colspan="4" style="text-align:left;'
                      f'padding:2px 6px;background:#eceff1">large folios swapped out since boot (mTHP stats, '
                      f'folios)</th></tr><tr>{head_row}</tr>{rows}</table>')
    else:
        tables.append(_kernel_table("large folios (mTHP stats)", [], "this kernel has no per-size mTHP stats"))
    notes = [n for n in summary.get("notes") or [] if not n.startswith("Not read:")]
    unreadable = summary.get("unreadable") or []
    out = [head, f'<div style="display:flex;flex-flow:row wrap">{"".join(tables)}</div>']
    if notes:
        out.append('<ul class="zswapviz-kernel-notes" style="margin:2px 0 4px 0;padding-left:20px">'
                   + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    if unreadable:
        out.append('<div style="font-size:12px">Could not read:</div><table class="zswapviz-kernel-unreadable" '
                   'style="font-size:12px;border-collapse:collapse;margin-left:14px">'
                   + "".join(f'<tr><td style="padding:1px 6px"><code>{html.escape(str(u.get("what")))}</code></td>'
                             f'<td style="padding:1px 6px">{html.escape(str(u.get("why")))}</td></tr>'
                             for u in unreadable) + "</table>")
    try:
        text = format_kernel_summary(summary)
    except (KeyError, TypeError, AttributeError):
        text = ""
    if text:
        out.append(f'<details style="font-size:12px;margin-top:4px"><summary>as text (zswapviz lab status)</summary>'
                   f'<pre style="font-size:11px">{html.escape(text)}</pre></details>')
    return f'<div style="line-height:1.35">{"".join(out)}</div>'


class KernelPanel:
    """This machine's zswap now: parameters, pool and swap counters, mTHP stats, and what could not be read.

    :attr:`summary` holds the plain dict of
    :func:`zswapviz.kernel.kernel_summary` (read-only, no root needed: it
    reads less without root or zswap and says why in its notes); "Refresh"
    reads it again. *read* replaces ``kernel_summary`` (for tests and
    recorded summaries).
    """

    def __init__(self, read: Callable[[], dict] | None = None) -> None:
        self._read = read
        #: The last summary read (a JSON-ready dict), or None if none could be read.
        self.summary: dict | None = None
        #: One sentence about the last failed read, or "".
        self.message = ""
        #: The exception behind a failed read, for developers.
        self.last_error: BaseException | None = None
        self.html = W.HTML()
        self.html.add_class("zswapviz-kernel")
        self.refresh_button = W.Button(description="Refresh", tooltip="read this machine's zswap again",
                                       layout=W.Layout(width="auto"))
        self.refresh_button.add_class("zswapviz-kernel-refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.widget = W.VBox([W.HBox([self.refresh_button]), self.html],
                             layout=W.Layout(border="1px solid #b0bec5", padding="6px 10px", margin="4px 0"))
        self.widget.add_class("zswapviz-kernel-panel")
        self.refresh()

    def refresh(self) -> bool:
        """Read this machine's zswap again and show it; False (and one sentence, the last read kept) on failure."""
        try:
            if self._read is not None:
                summary = self._read()
            else:
                from .kernel import summary as kernel_summary_module

                summary = kernel_summary_module.kernel_summary()
            text = kernel_summary_html(summary)
        except Exception as e:  # noqa: BLE001 - a panel shows a sentence, never a traceback
            self.last_error = e
            first = str(e).splitlines()[0] if str(e) else ""
            self.message = _as_sentence(f"This machine's zswap could not be read: {type(e).__name__}: {first}"
                                        .rstrip(": "))
            shown = kernel_summary_html(self.summary) if self.summary else ""
            self.html.value = (f'<div class="zswapviz-invalid" style="color:#b71c1c;font-weight:bold">'
                               f'{html.escape(self.message)}</div>{shown}')
            return False
        self.summary, self.message, self.last_error = summary, "", None
        self.html.value = text
        return True

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class SideBySide(_Stepper):
    """Two variants of one scenario, stepped together: shared step controls, a figure each.

    *a* and *b* are values for :meth:`Explorer.set` that make the variants
    (e.g. ``{"refs": "per-page"}`` and ``{"refs": "batch-after"}``, or
    ``{"kernel": "6.13"}`` and ``{"kernel": "6.14"}``). Both show the same
    step number (each clamped to its own trace); "to failure" and "to
    rollback" take each to its own. The counters table sets the two side
    by side and marks the rows that differ.
    """

    def __init__(self, scenario: Scenario | str | None = None, a: dict | None = None, b: dict | None = None, *,
                 labels: tuple[str, str] | None = None, figsize=(7.6, 5.6), dpi: int = 72,
                 live: bool | str = "auto") -> None:
        a, b = dict(a or {}), dict(b or {})
        labels = labels or _variant_labels(a, b)
        #: Short names of the two variants (what differs between them).
        self.labels = labels
        self.left = Explorer(scenario, controls=False, figsize=figsize, dpi=dpi, live=live)
        self.right = Explorer(scenario, controls=False, figsize=figsize, dpi=dpi, live=live)
        self._title = self.left.trace.meta.get("title", "")
        if a and not self.left.set(**a):
            raise UsageError(self.left.message)
        if b and not self.right.set(**b):
            raise UsageError(self.right.message)
        self.step = 0
        self._syncing = False
        self._build()
        self.go(0)

    @property
    def sides(self) -> tuple[Explorer, Explorer]:
        """The two explorers, left and right."""
        return self.left, self.right

    def set(self, **values) -> bool:
        """Change a scenario value on both sides and run both; return whether both ran."""
        ok = [side.set(**values) for side in self.sides]
        self._after_run()
        self.go(self.step)
        return all(ok)

    def go(self, k: int) -> None:
        """Show step *k* on both sides (each clamped to its own trace)."""
        n = max(len(s.trace) for s in self.sides)
        self.step = max(0, min(int(k), n - 1))
        for side in self.sides:
            side.go(self.step)
        self._refresh()

    def forward(self) -> None:
        """Both sides one step on."""
        self.go(self.step + 1)

    def back(self) -> None:
        """Both sides one step back."""
        self.go(self.step - 1)

    def _each(self, method: str) -> None:
        for side in self.sides:
            getattr(side, method)()
        self.step = max(s.step for s in self.sides)
        self._refresh()

    def to_failure(self) -> None:
        """Each side to its own failure (a side without one stays)."""
        self._each("to_failure")

    def to_rollback(self) -> None:
        """Each side to the start of its own rollback."""
        self._each("to_rollback")

    def to_end(self) -> None:
        """Each side to its last step."""
        self._each("to_end")

    def next_page(self) -> None:
        """Each side to the first step of its next page."""
        self._each("next_page")

    @property
    def counters(self):
        """Both sides' counters at their steps, side by side, with a ``differs`` column (pandas)."""
        import pandas as pd

        left, right = (s.counters["value"] for s in self.sides)
        df = pd.concat([left.rename(self.labels[0]), right.rename(self.labels[1])], axis=1)
        df["differs"] = df[self.labels[0]] != df[self.labels[1]]
        return df

    def _build(self) -> None:
        desc = {"description_width": "initial"}
        self.play = W.Play(interval=200, min=0, max=1, show_repeat=False)
        self.speed = W.IntSlider(value=5, min=1, max=30, description="steps/s", continuous_update=False,
                                 layout=W.Layout(width="230px"), style=desc)
        self.speed.observe(lambda ch: setattr(self.play, "interval", max(1, 1000 // int(ch["new"]))), "value")
        self.slider = W.IntSlider(min=0, max=1, description="step", layout=W.Layout(width="98%"), style=desc)
        W.link((self.play, "value"), (self.slider, "value"))
        guard = self.left._guard
        self.slider.observe(guard(lambda ch: None if self._syncing else self.go(ch["new"])), "value")

        def button(label, action, cls):
            btn = W.Button(description=label, layout=W.Layout(width="auto"))
            btn.add_class(f"zswapviz-{cls}")
            btn.on_click(guard(lambda _b: action()))
            return btn

        self.buttons = {
            "back": button("◀ back", self.back, "back"),
            "forward": button("forward ▶", self.forward, "forward"),
            "next_page": button("next page", self.next_page, "next-page"),
            "failure": button("to failure", self.to_failure, "failure"),
            "rollback": button("to rollback", self.to_rollback, "rollback"),
            "end": button("to end", self.to_end, "end"),
        }
        self.counters_html = W.HTML()
        self.counters_html.add_class("zswapviz-counters")
        columns = []
        for label, side in zip(self.labels, self.sides):
            side.image.layout.width = None
            name = W.HTML(f"<h4 style='margin:2px 0'>{html.escape(label)}</h4>")
            columns.append(W.VBox([name, side.message_html, side.sentence_html, side.badge_html, side.image],
                                  layout=W.Layout(width="50%")))
        self.header_html = W.HTML(f"<h3 style='margin:4px 0'>{html.escape(self._title)}: "
                                  f"{html.escape(self.labels[0])} and {html.escape(self.labels[1])}, side by side</h3>")
        b = self.buttons
        self.widget = W.VBox([
            self.header_html,
            W.HBox([self.play, self.speed, b["back"], b["forward"], b["next_page"], b["failure"], b["rollback"],
                    b["end"]], layout=W.Layout(flex_flow="row wrap")),
            self.slider,
            W.HBox(columns),
            self.counters_html,
        ])
        self.widget.add_class("zswapviz-side-by-side")
        self._after_run()

    def _after_run(self) -> None:
        self._set_step_range(max(len(s.trace) for s in self.sides))

    def _refresh(self) -> None:
        self.counters_html.value = _counters_html(self.counters, columns=self.labels, per_row=2)
        self._show_step_in_controls()



def _variant_labels(a: dict, b: dict) -> tuple[str, str]:
    """Name two variants by what differs between them: the values alone if one key differs.

    >>> _variant_labels({"kernel": "6.14", "refs": "per-page"}, {"kernel": "6.14", "refs": "batch-after"})
    ('per-page', 'batch-after')
    >>> _variant_labels({"kernel": "6.13"}, {"kernel": "6.14", "compressor": "lzo"})
    ('kernel 6.13', 'kernel 6.14, compressor lzo')
    """
    keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    if not keys:
        return "A", "B"
    if len(keys) == 1:
        k = keys[0]
        return str(a.get(k, "default")), str(b.get(k, "default"))
    return tuple(", ".join(f"{k} {v[k]}" for k in keys if k in v) or "default" for v in (a, b))
