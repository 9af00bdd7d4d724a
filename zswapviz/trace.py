"""A recorded run: every kernel step with its sentence and the state after it.

:func:`record` runs the operations of :mod:`zswapviz.store` through the
one driver (:func:`zswapviz.actions.drive`) and keeps a snapshot after
every step; the explorer, plots, reports and tests only replay the
:class:`Trace` it returns, so stepping back and scrubbing cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .actions import PHASES, Action, Operation, Phase, drive
from .model.world import World
from .sentences import describe
from .snapshot import Snapshot, Snapshotter

__all__ = ["Step", "Trace", "describe", "record"]


@dataclass(frozen=True, slots=True)
class Step:
    """One kernel action: which function, on which slot, in which phase."""

    #: Position in the trace.
    index: int
    #: Who acted: the operation's kernel entry point ("swap_writepage",
    #: "zswap_load", ...) or an interleaved actor ("writeback", ...).
    actor: str
    #: Which operation of the run (0 for the first folio swapped out, ...).
    operation_index: int
    #: The kernel function or counter update, by its kernel name.
    fn: str
    #: Swap offset concerned, or None for folio-wide or global steps.
    offset: int | None
    #: Page index within the trace's window (offset - window start), or None.
    page: int | None
    #: Which part of the operation (a zswapviz.actions.Phase, equal to its string).
    phase: Phase
    #: A length, a count or a negative errno, depending on *fn*.
    arg: int | None
    #: One plain sentence for a learner (zswapviz.sentences, scoped to the release).
    text: str

    @property
    def failed(self) -> bool:
        """Whether this step is a kernel call returning an error."""
        return self.arg is not None and self.arg < 0


# The sentences, their sources and the releases they are true for live in
# zswapviz.sentences; describe() is re-exported here for the trace's users.


class Trace:
    """Recorded steps and the snapshot after each; index ``trace[k]``."""

    def __init__(self, steps: list[Step], snapshots: list[Snapshot], world: World,
                 results: list, meta: dict | None = None) -> None:
        #: The steps, in order.
        self.steps = steps
        #: snapshots[k] is the state after steps[k].
        self.snapshots = snapshots
        #: The world after the last step (mutable; do not change it).
        self.world = world
        #: What each operation returned, in order.
        self.results = results
        #: What the run was: scenario name, kernel, compressor, folio size ...
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> tuple[Step, Snapshot]:
        return self.steps[k], self.snapshots[k]

    def __iter__(self) -> Iterator[tuple[Step, Snapshot]]:
        return zip(self.steps, self.snapshots)

    def find(self, fn: str | None = None, phase: str | None = None, failed: bool | None = None) -> list[int]:
        """Indices of steps matching every given criterion."""
        return [s.index for s in self.steps
                if (fn is None or s.fn == fn) and (phase is None or s.phase == phase)
                and (failed is None or s.failed == failed)]

    @property
    def failure_index(self) -> int | None:
        """Index of the first step that returned an error, or None."""
        hits = self.find(failed=True)
        return hits[0] if hits else None

    @property
    def rollback_indices(self) -> list[int]:
        """Indices of the rollback steps."""
        return self.find(phase="rollback")

    def plot(self, step: int | None = None, path=None):
        """Draw *step* (default: the last) with matplotlib; save it to *path* (.png/.svg/.pdf) if given; return the figure."""
        from .plots import plot_step, save_step_figure

        if path is not None:
            save_step_figure(self, len(self) - 1 if step is None else step, path)
        return plot_step(self, step)

    def to_text(self, source: bool = False) -> str:
        """The steps as readable lines: index, phase, function, page, sentence.

        With *source*, each step's line of its release's listing
        (:mod:`zswapviz.listings`) comes between the page and the sentence.
        """
        code = None
        if source:
            from .listings import source_column
            code = [c if len(c) <= 72 else c[:71] + "~" for c in source_column(self)]
        lines = []
        for k, s in enumerate(self.steps):
            page = "" if s.page is None else f"p{s.page}"
            middle = "" if code is None else f"{code[k]:72s}  "
            lines.append(f"{s.index:4d}  {s.phase:9s} {s.fn:37s} {page:4s} {middle}{s.text}")
        return "\n".join(lines)

    def to_dataframe(self):
        """One row per step: the step, then the ledger's numbers after it (needs pandas)."""
        import pandas as pd

        from .ledger import LEDGER_NUMBERS, ledger

        rows = []
        for s, snap in self:
            led = ledger(snap)
            rows.append({
                "step": s.index, "actor": s.actor, "operation_index": s.operation_index, "fn": s.fn, "page": s.page,
                "offset": s.offset, "phase": str(s.phase), "arg": s.arg, "text": s.text,
                **{key: led[key] for key in LEDGER_NUMBERS},
                "violations": len(snap.violations),
            })
        return pd.DataFrame(rows)


#: The world's validators walk every entry, so running them after every
#: operation of a run of many small folios would cost time quadratic in its
#: length. :func:`record` runs them after an operation once the steps since
#: the last run number at least the entries stored divided by this: after
#: every operation of a teaching-sized run (and of every 2 MiB folio), and in
#: linear total time on a long one, where a broken invariant then shows at
#: the first check after it broke.
STEPS_PER_CHECK_DIVISOR = 4


def _check_due(world: World, steps_since_check: int) -> bool:
    """Whether the world's validators run after this operation (see STEPS_PER_CHECK_DIVISOR)."""
    return steps_since_check * STEPS_PER_CHECK_DIVISOR >= max(0, world.stats["stored_pages"])


def record(world: World, operations: Iterable[Operation], window: tuple[int, int],
           meta: dict | None = None, check: Callable[[World, int, object], list[str]] | None = None,
           between: Callable[[Action], Iterable[Action] | None] | None = None) -> Trace:
    """Run *operations* (zswapviz.actions.Operation over *world*) and record every step.

    An operation may also be one's own generator composing the store's
    operations with ``yield from`` (named after its function then).

    *window* is (first offset, count): the slots the snapshots show. After
    each operation the world's validators run (every operation while the
    run is small; see :data:`STEPS_PER_CHECK_DIVISOR`), then
    ``check(world, operation_index, result)`` if given (a check of what that
    operation did, such as all-or-nothing for its folio); whatever they
    report is added to ``world.violations``, so it shows in the snapshots.
    *between* runs other actors between two steps
    (zswapviz.interleave.interleaver).
    """
    from .model.validate import check_world

    operations = list(operations)
    first, count = window
    snapshotter = Snapshotter(world, first, count)
    steps: list[Step] = []
    snaps: list[Snapshot] = []
    results = []
    checked_at = 0  # len(steps) when the world's validators last ran
    kernel = world.profile
    for operation_index, op in enumerate(operations):
        op = Operation.of(op)
        name = op.name

        def on_step(action: Action, name=name, operation_index=operation_index) -> None:
            fn, offset, phase, arg, actor = action
            page = None if offset is None or not first <= offset < first + count else offset - first
            steps.append(Step(len(steps), actor or name, operation_index, fn, offset, page, phase, arg,
                              describe(fn, page, arg, phase, kernel=kernel, op=actor or name)))
            snaps.append(snapshotter.take())

        results.append(drive(op, on_step, between))
        problems = []
        last = operation_index == len(operations) - 1
        if last or _check_due(world, len(steps) - checked_at):
            problems += check_world(world)
            checked_at = len(steps)
        if check is not None:
            problems += check(world, operation_index, results[-1])
        for problem in problems:
            if problem not in world.violations:
                world.violations.append(problem)
        if steps:
            snaps[-1] = snapshotter.take()
    assert all(p in PHASES for p in {s.phase for s in steps})
    return Trace(steps, snaps, world, results, meta)
