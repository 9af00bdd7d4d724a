"""The ``zswapviz`` command line: ``simulate`` and ``demo``.

Bad input exits with status 2, prints nothing on stdout and one line on
stderr starting ``zswapviz: error:`` that says what is wrong and what is
accepted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .constants import DEFAULT_TOTAL_RAM_PAGES
from .errors import UsageError
from .units import FOLIO_SIZES, argument_type, parse_folio_size, percent_type, positive_type

#: Re-exported from :mod:`zswapviz.units`, where they live, for older callers.
__all__ = ["argument_type", "main", "parse_folio_size", "percent_type"]



class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one plain line, exit status 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse's hook
        raise UsageError(message)


def machine_total_ram_pages() -> int:
    """This machine's MemTotal in 4 KiB pages (``totalram_pages`` as zswap sees it)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 4
    except OSError:
        pass
    return DEFAULT_TOTAL_RAM_PAGES


def _build_parser() -> _Parser:
    from .compress import COMPRESSOR_NAMES
    from .constants import (
        DEFAULT_ACCEPT_THRESHOLD_PERCENT,
        DEFAULT_COMPRESSOR,
        DEFAULT_KERNEL,
        DEFAULT_MAX_POOL_PERCENT,
        DEFAULT_REFS,
    )
    from .profiles import KERNEL_NAMES, REF_STRATEGIES

    parser = _Parser(prog="zswapviz", description="Explore how Linux zswap stores large folios.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sim = sub.add_parser("simulate", help="swap a page file out through the model and print the counters")
    sim.add_argument("--pages", required=True, metavar="FILE", help="raw pages, a multiple of 4096 bytes")
    sim.add_argument("--folio-size", required=True, type=argument_type(parse_folio_size), metavar="SIZE", help=f"one of {FOLIO_SIZES}")
    sim.add_argument("--compressor", default=DEFAULT_COMPRESSOR,
                     help=f"one of {', '.join(COMPRESSOR_NAMES)} (default {DEFAULT_COMPRESSOR})")
    sim.add_argument("--kernel", default=DEFAULT_KERNEL, help=f"one of {', '.join(KERNEL_NAMES)} (default {DEFAULT_KERNEL})")
    sim.add_argument("--refs", default=DEFAULT_REFS, help=f"one of {', '.join(REF_STRATEGIES)} (default {DEFAULT_REFS})")
    sim.add_argument("--max-pool-percent", type=percent_type("--max-pool-percent"), default=DEFAULT_MAX_POOL_PERCENT)
    sim.add_argument("--accept-threshold-percent", type=percent_type("--accept-threshold-percent"),
                     default=DEFAULT_ACCEPT_THRESHOLD_PERCENT)
    sim.add_argument("--total-ram-pages", type=positive_type("--total-ram-pages"), default=None)
    sim.add_argument("--fail", action="append", default=[], metavar="PAGE:KIND")
    sim.add_argument("--root-cgroup", action="store_true", help="pages in the root cgroup: no objcg, no charge")
    sim.add_argument("--json", action="store_true", help="one JSON object on stdout")
    demo = sub.add_parser("demo", help="store a 64 KiB folio failing at page 5 and print every step")
    demo.add_argument("--kernel", default=DEFAULT_KERNEL, help=f"one of {', '.join(KERNEL_NAMES)}")
    demo.add_argument("--compressor", default=DEFAULT_COMPRESSOR)
    demo.add_argument("--source", action="store_true", help="print each step's line of the release's listing beside it")
    sim.set_defaults(func=_simulate)
    demo.set_defaults(func=_demo)
    nbs = sub.add_parser("notebooks", help="copy the teaching notebooks into a folder (from a checkout or "
                                         "an installed package)")
    nbs.add_argument("folder", metavar="DIR", help="where to copy them (created if missing)")
    nbs.set_defaults(func=_notebooks)
    _add_module_commands(sub)
    return parser


#: Modules that add subcommands: each has ``add_commands(subparsers)`` that
#: adds parsers whose ``func`` default takes the parsed args and returns an
#: exit status. A module not (yet) present is skipped.
_COMMAND_MODULES = ("zswapviz.search", "zswapviz.report", "zswapviz.kernel.cli", "zswapviz.listings",
                    "zswapviz.explain")


def _add_module_commands(sub) -> None:
    import importlib

    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        add = getattr(module, "add_commands", None)
        if add is not None:
            add(sub)


def _simulate(args) -> int:
    from .compress import get_compressor
    from .faults import Faults
    from .pages import iter_page_file, page_file_pages
    from .profiles import check_refs, get_profile
    from .simulate import simulate

    get_profile(args.kernel)
    check_refs(args.refs, args.kernel)
    get_compressor(args.compressor)
    faults = Faults.parse(args.fail)
    # Streamed: one chunk of whole folios in memory at a time, whatever the file's size.
    total = page_file_pages(args.pages)
    if total % args.folio_size:
        raise UsageError(
            f"page file {args.pages!r} has {total} pages, which do not fill whole folios of "
            f"{args.folio_size} pages; give a multiple of {args.folio_size} pages"
        )
    faults.check_range(total)
    progress = _progress_bar() if sys.stderr.isatty() and total >= 16384 else None
    result = simulate(
        iter_page_file(args.pages, chunk_pages=max(args.folio_size, 2048)), args.folio_size,
        total_pages=total, kernel=args.kernel, refs=args.refs, compressor=args.compressor,
        max_pool_percent=args.max_pool_percent, accept_threshold_percent=args.accept_threshold_percent,
        total_ram_pages=args.total_ram_pages or machine_total_ram_pages(), faults=faults,
        root_cgroup=args.root_cgroup, progress=progress,
    )
    if progress is not None:
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps(result))
    else:
        print(format_summary(result))
    return 0


def _progress_bar():
    def show(done: int, total: int) -> None:
        width = 40
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} pages")
        sys.stderr.flush()
    return show


def format_summary(result: dict) -> str:
    """A readable summary of a ``simulate`` result."""
    from .profiles import get_profile

    profile = get_profile(result["kernel"])
    lines = [
        f"kernel {result['kernel']}, compressor {result['compressor']}, "
        f"{result['folios']} folio(s) of {result['folio_pages']} page(s)",
    ]
    if profile.unmerged:
        lines.append(f"NOTE: a model of code that was never merged: {profile.title}")
    lines.append("")
    for key, value in result.items():
        if key in ("kernel", "compressor", "folios", "folio_pages", "violations"):
            continue
        lines.append(f"  {key:32s} {value}")
    lines.append("")
    if result["violations"]:
        lines.append("violations:")
        lines.extend(f"  - {v}" for v in result["violations"])
    else:
        lines.append("violations: none (every invariant holds)")
    return "\n".join(lines)


def _notebooks(args) -> int:
    from .outputs import write_output
    from .resources import notebooks_path

    folder = args.folder
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise UsageError(f"cannot copy the notebooks into {folder!r}: it is not a folder")
    sources = sorted(notebooks_path().glob("*.ipynb"))
    if not sources:
        raise UsageError(f"no notebooks found in {str(notebooks_path())!r}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder {folder!r}: {e.strerror or e}") from None
    for src in sources:
        write_output(os.path.join(folder, src.name), src.read_bytes(), example="01-walkthrough.ipynb")
    print(f"copied {len(sources)} notebooks into {folder}; open them with: jupyter lab {folder}")
    return 0


def _demo(args) -> int:
    from .compress import get_compressor
    from .ledger import file_block
    from .profiles import get_profile
    from .scenario import ledger, resolve_scenario

    get_profile(args.kernel)
    get_compressor(args.compressor)
    from .views.report.sections import outcomes

    scenario = resolve_scenario("demo")
    # The scenario's note tells its own run; another kernel or compressor
    # gets the sentences of what its run did instead (true by construction)
    own_run = (scenario.kernel, scenario.compressor) == (args.kernel, args.compressor)
    scenario.kernel = args.kernel
    scenario.compressor = args.compressor
    trace = scenario.run()
    print(f"{scenario.title} - kernel {args.kernel}, compressor {args.compressor}")
    if get_profile(args.kernel).unmerged:
        print(f"NOTE: a model of code that was never merged: {get_profile(args.kernel).title}")
    print(scenario.notes if own_run else " ".join(sentence for _, _, sentence in outcomes(trace)))
    print()
    print(trace.to_text(source=args.source))
    print()
    print("Final ledger:")
    for key, value in {**ledger(trace), **file_block(trace)}.items():
        print(f"  {key:22s} {value}")
    violations = trace.world.violations
    print()
    print("Validators: " + ("every invariant holds" if not violations else "; ".join(violations)))
    return 0


def one_line(text: str) -> str:
    """*text* with line breaks and other unprintable characters escaped, so it stays one line.

    >>> one_line("bad value 'a\\nb\\x85'")
    "bad value 'a\\\\nb\\\\x85'"
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    SIGTERM and SIGHUP end it like Ctrl-C does: by an exception (SystemExit
    with status 128 + the signal), so every clean-up runs (temporary files,
    the kernel lab's restore).
    """
    import signal
    import threading

    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) == signal.SIG_DFL:
                handlers[sig] = signal.signal(sig, _exit_on_signal)
    try:
        return _main(argv)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _stdout_failed(e: OSError) -> int:
    """Say in one line that the output could not be written; keep Python's exit flush quiet."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    print(f"zswapviz: error: cannot write to standard output: {e.strerror or e}", file=sys.stderr)
    return 2


def _main(argv: list[str] | None) -> int:
    if sys.stdout is None or getattr(sys.stdout, "closed", False):
        if sys.stderr is not None:
            print("zswapviz: error: standard output is closed, so nothing can be printed; "
                  "redirect it to a file or /dev/null instead", file=sys.stderr)
        return 2
    try:
        status = _run(argv)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            return _stdout_failed(e)
        return status
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:
        try:
            sys.stdout.flush()
        except OSError as out:
            return _stdout_failed(out)
        if e.filename is None:  # print() itself failed: the output, not a file
            return _stdout_failed(e)
        where = f" ({e.filename})"
        print(f"zswapviz: error: {e.strerror or e}{where}", file=sys.stderr)
        return 2


def _run(argv: list[str] | None) -> int:
    try:
        parser = _build_parser()
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            names = ", ".join(sorted(parser._subparsers._group_actions[0].choices))
            raise UsageError(f"give a command: one of {names} (zswapviz COMMAND --help for its options)")
        return func(args)
    except UsageError as e:
        sys.stdout.flush()
        print(f"zswapviz: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zswapviz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
