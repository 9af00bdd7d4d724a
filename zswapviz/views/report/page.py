"""The HTML shell every report page shares: template, styles, script, escaping.

One page template (``assets/page.html``), one style sheet for the page
around the player (``assets/report.css``; the player's own styles live in
the renderer) and one script: the renderer the explorer uses
(:func:`zswapviz.views.assets.bundle`) followed by ``assets/report.js``,
which starts it on the page's view models. All are inlined; a
Content-Security-Policy allows that script by its hash and nothing else, so
a page fetches nothing. Text from a user goes through :func:`esc`; data is
embedded by :func:`data_script`, whose JSON cannot end its element.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path

#: The page template, the style sheet and the script.
ASSETS = Path(__file__).resolve().parent / "assets"


def esc(value) -> str:
    """HTML-escape any value's text, quotes included."""
    return html.escape(str(value), quote=True)


def json_for_html(obj) -> str:
    """JSON that cannot end a <script> element or open a comment."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def data_script(script_id: str, obj) -> str:
    """A ``<script type="application/json">`` element holding *obj*."""
    return f'<script type="application/json" id="{esc(script_id)}">{json_for_html(obj)}</script>'


@cache
def asset(name: str) -> str:
    """The text of one file of ``assets/``."""
    return (ASSETS / name).read_text(encoding="utf-8")


def script() -> str:
    """The one script every page runs: the renderer, then the page's start-up."""
    from ..assets import bundle

    return f"{bundle()}\n{asset('report.js')}"


def version() -> str:
    """The installed zswapviz version, or "dev" in a source checkout."""
    try:
        from importlib.metadata import version as dist_version

        return dist_version("zswapviz")
    except Exception:  # noqa: BLE001 - not installed: a source checkout
        return "dev"


def footer(extra: str = "") -> str:
    """The footer line: what made the page and the player's keys."""
    return (f"Made with zswapviz {esc(version())}, a model of Linux zswap_store(). This file is self-contained: "
            f"it makes no network request and needs no Python. Keys: \u2190 \u2192 step, space plays, Home/End. {extra}")


def page(title: str, body: str, data: str = "", *, foot: str = "", body_attrs: dict | None = None) -> str:
    """Fill the page template: one pass, so no inserted text is ever re-read as a placeholder."""
    js = script()
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    attrs = "".join(f' {esc(k)}="{esc(v)}"' for k, v in (body_attrs or {}).items())
    values = {"csp": csp, "version": esc(version()), "title": esc(title), "css": asset("report.css"),
              "body_attrs": attrs, "body": body, "footer": foot, "data": data, "js": js}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], asset("page.html"))
