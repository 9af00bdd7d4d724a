"""Signals during the kernel lab's set-up and restore: deferred in every thread, delivered after.

Part of :mod:`zswapviz.kernel.lab` (which re-exports its public names):
:func:`signals_deferred`, the test hook (:data:`HOOK_ENV`) and the handler
that turns SIGTERM and SIGHUP into ``SystemExit`` while a lab is active.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from . import settings

#: Test hook: ``"<stage>:<marker file>"`` makes the lab write the marker file
#: at *stage* (``setup``: half-way through the set-up, after ``swapon``;
#: ``restore``: as the restore starts, before the first undo;
#: ``pageout``: pages written, just before ``MADV_PAGEOUT``) and wait there
#: (at most 60 s) for a signal.
HOOK_ENV = "ZSWAPVIZ_KERNEL_LAB_HOOK"

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def signals_deferred(restore_to: dict | None = None) -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP in every thread; deliver each one again when the block ends.

    The calling thread blocks them; in the main thread a handler that only
    notes them stands in too, because a signal sent to the process can be
    delivered to another thread that does not block it (OpenBLAS workers),
    and Python then runs the handler in the main thread, inside the block.
    Signals still pending in the kernel are taken at the end
    (``sigtimedwait``) and, with the noted ones, raised again once the
    previous handlers are back, or those of *restore_to* (signal ->
    handler) for the signals it names.
    """
    noted: list[int] = []
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            handlers[sig] = signal.signal(sig, lambda signum, frame: (noted.append(signum), _noted.append(signum)))
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        while True:
            info = signal.sigtimedwait(_SIGNALS, 0)
            if info is None:
                break
            noted.append(info.si_signo)
        for _ in range(3):  # let a handler already tripped by another thread note its signal now
            pass
        for sig, handler in {**handlers, **(restore_to or {})}.items():
            signal.signal(sig, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        for sig in dict.fromkeys(noted):
            signal.raise_signal(sig)


#: Every signal a :func:`signals_deferred` handler noted in this process (the test hook looks).
_noted: list[int] = []

#: The old name: signals are now deferred in every thread, not only blocked in one.
signals_blocked = signals_deferred


def _hook(stage: str) -> None:
    """Test hook (:data:`HOOK_ENV`): mark *stage* reached and wait for a signal."""
    spec = os.environ.get(HOOK_ENV, "")
    want, _, marker = spec.partition(":")
    if want != stage or not marker:
        return
    settings._write(marker, str(os.getpid()))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if signal.sigpending() & set(_SIGNALS) or _noted:
            return  # deferred: it is delivered once the set-up or restore ends
        time.sleep(0.02)


def _on_terminate(signum: int, frame) -> None:
    raise SystemExit(128 + signum)
