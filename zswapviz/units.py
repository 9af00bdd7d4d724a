"""Reading what a user types: folio sizes, whole numbers, percentages.

Below the scenario, the search and every command line (standard library
only), so that :mod:`zswapviz.cli` sits on top and nothing in the package
imports it. A bad value is a :class:`~zswapviz.errors.UsageError` whose text
is the one sentence shown.

>>> parse_folio_size("64K"), parse_folio_size("2M")
(16, 512)
"""

from __future__ import annotations

import argparse

from .errors import UsageError
from .model.folio import MAX_ORDER

__all__ = ["FOLIO_SIZES", "argument_type", "parse_folio_size", "percent_type", "positive_type", "whole"]

#: The folio sizes a user may give, as text (4K to 2048K, i.e. 2M).
FOLIO_SIZES = ", ".join(f"{4 << o}K" for o in range(MAX_ORDER + 1))


def whole(text: str) -> bool:
    """Whether *text* is a plain ASCII whole number."""
    return str(text).isascii() and str(text).isdigit()


def parse_folio_size(text: str) -> int:
    """Pages per folio from a size like ``64K``, ``2M`` or ``64`` (KiB).

    >>> parse_folio_size("2M")
    512
    """
    t = str(text).strip().upper().removesuffix("B")
    mult = 1
    if t.endswith("K"):
        t = t[:-1]
    elif t.endswith("M"):
        t, mult = t[:-1], 1024
    if not whole(t) or int(t) == 0:
        raise UsageError(f"bad folio size {text!r}; accepted: {FOLIO_SIZES} (or 2M)")
    kb = int(t) * mult
    if kb % 4 or (kb // 4) & (kb // 4 - 1) or kb // 4 > 1 << MAX_ORDER:
        raise UsageError(f"bad folio size {text!r}; accepted: {FOLIO_SIZES} (or 2M)")
    return kb // 4


def argument_type(parse):
    """Wrap *parse* so argparse keeps its UsageError sentence as the message.

    argparse replaces a ValueError's text (UsageError is one) by its own
    "invalid value" line; an ArgumentTypeError keeps ours.
    """
    def wrapped(text: str):
        try:
            return parse(text)
        except UsageError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    wrapped.__name__ = parse.__name__
    return wrapped


def percent_type(name: str):
    """An argparse type for option *name*: a whole percentage from 0 to 100."""
    def percent(text: str) -> int:
        if not whole(text) or not 0 <= int(text) <= 100:
            raise UsageError(f"{name} must be a whole percentage from 0 to 100, not {text!r}")
        return int(text)
    return argument_type(percent)


def positive_type(name: str):
    """An argparse type for option *name*: a whole number of at least 1."""
    def positive(text: str) -> int:
        if not whole(text) or int(text) < 1:
            raise UsageError(f"{name} must be a whole number of at least 1, not {text!r}")
        return int(text)
    return argument_type(positive)
