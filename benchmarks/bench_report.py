"""Size and export time of a 512-page folio's HTML report (budgets: 5 MB, 10 s).

Measured in one process, cold (the first report pays matplotlib's import and
the compressor's warm-up, as ``zswapviz report`` does) and warm, with the
time split into recording the trace, encoding the per-step data, drawing
the figures and rendering + writing the file.

    .venv/bin/python benchmarks/bench_report.py [SCENARIO]
"""

from __future__ import annotations

import json
import resource
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
    from zswapviz.lessons import resolve_scenario
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


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
