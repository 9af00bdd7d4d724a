"""The kernel lab's parts (``zswapviz/kernel/lab/``) behind the one module ``zswapviz.kernel.lab``.

Nothing here changes the kernel: the checks only import, read names and
replace them with fakes. Every name the one module had is still there, and a
name replaced on ``zswapviz.kernel.lab`` (as tests and the notebook checks
do) reaches the part whose code reads it.
"""

from __future__ import annotations

import pytest

from zswapviz.kernel import lab
from zswapviz.kernel.lab import journal, session, settings, signals

PARTS = (settings, signals, journal, session)

#: Names other modules, tests and notebooks take from or set on zswapviz.kernel.lab.
USED = ("KernelLab", "lab_problem", "system_snapshot", "settled_snapshot", "recover", "exclusive", "is_root",
        "allow_live", "live_allowed", "live_request", "journal_waiting", "signals_deferred", "signals_blocked",
        "anon_folio_sizes_kb", "HOOK_ENV", "LIVE_ENV", "LOCK_PATH", "JOURNAL_PATH", "LAB_DIR", "DEBUGFS",
        "SWAP_PRIORITY", "PAGE_SIZE", "MADV_PAGEOUT", "ZSWAP_PARAMS", "os", "_live_asked", "_undo_one", "_undo_all",
        "_boot_id", "_recover_journal", "_save_journal", "_drop_journal", "_choice", "_read", "_write", "_not_asked",
        "_compressors", "_notice", "_noted", "_hook")

#: Names the tests and notebooks replace on zswapviz.kernel.lab.
REPLACED = ("is_root", "ZSWAP_PARAMS", "anon_folio_sizes_kb", "JOURNAL_PATH", "LOCK_PATH", "_undo_one",
            "_live_asked", "exclusive", "lab_problem")


def test_every_name_of_the_one_module_is_still_there():
    for name in (*lab.__all__, *USED):
        owner = next(p for p in PARTS if name in vars(p))
        assert getattr(lab, name) is vars(owner)[name], name
    with pytest.raises(AttributeError):
        lab.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", REPLACED)
def test_a_name_replaced_on_the_module_reaches_every_part_that_uses_it(name, monkeypatch):
    binding = [p for p in PARTS if name in vars(p)]
    assert binding, name
    before = {p.__name__: vars(p)[name] for p in binding}
    fake = object()
    with monkeypatch.context() as m:
        m.setattr(lab, name, fake)
        assert getattr(lab, name) is fake
        assert all(vars(p)[name] is fake for p in binding), name
    assert {p.__name__: vars(p)[name] for p in binding} == before
    assert getattr(lab, name) is before[binding[0].__name__]


def test_a_replaced_lock_is_the_one_the_lab_takes(monkeypatch):
    """KernelLab, recover and settled_snapshot (in other parts) take the exclusive() set on the module."""
    class Trapped(Exception):
        pass

    def trap(*args, **kwargs):
        raise Trapped

    monkeypatch.setattr(lab, "lab_problem", lambda *a, **k: None)
    monkeypatch.setattr(lab, "is_root", lambda: True)
    monkeypatch.setattr(lab, "exclusive", trap)
    with pytest.raises(Trapped):
        lab.KernelLab(64).__enter__()
    with pytest.raises(Trapped):
        lab.recover()
    with pytest.raises(Trapped):
        lab.settled_snapshot()


def test_the_live_permission_reads_the_same_flag_everywhere(monkeypatch):
    """allow_live() sets the flag live_allowed() reads, and the module shows it (no stale copy)."""
    monkeypatch.delenv(lab.LIVE_ENV, raising=False)
    monkeypatch.setattr(lab, "_live_asked", False)
    assert not lab.live_allowed() and lab._live_asked is False
    lab.allow_live()
    assert lab.live_allowed() and lab._live_asked is True and settings._live_asked is True
    lab.allow_live(False)
    with lab.live_request():
        assert lab.live_allowed()
    assert not lab.live_allowed()

