"""A real JupyterLab for browser tests and the browser benchmark.

:func:`start_lab` starts JupyterLab on 127.0.0.1 with a token, fresh
settings, workspaces and kernel spec in a temporary directory and copies of
the notebooks given (so autosave never writes outputs into the repository);
it always shuts the server and every process it started down, with bounded
waits. :func:`open_and_run_all` opens a notebook in Chromium and runs all
its cells through the menu.
"""

from __future__ import annotations

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
from contextlib import contextmanager
from pathlib import Path

from browser_util import free_port

SERVER_START_S = 60


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


def _write_settings(home: Path, notebooks=()) -> dict:
    """Fresh Jupyter directories: settings without the news toast, a kernel spec for this Python, the *notebooks* copied in."""
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
    for nb in notebooks:
        shutil.copy(nb, dirs["root"] / Path(nb).name)
    return dirs


@contextmanager
def start_lab(home: Path, notebooks=()):
    """Start JupyterLab on 127.0.0.1 with a token in fresh directories under *home*; always stop it and its kernels."""
    dirs = _write_settings(home, notebooks)
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
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                server.api("api/status", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")
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


def wait_kernel_idle(lab: Lab, page, timeout_s: float = 60) -> None:
    """Wait until the server has a started, idle kernel and the page's status bar says Idle."""
    deadline = time.monotonic() + timeout_s
    errors = []
    while time.monotonic() < deadline:
        try:
            kernels = lab.api("api/kernels")
        except urllib.error.HTTPError as e:
            # The kernel list can answer 500 while a kernel is still starting
            # (seen once under load on 2 cores); polling goes on, and the
            # error is reported if no idle kernel comes
            if e.code < 500:
                raise
            errors.append(f"HTTP {e.code}")
            kernels = None
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            break
        page.wait_for_timeout(300)  # not time.sleep: Playwright must keep serving the request routes
    else:
        log = lab.log.read_text(errors="replace")[-3000:] if lab.log.exists() else ""
        raise RuntimeError(f"no idle kernel within {timeout_s} s (errors while polling: {errors}); "
                           f"server log ends:\n{log}")
    page.wait_for_function("document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')"
                           " && document.querySelector('#jp-main-statusbar').innerText.includes('Idle')")
    page.wait_for_timeout(500)


def open_and_run_all(lab: Lab, page, notebook: str) -> None:
    """Open *notebook* (a name in the lab's root) and run all its cells through the Run menu."""
    page.goto(f"{lab.url}lab/tree/{notebook}?token={lab.token}&reset")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    wait_kernel_idle(lab, page)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
