"""Pure model state for zswapviz: plain Python, standard library only.

Nothing in this package imports matplotlib or ipywidgets; presentation code
reads the frozen snapshots the model objects hand out.
"""
