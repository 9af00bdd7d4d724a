"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, shared by a test module (see ``browser_util.chromium``)."""
    from browser_util import chromium

    with chromium() as b:
        yield b
