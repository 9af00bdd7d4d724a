"""Pure model state for zswapviz: plain Python, standard library only.

The model imports only the base layer below it (:mod:`zswapviz.constants`,
:mod:`zswapviz.errors`, the release flags of :mod:`zswapviz.profiles`);
nothing here imports compressors, numpy, matplotlib or ipywidgets. The
containers note the offsets they change (:mod:`.changes`); snapshots and
cell views live above, in :mod:`zswapviz.snapshot`.
"""
