"""The explorer: step through a recorded ``zswap_store()`` in JupyterLab, VS Code or Voila.

:class:`Explorer` keeps plain values apart from its widgets:
:attr:`Explorer.params` holds the scenario's values (:class:`ScenarioForm`)
and :attr:`Explorer.step` the step shown. Changing a scenario value runs
:meth:`zswapviz.scenario.Scenario.run` once and sends the run's view model
to the browser (:class:`~zswapviz.views.stepper.PlayerWidget`); stepping,
the slider, play and the jumps then happen in the browser, which reports
the step back. The methods (:meth:`go`, :meth:`forward`, :meth:`to_failure`
...) move the page from Python. An invalid value shows one plain sentence,
never a traceback, and keeps the last good run on screen.

>>> ex = Explorer(resolve_scenario("demo"))
>>> ex.to_failure()
True
>>> ex.trace.steps[ex.step].fn
'zs_malloc'
>>> ex.set(fault_page=99)
False
>>> "page 99 is out of range" in ex.message
True

Beyond stepping, the explorer writes the run's offline HTML report
(:meth:`export_html`), saves the current step as a matplotlib figure
(:meth:`save_figure`), leads a class through a lesson stop by stop
(:meth:`lesson`) and shows this machine's zswap in a "your kernel" panel
(:class:`~zswapviz.views.kernel.KernelPanel`).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as W

from ..errors import UsageError
from ..lessons import LessonRunner
from ..scenario import Scenario, builtin_scenarios, resolve_scenario
from .form import DATA_DIR, DEFAULTS, ScenarioForm, as_sentence
from .kernel import KernelPanel
from .lesson import LessonControls
from .stepper import PlayerWidget, dumps
from .viewmodel import View, cached_view_model, view_model

__all__ = ["DEFAULT_FIGURE", "DEFAULT_REPORT", "Explorer", "status_of"]

#: Runs of at least this many pages show "running..." while they record.
_BIG = 64
#: The file names the "Export HTML" and "Save figure" controls start with.
DEFAULT_REPORT = "zswapviz-report.html"
DEFAULT_FIGURE = "zswapviz-step.png"


def status_of(snapshot) -> tuple[bool, str]:
    """The validators' verdict at a snapshot: (all hold, one line saying so or what broke)."""
    if snapshot.violations:
        return False, "; ".join(snapshot.violations)
    return True, "all invariants hold (checked after each operation)"


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


def _glossary_html() -> str:
    """The glossary (:func:`zswapviz.glossary.glossary_html`) in a scrolling box of projector-sized text."""
    from ..glossary import glossary_html

    return f'<div class="zswapviz-glossary" style="font-size:16px;max-height:320px;overflow:auto">{glossary_html()}</div>'


class Explorer(LessonControls):
    """Step through one scenario's recorded ``zswap_store()``: scenario controls and the browser player.

    *scenario* is a :class:`~zswapviz.scenario.Scenario` or a built-in
    scenario's name (default: a 64 KiB folio of text). *controls* shows the
    scenario controls; *label* names the run on screen; *teacher* shows the
    teacher's answers in lessons; *spoilers* draws the
    steps after the current one faded (True) or hides them (False; the
    default in lessons). ``live``, ``figsize`` and ``dpi`` are accepted for
    old notebooks and ignored (the page draws vector graphics).
    """

    def __init__(self, scenario: Scenario | str | None = None, *, controls: bool = True, label: str | None = None,
                 teacher: bool = False, spoilers: bool | None = None, data_dir: str | Path = DATA_DIR,
                 live=None, figsize=None, dpi=None, _show: bool = True) -> None:
        name = None
        if scenario is not None and not isinstance(scenario, (Scenario, str, os.PathLike)):
            raise UsageError(f"Explorer takes a Scenario, a built-in scenario's name or a scenario file, "
                             f"not {type(scenario).__name__}")
        if isinstance(scenario, os.PathLike):
            scenario = resolve_scenario(scenario)
        if isinstance(scenario, str):
            builtins = builtin_scenarios()
            if scenario in builtins:
                name, scenario = scenario, builtins[scenario]
            else:
                scenario = resolve_scenario(scenario)
        #: The scenario form: plain values, controls, and the one validator behind them.
        self.form = ScenarioForm(scenario or Scenario(), name, data_dir, on_change=self._guard(self._control_changed))
        self.label = label
        self.teacher = bool(teacher)
        #: The step shown, an index into :attr:`trace` (the browser keeps it up to date).
        self.step = 0
        #: The last good run's trace and scenario.
        self.trace = None
        self.scenario: Scenario | None = None
        #: The view model of :attr:`trace` (what the browser draws).
        self.view: dict | None = None
        #: One plain sentence about the last invalid value, or "".
        self.message = ""
        #: The exception behind an unexpected failure, for developers.
        self.last_error: BaseException | None = None
        #: Called with the explorer after every successful run.
        self.on_run: list[Callable[[Explorer], None]] = []
        #: The lesson being run (its cursor), or None outside a lesson.
        self.runner: LessonRunner | None = None
        #: True while a lesson runs but the explorer shows a run of the user's own.
        self.own_run = False
        #: The last report / figure written: (path, size in bytes), or None.
        self.exported: tuple[Path, int] | None = None
        self.saved: tuple[Path, int] | None = None
        #: One sentence about the last export or save (where and how big, or why not), or "".
        self.export_message = ""
        #: The "your kernel" panel, made the first time it is shown.
        self.kernel_panel: KernelPanel | None = None
        self.kernel_shown = False
        self._views: dict[int, tuple] = {}
        self._show = _show
        self.player = PlayerWidget(teacher=self.teacher, spoilers=spoilers)
        self.player.observe(self._guard(self._browser_step), "step")
        self.player.observe(self._guard(self._browser_frame), "lesson_frame")
        self._build_widgets(controls)
        if not self._rerun():
            raise UsageError(self.message)

    # -- plain values ----------------------------------------------------------

    @property
    def params(self) -> dict:
        """The scenario's values, plain (what the controls show, valid or not)."""
        return self.form.params

    @property
    def controls(self) -> dict:
        """The scenario controls by value name."""
        return self.form.controls

    def build_scenario(self) -> Scenario:
        """The scenario :attr:`params` describe; raise UsageError with one plain sentence if invalid."""
        return self.form.build()

    def set(self, **values) -> bool:
        """Change scenario values and run the scenario once; return whether it ran.

        Keys are those of :attr:`params`; ``scenario`` loads a built-in
        scenario by name (its values replace the current ones). On an
        invalid value :attr:`message` says why in one sentence and the last
        good run stays shown.
        """
        unknown = sorted(set(values) - set(DEFAULTS))
        if unknown:
            raise TypeError(f"unknown explorer value {unknown[0]!r}; known: {', '.join(DEFAULTS)}")
        name = values.pop("scenario", self.params["scenario"])
        if name != self.params["scenario"]:
            self.form.use(builtin_scenarios()[name] if name else Scenario(), name)
        self.params.update(values)
        self.form.sync()
        return self._rerun()

    # -- stepping ----------------------------------------------------------------

    def go(self, k: int) -> None:
        """Show step *k* (clamped to the trace)."""
        self.step = max(0, min(int(k), len(self.trace) - 1))
        self.player.step = self.step

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

    def go_page(self, page: int) -> bool:
        """Show the first step on *page*; False (and a sentence) when no step works on it."""
        first = self.view["marks"]["page_first"]
        if not isinstance(page, int) or not 0 <= page < len(first) or first[page] < 0:
            self.message = f"No step works on page {page}; the run has pages 0 to {len(first) - 1}."
            return False
        self.go(first[page])
        return True

    def _jump(self, kind: str) -> bool:
        target = View(self.view).jump(kind, self.step)
        if target is None:
            return False
        self.go(target)
        return True

    def to_failure(self) -> bool:
        """Show the next failed step (the first again after the last); False if none failed."""
        return self._jump("failure")

    def to_rollback(self) -> bool:
        """Show the start of the next rollback (the first again after the last); False if nothing was rolled back."""
        return self._jump("rollback")

    def to_end(self) -> None:
        """Show the last step."""
        self.go(len(self.trace) - 1)

    # -- what is shown -------------------------------------------------------------

    @property
    def frame(self) -> dict:
        """Everything the page shows at the current step (:meth:`View.frame`)."""
        return View(self.view).frame(self.step)

    @property
    def sentence(self) -> str:
        """The current step's title line and its plain sentence, as text."""
        v = View(self.view)
        return f"{v.title(self.step)}: {v.sentence(self.step)}"

    @property
    def counters(self):
        """The counters after the current step (pandas DataFrame: value, change, meaning)."""
        import pandas as pd

        rows = View(self.view).counter_rows(self.step)
        return pd.DataFrame(rows, columns=["counter", "value", "change", "meaning"]).set_index("counter")

    @property
    def status(self) -> tuple[bool, str]:
        """The validators' verdict at the current step: (all hold, text)."""
        return status_of(self.trace.snapshots[self.step])

    @property
    def badge(self) -> dict:
        """The badge at the current step, as the page shows it: ok, one summary line, details."""
        return View(self.view).badge(self.step)

    # -- the report and the figure ---------------------------------------------------

    def export_html(self, path: str | Path) -> Path:
        """Write the current run's offline HTML report to *path*; return the path written.

        A path that cannot be written raises :class:`UsageError` with one
        plain sentence; the "Export HTML" button shows that sentence instead.
        """
        from .. import report

        try:
            written = Path(report.export_html(self.trace, path))
        except UsageError as e:
            self._say(as_sentence(str(e)), ok=False)
            raise UsageError(self.export_message) from None
        size = written.stat().st_size
        self.exported = (written, size)
        self._say(f"Wrote {written.resolve()} ({_size_label(size)}).", ok=True)
        return written

    def save_figure(self, path: str | Path) -> Path:
        """Draw the current step with matplotlib and save it to *path* (PNG, SVG or PDF by suffix)."""
        from .figures import save_step_figure

        try:
            written = save_step_figure(self.trace, self.step, path)
        except UsageError as e:
            self._say(as_sentence(str(e)), ok=False)
            raise UsageError(self.export_message) from None
        size = written.stat().st_size
        self.saved = (written, size)
        self._say(f"Saved step {self.step} as {written.resolve()} ({_size_label(size)}).", ok=True)
        return written

    def _clicked(self, action, name_widget) -> None:
        self.export_status.value = '<span><i>writing…</i></span>'
        try:
            action(name_widget.value.strip())
        except UsageError:
            pass  # the sentence is shown already
        except Exception as e:  # noqa: BLE001 - one sentence in the UI, the exception for developers
            self.last_error = e
            first = str(e).splitlines()[0] if str(e) else ""
            self._say(as_sentence(f"That could not be written: {type(e).__name__}: {first}".rstrip(": ")), ok=False)

    def _say(self, sentence: str, ok: bool) -> None:
        self.export_message = sentence
        color = "var(--jp-success-color1, #1b5e20)" if ok else "var(--jp-error-color1, #b71c1c)"
        self.export_status.value = (f'<span class="zswapviz-export-{"ok" if ok else "failed"}" '
                                    f'style="color:{color};font-size:16px">{html.escape(sentence)}</span>')

    # -- your kernel ---------------------------------------------------------------

    def show_kernel(self, on: bool = True) -> KernelPanel | None:
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

    def _view_of(self, trace) -> dict:
        """The view model of *trace*, computed once per trace."""
        if not self.label:
            return cached_view_model(trace)
        hit = self._views.get(id(trace))
        if hit is None or hit[0] is not trace:
            hit = (trace, view_model(trace, self.label))
            self._views[id(trace)] = hit
        return hit[1]

    def _rerun(self) -> bool:
        try:
            scenario = self.build_scenario()
        except UsageError as e:
            return self._invalid(str(e))
        big = scenario.folio_pages * max(1, scenario.page_count() // scenario.folio_pages) >= _BIG
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
        """Show a recorded run: send its view model once, keep the step (clamped)."""
        self.trace, self.scenario, self.message, self.last_error = trace, scenario, "", None
        self.message_html.value = ""
        self.step = max(0, min(self.step, len(trace) - 1))
        self.view = self._view_of(trace)
        if self.runner is not None:
            self.own_run = True
        if self._show:
            with self.player.hold_sync():
                self.player.lesson_view = ""
                self.player.view = dumps(self.view)
                self.player.step = self.step
        self._after_run()
        for callback in self.on_run:
            callback(self)

    def _invalid(self, sentence: str) -> bool:
        self.message = as_sentence(sentence)
        self.message_html.value = (f'<div class="zswapviz-invalid" style="color:var(--jp-error-color1, #b71c1c);'
                                   f'font-weight:bold;font-size:16px">{html.escape(self.message)}</div>')
        return False

    def _running(self, on: bool, big: bool) -> None:
        self.message_html.value = (f'<div style="font-size:16px"><i>running… recording every step of '
                                   f'{"a big run" if big else "the run"}</i></div>') if on else ""

    # -- from the browser ------------------------------------------------------------

    def _browser_step(self, change) -> None:
        if self.trace is not None:
            self.step = max(0, min(int(change["new"]), len(self.trace) - 1))

    def _browser_frame(self, change) -> None:
        r = self.runner
        if r is None or self.own_run or change["new"] == r.frame:
            return
        r.frame = max(0, min(int(change["new"]), len(r.frames) - 1))
        self._follow_stop()

    # -- widgets -----------------------------------------------------------------

    def _build_widgets(self, with_controls: bool) -> None:
        desc = {"description_width": "initial"}
        self.controls_box = self.form.widget(with_controls)
        self.header_html = W.HTML()
        self.message_html = W.HTML()
        self.message_html.add_class("zswapviz-message")
        self.player.add_class("zswapviz-player")
        self.player.layout = W.Layout(width="100%")

        self.export_name = W.Text(value=DEFAULT_REPORT, description="report file", style=desc,
                                  layout=W.Layout(width="280px"))
        self.export_name.add_class("zswapviz-export-name")
        self.export_button = W.Button(description="Export HTML", tooltip="write this run's offline HTML report",
                                      layout=W.Layout(width="auto"))
        self.export_button.add_class("zswapviz-export")
        self.export_button.on_click(self._guard(lambda _b: self._clicked(self.export_html, self.export_name)))
        self.figure_name = W.Text(value=DEFAULT_FIGURE, description="figure file", style=desc,
                                  layout=W.Layout(width="260px"))
        self.figure_button = W.Button(description="Save figure", tooltip="draw this step with matplotlib "
                                      "(PNG, SVG or PDF by the file's suffix)", layout=W.Layout(width="auto"))
        self.figure_button.add_class("zswapviz-save-figure")
        self.figure_button.on_click(self._guard(lambda _b: self._clicked(self.save_figure, self.figure_name)))
        self.export_status = W.HTML()
        self.export_status.add_class("zswapviz-export-status")
        self.kernel_toggle = W.ToggleButton(value=False, description="your kernel",
                                            tooltip="show this machine's zswap parameters and counters",
                                            layout=W.Layout(width="auto"))
        self.kernel_toggle.add_class("zswapviz-kernel-toggle")
        self.kernel_toggle.observe(self._guard(lambda ch: self.show_kernel(ch["new"])), "value")
        self.kernel_box = W.VBox(layout=W.Layout(display="none"))
        tools = [self.kernel_toggle, self.export_name, self.export_button, self.figure_name, self.figure_button]
        #: The glossary of the terms the explorer uses, folded until opened.
        self.glossary = W.Accordion(children=[W.HTML(_glossary_html())], titles=("glossary",))
        self.glossary.selected_index = None
        tools_row = W.HBox(tools + [self.export_status],
                           layout=W.Layout(flex_flow="row wrap", align_items="center", margin="4px 0 0 0"))
        parts = [self.header_html, self.controls_box, self.message_html, self.player, tools_row, self.kernel_box]
        parts.append(self.glossary)
        self.widget = W.VBox(parts)
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
        if name == "scenario":
            self.set(scenario=value)
            return
        self.params[name] = value
        self._rerun()

    def _after_run(self) -> None:
        meta = self.trace.meta
        notes = (f'<div style="font-size:16px;max-width:1100px">{html.escape(meta.get("notes") or "")}</div>'
                 if meta.get("notes") else "")
        self.header_html.value = f"<h3 style='margin:4px 0'>{html.escape(meta.get('title', ''))}</h3>{notes}"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
