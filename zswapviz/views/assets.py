"""The browser renderer's files, bundled for a widget or a page.

``static/player.js`` (the renderer) imports ``static/codepane.js`` (the code
pane). A widget's module and a page's inline module cannot import files, so
:func:`bundle` joins the two into one ES module: it exports ``createPlayer``,
``drawCodePane``, ``decode``, ``fill``, ``jumpTarget``, ``badgeAt``,
``sentenceAt``, ``titleAt`` and, as default, the anywidget ``{render}``.
:func:`standalone_html` makes a whole offline page around one view model or
lesson view (what the tests and the browser benchmark open).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["STATIC_DIR", "bundle", "json_for_script", "standalone_html"]

#: Where the renderer's files are.
STATIC_DIR = Path(__file__).resolve().parent / "static"

_IMPORT = re.compile(r'^import \{ drawCodePane \} from "\./codepane\.js";\n', re.MULTILINE)


@lru_cache(maxsize=1)
def _sources() -> tuple[str, str]:
    return (STATIC_DIR / "player.js").read_text(encoding="utf-8"), (STATIC_DIR / "codepane.js").read_text(encoding="utf-8")


def bundle() -> str:
    """The renderer as one ES module: codepane.js inlined into player.js."""
    player, code = _sources()
    player, found = _IMPORT.subn("", player)
    if found != 1:
        raise RuntimeError("player.js must import drawCodePane from ./codepane.js exactly once")
    code, found = re.subn(r"^export function drawCodePane\b", "function drawCodePane", code, count=1, flags=re.MULTILINE)
    if found != 1:
        raise RuntimeError("codepane.js must define `export function drawCodePane` at the start of a line")
    return f"{code}\n{player}\nexport {{ drawCodePane }};\n"


def json_for_script(obj) -> str:
    """*obj* as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def standalone_html(data: dict, title: str = "zswapviz", *, theme: str | None = None, counters: bool = False) -> str:
    """A whole offline page that draws *data* (a view model or a lesson view) with the renderer.

    The page fetches nothing; ``window.zvp`` is the player (for tests).
    """
    lesson = data.get("format", "").startswith("zswapviz-lesson/")
    opts = {"lesson" if lesson else "vm": "DATA", "counters": counters}
    if theme:
        opts["theme"] = theme
    opts_js = json.dumps(opts).replace('"DATA"', "data")
    bg = "#111418" if theme == "dark" else "#ffffff"
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>"
        f"<style>body{{margin:0;padding:8px;background:{bg}}}</style></head><body>"
        "<div id=\"zvp-host\"></div>"
        f"<script type=\"application/json\" id=\"zvp-data\">{json_for_script(data)}</script>"
        f"<script type=\"module\">{bundle()}\n"
        "const data = JSON.parse(document.getElementById('zvp-data').textContent);\n"
        f"window.zvp = createPlayer(document.getElementById('zvp-host'), {opts_js});\n"
        "document.body.dataset.ready = '1';\n"
        "</script></body></html>\n"
    )
