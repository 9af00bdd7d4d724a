"""The browser renderer's files, bundled for a widget or a page.

The renderer is written as small ES modules in ``static/`` (:data:`PARTS`,
each one job, each importing from the parts before it). A widget's module
and a page's inline module cannot import files, so :func:`bundle` joins the
parts, in order, into one ES module: every ``import`` between parts is
checked (the part exists, comes earlier and exports the name) and removed,
and the module exports :data:`PUBLIC` and, as default, the anywidget
``{render}``. :func:`standalone_html` makes a whole offline page around one
view model or lesson view (what the tests and the browser benchmark open).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["PARTS", "PUBLIC", "STATIC_DIR", "bundle", "json_for_script", "part_sources", "standalone_html"]

#: Where the renderer's files are.
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: The renderer's parts, in the order they are joined; a part imports only from parts before it.
PARTS = (
    "codepane.js",  # the code pane: drawCodePane
    "theme.js",     # the style sheet: ensureStyle
    "dom.js",       # HTML and SVG element helpers
    "decode.js",    # the view model read into frames; the jump, badge and sentence rules
    "panels.js",    # the four SVG panels and the counter table
    "player.js",    # the player: controls, keys, stepping, lessons
    "pair.js",      # two runs aligned by kernel event
    "widget.js",    # the anywidget entry point (the default export)
)

#: The names the bundled module exports (besides the default ``{render}``).
PUBLIC = ("createPlayer", "createPair", "drawCodePane", "decode", "fill", "jumpTarget", "badgeAt", "sentenceAt", "titleAt")

_IMPORT = re.compile(r'^import \{ ([\w$]+(?:, [\w$]+)*) \} from "\./([\w-]+\.js)";\n', re.MULTILINE)
_ANY_IMPORT = re.compile(r"^\s*import\b.*$", re.MULTILINE)
_EXPORT_DECL = re.compile(r"^export (?=(?:async )?(?:function|const|let|class) ([\w$]+))", re.MULTILINE)
_ANY_EXPORT = re.compile(r"^\s*export\b.*$", re.MULTILINE)
_DEFAULT = re.compile(r"^export default\b", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^(?:export )?(?:async )?(?:function|const|let|var|class) ([\w$]+)", re.MULTILINE)


@lru_cache(maxsize=1)
def part_sources() -> tuple[tuple[str, str], ...]:
    """Each part's name and text, in :data:`PARTS` order; a missing part is a RuntimeError."""
    out = []
    for name in PARTS:
        path = STATIC_DIR / name
        if not path.is_file():
            raise RuntimeError(f"the renderer part zswapviz/views/static/{name} is missing")
        out.append((name, path.read_text(encoding="utf-8")))
    return tuple(out)


def _join(parts: tuple[tuple[str, str], ...]) -> str:
    """*parts* joined into one ES module, every import checked and removed (RuntimeError if one does not match)."""
    exports: dict[str, set[str]] = {}
    defined: dict[str, str] = {}
    body = []
    for i, (name, text) in enumerate(parts):
        for m in _IMPORT.finditer(text):
            source = m.group(2)
            if source not in exports:
                where = "is not a part of the renderer" if source not in {n for n, _ in parts} else "comes after it"
                raise RuntimeError(f"{name} imports from ./{source}, which {where} (zswapviz.views.assets.PARTS)")
            for imported in m.group(1).split(", "):
                if imported not in exports[source]:
                    raise RuntimeError(f"{name} imports {imported} from ./{source}, which does not export it")
        text = _IMPORT.sub("", text)
        stray = _ANY_IMPORT.search(text)
        if stray:
            raise RuntimeError(f"{name}: an import the bundle cannot join: {stray.group(0).strip()!r} "
                               "(write it as: import { a, b } from \"./part.js\";)")
        exports[name] = set(_EXPORT_DECL.findall(text))
        for top in _TOP_LEVEL.findall(text):
            if top in defined:
                raise RuntimeError(f"{name} and {defined[top]} both define {top} (the bundle is one scope)")
            defined[top] = name
        text = _EXPORT_DECL.sub("", text)
        if _DEFAULT.search(text) and i != len(parts) - 1:
            raise RuntimeError(f"{name}: only the last part ({parts[-1][0]}) may have the default export")
        stray = [line for line in _ANY_EXPORT.findall(text) if not _DEFAULT.match(line.strip())]
        if stray:
            raise RuntimeError(f"{name}: an export the bundle cannot join: {stray[0].strip()!r}")
        body.append(f"/* ---- part {name} ---- */\n{text.rstrip()}\n")
    every = set().union(*exports.values())
    missing = [p for p in PUBLIC if p not in every]
    if missing:
        raise RuntimeError(f"no part exports {', '.join(missing)} (zswapviz.views.assets.PUBLIC)")
    return "\n".join(body) + f"\nexport {{ {', '.join(PUBLIC)} }};\n"


@lru_cache(maxsize=1)
def bundle() -> str:
    """The renderer as one ES module: the parts of :data:`PARTS` joined in order, imports checked and removed."""
    return _join(part_sources())


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
