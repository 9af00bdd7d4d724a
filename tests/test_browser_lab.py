"""The walkthrough notebook in a real JupyterLab, driven through Debian's Chromium.

A JupyterLab server is started on 127.0.0.1 with a token, fresh settings,
workspaces and kernel spec in a temporary directory, and a copy of
``notebooks/01-walkthrough.ipynb`` (so autosave never writes outputs into the
repository). Playwright opens it, runs all cells through the menu, presses
the explorer's buttons and reads the page: stepping, the "your kernel" panel,
"Export HTML", and a lesson run to its end in the notebook's lesson explorer.
The server is always shut down, with bounded waits, and screenshots are kept
under ``artifacts/``.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from browser_util import ConsoleLog, RequestGuard, chromium_path, free_port, launch_chromium, save_screenshot, \
    sync_playwright

from zswapviz import builtin_scenarios
from zswapviz.lessons import load_lesson
from zswapviz.plots import counters_frame, step_title

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01-walkthrough.ipynb"
SERVER_START_S = 60
UI_TIMEOUT_MS = 60_000
STEP_TIMEOUT_MS = 20_000

pytestmark = pytest.mark.slow


class Lab:
    """A running JupyterLab server: its base URL, token, process and log."""

    def __init__(self, url: str, token: str, proc: subprocess.Popen, log: Path, root: Path) -> None:
        self.url, self.token, self.proc, self.log, self.root = url, token, proc, log, root

    def api(self, path: str, method: str = "GET", timeout: float = 5):
        """Call the server's REST API with the token; return the decoded JSON (or None)."""
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None


def _children(pid: int) -> list[int]:
    """PIDs whose parent is *pid* (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def _write_settings(home: Path) -> dict:
    """Fresh Jupyter directories: settings without the news toast, a kernel spec for this Python."""
    dirs = {name: home / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython", "root")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    notif = dirs["settings"] / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True)
    (notif / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # render every cell (no windowing), so outputs below the fold exist in the page
    tracker = dirs["settings"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    spec = dirs["data"] / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    shutil.copy(NOTEBOOK, dirs["root"] / NOTEBOOK.name)
    return dirs


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start JupyterLab on 127.0.0.1 with a token; always stop it and its kernels afterwards."""
    chromium_path()  # fail early and clearly when the browser is missing
    home = tmp_path_factory.mktemp("lab")
    dirs = _write_settings(home)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
               JUPYTER_PLATFORM_DIRS="0", MPLBACKEND="module://matplotlib_inline.backend_inline")
    log = home / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True",
           f"--ServerApp.root_dir={dirs['root']}", f"--LabApp.workspaces_dir={dirs['workspaces']}",
           f"--LabApp.user_settings_dir={dirs['settings']}", "--LabServerApp.open_browser=False"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=dirs["root"],
                                start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}/", token, proc, log, dirs["root"])
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                server.api("api/status", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield server
    finally:
        _stop(server)


def _stop(server: Lab) -> None:
    """Shut the server down (kernels first), then make sure every process it started is gone."""
    proc = server.proc
    family = set(_children(proc.pid))
    for pid in list(family):
        family.update(_children(pid))
    try:
        for k in server.api("api/kernels", timeout=3) or []:
            server.api(f"api/kernels/{k['id']}", method="DELETE", timeout=10)
    except (urllib.error.URLError, OSError, ValueError):
        pass
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    deadline = time.monotonic() + 5
    for pid in family:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _wait_kernel_idle(lab: Lab, page, timeout_s: float = 60) -> None:
    """Wait until the server has a started, idle kernel and the page's status bar says Idle."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        kernels = lab.api("api/kernels")
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            break
        page.wait_for_timeout(300)  # not time.sleep: Playwright must keep serving the request routes
    else:
        pytest.fail(f"no idle kernel within {timeout_s} s: {lab.api('api/kernels')}")
    page.wait_for_function("document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')"
                           " && document.querySelector('#jp-main-statusbar').innerText.includes('Idle')")
    page.wait_for_timeout(500)


def _table(page) -> dict[str, str]:
    """The first explorer's counters table (the notebook's lesson explorer has its own)."""
    pairs = page.locator(".zswapviz-explorer").first.locator(".zswapviz-counters td.zswapviz-counter").evaluate_all(
        "tds => tds.map(td => [td.innerText.trim(), td.nextElementSibling.innerText.trim()])")
    return dict(pairs)


def _pixels(locator) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB")).astype(int)


def _expected(trace, k: int) -> dict[str, str]:
    return {name: str(int(v)) for name, v in counters_frame(trace, k)["value"].items()}


def test_walkthrough_explorer_steps_in_jupyterlab(lab):
    """Run All on notebook 01 in JupyterLab shows the explorer; forward and to-failure change its plot and counters to the trace's."""
    trace = builtin_scenarios()["demo"].run()
    failure = trace.failure_index
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2000})
            guard = RequestGuard(page, allow=(lab.url, lab.url.replace("http", "ws")))
            log = ConsoleLog(page)
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(f"{lab.url}lab/tree/{NOTEBOOK.name}?token={lab.token}&reset")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
            _wait_kernel_idle(lab, page)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()

            figure = page.locator("img.zswapviz-figure").first
            try:
                figure.wait_for(state="attached", timeout=90_000)
            except Exception:
                save_screenshot(page, "explorer-lab-failed.png")
                raise
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
            page.wait_for_function("document.querySelector('img.zswapviz-figure').naturalWidth > 100")
            sentence = page.locator(".zswapviz-sentence").first
            figure.scroll_into_view_if_needed()
            assert step_title(trace, 0) in sentence.inner_text()
            assert _table(page) == _expected(trace, 0)
            before = _pixels(figure)

            page.locator(".zswapviz-forward").first.click()
            page.wait_for_function("t => document.querySelector('.zswapviz-sentence').innerText.includes(t)",
                                   arg=step_title(trace, 1), timeout=STEP_TIMEOUT_MS)
            page.wait_for_timeout(300)
            after_forward = _pixels(figure)
            assert before.shape == after_forward.shape
            assert (before != after_forward).any(axis=2).sum() > 50, "the plot did not change after forward"
            assert _table(page) == _expected(trace, 1)

            page.locator(".zswapviz-failure").first.click()
            page.wait_for_function("t => document.querySelector('.zswapviz-sentence').innerText.includes(t)",
                                   arg=step_title(trace, failure), timeout=STEP_TIMEOUT_MS)
            page.wait_for_timeout(300)
            at_failure = _pixels(figure)
            assert (after_forward != at_failure).any(axis=2).sum() > 500, "the plot did not change at the failure"
            table = _table(page)
            assert table == _expected(trace, failure)
            assert table["stored_pages"] == str(trace.snapshots[failure].stats["stored_pages"]) != "0"
            assert trace.steps[failure].text in sentence.inner_text()
            save_screenshot(page.locator(".zswapviz-explorer").first, "explorer-lab.png")
            save_screenshot(page, "explorer-lab-page.png")

            _your_kernel_and_export(lab, page)
            _lesson_to_its_end(page)

            errors = log.unexpected(ignore=("net::ERR_FAILED", "Failed to load resource"))
            assert not log.page_errors, log.page_errors
            assert not [e for e in errors if "widget" in e.lower() or "zswapviz" in e.lower()], errors
            assert guard.allowed > 0
        finally:
            browser.close()


def _your_kernel_and_export(lab: Lab, page) -> None:
    """The first explorer's "your kernel" toggle shows this machine's kernel; Export HTML writes the report and says where."""
    explorer = page.locator(".zswapviz-explorer").first
    explorer.locator(".zswapviz-kernel-toggle").click()
    panel = explorer.locator(".zswapviz-kernel-panel")
    panel.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    text = panel.inner_text()
    assert f"Your kernel: {os.uname().release}" in text and "Refresh" in text
    name = explorer.locator(".zswapviz-export-name input")
    name.fill("from-the-browser.html")
    name.press("Enter")
    explorer.locator(".zswapviz-export").click()
    status = explorer.locator(".zswapviz-export-status")
    page.wait_for_function("el => el.innerText.includes('Wrote')", arg=status.element_handle(),
                           timeout=STEP_TIMEOUT_MS)
    written = lab.root / "from-the-browser.html"
    assert written.is_file() and str(written.resolve()) in status.inner_text()
    assert written.read_bytes().startswith(b"<!DOCTYPE html")
    save_screenshot(explorer, "explorer-lab-kernel.png")


def _lesson_to_its_end(page) -> None:
    """The notebook's lesson explorer: next stop reveals each answer, then moves on, to the lesson's last stop."""
    lesson = load_lesson("walkthrough-64k")
    ref = lesson.runner()
    explorer = page.locator(".zswapviz-explorer").nth(1)
    box = explorer.locator(".zswapviz-lesson")
    box.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    box.scroll_into_view_if_needed()
    text = explorer.locator(".zswapviz-lesson-text")
    sentence = explorer.locator(".zswapviz-sentence")
    assert ref.note in text.inner_text() and ref.question in text.inner_text()
    assert step_title(ref.trace, ref.step) in sentence.inner_text()
    save_screenshot(explorer, "explorer-lab-lesson.png")
    while ref.next():
        explorer.locator(".zswapviz-lesson-next").click()
        expect = ref.answer if ref.answer is not None else f"stop {ref.number} of {len(lesson.stops)}"
        page.wait_for_function("([el, t]) => el.innerText.includes(t)", arg=[text.element_handle(), expect],
                               timeout=STEP_TIMEOUT_MS)
        page.wait_for_function("([el, t]) => el.innerText.includes(t)",
                               arg=[sentence.element_handle(), step_title(ref.trace, ref.step)],
                               timeout=STEP_TIMEOUT_MS)
        assert ref.note in text.inner_text()
    assert explorer.locator(".zswapviz-lesson-next").is_disabled()
    save_screenshot(explorer, "explorer-lab-lesson-end.png")
