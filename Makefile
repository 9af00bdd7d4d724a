# The project's commands. `make demo` and `make test` set everything up
# themselves on a fresh Debian machine (as root: they apt-get what is missing).
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: demo test bench bench-kernel report record-kernel clean

demo: $(STAMP)
	$(PY) -m zswapviz demo

test: $(STAMP)
	$(PY) -m pytest

# Speed and memory figures, each measured in one run (tests never time anything).
bench: $(STAMP)
	$(PY) benchmarks/bench_simulate.py
	$(PY) benchmarks/bench_compress.py
	$(PY) benchmarks/bench_report.py

# The model beside this machine's kernel on the same pages (root, zswap).
bench-kernel: $(STAMP)
	$(PY) benchmarks/bench_kernel.py

# Reports of every built-in scenario, comparison and lesson, and every
# notebook exported to HTML, with an index page: build/report/index.html
report: $(STAMP)
	$(PY) -m zswapviz report --all build/report

# Re-record the kernel oracle runs in data/kernel/ (root, zswap, loop devices).
record-kernel: $(STAMP)
	$(PY) tools/record_kernel_runs.py

$(STAMP): pyproject.toml tools/install-system-deps.sh
	bash tools/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
