"""Start-up of the command line: how long a user waits before work starts.

Prints, as the fastest and the median of several fresh processes:
  * a bare interpreter (``python -c pass``), the floor;
  * ``zswapviz simulate`` on one page: the wait until ``simulate()`` is
    entered (interpreter, imports, argument checks, page file read; target:
    at most 0.3 s on a quiet machine), the CPU time the process spent until
    then (the wait on an idle core, less sensitive to other load), and the
    whole command;
  * which heavy libraries that command imported (none of numba, pandas,
    matplotlib, hypothesis, ipywidgets should be among them).

Run: make bench   (or .venv/bin/python benchmarks/bench_startup.py [RUNS])
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs ``zswapviz simulate`` in-process, printing (as JSON, on stderr) the
#: wall-clock time at which simulate() was entered and the heavy modules loaded.
_PROBE = r"""
import sys, time, json
import zswapviz.simulate
s = sys.modules["zswapviz.simulate"]  # the module (the package attribute is the function)
real = s.simulate
def probe(*a, **k):
    heavy = sorted(m for m in ("numba", "pandas", "matplotlib", "hypothesis", "ipywidgets", "zswapviz.trace",
                               "zswapviz.views") if m in sys.modules)
    sys.stderr.write(json.dumps({"entered": time.time(), "cpu": time.process_time(), "heavy": heavy}) + "\n")
    return real(*a, **k)
s.simulate = probe
from zswapviz.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run(argv: list[str]) -> tuple[float, float | None, float | None, list]:
    """(whole command, wait until simulate() was entered, CPU time until then, heavy modules); seconds."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.time()
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    total = time.time() - t0
    probe = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")]
    if not probe:
        return total, None, None, []
    return total, probe[0]["entered"] - t0, probe[0]["cpu"], probe[0]["heavy"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "one-page.bin"
        page.write_bytes(os.urandom(4096))
        bare = [run([sys.executable, "-c", "pass"])[0] for _ in range(runs)]
        cmd = [sys.executable, "-c", _PROBE, "simulate", "--pages", str(page), "--folio-size", "4K"]
        results = [run(cmd) for _ in range(runs)]
    totals = [r[0] for r in results]
    waits = [r[1] for r in results]
    cpus = [r[2] for r in results]
    print(f"start-up of `zswapviz simulate --pages ONE_PAGE --folio-size 4K`, {runs} fresh processes")
    print(f"  bare interpreter          fastest {min(bare):.3f} s  median {statistics.median(bare):.3f} s")
    print(f"  wait until work starts    fastest {min(waits):.3f} s  median {statistics.median(waits):.3f} s"
          f"  (target <= 0.300 s on a quiet machine)")
    print(f"  CPU time until then       fastest {min(cpus):.3f} s  median {statistics.median(cpus):.3f} s"
          f"  (what the wait is on an idle core)")
    print(f"  whole command             fastest {min(totals):.3f} s  median {statistics.median(totals):.3f} s")
    heavy = results[0][3]
    print(f"  heavy modules imported    {', '.join(heavy) if heavy else 'none'}")
    print(f"  load average              {os.getloadavg()[0]:.2f} (figures grow with it)")


if __name__ == "__main__":
    main()
