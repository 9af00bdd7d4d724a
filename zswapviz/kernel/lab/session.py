"""The kernel lab itself: :class:`KernelLab` sets the kernel up, runs pages or a workload through zswap, and restores.

Part of :mod:`zswapviz.kernel.lab` (which re-exports its public names); the module
docstring there says what the lab changes, how it restores and when it may run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import tempfile
import threading
import time
import warnings

from ...constants import PAGE_SIZE
from ...errors import UsageError
from .. import counters, workload
from . import journal, settings, signals

#: ``madvise`` advice values (``include/uapi/asm-generic/mman-common.h``).
MADV_HUGEPAGE = 14
MADV_NOHUGEPAGE = 15
MADV_PAGEOUT = 21

_PROT_READ, _PROT_WRITE = 1, 2
_MAP_PRIVATE, _MAP_ANONYMOUS = 0x02, 0x20
_ALIGN = 2 << 20

SWAP_PRIORITY = 32767


# ---------------------------------------------------------------------------
# libc

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_MAP_FAILED = ctypes.c_void_p(-1).value


def _madvise(addr: int, length: int, advice: int) -> None:
    if _libc.madvise(addr, length, advice) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"madvise({advice}) failed: {os.strerror(e)}")


# ---------------------------------------------------------------------------

class KernelLab:
    """Prepare the kernel for measuring zswap with folios of *folio_size_kb*.

    *folio_size_kb* is 4 (order-0 folios) or a size from
    :func:`anon_folio_sizes_kb` (64 and 2048 here; 16 to 1024 too).
    *max_pool_percent*, *compressor*, *accept_threshold_percent* and
    *shrinker_enabled* set those zswap parameters for the lab's lifetime
    (``None`` leaves them as they are). *swap_mib* sizes the lab's swap
    device; a run may use at most that many pages less 1/16 for free
    clusters. *require_empty_pool* refuses to run on a pool that holds
    entries (see the module docstring); *lock_timeout_s* is how long to wait
    for another lab to finish.

    Without root or without zswap, entering raises
    :class:`~zswapviz.errors.UsageError` and changes nothing.
    """

    def __init__(self, folio_size_kb: int, max_pool_percent: int | None = None,
                 compressor: str | None = None, swap_mib: int = 256, *,
                 accept_threshold_percent: int | None = None,
                 shrinker_enabled: bool | None = None,
                 require_empty_pool: bool = True, lock_timeout_s: float = 600.0):
        if not isinstance(folio_size_kb, int) or folio_size_kb < 4 or folio_size_kb & (folio_size_kb - 1):
            raise UsageError(f"folio size must be a power of two of at least 4 KiB, not {folio_size_kb!r}")
        for name, value in (("max_pool_percent", max_pool_percent),
                            ("accept_threshold_percent", accept_threshold_percent)):
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 100):
                raise UsageError(f"{name} must be a whole number from 0 to 100, not {value!r}")
        if not isinstance(swap_mib, int) or swap_mib < 16:
            raise UsageError(f"swap_mib must be a whole number of at least 16, not {swap_mib!r}")
        self.folio_size_kb = folio_size_kb
        self.max_pool_percent = max_pool_percent
        self.compressor = compressor
        self.swap_mib = swap_mib
        self.accept_threshold_percent = accept_threshold_percent
        self.shrinker_enabled = shrinker_enabled
        self.require_empty_pool = require_empty_pool
        self.lock_timeout_s = lock_timeout_s
        #: The swap device (``/dev/loopN``) while the lab is active.
        self.device: str | None = None
        #: zswap parameters in force while the lab is active.
        self.params: dict[str, str] = {}
        #: THP settings the lab chose: file name -> value.
        self.thp: dict[str, str] = {}
        #: Swap devices that were active before the lab added its own.
        self.other_swaps: list[str] = []
        #: ``stored_pages`` when the lab started (0 for an empty pool).
        self.stored_pages_at_start: int | None = None
        self._undo: list[dict] = []
        self._advice: int | None = None
        self._lock = None
        self._old_handlers: dict[int, object] = {}
        self._active = False

    # -- changes, each recorded before it is made ---------------------------

    def _push(self, action: dict) -> None:
        self._undo.append(action)
        journal._save_journal(self._undo)

    def _set(self, path: str, value: str, old: str | None = None) -> None:
        """Write *value* to *path*, recording the value to restore."""
        old = settings._read(path) if old is None else old
        if old == value:
            return
        self._push({journal.UNDO_KEY: "write", "path": path, "value": old})
        settings._write(path, value)

    def _thp_plan(self) -> tuple[dict[str, str], int | None]:
        """THP files to set, and the madvise advice for the mapping."""
        plan, pmd = {}, settings._pmd_size_kb()
        for size in settings.anon_folio_sizes_kb():
            plan[f"hugepages-{size}kB/enabled"] = "never"
        if self.folio_size_kb == 4:
            return plan, MADV_NOHUGEPAGE
        if self.folio_size_kb == pmd:
            plan["enabled"] = "madvise"
            plan[f"hugepages-{pmd}kB/enabled"] = "inherit"
            return plan, MADV_HUGEPAGE
        plan[f"hugepages-{self.folio_size_kb}kB/enabled"] = "always"
        return plan, None

    def _setup(self) -> None:
        if not settings._debugfs_mounted():
            self._push({journal.UNDO_KEY: "umount"})
            settings._run("mount", "-t", "debugfs", "none", settings.DEBUGFS)

        param = lambda name: os.path.join(counters.ZSWAP_PARAMS, name)  # noqa: E731
        if self.compressor is not None:
            if self.compressor not in settings._compressors():
                raise UsageError(f"the kernel has no compressor {self.compressor!r}; "
                                 f"available: {', '.join(sorted(settings._compressors()))}")
            self._set(param("compressor"), self.compressor)
        if self.max_pool_percent is not None:
            self._set(param("max_pool_percent"), str(self.max_pool_percent))
        if self.accept_threshold_percent is not None:
            self._set(param("accept_threshold_percent"), str(self.accept_threshold_percent))
        if self.shrinker_enabled is not None:
            self._set(param("shrinker_enabled"), "Y" if self.shrinker_enabled else "N")
        self._set(param("enabled"), "Y")
        self.params = {name: settings._read(param(name)) for name in sorted(os.listdir(counters.ZSWAP_PARAMS))}
        if self.compressor is not None and self.params.get("compressor") != self.compressor:
            raise RuntimeError(f"zswap kept compressor {self.params.get('compressor')!r} "
                               f"instead of {self.compressor!r}")

        self.other_swaps = settings._swap_devices()
        # Next to the journal, so that both outlive a crash together.
        fd, backing = tempfile.mkstemp(prefix="zswapviz-swap-", suffix=".img", dir=journal._lab_dir())
        self._push({journal.UNDO_KEY: "unlink", "path": backing})
        try:
            os.posix_fallocate(fd, 0, self.swap_mib << 20)
        finally:
            os.close(fd)
        self.device = self._attach(backing)
        settings._write(f"/sys/block/{self.device[5:]}/queue/rotational", "0")
        settings._run("mkswap", self.device)
        self._push({journal.UNDO_KEY: "swapoff", "backing": backing})
        settings._run("swapon", "--priority", str(SWAP_PRIORITY), self.device)
        signals._hook("setup")

        plan, self._advice = self._thp_plan()
        for name, value in plan.items():
            path = os.path.join(counters.THP_DIR, name)
            self._set(path, value, old=settings._choice(path))
        self.thp = {name: settings._choice(os.path.join(counters.THP_DIR, name)) for name in plan}
        self.stored_pages_at_start = self._stored_pages()
        self._check_pool("when the lab started", self.stored_pages_at_start)

    def _attach(self, backing: str) -> str:
        """Attach *backing* to a free loop device, recording how to undo it.

        The device's ``rotational`` flag is read before attaching: attaching
        resets it and detaching does not, so it is written back after the
        detach (undo runs newest first).
        """
        for _ in range(10):
            dev = settings._run("losetup", "--find")
            name = dev[len("/dev/"):]
            rotational = settings._read(f"/sys/block/{name}/queue/rotational")
            self._push({journal.UNDO_KEY: "write", "path": f"/sys/block/{name}/queue/rotational",
                        "value": rotational})
            self._push({journal.UNDO_KEY: "detach", "backing": backing})
            try:
                settings._run("losetup", dev, backing)
                return dev
            except RuntimeError:  # taken by someone else in the meantime
                self._undo.pop()
                self._undo.pop()
                journal._save_journal(self._undo)
        raise RuntimeError("could not attach a loop device in 10 tries")

    def _stored_pages(self) -> int:
        return int(settings._read(os.path.join(counters.ZSWAP_DEBUGFS, "stored_pages")))

    def _check_pool(self, when: str, stored: int) -> None:
        if stored == 0:
            return
        msg = (f"the zswap pool held {stored} pages {when} (entries of another swap "
               f"device: {', '.join(self.other_swaps) or 'none active'}), so pool sizes "
               f"will not be those of an empty pool")
        if self.require_empty_pool:
            raise UsageError(msg + "; swap them off first or pass require_empty_pool=False")
        warnings.warn(msg)

    def _restore(self) -> list[str]:
        signals._hook("restore")
        errors = journal._undo_all(self._undo)
        journal._drop_journal()
        return errors

    # -- context manager ------------------------------------------------------

    def __enter__(self) -> "KernelLab":
        problem = settings.lab_problem(self.folio_size_kb)
        if problem:
            raise UsageError(problem)
        lock = journal.exclusive(self.lock_timeout_s)
        lock.__enter__()
        main = threading.current_thread() is threading.main_thread()
        # While the lab is active, SIGTERM and SIGHUP become SystemExit (not
        # "terminate now"), so that __exit__ restores; a signal deferred
        # during the set-up is delivered to that handler right after it.
        active = {sig: signals._on_terminate for sig in (signal.SIGTERM, signal.SIGHUP)} if main else {}
        self._old_handlers = {sig: signal.getsignal(sig) for sig in active}
        try:
            with signals.signals_deferred(restore_to=active):
                try:
                    self._setup()
                except BaseException:
                    self._restore_or_warn()
                    raise
            # A signal held back during the set-up is delivered here.
        except BaseException:
            with signals.signals_deferred(restore_to=self._old_handlers):
                self._restore_or_warn()
                lock.__exit__(None, None, None)
            self._old_handlers = {}
            raise
        self._lock = lock
        self._active = True
        return self

    def _restore_or_warn(self) -> None:
        errors = self._restore()
        if errors:
            journal._notice("the kernel lab could not restore: " + "; ".join(errors))

    def __exit__(self, exc_type, exc, tb) -> None:
        handlers, self._old_handlers = self._old_handlers, {}
        errors: list[str] = []
        # Signals that arrive while restoring are delivered after it, to the
        # handlers the program had before the lab.
        with signals.signals_deferred(restore_to=handlers):
            self._active = False
            errors = self._restore()
            self.device = None
            if self._lock is not None:
                self._lock.__exit__(None, None, None)
                self._lock = None
        if errors:
            msg = "the kernel lab could not restore: " + "; ".join(errors)
            if exc_type is None:
                raise RuntimeError(msg)
            journal._notice(msg)

    # -- measuring ----------------------------------------------------------

    @property
    def swap_pages(self) -> int:
        """How many pages one run may swap out (the device less 1/16 spare)."""
        pages = (self.swap_mib << 20) // PAGE_SIZE
        return pages - pages // 16

    def run_pages(self, pages: bytes, settle_s: float = 0.3) -> dict:
        """Swap *pages* out through zswap with ``MADV_PAGEOUT``; return the deltas.

        The result holds the change of every number of
        :func:`~zswapviz.kernel.counters.read_counters` from just before the
        mapping is filled to after reclaim (gauges such as ``stored_pages``
        included), ``elapsed_s`` (the ``madvise`` call alone) and ``check``: a
        dict saying whether the folio size took effect (per-size fault and
        swap-out counts, ``swpout_fallback`` for large folios split before
        swap-out) and whether the pool was empty before the run.

        Reclaim is synchronous, but writeback started by a full pool runs in
        a worker: the counters are read again every 0.1 s until the pool
        counters have not moved for *settle_s* seconds (at most 10 s).
        """
        if not self._active:
            raise UsageError("run_pages() works only inside 'with KernelLab(...) as lab:'")
        pages = bytes(pages)
        if not pages or len(pages) % PAGE_SIZE:
            raise UsageError(f"pages must be a non-empty whole number of 4096-byte pages, "
                             f"not {len(pages)} bytes")
        n = len(pages) // PAGE_SIZE
        if n > self.swap_pages:
            raise UsageError(f"{n} pages do not fit the lab's {self.swap_mib} MiB swap device "
                             f"(at most {self.swap_pages}); pass a larger swap_mib")
        start = self._stored_pages()
        self._check_pool("before the run", start)

        span = len(pages) + _ALIGN
        raw = _libc.mmap(None, span, _PROT_READ | _PROT_WRITE, _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
        if raw in (None, _MAP_FAILED):
            e = ctypes.get_errno()
            raise OSError(e, f"mmap of {span} bytes failed: {os.strerror(e)}")
        affinity = os.sched_getaffinity(0)
        try:
            addr = (raw + _ALIGN - 1) & ~(_ALIGN - 1)
            # Trim the mapping to exactly the pages, so that no folio of the
            # chosen size can reach past them.
            if addr > raw:
                _libc.munmap(raw, addr - raw)
            _libc.munmap(addr + len(pages), raw + span - addr - len(pages))
            raw, span = addr, len(pages)
            if self._advice is not None:
                _madvise(addr, len(pages), self._advice)
            # One CPU for faulting and reclaim: MADV_PAGEOUT drains only this
            # CPU's LRU batches, and a folio still in another CPU's batch is
            # not on the LRU, so it could not be isolated and paged out.
            os.sched_setaffinity(0, {min(affinity)})
            before = counters.read_counters()
            ctypes.memmove(addr, pages, len(pages))
            signals._hook("pageout")
            t0 = time.perf_counter()
            _madvise(addr, len(pages), MADV_PAGEOUT)
            elapsed = time.perf_counter() - t0
            after = self._settle(counters.read_counters(), settle_s)
        finally:
            _libc.munmap(raw, span)
            os.sched_setaffinity(0, affinity)
        result = counters.delta(before, after)
        result["elapsed_s"] = elapsed
        result["check"] = self._folio_check(pages, result, start)
        for warning in result["check"]["warnings"]:
            warnings.warn(warning)
        return result

    def run_workload(self, steps: list[dict], settle_s: float = 0.3) -> list[dict]:
        """Run several steps on regions of anonymous memory; return the deltas after each.

        Each step is a dict naming what it does under ``"action"`` (``"op"``,
        its older name, is still read, so a workload of one's own written
        before runs unchanged; see :func:`~zswapviz.kernel.workload.workload_action`):

        * ``{"action": "store", "region": name, "pages": bytes}``: map a fresh
          region of that name, fill it and page it out (``MADV_PAGEOUT``);
        * ``{"action": "free", "region": name, "indices": [page, ...]}``: unmap
          those pages of the region, in that order; their swap slots are
          freed, which frees their zswap entries (``zswap_invalidate``);
        * ``{"action": "compact"}``: ``echo 2 > /proc/sys/vm/drop_caches``, which
          runs every slab shrinker once, zsmalloc's pool shrinker
          (``zs_compact``) included. It changes no setting, but drops the
          machine's reclaimable slab caches (dentries, inodes).

        Returns one dict per step: ``action`` and the change of every counter
        since before the first step (so ``stored_pages`` and
        ``pool_total_size`` are the pool's state). Every region is unmapped
        at the end. The pool must be empty at the start, as for
        :meth:`run_pages`.
        """
        if not self._active:
            raise UsageError("run_workload() works only inside 'with KernelLab(...) as lab:'")
        # Every step's action checked before the first one runs.
        actions = [workload.workload_action(step) for step in steps]
        for action in actions:
            if action not in workload.WORKLOAD_ACTIONS:
                raise UsageError(f"unknown workload step {action!r}; known: store, free, compact")
        regions: dict[str, tuple[int, int]] = {}
        total = sum(len(s.get("pages", b"")) for s in steps) // PAGE_SIZE
        if total > self.swap_pages:
            raise UsageError(f"{total} pages do not fit the lab's {self.swap_mib} MiB swap device "
                             f"(at most {self.swap_pages}); pass a larger swap_mib")
        self._check_pool("before the workload", self._stored_pages())
        affinity = os.sched_getaffinity(0)
        out = []
        try:
            os.sched_setaffinity(0, {min(affinity)})
            start = counters.read_counters()
            for step, action in zip(steps, actions):
                if action == "store":
                    pages = bytes(step["pages"])
                    if not pages or len(pages) % PAGE_SIZE:
                        raise UsageError("a store step needs a whole number of 4096-byte pages")
                    span = len(pages) + _ALIGN
                    raw = _libc.mmap(None, span, _PROT_READ | _PROT_WRITE,
                                     _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
                    if raw in (None, _MAP_FAILED):
                        e = ctypes.get_errno()
                        raise OSError(e, f"mmap of {span} bytes failed: {os.strerror(e)}")
                    addr = (raw + _ALIGN - 1) & ~(_ALIGN - 1)
                    if addr > raw:
                        _libc.munmap(raw, addr - raw)
                    _libc.munmap(addr + len(pages), raw + span - addr - len(pages))
                    regions[step["region"]] = (addr, len(pages))
                    if self._advice is not None:
                        _madvise(addr, len(pages), self._advice)
                    ctypes.memmove(addr, pages, len(pages))
                    _madvise(addr, len(pages), MADV_PAGEOUT)
                elif action == "free":
                    addr, length = regions[step["region"]]
                    for i in step["indices"]:
                        if not 0 <= i < length // PAGE_SIZE:
                            raise UsageError(f"page {i} is outside region {step['region']!r}")
                        _libc.munmap(addr + i * PAGE_SIZE, PAGE_SIZE)
                else:  # "compact"
                    settings._write("/proc/sys/vm/drop_caches", "2")
                after = self._settle(counters.read_counters(), settle_s)
                out.append({workload.WORKLOAD_ACTION_KEY: action, **counters.delta(start, after)})
        finally:
            for addr, length in regions.values():
                _libc.munmap(addr, length)
            os.sched_setaffinity(0, affinity)
        return out

    @staticmethod
    def _settle(snap: dict, settle_s: float) -> dict:
        keys = ("stored_pages", "pool_total_size", "zswpwb", "written_back_pages", "pswpout")
        still_since = time.monotonic()
        deadline = still_since + 10
        while time.monotonic() < deadline and time.monotonic() - still_since < settle_s:
            time.sleep(0.1)
            new = counters.read_counters()
            if any(new.get(k) != snap.get(k) for k in keys):
                still_since = time.monotonic()
            snap = new
        return snap

    def _folio_check(self, pages: bytes, d: dict, start: int) -> dict:
        size = self.folio_size_kb
        per = size * 1024 // PAGE_SIZE
        n = len(pages) // PAGE_SIZE
        whole = n // per
        step = per * PAGE_SIZE
        zero = bytes(step)
        zero_folios = sum(pages[i * step:(i + 1) * step] == zero for i in range(whole))
        others = {k: v for k, v in d.items() if k.startswith("mthp_") and v
                  and not k.startswith(f"mthp_{size}kB_")
                  and k.rsplit("_", 1)[-1] in ("zswpout", "swpout")}
        check = {
            "folio_size_kb": size,
            "pages": n,
            "whole_folios": whole,
            "zero_folios": zero_folios,
            "pool_empty_at_start": start == 0,
            "stored_pages_at_start": start,
            "other_swaps": list(self.other_swaps),
            "warnings": [],
        }
        warn = check["warnings"]
        if size > 4:
            fallback = d.get(f"mthp_{size}kB_swpout_fallback", 0)
            out = d.get(f"mthp_{size}kB_zswpout", 0) + d.get(f"mthp_{size}kB_swpout", 0)
            check["folios_swapped_out"] = out
            check["swpout_fallback"] = fallback
            if n % per:
                warn.append(f"{n % per} pages at the end do not fill a {size} KiB folio")
            if out != whole - zero_folios:
                # An all-zero folio goes to the zeromap and is not counted.
                warn.append(f"{out} folios of {size} KiB were swapped out, not the "
                            f"{whole - zero_folios} whole folios that are not all zero")
            if fallback:
                warn.append(f"{fallback} folios of {size} KiB were split before swap-out "
                            f"(swpout_fallback)")
        if others:
            warn.append(f"folios of other sizes were swapped out: {others}")
        check["folio_size_ok"] = not warn
        out = d.get("zswpout", 0) + d.get("pswpout", 0) + d.get("swpout_zero", 0)
        check["pages_out"] = out
        if "swpout_zero" in d and out != n:
            warn.append(f"zswpout + pswpout + swpout_zero = {out}, not the {n} pages given")
        if start:
            warn.append(f"the pool held {start} pages before the run")
        return check
