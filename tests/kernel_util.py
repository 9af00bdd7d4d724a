"""Helpers shared by the tests that use this machine's real kernel."""

from pathlib import Path

import pytest

from zswapviz.kernel import lab
from zswapviz.kernel.lab import lab_problem


@pytest.fixture(scope="module", autouse=True)
def say_why_live_tests_skip(request):
    """Print once per test file why its live kernel tests skip, if they do.

    A test file that uses this may run live labs (its live tests are
    marked ``kernel``, which is how one asks for them), so live runs are
    allowed in this process while the file runs, and taken back after.
    """
    lab.allow_live()
    problem = lab_problem(64)
    if problem:
        plugins = request.config.pluginmanager
        reporter = plugins.get_plugin("terminalreporter")
        capture = plugins.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\n{Path(request.path).name}: live kernel tests skipped: {problem}")
    yield
    lab.allow_live(False)


def need_lab(folio_size_kb: int = 64) -> None:
    """Skip the calling test, saying why, when the kernel lab cannot run here."""
    problem = lab_problem(folio_size_kb)
    if problem:
        pytest.skip(f"kernel lab unavailable: {problem}")
