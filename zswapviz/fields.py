"""Checking what a user gives, field by field: each bad value is one plain sentence.

The scenario validator (:meth:`zswapviz.scenario.Scenario.validate`), the
lessons and the teacher's edition read JSON files and check fields through
these, so a bad file or value says the same kind of thing everywhere:
``<where>: field 'x' must be ..., not <the value, shortened>``
(:class:`~zswapviz.errors.UsageError`, never a traceback).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import UsageError
from .faults import ALL_FAULT_KINDS, Faults
from .pages import PAGE_KINDS

__all__ = ["MAX_PAGES", "read_json_file"]

#: The most pages a recorded trace takes: every step keeps a snapshot, and
#: 16384 pages in 2 MiB folios (148k steps) record in about 600 MB; 65536
#: pages needed more than 4 GB (benchmarks/bench_report.py). The bound is
#: also on pages, stale entries, later loads and interleaved actions
#: together (Scenario.validate): each adds steps, and 16384 order-0 pages
#: already record in about 1 GB. More pages: ``zswapviz simulate``, which
#: keeps no steps.
MAX_PAGES = 1 << 14

#: The longest list or mapping a field takes (faults, stale, interleave, recipes).
_MAX_LIST = MAX_PAGES
#: The largest JSON input file (scenario, lesson) read, in bytes.
_MAX_JSON_BYTES = 16 << 20
#: The longest text field (title, notes), in characters.
_MAX_TEXT = 100_000


def _show(value, limit: int = 60) -> str:
    """A short, safe picture of a bad value for an error sentence (never a huge number or list)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 18:
        return "a number of more than 18 digits"
    if isinstance(value, (list, dict)) and len(value) > 8:
        return f"a {type(value).__name__} of {len(value)} items"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[:limit] + "..."


def _text(data: dict, name: str, default: str, where: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise UsageError(f"{where}: field {name!r} must be text, not {_show(value)}")
    if len(value) > _MAX_TEXT:
        raise UsageError(f"{where}: field {name!r} is {len(value)} characters long; at most {_MAX_TEXT}")
    return value


def _int(data: dict, name: str, lo: int, hi: int, where: str, default: int | None = None, *,
         key: str | None = None) -> int:
    value = data.get(key or name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise UsageError(f"{where}: field {name!r} must be a whole number from {lo} to {hi}, not {_show(value)}")
    return value


def _choice(data: dict, name: str, default: str, accepted, where: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str) or value not in accepted:
        raise UsageError(f"{where}: field {name!r} is {_show(value)}; accepted: {', '.join(accepted)}")
    return value


def _pages(value, where: str):
    if isinstance(value, (bytes, bytearray)):  # the Python API only: raw page bytes
        if not value or len(value) % 4096 or len(value) > MAX_PAGES * 4096:
            raise UsageError(f"{where}: field 'pages': raw pages must be 1 to {MAX_PAGES} whole 4096-byte "
                             f"pages, not {len(value)} bytes")
        return value
    if isinstance(value, list) and not value:
        raise UsageError(f"{where}: field 'pages' is an empty list; give at least one recipe")
    if isinstance(value, list) and len(value) > _MAX_LIST:
        raise UsageError(f"{where}: field 'pages' lists {len(value)} recipes; at most {_MAX_LIST}")
    recipes = value if isinstance(value, list) else [value]
    for r in recipes:
        if isinstance(r, dict) and set(r) == {"file"} and not isinstance(value, list):
            if not isinstance(r["file"], (str, os.PathLike)) or not str(r["file"]) or "\0" in str(r["file"]):
                raise UsageError(f"{where}: field 'pages': \"file\" must be a path, not {_show(r['file'])}")
            return value
        if not isinstance(r, dict) or "kind" not in r or "pages" not in r or set(r) - {"kind", "pages", "seed"}:
            raise UsageError(
                f"{where}: field 'pages' must be a recipe {{\"kind\", \"pages\", \"seed\"}}, a list of them, "
                f"or {{\"file\": PATH}}; got {_show(r)}"
            )
        if not isinstance(r["kind"], str) or r["kind"] not in PAGE_KINDS:
            raise UsageError(f"{where}: field 'pages': unknown kind {_show(r['kind'])}; accepted: {', '.join(PAGE_KINDS)}")
        if not isinstance(r["pages"], int) or isinstance(r["pages"], bool) or not 1 <= r["pages"] <= MAX_PAGES:
            raise UsageError(f"{where}: field 'pages': page count must be a whole number from 1 to {MAX_PAGES}, "
                             f"not {_show(r['pages'])}")
        if "seed" in r and (not isinstance(r["seed"], int) or isinstance(r["seed"], bool)
                            or not 0 <= r["seed"] < 1 << 63):
            raise UsageError(f"{where}: field 'pages': seed must be a whole number from 0 to 2**63-1, "
                             f"not {_show(r['seed'])}")
    return value


def _page_number(page, where: str, name: str) -> int:
    """A page number given as an int or as digits (JSON keys are text); bounded before converting."""
    if isinstance(page, bool) or not isinstance(page, (int, str)):
        raise UsageError(f"{where}: field {name!r}: {_show(page)} is not a page number")
    text = str(page) if isinstance(page, str) else None
    if text is not None and not (text.isascii() and text.isdigit()):
        raise UsageError(f"{where}: field {name!r}: {_show(page)} is not a page number")
    if text is not None and len(text) > 6 or isinstance(page, int) and not 0 <= page < 10 ** 6:
        raise UsageError(f"{where}: field {name!r}: page {_show(page)} is out of range; "
                         f"a run has at most {MAX_PAGES} pages")
    return int(page)


def _faults(value, where: str) -> dict:
    if isinstance(value, list):
        if len(value) > _MAX_LIST:
            raise UsageError(f"{where}: field 'faults' lists {len(value)} faults; at most {_MAX_LIST}")
        if not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: field 'faults' as a list holds \"PAGE:KIND\" texts, not {_show(value)}")
        try:
            return dict(Faults.parse(value).by_page)
        except UsageError as e:
            raise UsageError(f"{where}: field 'faults': {e}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{where}: field 'faults' must map page numbers to kinds, e.g. {{\"5\": \"alloc_fail\"}}")
    if len(value) > _MAX_LIST:
        raise UsageError(f"{where}: field 'faults' has {len(value)} faults; at most {_MAX_LIST}")
    out = {}
    for page, kind in value.items():
        number = _page_number(page, where, "faults")
        if not isinstance(kind, str) or kind not in ALL_FAULT_KINDS:
            raise UsageError(f"{where}: field 'faults': page {number}: the kind must be one of "
                             f"{', '.join(ALL_FAULT_KINDS)}, not {_show(kind)}")
        if number in out and out[number] != kind:
            raise UsageError(f"{where}: field 'faults': page {number} is given two kinds, "
                             f"{out[number]} and {kind}; give one")
        out[number] = kind
    return out


def _stale(value, where: str) -> list:
    if not isinstance(value, list):
        raise UsageError(f"{where}: field 'stale' must be a list of page numbers (0 or more), not {_show(value)}")
    if len(value) > _MAX_LIST:
        raise UsageError(f"{where}: field 'stale' lists {len(value)} pages; at most {_MAX_LIST}")
    out, seen = [], set()
    for p in value:
        if not isinstance(p, int) or isinstance(p, bool) or p < 0:
            raise UsageError(f"{where}: field 'stale' must be a list of page numbers (0 or more), not {_show(value)}")
        if p >= 10 ** 6:
            raise UsageError(f"{where}: field 'stale': page {_show(p)} is out of range; a run has at most {MAX_PAGES} pages")
        if p in seen:
            raise UsageError(f"{where}: field 'stale' lists page {p} twice")
        seen.add(p)
        out.append(p)
    return out


def read_json_file(path: str | os.PathLike, what: str):
    """Parse the JSON file at *path*; a missing, unreadable or malformed one is a UsageError.

    *what* names the kind of file in the message ("scenario", "lesson").
    """
    import stat

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, FIFO or socket)"
            raise UsageError(f"{what} file {str(path)!r} is {kind}; give a JSON file")
        if st.st_size > _MAX_JSON_BYTES:
            raise UsageError(f"{what} file {str(path)!r} is {st.st_size} bytes; a {what} file is at most "
                             f"{_MAX_JSON_BYTES >> 20} MiB")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} file {str(path)!r} does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError, OSError) as e:
        raise UsageError(f"{what} file {str(path)!r} cannot be read as text ({type(e).__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"{what} file {str(path)!r} is not valid JSON: {e.msg} at line {e.lineno}") from None
    except ValueError as e:  # a number of more than 4300 digits
        raise UsageError(f"{what} file {str(path)!r} is not usable JSON: {str(e).split(';')[0]}") from None
    except RecursionError:
        raise UsageError(f"{what} file {str(path)!r} is nested too deeply to be a {what}") from None
