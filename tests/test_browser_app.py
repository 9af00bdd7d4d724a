"""The classroom app (``make app``: Voila) in Debian's Chromium, with every request counted.

Voila is started the way the Makefile starts it (the repository's
``zswapviz`` template, found through ``JUPYTER_PATH=share/jupyter``) on a
copy of notebook 01 in a temporary folder, so nothing is written beside the
notebooks. Chromium opens it with every request that does not go to that
server blocked and counted: Voila's stock "lab" template links an icon font
from a CDN, which offline logs two network errors; ours must make none.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_util import (
    ConsoleLog,
    RequestGuard,
    chromium,
    chromium_path,
    free_port,
    layout_problems,
    save_screenshot,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01-walkthrough.ipynb"
TEMPLATE_ROOT = ROOT / "share" / "jupyter"
START_S = 90
RENDER_MS = 180_000

pytestmark = pytest.mark.slow


def voila_command(port: int, notebook: Path) -> list[str]:
    """The Voila command line of ``make app``, on *port*, without opening a browser."""
    return [sys.executable, "-m", "voila", "--no-browser", "--Voila.ip=127.0.0.1", f"--Voila.port={port}",
            "--Voila.port_retries=0", "--ServerApp.allow_root=True", "--template=zswapviz", str(notebook)]


def test_make_app_uses_the_offline_template():
    """The Makefile's app target selects the repository's template the way this test does."""
    make = (ROOT / "Makefile").read_text()
    app = make[make.index("\napp:"):].split("\n\n")[0]
    assert "JUPYTER_PATH=" in app and "share/jupyter" in app and "--template=zswapviz" in app
    assert (TEMPLATE_ROOT / "voila" / "templates" / "zswapviz" / "index.html.j2").is_file()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Voila serving a copy of notebook 01 with the zswapviz template; stopped (with its kernel) afterwards."""
    chromium_path()
    home = tmp_path_factory.mktemp("app")
    root = home / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    data = home / "data"
    spec = data / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    env = dict(os.environ, JUPYTER_PATH=str(TEMPLATE_ROOT), JUPYTER_DATA_DIR=str(data),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / "ipython"), JUPYTER_PLATFORM_DIRS="0", PYTHONPATH=str(ROOT))
    port = free_port()
    log = home / "voila.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(voila_command(port, root / NOTEBOOK.name), stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=root, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Voila did not answer within {START_S} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def test_the_app_makes_no_request_off_the_machine(app):
    """The app renders the explorer, readable at 1366x768, with every request served by Voila itself: none blocked, no console error."""
    url, _log = app
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        guard = RequestGuard(page, allow=(url,))
        console = ConsoleLog(page)
        page.goto(url, timeout=RENDER_MS)
        explorer = page.locator(".zswapviz-explorer .zvp-root").first
        explorer.wait_for(timeout=RENDER_MS)
        page.wait_for_timeout(1000)
        explorer.scroll_into_view_if_needed()
        save_screenshot(page, "app-1366x768.png")
        assert layout_problems(page, ".zswapviz-explorer .zvp-root", min_font=14) == []
        assert guard.blocked == [], f"requests off the machine: {guard.blocked}"
        assert guard.allowed > 0
        assert console.unexpected() == [], console.unexpected()
