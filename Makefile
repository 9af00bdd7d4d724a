# The project's commands. `make demo` and `make test` set everything up
# themselves on a fresh Debian machine (as root: they apt-get what is missing).
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: demo test bench record-kernel clean

demo: $(STAMP)
	$(PY) -m zswapviz demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_simulate.py

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
