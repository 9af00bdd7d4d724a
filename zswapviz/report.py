"""The offline HTML reports: kept under this name for old imports.

The code lives in :mod:`zswapviz.views.report`; ``from zswapviz.report
import export_html`` and ``python -m zswapviz report ...`` keep working.
"""

from .views.report import *  # noqa: F403 (the old module re-exports the report package)
from .views.report import __all__  # noqa: F401
