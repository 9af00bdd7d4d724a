"""``zswapviz lab``: the same pages through this machine's kernel and the model.

::

    zswapviz lab status  [--json]
    zswapviz lab run     --pages FILE --folio-size SIZE [--max-pool-percent P]
                         [--accept-threshold-percent P] [--compressor NAME] [--json]
    zswapviz lab compare --pages FILE --folio-size SIZE [--max-pool-percent P]
                         [--accept-threshold-percent P] [--compressor NAME] [--json]
                         [--plot FILE.png]
    zswapviz lab recover

``status`` needs no root. ``run`` and ``compare`` need root and zswap; they
change kernel settings only for the run and put every one back (also on
Ctrl-C and SIGTERM). ``compare`` exits 0 when every counter is equal and 1
when one differs. Bad input or a refusal: one ``zswapviz: error:`` line on
stderr, nothing on stdout, exit 2, nothing changed.
"""

from __future__ import annotations

import json
import os
import re

from ..constants import PAGE_SIZE
from ..errors import UsageError

__all__ = ["add_commands", "format_kernel_run"]

from ..units import argument_type, parse_folio_size, percent_type

_PLOT_SUFFIXES = (".png", ".svg", ".pdf")


@argument_type
def _compressor(text: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", text or ""):
        raise UsageError(f"--compressor must be a compressor name such as lzo, lzo-rle or "
                         f"deflate, not {text!r}")
    return text


_folio_size = argument_type(parse_folio_size)


def add_commands(subparsers) -> None:
    """Add ``lab`` and its ``status``, ``run``, ``compare`` and ``recover`` commands."""
    lab = subparsers.add_parser(
        "lab", help="run pages through this machine's zswap (root) and compare with the model")
    lab.set_defaults(func=_no_command)
    sub = lab.add_subparsers(dest="lab_command", parser_class=type(lab))

    status = sub.add_parser("status", help="show this machine's zswap settings and counters (no root needed)")
    status.add_argument("--json", action="store_true", help="one JSON object on stdout")
    status.set_defaults(func=_status)

    for name, helptext in (
        ("run", "swap a page file out through this kernel's zswap with MADV_PAGEOUT (root)"),
        ("compare", "run the kernel and the model on the same pages and mark each difference (root)"),
    ):
        epilog = ("Exit status: 0 when every counter is equal, 1 when one differs, 2 for bad "
                  "input or a refusal." if name == "compare" else None)
        p = sub.add_parser(name, help=helptext, description=helptext, epilog=epilog)
        p.add_argument("--pages", required=True, metavar="FILE", help="raw pages, a multiple of 4096 bytes")
        p.add_argument("--folio-size", required=True, type=_folio_size, metavar="SIZE",
                       help="4K, 8K, ... 2M; this kernel must offer anonymous folios of that size")
        p.add_argument("--max-pool-percent", type=percent_type("--max-pool-percent"), default=None,
                       metavar="P", help="zswap's max_pool_percent for the run (default: as set)")
        p.add_argument("--accept-threshold-percent", type=percent_type("--accept-threshold-percent"),
                       default=None, metavar="P", help="zswap's accept_threshold_percent (default: as set)")
        p.add_argument("--compressor", type=_compressor, default=None, metavar="NAME",
                       help="zswap's compressor for the run (default: as set)")
        p.add_argument("--json", action="store_true", help="one JSON object on stdout")
        if name == "compare":
            p.add_argument("--plot", metavar="FILE.png", default=None,
                           help="also draw kernel and model side by side (.png, .svg or .pdf)")
            p.set_defaults(func=_compare)
        else:
            p.set_defaults(func=_run)

    recover = sub.add_parser("recover", help="restore settings a killed lab run left changed (root)")
    recover.set_defaults(func=_recover)


def _no_command(args) -> int:
    raise UsageError("choose a lab command: status, run, compare or recover "
                     "(zswapviz lab --help says more)")


def _status(args) -> int:
    from .summary import format_kernel_summary, kernel_summary

    summary = kernel_summary()
    print(json.dumps(summary) if args.json else format_kernel_summary(summary))
    return 0


def _recover(args) -> int:
    from .lab import live_request, recover

    with live_request():  # the command is the request
        recover()
    print("no kernel lab settings are left changed")
    return 0


def _check_plot_path(path: str) -> None:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _PLOT_SUFFIXES:
        raise UsageError(f"--plot must name a {', '.join(_PLOT_SUFFIXES)} file, not {path!r}")
    from ..outputs import check_output

    check_output(path, example="compare.png")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--plot {path!r}: the directory {parent!r} is not writable")


def _load(args) -> bytes:
    from ..pages import load_pages

    data = load_pages(args.pages)
    total = len(data) // PAGE_SIZE
    if total % args.folio_size:
        raise UsageError(
            f"page file {args.pages!r} has {total} pages, which do not fill whole folios of "
            f"{args.folio_size} pages; give a multiple of {args.folio_size} pages")
    return data


def _kernel(args, data: bytes, model: bool) -> dict:
    from .lab import live_request
    from .labrun import lab_run

    with live_request():  # 'zswapviz lab run/compare' is the request for a live run
        return lab_run(data, args.folio_size, max_pool_percent=args.max_pool_percent,
                       compressor=args.compressor,
                       accept_threshold_percent=args.accept_threshold_percent, model=model)


def _run(args) -> int:
    data = _load(args)
    result = _kernel(args, data, model=False)
    print(json.dumps(result) if args.json else format_kernel_run(result))
    return 0


def _compare(args) -> int:
    from .compare import differences, format_comparison
    from .labrun import model_run

    if args.plot is not None:
        _check_plot_path(args.plot)
    data = _load(args)
    kernel = _kernel(args, data, model=True)
    model = model_run(data, kernel)
    diff = differences(kernel, model)
    if args.plot is not None:
        import io

        from ..outputs import write_output
        from .compare import plot_comparison

        buf = io.BytesIO()
        fmt = os.path.splitext(args.plot)[1].lower().lstrip(".")
        plot_comparison(kernel, model).savefig(buf, dpi=110, format=fmt)
        write_output(args.plot, buf.getvalue(), example="compare.png")
    if args.json:
        print(json.dumps({"kernel": kernel, "model": model, "differences": diff,
                          "equal": not diff}))
    else:
        print(format_comparison(kernel, model))
        if args.plot is not None:
            print(f"plot written to {args.plot}")
    return 1 if diff else 0


def format_kernel_run(result: dict) -> str:
    """A readable summary of a :func:`~zswapviz.kernel.labrun.lab_run` result."""
    from .labrun import exposed_keys

    folio_kb = result["folio_pages"] * PAGE_SIZE // 1024
    lines = [
        f"kernel {result['kernel_release']}, compressor {result['compressor']}, "
        f"{result['folios']} folio(s) of {folio_kb} KiB ({result['pages']} pages)",
        f"max_pool_percent {result['max_pool_percent']} (= {result['max_pool_pages']} pages of "
        f"MemTotal {result['MemTotal']}), accept_threshold_percent "
        f"{result['accept_threshold_percent']}, pool empty at start: "
        f"{'yes' if result['pool_empty_at_start'] else 'no'}",
        "",
    ]
    for key in exposed_keys(result["folio_pages"]):
        if key in result:
            lines.append(f"  {key:32s} {result[key]}")
    lines.append("")
    lines.append(f"MADV_PAGEOUT took {result['elapsed_s'] * 1e3:.1f} ms "
                 f"({result['us_per_page']:.2f} us per page); every setting restored")
    for warning in result["warnings"]:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
