# The project's commands. Each sets everything up itself on a fresh Debian
# machine (as root: it apt-gets what is missing), then does its job.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: lab app demo test bench bench-kernel report record-kernel clean

# The main job: JupyterLab on the walkthrough notebook (127.0.0.1; the URL
# with its token is printed). Ctrl-C stops it.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --ServerApp.allow_root=True notebooks/01-walkthrough.ipynb

# The same explorer without code, for a classroom: Voila serves the notebook,
# with the repository's template (share/jupyter/voila/templates/zswapviz:
# nothing fetched from a CDN, so it works offline).
app: $(STAMP)
	JUPYTER_PATH=$(CURDIR)/share/jupyter $(VENV)/bin/voila --Voila.ip=127.0.0.1 --ServerApp.allow_root=True --template=zswapviz notebooks/01-walkthrough.ipynb

# The step-by-step trace of a 64 KiB folio failing at page 5, as text.
demo: $(STAMP)
	$(PY) -m zswapviz demo

# The linter first (ruff, configured in pyproject.toml), then every test.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# Speed and memory figures, each measured in one run (tests never time anything).
bench: $(STAMP)
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_simulate.py
	$(PY) benchmarks/bench_compress.py
	$(PY) benchmarks/bench_report.py
	$(PY) benchmarks/bench_explorer.py
	$(PY) benchmarks/bench_browser.py
	$(PY) benchmarks/bench_codepane.py --player

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
	$(PY) -m pip install -q -e '.[test,live,app]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (zswapviz)" >/dev/null
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
