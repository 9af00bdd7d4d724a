"""Tests of the HTML reports without a browser: encoding, content, escaping, atomic writes, CLI.

Every page embeds the one view model (``zswapviz.views.viewmodel``, tested
on its own in test_viewmodel.py) and the one renderer the explorer uses.
Markup probes are fed through every text field (scenario title, notes and
file name, ``--title``, every lesson field, index titles); the parsed HTML
must contain no element, attribute or script they could have injected. Bad
input must end as one ``zswapviz: error:`` line with no file, not even a
temporary one, left behind. Browser checks live in test_browser_report.py.
"""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser

import pytest

from zswapviz import cli
from zswapviz.errors import UsageError
from zswapviz.lessons import Lesson, load_lesson, resolve_scenario
from zswapviz.report import (
    Variant,
    export_all,
    export_comparison,
    export_html,
    export_lesson,
    parse_variant,
    render_comparison,
    render_html,
    render_lesson,
    static_widget_outputs,
    write_atomic,
)
from zswapviz.scenario import SCENARIO_DIR
from zswapviz.views.assets import bundle
from zswapviz.views.frames import View
from zswapviz.views.report import export, figures
from zswapviz.views.report import page as shell
from zswapviz.views.viewmodel import view_model

#: Markup, template and unicode probes fed through every text field.
PROBES = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(2)</script>",
    "{{ {{js}} {{title}} }}",
    "' onmouseover='alert(3)' x='",
    "ünïcødé 🐧 \u2028 \u202e Ω <!-- -->",
)
PROBE = " ".join(PROBES)
#: A file name carrying probes (no slash: it must be a valid name).
PROBE_NAME = '"><img src=x onerror=alert(1)>{{title}} ü.json'


class _Collect(HTMLParser):
    """Start tags with their attributes, and the text of every script and of the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def parse(html_text: str) -> _Collect:
    p = _Collect()
    p.feed(html_text)
    p.close()
    return p


def assert_no_injection(html_text: str) -> _Collect:
    """The page has only our own elements: no handler attribute, no foreign image or script."""
    doc = parse(html_text)
    for tag, attrs in doc.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert attrs.get("src", "").startswith("data:image/png;base64,"), attrs
        assert tag not in ("iframe", "object", "embed", "base", "form"), tag
    js = shell.script()
    code = [s for attrs, s in doc.scripts if attrs.get("type") != "application/json"]
    assert code == [js] and [a.get("type") for a, s in doc.scripts if s == js] == ["module"]
    for attrs, text in doc.scripts:
        if attrs.get("type") == "application/json":
            json.loads(text)
    return doc


@pytest.fixture(scope="module")
def demo_html():
    """The demo scenario's report."""
    return render_html("demo")


@pytest.fixture()
def probe_scenario(tmp_path):
    """A scenario file whose title, notes and file name carry every probe."""
    path = tmp_path / PROBE_NAME
    path.write_text(json.dumps({"title": PROBE, "notes": PROBE, "folio_size": "16K", "faults": {"2": "alloc_fail"}}),
                    encoding="utf-8")
    return path


def _probe_lesson() -> dict:
    return {
        "title": PROBE, "summary": PROBE,
        "scenario": {"title": PROBE, "notes": PROBE, "folio_size": "16K", "faults": {"2": "alloc_fail"}},
        "variants": {PROBE: {"kernel": "6.13"}},
        "stops": [
            {"at": "start", "title": PROBE, "note": PROBE, "question": PROBE, "answer": PROBE},
            {"at": "failure", "variant": PROBE, "title": PROBE, "note": PROBE},
        ],
    }


@pytest.mark.parametrize("name", ["demo", "stale-rollback", "zero-folio", "bug-6.13"])
def test_a_report_embeds_the_view_model_of_its_run(name):
    """The player's data is exactly the run's view model, and the page runs the explorer's renderer."""
    trace = resolve_scenario(name).run()
    doc = assert_no_injection(render_html(trace))
    data = json.loads(next(s for a, s in doc.scripts if a.get("id") == "zv-data-0"))
    assert data == json.loads(json.dumps(view_model(trace)))
    assert data["format"] == "zswapviz-view/1" and data["n"] == len(trace)
    code = next(s for a, s in doc.scripts if a.get("type") == "module")
    assert code.startswith(bundle()) and "createPlayer(" in code
    assert "c0s" not in code and ".chunks" not in code


def test_report_shows_scenario_outcome_counters_verdict_figures_and_player(demo_html):
    """A report holds the title, outcome, verdict, final ledger, counters, figures, player and its data."""
    doc = assert_no_injection(demo_html)
    text = " ".join(doc.text)
    for words in ("A 64 KiB folio failing at page 5", "Refused and rolled back", "zs_malloc failed at page 5",
                  "Validators: every invariant holds", "Final ledger", "reject_alloc_fail", "pool_total_size",
                  "Kernel profile source", "demo.json"):
        assert words in text, words
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) >= 3
    assert any(t == "div" and a.get("data-zv-player") == "zv-data-0" for t, a in doc.tags)
    figs = [a for t, a in doc.tags if t == "figure" and "data-zv-fig" in a]
    assert len(figs) == 2 and all(0 <= json.loads(f["data-geom"])["x0"] < 1 for f in figs)
    data = json.loads(next(s for a, s in doc.scripts if a.get("id") == "zv-data-0"))
    assert data["n"] == len(resolve_scenario("demo").run())


def test_report_is_self_contained_and_forbids_fetches(demo_html):
    """No external URL is referenced, and the CSP allows only our script (by hash) and data: images."""
    doc = parse(demo_html)
    for tag, attrs in doc.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:", "#")), (tag, attrs)
    csp = next(a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "img-src data:" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "@import" not in demo_html and "url(http" not in demo_html and "@font-face" not in demo_html


def test_a_violation_shows_in_the_verdict():
    """The 6.13 accounting bug's violations are listed in the report's verdict."""
    doc = parse(render_html("bug-6.13"))
    text = " ".join(doc.text)
    # stored_pages, the charge, and the page_counter underflow the uncharges make due
    assert "Validators: 3 violation(s)" in text
    assert "validate_stored_pages" in text and "validate_memory_current" in text


def test_probes_in_a_scenario_file_and_title_are_escaped(probe_scenario, tmp_path):
    """Probes in the scenario's title, notes and file name, and in --title, appear as text, never as markup."""
    out = tmp_path / "r.html"
    assert cli.main(["report", str(probe_scenario), "--out", str(out), "--title", PROBE]) == 0
    html_text = out.read_text(encoding="utf-8")
    doc = assert_no_injection(html_text)
    text = "".join(doc.text)
    assert text.count(PROBE) >= 3  # h1, notes, scenario table
    assert PROBE_NAME in text
    title = next(i for i, (t, _a) in enumerate(doc.tags) if t == "title")
    assert html_text.count("<title>") == 1 and title is not None


def test_probes_in_every_lesson_field_are_escaped():
    """Probes in a lesson's title, summary, stop title, note, question, answer and variant label stay text."""
    lesson = Lesson.from_dict(_probe_lesson())
    html_text = render_lesson(lesson)
    doc = assert_no_injection(html_text)
    assert "".join(doc.text).count(PROBE) >= 6
    data = json.loads(next(s for a, s in doc.scripts if a.get("id") == "zv-data-0"))
    assert data["format"] == "zswapviz-lesson/1"
    assert data["title"] == PROBE and data["stops"][0]["answer"] == PROBE and data["stops"][1]["variant"] == PROBE
    assert PROBE in data["views"]
    doc = assert_no_injection(render_lesson(lesson, answers=True))
    assert "".join(doc.text).count(PROBE) >= 7


def test_probes_in_a_comparison_title_are_escaped(probe_scenario):
    """A comparison of a probe scenario with a probe title injects nothing."""
    html_text = render_comparison(resolve_scenario(str(probe_scenario)), ["6.13", "6.14"], title=PROBE)
    doc = assert_no_injection(html_text)
    assert PROBE in "".join(doc.text)


def test_json_data_cannot_close_its_script_element():
    """Embedded JSON escapes <, > and & so a step text cannot end the script element."""
    text = shell.data_script("x", {"t": "</script><script>alert(1)</script> & <!--"})
    assert text.count("</script>") == 1 and "<!--" not in text
    assert json.loads(text[text.index(">") + 1:-len("</script>")]) == {"t": "</script><script>alert(1)</script> & <!--"}


def test_the_512_page_report_stays_within_its_size_budget(tmp_path):
    """A 2 MiB THP's report (about 4800 steps, every one playable) is at most 5 MB."""
    out = export_html("thp-2m", tmp_path / "thp.html")
    assert out.stat().st_size <= 5 * 1024 * 1024
    doc = parse(out.read_text(encoding="utf-8"))
    data = json.loads(next(s for a, s in doc.scripts if a.get("id") == "zv-data-0"))
    assert data["pages"] == 512 and data["n"] > 4000


def test_a_failure_while_rendering_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    """If rendering fails, an existing output keeps its content and no temporary file is left."""
    out = tmp_path / "r.html"
    out.write_text("old")

    def boom(*a, **k):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(figures, "trace_figures", boom)
    with pytest.raises(RuntimeError):
        export_html("demo", out)
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_a_failing_rename_leaves_no_temporary(tmp_path, monkeypatch):
    """An OSError while writing becomes a UsageError and the temporary file is removed."""
    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "replace", fail)
    with pytest.raises(UsageError, match="No space left on device"):
        write_atomic(tmp_path / "r.html", "x")
    assert list(tmp_path.iterdir()) == []


def test_written_reports_have_ordinary_permissions(tmp_path):
    """The renamed file is readable by others (mkstemp's 0600 is not kept)."""
    out = write_atomic(tmp_path / "r.html", "x")
    assert out.stat().st_mode & 0o444 == 0o444 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture()
def bad_files(tmp_path):
    """An invalid JSON scenario, a scenario with a bad field, a folder and a regular file."""
    (tmp_path / "bad.json").write_text("{ nope")
    (tmp_path / "field.json").write_text(json.dumps({"kernel": "9.99"}))
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    return tmp_path


@pytest.mark.parametrize("argv, words", [
    (["report", "no-such-scenario", "--out", "{d}/r.html"], "no scenario 'no-such-scenario'"),
    (["report", "{d}/bad.json", "--out", "{d}/r.html"], "is not valid JSON"),
    (["report", "{d}/field.json", "--out", "{d}/r.html"], "field 'kernel'"),
    (["report", "{d}/missing.json", "--out", "{d}/r.html"], "does not exist"),
    (["report", "demo", "--out", "{d}/nofolder/r.html"], "does not exist"),
    (["report", "demo", "--out", "{d}/adir"], "it is a folder"),
    (["report", "demo", "--out", "{d}/afile/r.html"], "does not exist"),
    (["report", "demo"], "give --out"),
    (["report", "--out", "{d}/r.html"], "give a SCENARIO"),
    (["report", "demo", "--out", "{d}/r.html", "--compare", "7.0"], "bad variant '7.0'"),
    (["report", "demo", "--out", "{d}/r.html", "--compare", "kernel=6.14,colour=red"], "unknown field 'colour'"),
    (["report", "demo", "--out", "{d}/r.html", "--compare", "6.14", "6.14"], "repeat one another"),
    (["report", "demo", "--out", "{d}/r.html", "--compare", "6.12+batch-after"], "refs"),
    (["report", "--lesson", "no-such-lesson", "--out", "{d}/r.html"], "no lesson 'no-such-lesson'"),
    (["report", "demo", "--lesson", "walkthrough-64k", "--out", "{d}/r.html"], "brings its own scenario"),
    (["report", "demo", "--all", "{d}/site"], "do not give SCENARIO"),
    (["report", "demo", "--out", "{d}/r.html", "--answers"], "give it with --lesson"),
    (["report", "--all", "{d}/afile"], "it is a file"),
])
def test_bad_input_is_one_error_line_and_leaves_no_file(bad_files, capsys, argv, words):
    """Bad input: exit 2, nothing on stdout, one 'zswapviz: error:' line, and no new file in the folder."""
    before = sorted(p.name for p in bad_files.iterdir())
    rc = cli.main([a.format(d=bad_files) for a in argv])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zswapviz: error:"), err
    assert words in lines[0]
    assert sorted(p.name for p in bad_files.iterdir()) == before


def test_report_command_writes_a_report_and_says_so(tmp_path, capsys):
    """`zswapviz report NAME --out F` writes F and prints one line naming it."""
    out = tmp_path / "demo.html"
    assert cli.main(["report", "demo", "--out", str(out)]) == 0
    assert out.exists() and str(out) in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["demo.html"]


def test_compare_writes_every_variant_side_by_side(tmp_path):
    """--compare runs each variant: one player per variant and differing rows highlighted."""
    out = tmp_path / "c.html"
    assert cli.main(["report", "bug-6.13", "--out", str(out), "--compare", "6.13", "kernel=6.14"]) == 0
    doc = assert_no_injection(out.read_text(encoding="utf-8"))
    players = [a for t, a in doc.tags if "data-zv-player" in a]
    assert len(players) == 2
    rows = [a for t, a in doc.tags if t == "tr" and a.get("class") == "zv-diff"]
    assert rows  # stored_pages differs: -5 on 6.13, 0 on 6.14
    assert "validate_stored_pages" not in "".join(doc.text) or "violations" in "".join(doc.text)


def test_one_variant_is_compared_with_the_scenario_as_given():
    """A single --compare variant is set beside the scenario as written."""
    html_text = render_comparison(resolve_scenario("demo"), ["6.14"])
    data = [a for t, a in parse(html_text).tags if "data-zv-player" in a]
    assert len(data) == 2 and "as given" in html_text


@pytest.mark.parametrize("text, want", [
    ("6.13", Variant(kernel="6.13")),
    ("batch-after", Variant(refs="batch-after")),
    ("6.14+per-page", Variant(kernel="6.14", refs="per-page")),
    ("kernel=6.18,refs=batch-before,compressor=lzo", Variant(kernel="6.18", refs="batch-before", compressor="lzo")),
])
def test_parse_variant(text, want):
    """Variants are written as bare names, joined with + or as key=value pairs."""
    assert parse_variant(text) == want


def test_lesson_report_has_presentation_data_for_every_stop(tmp_path):
    """A lesson page holds one player over the lesson view: every stop, the runner's frames, a Present button."""
    out = tmp_path / "l.html"
    assert cli.main(["report", "--lesson", "ref-debate", "--out", str(out)]) == 0
    doc = assert_no_injection(out.read_text(encoding="utf-8"))
    data = json.loads(next(s for a, s in doc.scripts if a.get("id") == "zv-data-0"))
    lesson = load_lesson("ref-debate")
    assert [s["step"] for s in data["stops"]] == [s.step for s in lesson.stops]
    assert [tuple(f) for f in data["frames"]] == list(lesson.runner().frames)
    assert set(data["views"]) == {""} | {s.variant for s in lesson.stops if s.variant}
    assert [a["data-zv-player"] for t, a in doc.tags if "data-zv-player" in a] == ["zv-data-0"]
    assert [a.get("data-zv-present") for t, a in doc.tags if "data-zv-present" in a] == ["zv-data-0"]
    frames = [int(a["data-zv-frame"]) for t, a in doc.tags if "data-zv-frame" in a]
    assert [data["frames"][f] for f in frames] == [[i, False] for i in range(len(lesson.stops))]


def test_the_teachers_edition_shows_the_answers_only_when_asked(tmp_path):
    """--answers lists each answer under its stop and tells the player it is the teacher's; without it the list has none."""
    lesson = load_lesson("walkthrough-64k")
    asked = [s for s in lesson.stops if s.question]
    assert asked
    plain, teacher = tmp_path / "l.html", tmp_path / "t.html"
    assert cli.main(["report", "--lesson", "walkthrough-64k", "--out", str(plain)]) == 0
    assert cli.main(["report", "--lesson", "walkthrough-64k", "--answers", "--out", str(teacher)]) == 0
    for path, answers in ((plain, False), (teacher, True)):
        doc = assert_no_injection(path.read_text(encoding="utf-8"))
        data = json.loads(next(s for a, s in doc.scripts if a.get("id") == "zv-data-0"))
        assert data["teacher"] is answers
        shown = [a for t, a in doc.tags if t == "p" and a.get("class") == "zv-a"]
        assert len(shown) >= (len(asked) if answers else 0) and (answers or not shown)
        text = " ".join(doc.text)
        assert all((f"Answer: {s.answer}" in text) == answers for s in asked)


def test_scenarios_and_lessons_commands_list_the_built_in_ones(capsys):
    """`zswapviz scenarios` and `zswapviz lessons` list every built-in file by name."""
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert all(p.stem in out for p in SCENARIO_DIR.glob("*.json"))
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert "walkthrough-64k" in out and "ref-debate" in out


def test_export_all_writes_an_index_linking_every_report(tmp_path, probe_scenario):
    """export_all writes each scenario, comparison and lesson, and an index that links them all."""
    scen = tmp_path / "scen"
    scen.mkdir()
    shutil.copy(SCENARIO_DIR / "demo.json", scen)
    shutil.copy(probe_scenario, scen / "probe.json")
    les = tmp_path / "les"
    les.mkdir()
    (les / "probe.json").write_text(json.dumps(_probe_lesson()))
    (les / "broken.json").write_text(json.dumps({"title": "x", "scenario": "demo", "stops": [{"at": 999, "note": "n"}]}))
    items = export_all(tmp_path / "site", notebooks=False, scenario_dir=scen, lesson_dir=les,
                       comparisons={"demo": [Variant(kernel="6.13"), Variant(kernel="6.14")]})
    ok = [i for i in items if not i["error"]]
    assert {(i["kind"], i["name"]) for i in ok} == {("scenario", "demo"), ("scenario", "probe"),
                                                     ("comparison", "demo"), ("lesson", "probe")}
    assert [i["name"] for i in items if i["error"]] == ["broken"]
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    doc = assert_no_injection(index)
    hrefs = [a["href"] for t, a in doc.tags if t == "a"]
    for i in ok:
        assert i["href"] in hrefs and (tmp_path / "site" / i["href"]).exists()
    assert "stop 1: 'at' 999 matches no step" in "".join(doc.text)
    assert (tmp_path / "site" / "lessons" / "probe-answers.html").exists() and "lessons/probe-answers.html" in hrefs
    assert not list((tmp_path / "site").rglob(".zswapviz-*"))


def test_widget_views_become_static_outputs():
    """Widget views turn into captured outputs, images, HTML and one line of control values, or a note."""
    import nbformat

    view = "application/vnd.jupyter.widget-view+json"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.from_dict({"output_type": "display_data", "metadata": {},
                            "data": {view: {"model_id": "box", "version_major": 2, "version_minor": 0},
                                     "text/plain": "VBox()"}}),
        nbformat.from_dict({"output_type": "display_data", "metadata": {},
                            "data": {view: {"model_id": "gone"}, "text/plain": "Canvas()"}}),
    ]
    nb.cells = [cell]
    png = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=", "text/plain": "fig"}}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "box": {"model_name": "VBoxModel", "state": {"children": [
            "IPY_MODEL_slider", "IPY_MODEL_kernel", "IPY_MODEL_button", "IPY_MODEL_out", "IPY_MODEL_img",
            "IPY_MODEL_html"]}},
        "slider": {"model_name": "IntSliderModel", "state": {"value": 3, "description": "<b>step</b>"}},
        "kernel": {"model_name": "DropdownModel", "state": {"index": 1, "_options_labels": ["6.13", "6.14"],
                                                             "description": "kernel"}},
        "button": {"model_name": "ButtonModel", "state": {"description": "next"}},
        "out": {"model_name": "OutputModel", "state": {"outputs": [png]}},
        "img": {"model_name": "ImageModel", "state": {"format": "png"},
                "buffers": [{"path": ["value"], "encoding": "base64", "data": "AAAA"}]},
        "html": {"model_name": "HTMLModel", "state": {"value": "<b>stored</b>"}},
    }}}
    assert static_widget_outputs(nb) == 2
    outs = nb.cells[0].outputs
    assert all(view not in o.get("data", {}) for o in outs)
    assert [sorted(o["data"]) for o in outs] == [["text/html", "text/plain"], ["image/png", "text/plain"],
                                                 ["image/png", "text/plain"], ["text/html", "text/plain"],
                                                 ["text/plain"]]
    assert outs[0]["data"]["text/plain"] == "Controls: <b>step</b> = 3; kernel = 6.14"
    assert "&lt;b&gt;step&lt;/b&gt;" in outs[0]["data"]["text/html"] and "next" not in outs[0]["data"]["text/plain"]
    assert outs[1]["data"]["image/png"] == "iVBORw0KGgo=" and outs[2]["data"]["image/png"] == "AAAA"
    assert outs[3]["data"]["text/html"] == "<b>stored</b>"
    assert "interactive widget" in outs[4]["data"]["text/plain"]
    assert "widgets" not in nb.metadata


def test_export_to_a_trace_from_python(tmp_path):
    """export_html takes the Trace the explorer holds, a Scenario, or a name."""
    trace = resolve_scenario("success-64k").run()
    out = export_html(trace, tmp_path / "t.html", title="From the explorer")
    doc = assert_no_injection(out.read_text(encoding="utf-8"))
    assert "From the explorer" in "".join(doc.text) and "Outcome: Stored" in "".join(doc.text)
    out2 = export_lesson("walkthrough-64k", tmp_path / "l.html")
    out3 = export_comparison("demo", ["6.13", "6.14"], tmp_path / "c.html")
    assert out2.exists() and out3.exists()


def test_no_machine_path_inside_a_report_comparison_or_lesson(tmp_path):
    """Handouts name files, never folders: no path of this machine in any report, comparison or lesson."""
    scen = tmp_path / "deep" / "folder"
    scen.mkdir(parents=True)
    shutil.copy(SCENARIO_DIR / "demo.json", scen / "mine.json")
    (scen / "pages.bin").write_bytes(b"zswap!!!" * 512 * 6 + bytes(range(256)) * 32)
    (scen / "file.json").write_text(json.dumps({"folio_size": "16K", "pages": {"file": "pages.bin"}}))
    folders = [str(tmp_path), str(SCENARIO_DIR.parent.parent), os.path.expanduser("~")]
    pages = [render_html(str(scen / "mine.json")), render_html(str(scen / "file.json")),
             render_comparison(str(scen / "file.json"), ["6.13", "6.14"]), render_lesson("walkthrough-64k")]
    for html_text in pages:
        assert "mine.json" in html_text or "file.json" in html_text or "walkthrough-64k" in html_text
        for folder in folders:
            assert folder not in html_text


def test_notebook_outputs_lose_this_machines_folders():
    """strip_paths replaces the project's, Python's and the temporary folders in every kind of output."""
    import nbformat

    from zswapviz.views.report.notebooks import machine_paths, strip_paths

    folders = machine_paths("/tmp/zswapviz-nb-x")
    root = str(SCENARIO_DIR.parent.parent)
    assert root in folders
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"wrote /tmp/zswapviz-nb-x/r.html from {root}/data\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": f"{root}/x.json", "text/html": f"<b>{root}</b>"}),
        nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[f"File {root}/zswapviz/a.py"]),
    ]
    nb.cells = [cell]
    assert strip_paths(nb, folders) == 3
    text = json.dumps(nb, ensure_ascii=False)
    assert root not in text and "/tmp/zswapviz-nb-x" not in text and "\u2026/data" in text


def test_the_timeline_figure_never_builds_a_pages_by_steps_array(monkeypatch):
    """The report draws every slot's state over the steps from the view model's changes, not a pages x steps matrix."""
    from zswapviz import plots
    from zswapviz.views.figures import occupancy
    from zswapviz.views.report.figures import state_segments

    def refuse(*a, **k):
        raise AssertionError("a pages x steps matrix was built")

    for module in (plots, occupancy):
        monkeypatch.setattr(module, "occupancy_raster", refuse)
        monkeypatch.setattr(module, "draw_occupancy_timeline", refuse)
    trace = resolve_scenario("stale-rollback").run()
    vm = view_model(trace)
    assert_no_injection(render_html(trace))
    segments = state_segments(vm)
    view = View(vm)
    for k in (0, len(trace) // 2, len(trace) - 1):
        shown = {p: vm["states"][code] for code, runs in segments.items() for p, a, b in runs if a <= k < b}
        assert [shown[p] for p in range(vm["pages"])] == [c[0] for c in view.cells_at(k)], k
    assert sum(len(r) for r in segments.values()) <= vm["pages"] + len(vm["cells"]["changes"]["step"])


def test_a_glossary_becomes_a_section_of_every_page(monkeypatch):
    """With zswapviz.glossary present, reports, comparisons, lessons and the index link to a #glossary section."""
    import sys
    import types

    fake = types.ModuleType("zswapviz.glossary")
    fake.glossary_html = lambda: '<dl class="zv-glossary"><dt id="glossary-zspage">zspage</dt><dd>pages</dd></dl>'
    monkeypatch.setitem(sys.modules, "zswapviz.glossary", fake)
    pages = [render_html("demo"), render_comparison("demo", ["6.14"]), render_lesson("walkthrough-64k")]
    for html_text in pages:
        doc = assert_no_injection(html_text)
        assert any(t == "h2" and a.get("id") == "glossary" for t, a in doc.tags)
        assert any(t == "a" and a.get("href") == "#glossary" for t, a in doc.tags)
        assert any(t == "dt" and a.get("id") == "glossary-zspage" for t, a in doc.tags)
    monkeypatch.setitem(sys.modules, "zswapviz.glossary", None)
    doc = parse(render_html("demo"))
    assert not any(a.get("id") == "glossary" or a.get("href") == "#glossary" for t, a in doc.tags)


def test_the_teachers_edition_lists_checked_claims_and_sources(monkeypatch):
    """Where a lesson carries the teacher's answers (claims the model checks, sources), --answers lists them escaped."""
    from types import SimpleNamespace

    lesson = Lesson.from_dict(_probe_lesson())
    answer = SimpleNamespace(where=PROBE, question=PROBE, answer=PROBE, claims=({"at": "failure", "expect": {"x": PROBE}},),
                             sources=("63895d20d63b (6.14)", PROBE))
    monkeypatch.setattr(Lesson, "answers", property(lambda self: [answer]), raising=False)
    doc = assert_no_injection(render_lesson(lesson, answers=True))
    assert any(t == "h2" and a.get("id") == "answers" for t, a in doc.tags)
    text = "".join(doc.text)
    assert "63895d20d63b (6.14)" in text and '"expect"' in text
    assert not any(a.get("id") == "answers" for t, a in parse(render_lesson(lesson)).tags)
