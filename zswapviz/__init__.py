"""zswapviz: see how Linux zswap stores a large folio, step by step.

The core (this package without its plotting and widget modules) is pure
Python with numpy: a model of ``zswap_store()`` and its neighbours
(:mod:`zswapviz.store`) over modelled kernel state
(:mod:`zswapviz.model`), recorded step by step into a
:class:`~zswapviz.trace.Trace`.

>>> trace = Scenario(faults={5: "alloc_fail"}).run()
>>> trace.steps[trace.failure_index].fn
'zs_malloc'
"""

from .errors import UsageError
from .faults import FAULT_KINDS, Faults
from .model.validate import ValidationError, check_world, validate_world
from .model.world import Params, World
from .profiles import KERNEL_NAMES, get_profile
from .scenario import Scenario, builtin_scenarios, ledger, load_scenario
from .simulate import simulate
from .trace import Step, Trace, record

__all__ = [
    "FAULT_KINDS",
    "Faults",
    "KERNEL_NAMES",
    "Params",
    "Scenario",
    "Step",
    "Trace",
    "UsageError",
    "ValidationError",
    "World",
    "builtin_scenarios",
    "check_world",
    "get_profile",
    "ledger",
    "load_scenario",
    "record",
    "simulate",
    "validate_world",
]
