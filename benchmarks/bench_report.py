"""Size and export time of a 512-page folio's HTML report (budgets: 5 MB, 10 s), and peak memory.

The memory part runs each case in its own process and reads that
process's peak resident size (``wait4``): the report of 8 x 2 MiB folios
(targets 10 s, 500 MB), ``simulate`` on a 256 MiB and a 1 GiB page file
(target 200 MB, independent of the file's size: the two peaks should be
the same), and recording and reporting the largest scenarios accepted
(16,384 pages in 2 MiB and in order-0 folios, the worst measured, and
8192 order-0 folios with a compressor switch after each page; target
2 GB). ``--no-memory`` skips it.

Measured in one process, cold (the first report pays matplotlib's import and
the compressor's warm-up, as ``zswapviz report`` does) and warm, with the
time split into recording the trace, encoding the per-step data, drawing
the figures and rendering + writing the file.

    .venv/bin/python benchmarks/bench_report.py [SCENARIO] [--no-memory]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE_BUDGET = 5 * 1024 * 1024
TIME_BUDGET = 10.0


def main(name: str = "thp-2m") -> int:
    t0 = time.perf_counter()
    from zswapviz import report
    from zswapviz.scenario import resolve_scenario
    from zswapviz.views.report import figures

    imports = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "report.html"
        t = time.perf_counter()
        report.export_html(name, out)
        cold = time.perf_counter() - t + imports
        size = out.stat().st_size

        # warm, split into parts
        t = time.perf_counter()
        trace = resolve_scenario(name).run()
        t_record = time.perf_counter() - t
        t = time.perf_counter()
        data = report.encode_trace(trace)
        t_encode = time.perf_counter() - t
        figures.trace_figures(trace)  # warm-up of matplotlib's text and image paths
        t = time.perf_counter()
        figures.trace_figures(trace)
        t_figures = time.perf_counter() - t
        t = time.perf_counter()
        report.export_html(trace, out)
        t_render_all = time.perf_counter() - t
        warm = t_record + t_render_all

    data_bytes = len(json.dumps(data, separators=(",", ":")))
    print(f"scenario {name}: {trace.meta.get('folio_pages')} pages per folio, {len(trace)} steps")
    print(f"report size        {size / 2**20:7.2f} MiB ({size:,} bytes; budget {SIZE_BUDGET / 2**20:.0f} MiB)"
          f"  {'OK' if size <= SIZE_BUDGET else 'OVER'}")
    print(f"  per-step data    {data_bytes / 2**20:7.2f} MiB ({data_bytes / len(trace):.0f} bytes per step)")
    print(f"export time, cold  {cold:7.2f} s (imports {imports:.2f} s; budget {TIME_BUDGET:.0f} s)"
          f"  {'OK' if cold <= TIME_BUDGET else 'OVER'}")
    print(f"export time, warm  {warm:7.2f} s = record {t_record:.2f} + export of the trace {t_render_all:.2f}"
          f" (measured apart: encode {t_encode:.2f}, figures {t_figures:.2f})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory        {peak:7.0f} MiB (resident, the whole process: imports, record, report)")
    return 0 if size <= SIZE_BUDGET and cold <= TIME_BUDGET else 1


MIB = 1 << 20
#: (label, code run in a fresh process, time target s or None, memory target MB)
_CASES = [
    ("report, 8 x 2 MiB folios (4096 text pages)",
     "from zswapviz import Scenario, report\n"
     "report.export_html(Scenario(title='8 x 2 MiB', folio_pages=512, "
     "pages={'kind': 'text', 'pages': 4096}), OUT)", 10.0, 500),
    ("simulate, 256 MiB page file (random pages, 64K folios)",
     "from zswapviz.cli import main\nimport sys\n"
     "sys.exit(main(['simulate', '--pages', SMALL, '--folio-size', '64K', '--json']))", None, 200),
    ("simulate, 1 GiB page file (random pages, 64K folios)",
     "from zswapviz.cli import main\nimport sys\n"
     "sys.exit(main(['simulate', '--pages', PAGES, '--folio-size', '64K', '--json']))", None, 200),
    ("record, largest scenario accepted (16384 pages, 2M folios)",
     "from zswapviz import Scenario\n"
     "Scenario(folio_pages=512, pages={'kind': 'text', 'pages': 16384}).run()", None, 2048),
    ("report, largest scenario accepted (16384 pages, 2M folios)",
     "from zswapviz import Scenario, report\n"
     "report.export_html(Scenario(title='largest', folio_pages=512, "
     "pages={'kind': 'text', 'pages': 16384}), OUT)", None, 2048),
    # The worst accepted case measured: every action an order-0 folio
    # (1332 MB, 40 s on a quiet 2-core machine; 18 min while the validators
    # still ran after every operation)
    ("report, 16384 order-0 folios (most store steps)",
     "from zswapviz import Scenario, report\n"
     "report.export_html(Scenario(title='order-0', folio_pages=1, "
     "pages={'kind': 'text', 'pages': 16384}), OUT)", None, 2048),
    # Half the budget as compressor switches, one after each page, cycling all
    # five compressors (five live pools in every snapshot): the costliest per
    # accepted action at 1024-4096 actions, but 811 MB at full size
    ("report, 8192 order-0 folios + 8192 compressor switches",
     "from zswapviz import Scenario, report\n"
     "names = ['lzo', 'zstd', 'lz4', 'deflate', 'lzo-rle']\n"
     "report.export_html(Scenario(title='switches', folio_pages=1, "
     "pages={'kind': 'text', 'pages': 8192}, interleave=[{'actor': 'compressor_switch', "
     "'after_page': p, 'compressor': names[p % 5]} for p in range(8192)]), OUT)", None, 2048),
]


def _measure(code: str) -> tuple[float, float, int]:
    """Run *code* in a fresh interpreter; return (seconds, peak RSS in MB, exit status)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t, usage.ru_maxrss / 1024, proc.returncode


def memory() -> int:
    """Peak memory and time of the cases above, each in its own process."""
    from zswapviz.pages import make_pages

    worst = 0
    with tempfile.TemporaryDirectory() as d:
        pages, small = Path(d) / "1g.pages", Path(d) / "256m.pages"
        block = make_pages("random", 4096)  # 16 MiB, written 64 (16) times
        for path, n in ((pages, 64), (small, 16)):
            with open(path, "wb") as f:
                f.writelines(block for _ in range(n))
        print("\npeak memory, each case in a fresh process (make bench)")
        for label, code, t_target, mb_target in _CASES:
            seconds, mb, status = _measure(f"OUT, PAGES, SMALL = {str(Path(d) / 'r.html')!r}, {str(pages)!r}, "
                                           f"{str(small)!r}\n" + code)
            ok = status == 0 and mb <= mb_target and (t_target is None or seconds <= t_target)
            worst |= not ok
            t_note = f" (target {t_target:.0f} s)" if t_target else ""
            print(f"  {label:60s} {seconds:7.1f} s{t_note}  {mb:7.0f} MB (target {mb_target} MB)"
                  f"  {'OK' if ok else 'OVER' if status == 0 else f'FAILED ({status})'}")
    return 1 if worst else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--no-memory"]
    status = main(*args)
    if "--no-memory" not in sys.argv[1:]:
        status |= memory()
    sys.exit(status)
