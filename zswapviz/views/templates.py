"""A step's words as templates: its call (``fn(page p): n bytes``) and its sentence with ``{p}`` and ``{a}``.

The view model keeps every distinct text once; sentences differ mostly by
page and length, so the page is written ``{p}`` and the argument ``{a}``
(``{{`` and ``}}`` are literal braces) and :func:`fill` gives the text back.
"""

from __future__ import annotations

import re

from ..constants import errno_name

__all__ = ["fill", "step_call"]

#: Kernel functions whose positive argument is a length in bytes.
_LENGTH_FNS = {"crypto_acomp_compress", "zs_malloc", "zpool_malloc", "obj_cgroup_charge_zswap", "xa_erase",
               "zswap_entry_free"}


def step_call(fn: str, page: int | None, arg: int | None) -> str:
    """The kernel call of a step as one short line: ``fn(page p): arg``.

    >>> step_call("zs_malloc", 5, -12), step_call("crypto_acomp_compress", 0, 1802)
    ('zs_malloc(page 5) -> -ENOMEM', 'crypto_acomp_compress(page 0): 1802 bytes')
    """
    where = "" if page is None else f"page {page}"
    if arg is not None and arg < 0:
        tail = f" -> {errno_name(arg)}"
    elif arg and fn in _LENGTH_FNS:
        tail = f": {arg} bytes"
    else:
        tail = ""
    return f"{fn}({where}){tail}"


class _Table:
    """Strings kept once: :meth:`index` returns a string's position, adding it the first time."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._pos: dict[str, int] = {}

    def index(self, s: str) -> int:
        i = self._pos.get(s)
        if i is None:
            i = self._pos[s] = len(self.items)
            self.items.append(s)
        return i


_PAGE_WORD = re.compile(r"\b(page|Page) (\d+)\b")
_NUMBER = re.compile(r"(?<![\w.-])(\d{2,})(?![\w.])")
_FIELD = re.compile(r"\{\{|\}\}|\{p\}|\{a\}")


def _template(text: str, page: int | None, arg: int | None) -> str:
    """*text* with the step's page written ``{p}`` and its argument ``{a}``, when that is unambiguous.

    Sentences differ mostly by page and length; templating them keeps the
    table of distinct texts small. :func:`fill` must give *text* back, or
    *text* is kept as it is.
    """
    t = text.replace("{", "{{").replace("}", "}}")
    if page is not None:
        p = str(page)
        t = _PAGE_WORD.sub(lambda m: f"{m.group(1)} {{p}}" if m.group(2) == p else m.group(0), t)
    if arg is not None and arg >= 10:
        a = str(arg)
        t = _NUMBER.sub(lambda m: "{a}" if m.group(1) == a else m.group(0), t)
    if fill(t, page, arg) != text:
        return text.replace("{", "{{").replace("}", "}}")
    return t


def fill(template: str, page: int | None, arg: int | None) -> str:
    """A templated text with ``{p}`` and ``{a}`` filled in (``{{``/``}}`` are literal braces)."""
    values = {"{{": "{", "}}": "}", "{p}": "" if page is None else str(page), "{a}": "" if arg is None else str(arg)}
    return _FIELD.sub(lambda m: values[m.group(0)], template)
