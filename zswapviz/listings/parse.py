"""Reading the ``*.lst`` listing files and ``why.txt``: the format the package docstring describes.

:func:`_raw` parses every file once into raw functions (each line with its
step patterns, conditions and note key); :mod:`.resolve` turns them into one
release's listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent
_FILES = ("swapout.lst", "store.lst", "lifetime.lst")

_FAMILIES = {"swapout", "load", "invalidate", "writeback", "switch", "shrink", "none"}
_CLASSES = {"neg", "zero", "pos", "ok"}
_PHASES = ("check", "store", "publish", "account", "rollback", "writeback", "done")


# -- the data ------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """Which steps a line holds: kernel function, phases, result class, scope."""

    fn: str
    phases: tuple = ()
    cls: str | None = None
    scope: str | None = None

    def matches(self, fn: str, phase: str, arg, offset) -> bool:
        """Whether a step with these fields is at this pattern's line."""
        if fn != self.fn or (self.phases and phase not in self.phases):
            return False
        if self.scope == "page" and offset is None or self.scope == "folio" and offset is not None:
            return False
        c = self.cls
        if c is None:
            return True
        a = 0 if arg is None else arg
        if c == "neg":
            return a < 0
        if c == "zero":
            return a == 0
        if c == "pos":
            return a > 0
        if c == "ok":
            return a >= 0
        return a == int(c)

    @property
    def weight(self) -> int:
        """How specific the pattern is (the most specific match wins)."""
        exact = self.cls is not None and self.cls not in _CLASSES
        return bool(self.phases) + (self.cls is not None) + exact + (self.scope is not None)


@dataclass(frozen=True)
class _RawLine:
    text: str
    patterns: tuple
    conds: tuple
    ctx: bool
    why: str | None
    enter: bool
    label: bool
    where: str


@dataclass(frozen=True)
class _RawFunction:
    name: str
    file: str
    ops: frozenset
    conds: tuple
    patch: bool
    lines: tuple
    where: str


def _parse_pattern(token: str, where: str) -> _Pattern:
    body = token[1:]
    scope = None
    if "@" in body:
        body, scope = body.rsplit("@", 1)
        if scope not in ("page", "folio"):
            raise ValueError(f"{where}: scope {scope!r} is not page or folio")
    cls = None
    if ":" in body:
        body, cls = body.rsplit(":", 1)
        if cls not in _CLASSES and not re.fullmatch(r"-?\d+", cls):
            raise ValueError(f"{where}: result class {cls!r}")
    phases = ()
    if "/" in body:
        body, ph = body.split("/", 1)
        phases = tuple(ph.split("|"))
        bad = [p for p in phases if p not in _PHASES]
        if bad:
            raise ValueError(f"{where}: unknown phase {bad[0]!r}")
    if not body:
        raise ValueError(f"{where}: empty function in {token!r}")
    return _Pattern(body, phases, cls, scope)


def _parse_conds(text: str, where: str) -> tuple:
    out = []
    for atom in text.split(","):
        atom = atom.strip()
        if not atom:
            raise ValueError(f"{where}: empty condition")
        out.append(atom)
    return tuple(out)


def _parse(path: Path) -> list[_RawFunction]:
    """Read one .lst file into raw functions (ValueError naming the line if malformed)."""
    functions = []
    current = None
    lines: list = []

    def close():
        if current is not None:
            functions.append(_RawFunction(*current[:5], tuple(lines), current[5]))

    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{no}"
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("@function"):
            close()
            parts = raw.split()
            if len(parts) < 3:
                raise ValueError(f"{where}: @function NAME FILE [ops=..] [if=..] [patch]")
            ops, conds, patch = frozenset(_FAMILIES - {"none"}), (), False
            for extra in parts[3:]:
                if extra.startswith("ops="):
                    ops = frozenset(extra[4:].split(","))
                    if ops - _FAMILIES:
                        raise ValueError(f"{where}: unknown operation {min(ops - _FAMILIES)!r}")
                elif extra.startswith("if="):
                    conds = _parse_conds(extra[3:], where)
                elif extra == "patch":
                    patch = True
                else:
                    raise ValueError(f"{where}: unknown attribute {extra!r}")
            current = (parts[1], parts[2], ops, conds, patch, where)
            lines = []
            continue
        if current is None:
            raise ValueError(f"{where}: code before any @function")
        text, _, ann = raw.partition("//@")
        patterns, conds, ctx, why, enter, label = [], [], False, None, False, False
        for token in ann.split():
            if token.startswith("="):
                patterns.append(_parse_pattern(token, where))
            elif token.startswith("if:"):
                conds.extend(_parse_conds(token[3:], where))
            elif token.startswith("why:"):
                why = token[4:]
            elif token == "ctx":
                ctx = True
            elif token == "enter":
                enter = True
            elif token == "label":
                label = True
            else:
                raise ValueError(f"{where}: unknown token {token!r}")
        lines.append(_RawLine(text.rstrip(), tuple(patterns), tuple(conds), ctx, why, enter, label, where))
    close()
    return functions


@lru_cache(maxsize=1)
def _raw() -> tuple:
    """Every raw function of every file, and the why notes."""
    functions = []
    for name in _FILES:
        functions.extend(_parse(_DIR / name))
    notes = {}
    for no, raw in enumerate((_DIR / "why.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = [p.strip() for p in raw.split("|", 2)]
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"why.txt:{no}: KEY | SOURCE | NOTE")
        notes[parts[0]] = (parts[2], parts[1])
    for f in functions:
        for line in f.lines:
            if line.why is not None and line.why not in notes:
                raise ValueError(f"{line.where}: no why note {line.why!r} in why.txt")
    return tuple(functions), notes
