"""The steps of a kernel workload: the key that names what a step does, and its older name.

A workload (:meth:`zswapviz.kernel.KernelLab.run_workload` runs one on the
kernel, :func:`zswapviz.kernel.recorded.replay_workload` on the model, and
``data/kernel/workloads/*.json`` records them) is a list of steps, each
naming what it does under ``"action"``: ``"store"``, ``"free"`` or
``"compact"``. Before, the key was ``"op"``; it is still read, so a workload
of one's own written then runs unchanged.
"""

from __future__ import annotations

from ..errors import UsageError

__all__ = ["OLD_WORKLOAD_ACTION_KEY", "WORKLOAD_ACTIONS", "WORKLOAD_ACTION_KEY", "workload_action"]

#: Key of a workload step (and of its result row) that names what the step does:
#: ``"store"``, ``"free"`` or ``"compact"``.
WORKLOAD_ACTION_KEY = "action"
#: Its older name, still read in a workload someone wrote before the rename.
OLD_WORKLOAD_ACTION_KEY = "op"
#: What a step can do.
WORKLOAD_ACTIONS = ("store", "free", "compact")


def workload_action(step: dict) -> str:
    """What the workload step *step* does, named under ``"action"`` or its older name ``"op"``.

    Steps are written with ``"action"``; ``"op"`` is still read, so that a
    workload of one's own written before the rename runs unchanged. A step
    with neither, or with both, is refused in one sentence.
    """
    if not isinstance(step, dict):
        raise UsageError(f"a workload step must be a dict like {{'action': 'store', ...}}, not {step!r}")
    if WORKLOAD_ACTION_KEY in step and OLD_WORKLOAD_ACTION_KEY in step:
        raise UsageError(f"give a workload step 'action' or its older name 'op', not both: {sorted(step)}")
    action = step.get(WORKLOAD_ACTION_KEY, step.get(OLD_WORKLOAD_ACTION_KEY))
    if action is None:
        raise UsageError(f"a workload step needs 'action' (store, free or compact); it has {sorted(step)}")
    return action
