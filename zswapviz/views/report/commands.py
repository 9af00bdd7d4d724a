"""The ``report``, ``scenarios`` and ``lessons`` commands of the ``zswapviz`` command line."""

from __future__ import annotations

import sys

from ...errors import UsageError
from ...lessons import load_lesson
from ...scenario import resolve_scenario
from .comparison import export_comparison
from .export import check_out, write_atomic
from .index import export_all
from .lesson import render_lesson
from .pages import export_html


def add_commands(sub) -> None:
    """Add ``report``, ``scenarios`` and ``lessons`` to the ``zswapviz`` command line."""
    rep = sub.add_parser(
        "report", help="write a self-contained HTML report that steps through a run offline",
        description="Write one self-contained HTML file (no network request when opened) with the scenario, "
                    "outcome, ledger, verdict, figures and a step player.")
    rep.add_argument("scenario", nargs="?", metavar="SCENARIO",
                     help="a scenario file (JSON) or a built-in name (see: zswapviz scenarios)")
    rep.add_argument("--out", metavar="FILE.html", help="where to write the report")
    rep.add_argument("--compare", nargs="+", metavar="VARIANT", default=None,
                     help="compare variants side by side: a kernel (6.13), a reference strategy (batch-after), "
                          "or both joined with + (6.14+per-page)")
    rep.add_argument("--lesson", metavar="LESSON", help="a lesson file or built-in name (see: zswapviz lessons)")
    rep.add_argument("--answers", action="store_true",
                     help="with --lesson: the teacher's edition (each answer shown to the teacher before the class sees it, "
                          "and listed under the stops)")
    rep.add_argument("--title", help="a title instead of the scenario's")
    rep.add_argument("--all", metavar="OUTDIR", dest="all_dir",
                     help="write every built-in scenario, comparison, lesson and notebook into OUTDIR, with index.html")
    rep.add_argument("--no-notebooks", action="store_true", help="with --all: skip the notebooks")
    rep.set_defaults(func=_report_command)
    sc = sub.add_parser("scenarios", help="list the built-in scenarios")
    sc.set_defaults(func=_scenarios_command)
    ls = sub.add_parser("lessons", help="list the built-in lessons")
    ls.add_argument("--answers", action="store_true",
                    help="print the teacher's edition: the answer to every question of the notebooks and lessons")
    ls.set_defaults(func=_lessons_command)


def _report_command(args) -> int:
    if args.all_dir is not None:
        extra = [n for n, v in (("SCENARIO", args.scenario), ("--out", args.out), ("--lesson", args.lesson),
                                ("--compare", args.compare), ("--title", args.title),
                                ("--answers", args.answers)) if v]
        if extra:
            raise UsageError(f"--all writes every report itself; do not give {extra[0]} with it")
        items = export_all(args.all_dir, notebooks=not args.no_notebooks, log=print)
        failed = [i for i in items if i["error"]]
        for i in failed:
            print(f"zswapviz: {i['kind']} {i['name']} failed: {i['error']}", file=sys.stderr)
        return 1 if failed else 0
    if args.out is None:
        raise UsageError("give --out FILE.html (or --all OUTDIR)")
    if args.lesson is not None:
        if args.scenario or args.compare:
            raise UsageError("a lesson brings its own scenario; give --lesson without SCENARIO or --compare")
        check_out(args.out)
        lesson = load_lesson(args.lesson)
        path = write_atomic(args.out, render_lesson(lesson, answers=args.answers))
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {len(lesson.stops)} stops)")
        return 0
    if args.answers:
        raise UsageError("--answers makes a lesson's teacher's edition; give it with --lesson")
    if not args.scenario:
        raise UsageError("give a SCENARIO (a scenario file or a built-in name; see: zswapviz scenarios)")
    check_out(args.out)
    scenario = resolve_scenario(args.scenario, where=args.scenario)
    if args.compare:
        path = export_comparison(scenario, args.compare, args.out, title=args.title)
    else:
        path = export_html(scenario, args.out, title=args.title)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def _scenarios_command(args) -> int:
    from ...scenario import SCENARIO_DIR, builtin_scenarios

    scenarios = builtin_scenarios()
    width = max((len(n) for n in scenarios), default=4)
    for name, s in scenarios.items():
        print(f"{name:{width}s}  {s.kernel:5s} {s.folio_pages * 4:>5d}K  {s.title}")
    print(f"\n({len(scenarios)} in {SCENARIO_DIR}; run one with: zswapviz report NAME --out NAME.html)")
    return 0


def _lessons_command(args) -> int:
    from ...lessons import LESSON_DIR, builtin_lessons

    if getattr(args, "answers", False):
        from ...teacher import teacher_edition_text

        print(teacher_edition_text(), end="")
        return 0
    lessons = builtin_lessons()
    width = max((len(n) for n in lessons), default=4)
    for name, lesson in lessons.items():
        print(f"{name:{width}s}  {len(lesson.stops):2d} stops  {lesson.title}")
    print(f"\n({len(lessons)} in {LESSON_DIR}; present one with: zswapviz report --lesson NAME --out NAME.html)")
    return 0
