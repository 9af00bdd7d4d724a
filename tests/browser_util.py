"""Shared helpers for tests that drive Debian's Chromium through Playwright.

Playwright never downloads a browser here: :func:`launch_chromium` starts
``/usr/bin/chromium`` (Debian's package, installed by
``tools/install-system-deps.sh``) with the arguments the project's
toolchain notes give. :class:`RequestGuard` blocks and counts every request
that is not allowed (by default: anything but ``file:``, ``data:`` and
``blob:`` URLs), so a page that reaches for the network fails visibly
instead of hanging offline. :class:`ConsoleLog` collects console errors and
uncaught page errors.

Usage::

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page()
        guard = RequestGuard(page, allow=("http://127.0.0.1:8888/",))
        log = ConsoleLog(page)
        ...
        assert not guard.blocked, guard.blocked
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

#: Where Debian's chromium package puts the browser.
CHROMIUM = "/usr/bin/chromium"
#: Chromium's arguments for a headless, offline, sandbox-less run as root.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
)
#: Where tests keep screenshots (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def chromium_path() -> str:
    """Return Debian's Chromium, or fail the test with what to install (never skip)."""
    path = os.environ.get("ZSWAPVIZ_CHROMIUM", CHROMIUM)
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        if found:
            return found
        pytest.fail(f"Debian's Chromium is missing ({path}): run `bash tools/install-system-deps.sh` "
                    "(apt-get install -y chromium fonts-liberation) - the browser tests need it", pytrace=False)
    return path


def sync_playwright():
    """Playwright's sync API, or fail with what to install."""
    try:
        from playwright.sync_api import sync_playwright as sp
    except ImportError:
        pytest.fail("playwright (python) is missing: pip install -e '.[test]'", pytrace=False)
    return sp()


def launch_chromium(pw, **kwargs):
    """Launch Debian's Chromium headless with the toolchain's arguments."""
    return pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS),
                              headless=True, **kwargs)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RequestGuard:
    """Block and count every request whose URL does not start with an allowed prefix.

    The sync API serves routes only while the test is inside a Playwright
    call: wait with ``page.wait_for_timeout``, never ``time.sleep``, or the
    page's requests stall.
    """

    def __init__(self, page_or_context, allow: tuple[str, ...] = ()) -> None:
        self.allow = ("file:", "data:", "blob:") + tuple(allow)
        #: URLs of the requests that were blocked, in order.
        self.blocked: list[str] = []
        #: How many requests were let through.
        self.allowed = 0
        page_or_context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.allow):
            self.allowed += 1
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


class ConsoleLog:
    """Collect a page's console errors and uncaught exceptions."""

    def __init__(self, page) -> None:
        #: Console messages of type "error", as text.
        self.errors: list[str] = []
        #: Uncaught exceptions in the page, as text.
        self.page_errors: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def unexpected(self, ignore: tuple[str, ...] = ()) -> list[str]:
        """Errors except those containing one of *ignore* (e.g. blocked requests)."""
        return [e for e in self.errors + self.page_errors if not any(i in e for i in ignore)]


def save_screenshot(page_or_locator, name: str) -> Path:
    """Save a PNG screenshot under artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page_or_locator.screenshot(path=str(path))
    return path
