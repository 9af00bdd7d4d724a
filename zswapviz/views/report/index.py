"""Everything into one folder: every built-in report, lesson and notebook, and an index page."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import quote

from ...errors import UsageError
from ...lessons import load_lesson
from ...resources import notebooks_path
from ...scenario import resolve_scenario
from .comparison import Variant, export_comparison
from .export import write_atomic
from .lesson import export_lesson
from .notebooks import export_notebook
from .page import esc, footer, page
from .pages import render_html
from .sections import as_trace, glossary_section

#: The notebooks ``export_all`` exports.
NOTEBOOK_DIR = notebooks_path()


def _comparisons() -> dict[str, list[Variant]]:
    """The comparison reports ``export_all`` writes: scenario name -> variants (read from the profiles)."""
    from ...profiles import KERNEL_NAMES, REF_STRATEGIES, check_refs

    def kernels_for(refs):
        out = []
        for k in KERNEL_NAMES:
            try:
                check_refs(refs, k)
            except UsageError:
                continue
            out.append(Variant(kernel=k))
        return out

    kernels = kernels_for("per-page")
    out = {"bug-6.13": kernels, "incompressible-6.14": kernels, "stale-rollback": kernels}
    if len(REF_STRATEGIES) > 1:
        out["demo"] = [Variant(refs=r) for r in REF_STRATEGIES]
    return out


def export_all(outdir: str | os.PathLike, *, notebooks: bool = True, notebook_dir: str | os.PathLike | None = None,
               scenario_dir: str | os.PathLike | None = None, lesson_dir: str | os.PathLike | None = None,
               comparisons: dict | None = None, log=None) -> list[dict]:
    """Write every built-in scenario's report, the comparisons, the lessons and the notebooks, plus index.html.

    The folders and the comparisons default to the built-in ones. Returns
    one entry per item: kind, name, href, title, error (None when written).
    """
    from ...lessons import LESSON_DIR
    from ...scenario import SCENARIO_DIR

    scenario_dir = Path(scenario_dir or SCENARIO_DIR)
    lesson_dir = Path(lesson_dir or LESSON_DIR)
    comparisons = _comparisons() if comparisons is None else comparisons

    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"cannot write into {str(outdir)!r}: it is a file, not a folder")
    try:
        for sub in ("scenarios", "compare", "lessons", "notebooks"):
            (outdir / sub).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder {str(outdir)!r}: {e.strerror or e}") from None
    log = log or (lambda line: None)
    items: list[dict] = []

    def run(kind, name, href, make):
        t0 = time.perf_counter()
        item = {"kind": kind, "name": name, "href": href, "title": name, "error": None}
        try:
            item["title"] = make(outdir / href) or name
            log(f"wrote {outdir / href} ({time.perf_counter() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001 - one failure must not stop the others
            item["error"] = f"{type(e).__name__}: {e}"
            log(f"FAILED {outdir / href}: {item['error']}")
        items.append(item)

    for path in sorted(scenario_dir.glob("*.json")):
        def make(dest, path=path):
            trace, _scenario = as_trace(path)
            write_atomic(dest, render_html(trace))
            return trace.meta.get("title")
        run("scenario", path.stem, f"scenarios/{path.stem}.html", make)
    for name, variants in comparisons.items():
        def make(dest, name=name, variants=variants):
            scenario = resolve_scenario(name, where=str(name))
            export_comparison(scenario, variants, dest)
            return f"{scenario.title}: {' vs '.join(v.label for v in variants)}"
        run("comparison", name, f"compare/{name}.html", make)
    for path in sorted(lesson_dir.glob("*.json")):
        def make(dest, path=path):
            lesson = load_lesson(path)
            export_lesson(lesson, dest)
            export_lesson(lesson, dest.with_name(f"{dest.stem}-answers.html"), answers=True)
            return lesson.title
        run("lesson", path.stem, f"lessons/{path.stem}.html", make)
    if notebooks:
        for path in sorted(Path(notebook_dir or NOTEBOOK_DIR).glob("*.ipynb")):
            def make(dest, path=path):
                export_notebook(path, dest)
                return _notebook_title(path)
            run("notebook", path.stem, f"notebooks/{path.stem}.html", make)
    write_atomic(outdir / "index.html", _index_html(items))
    log(f"wrote {outdir / 'index.html'}")
    return items


def _notebook_title(path: Path) -> str:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                for line in "".join(cell.get("source", [])).splitlines():
                    if line.startswith("#"):
                        return line.lstrip("#").strip()
    except (OSError, ValueError):
        pass
    return path.stem


def _index_html(items: list[dict]) -> str:
    sections = []
    names = {"scenario": "Scenarios", "comparison": "Comparisons", "lesson": "Lessons (with presentation mode)",
             "notebook": "Notebooks"}
    for kind, heading in names.items():
        rows = []
        for it in (i for i in items if i["kind"] == kind):
            href = esc(quote(it["href"]))
            if it["error"]:
                rows.append(f'<li><span class="zv-badge zv-refused">failed</span> {esc(it["name"])}: '
                            f'<code>{esc(it["error"])}</code></li>')
            else:
                extra = ""
                if kind == "lesson":
                    answers = esc(quote(it["href"].removesuffix(".html") + "-answers.html"))
                    extra = (f' \u00b7 <a href="{href}#present">present</a>'
                             f' \u00b7 <a href="{answers}">teacher\'s edition</a>')
                rows.append(f'<li><a href="{href}">{esc(it["title"])}</a> <span class="zv-sub">'
                            f'({esc(it["name"])})</span>{extra}</li>')
        if kind == "notebook" and not rows:
            rows.append('<li class="zv-sub">no notebook in notebooks/ (or notebooks were skipped)</li>')
        if rows:
            sections.append(f"<h2>{esc(heading)}</h2><ul>{''.join(rows)}</ul>")
    body = ('<div class="zv-index"><h1>zswapviz reports</h1>'
            '<p class="zv-sub">Every file here opens offline in a browser; no Python needed.</p>'
            + "".join(sections) + glossary_section() + "</div>")
    return page("zswapviz reports", body, foot=footer())
