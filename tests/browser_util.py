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

    with chromium() as browser:
        page = browser.new_page()
        guard = RequestGuard(page, allow=("http://127.0.0.1:8888/",))
        log = ConsoleLog(page)
        ...
        assert not guard.blocked, guard.blocked

A local page, offline (the module-scoped ``browser`` fixture of
``tests/conftest.py`` is one :func:`chromium`)::

    with open_offline(browser, path, viewport=(1366, 768)) as opened:
        opened.page.click("[data-act=next]")
        opened.check_clean()   # no request but the file itself, no console error, no dialog
"""

from __future__ import annotations

import os
import shutil
import socket
from contextlib import contextmanager
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


@contextmanager
def chromium(**kwargs):
    """Debian's Chromium, headless, for the length of a ``with`` block (closed afterwards, also on an error)."""
    with sync_playwright() as pw:
        browser = launch_chromium(pw, **kwargs)
        try:
            yield browser
        finally:
            browser.close()


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


class OfflinePage:
    """A local file opened in a page of *context*, with every request other than the file itself blocked and counted.

    Stricter than :class:`RequestGuard`: not even another local file may
    load. Dialogs are dismissed and recorded. Waits until the page sets
    ``body[data-ready='1']`` unless *ready* is false.
    """

    def __init__(self, context, path: Path, fragment: str = "", *, ready: bool = True, timeout: float = 15_000,
                 own_context: bool = False) -> None:
        self.context = context
        self.own_context = own_context
        self.page = context.new_page()
        self.url = Path(path).resolve().as_uri()
        #: URLs the page tried to fetch (all blocked).
        self.requests: list[str] = []
        #: Messages of the dialogs the page opened (all dismissed).
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("dialog", self._dialog)
        self.log = ConsoleLog(self.page)
        self.page.goto(self.url + fragment)
        if ready:
            self.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=timeout)

    def _route(self, route) -> None:
        if route.request.url.split("#")[0] == self.url:
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def errors(self) -> list[str]:
        """Console errors and uncaught page errors."""
        return self.log.errors + self.log.page_errors

    def check_clean(self) -> None:
        """Fail if the page fetched anything, logged an error or opened a dialog."""
        assert self.requests == [], f"requests made: {self.requests}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"dialogs: {self.dialogs}"

    def close(self) -> None:
        """Close the page (and its context, when it was opened for it)."""
        if self.own_context:
            self.context.close()
        else:
            self.page.close()

    def __enter__(self) -> OfflinePage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_offline(browser, path: Path, fragment: str = "", *, viewport: tuple[int, int] = (1280, 900),
                 color_scheme: str | None = None, ready: bool = True, timeout: float = 15_000,
                 cls: type[OfflinePage] = OfflinePage) -> OfflinePage:
    """*path* opened offline (see :class:`OfflinePage`) in a new context of *browser* of size *viewport*."""
    options = {"viewport": {"width": viewport[0], "height": viewport[1]}}
    if color_scheme:
        options["color_scheme"] = color_scheme
    context = browser.new_context(**options)
    try:
        return cls(context, path, fragment, ready=ready, timeout=timeout, own_context=True)
    except BaseException:
        context.close()
        raise


def save_screenshot(page_or_locator, name: str) -> Path:
    """Save a PNG screenshot under artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page_or_locator.screenshot(path=str(path))
    return path


#: Finds what a reader could not see in a page: elements cut by their panel or
#: their own box, controls or panels on top of one another, text below a
#: minimum size, text without contrast against what is behind it, and a page
#: that scrolls sideways. Returns one line per problem.
LAYOUT_PROBLEMS = r"""([scope, minFont, minContrast]) => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) out.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  const shown = e => {
    const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none" && !e.closest("[hidden]")
      && Number(cs.opacity) > 0;
  };
  const name = e => e.tagName.toLowerCase() + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).join(".")
    : e.className && e.className.baseVal ? "." + e.className.baseVal.trim().split(/\s+/).join(".") : "")
    + (e.dataset && e.dataset.panel ? `[${e.dataset.panel}]` : "") + (e.textContent ? ` "${e.textContent.trim().slice(0, 40)}"` : "");
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const meets = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const scopes = Array.from(document.querySelectorAll(scope)).filter(shown);
  if (!scopes.length) out.push(`nothing matches ${scope}`);
  const texts = [];
  for (const sc of scopes) {
    // every element of a panel inside its panel; every svg element inside its svg
    for (const panel of sc.querySelectorAll(".zvp-panel, .zvp-lesson, .zvp-now, .zvp-bar, .zv-card, .zvp-side")) {
      if (!shown(panel)) continue;
      const pr = panel.getBoundingClientRect();
      for (const e of panel.querySelectorAll("*")) {
        if (!shown(e) || e.tagName.toLowerCase() === "option") continue;
        // what lies inside a scrolling box is reached by scrolling it, not cut
        let scroller = null;
        for (let p = e.parentElement; p && p !== panel; p = p.parentElement) {
          const cs = getComputedStyle(p);
          if (["auto", "scroll"].includes(cs.overflowY) || ["auto", "scroll"].includes(cs.overflowX)) { scroller = p; break; }
        }
        if (!scroller) { const cs = getComputedStyle(panel); if (["auto", "scroll"].includes(cs.overflowY)) scroller = panel; }
        if (scroller) continue;
        const box = e.closest("svg") && e.tagName.toLowerCase() !== "svg" ? e.closest("svg").getBoundingClientRect() : pr;
        if (!inside(e.getBoundingClientRect(), box)) out.push(`${name(e)} sticks out of ${name(panel)}`);
      }
    }
    // controls in a bar, and the panels, never on top of one another
    const groups = [".zvp-bar > *", ".zvp-panels > .zvp-panel", ".zvp-now > .zvp-sentence, .zvp-now > .zvp-badge",
                    ".zvp-main > *", ".zv-cards > *"];
    for (const g of groups) {
      const items = Array.from(sc.querySelectorAll(g)).filter(shown);
      for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
        if (items[i].parentNode === items[j].parentNode && meets(items[i].getBoundingClientRect(), items[j].getBoundingClientRect()))
          out.push(`${name(items[i])} overlaps ${name(items[j])}`);
      }
    }
    for (const e of sc.querySelectorAll("*")) {
      if (!shown(e)) continue;
      const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
      if (own) texts.push(e);
    }
    for (const e of sc.querySelectorAll("input:not([type=range]), select, button")) if (shown(e)) texts.push(e);
  }
  const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const behind = e => {
    for (let p = e; p && p.nodeType === 1; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c && c[3] > 0.5) return c;
    }
    return rgb(getComputedStyle(document.body).backgroundColor) || [255, 255, 255, 1];
  };
  for (const e of new Set(texts)) {
    const cs = getComputedStyle(e), size = parseFloat(cs.fontSize);
    if (size < minFont - 0.01) out.push(`${name(e)} is ${size}px, below ${minFont}px`);
    const svgText = e.namespaceURI === "http://www.w3.org/2000/svg";
    if (!svgText && e.scrollWidth > e.clientWidth + 1 && ["hidden", "clip"].includes(cs.overflowX) && e.clientWidth > 0)
      out.push(`${name(e)} is cut (${e.scrollWidth} > ${e.clientWidth})`);
    if (!svgText && e.scrollHeight > e.clientHeight + 2 && ["hidden", "clip"].includes(cs.overflowY) && e.clientHeight > 0)
      out.push(`${name(e)} is cut at the bottom (${e.scrollHeight} > ${e.clientHeight})`);
    const fg = rgb(svgText ? cs.fill : cs.color);
    if (!fg || !minContrast) continue;
    const bg = behind(e), a = lum(fg), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    // graphics labels (svg text) need 3:1, text 4.5:1 or 3:1 when large (WCAG 2.1, 1.4.3 and 1.4.11)
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (svgText || large ? Math.min(3, minContrast) : minContrast)) out.push(`${name(e)}: contrast ${ratio.toFixed(2)} (${cs.color} on rgb(${bg.slice(0, 3)}))`);
  }
  return Array.from(new Set(out));
}"""


def layout_problems(page, scope: str = "body", min_font: float = 16, min_contrast: float = 4.5) -> list[str]:
    """What a reader could not see in *scope* of *page* (see :data:`LAYOUT_PROBLEMS`); empty when all is well."""
    return page.evaluate(LAYOUT_PROBLEMS, [scope, min_font, min_contrast])


#: What a presenter would have to scroll to see: the page or the presented player scrolling or not filling the
#: window, the stop, the controls or the step's sentence below the window's edge or scrolled out of the box that
#: holds them, or the code pane's current line scrolled out of the pane.
SCROLLS = r"""() => {
  const out = [], root = document.querySelector(".zvp-root[data-present='1']"), vh = innerHeight;
  const doc = document.documentElement;
  if (!root) return ["no presented player"];
  const box = root.getBoundingClientRect();
  if (box.left > 1 || box.top > 1 || box.width < innerWidth - 1 || box.height < vh - 1)
    out.push(`the presented player does not fill the window: ${Math.round(box.width)}x${Math.round(box.height)} at ${Math.round(box.left)},${Math.round(box.top)}`);
  if (doc.scrollHeight > vh) out.push(`page scrolls: ${doc.scrollHeight} > ${vh}`);
  if (root.scrollHeight > root.clientHeight + 1) out.push(`player scrolls: ${root.scrollHeight} > ${root.clientHeight}`);
  for (const e of root.querySelectorAll(".zvp-lesson, .zvp-bar, .zvp-now")) {
    if (e.closest("[hidden]")) continue;
    const r = e.getBoundingClientRect();
    if (r.top < 0 || r.bottom > vh + 0.5) out.push(`${e.className} off screen: ${Math.round(r.top)}..${Math.round(r.bottom)} of ${vh}`);
    for (let p = e.parentElement; p && p !== root; p = p.parentElement) {
      if (getComputedStyle(p).display === "contents") continue;   // no box of its own
      const b = p.getBoundingClientRect();
      if (p.scrollTop > 0 || r.bottom > b.bottom + 0.5) out.push(`${e.className} needs ${p.className} scrolled`);
    }
  }
  // the code pane's current line starts in view (its first row: a long statement wraps): below the pane's sticky
  // function header, above the bottom of the pane, of the column holding it and of the window
  const cur = root.querySelector(".zvp-code .zcp-current"), pane = cur && cur.closest(".zcp");
  if (cur && pane) {
    const a = cur.getBoundingClientRect(), b = pane.getBoundingClientRect(), head = cur.closest(".zcp-fn").querySelector(".zcp-head");
    const side = cur.closest(".zvp-side"), top = head ? Math.max(b.top, head.getBoundingClientRect().bottom) : b.top;
    const bottom = Math.min(b.bottom, side ? side.getBoundingClientRect().bottom : vh, vh);
    const row = parseFloat(getComputedStyle(cur).lineHeight) || 20;
    if (a.top < top - 0.5 || a.top + row > bottom + 0.5) out.push(`the current code line is out of view: ${Math.round(a.top)}..${Math.round(a.top + row)} in ${Math.round(top)}..${Math.round(bottom)}`);
  }
  return out;
}"""

#: Until the next frame is drawn (panels redraw at their new size in a ResizeObserver, before the frame is painted).
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


#: What a player's root (``.zvp-root``) shows: step, call line, sentence,
#: badge, cell states, framed page and counters (for ``locator.evaluate``).
PLAYER_SHOWN = """root => ({
    step: Number(root.dataset.step),
    call: root.querySelector('.zvp-call').textContent,
    text: root.querySelector('.zvp-text').textContent,
    badge: root.querySelector('.zvp-badge-text').textContent,
    ok: root.querySelector('.zvp-badge').dataset.ok,
    cells: Array.from(root.querySelectorAll('svg[data-panel=grid] rect.zvp-cell')).map(r => r.getAttribute('data-state')),
    here: root.querySelector('.zvp-here').getAttribute('data-page'),
    counters: Object.fromEntries(Array.from(root.querySelectorAll('.zvp-counters tr[data-key]'))
        .map(tr => [tr.dataset.key, tr.children[1].textContent])),
})"""
