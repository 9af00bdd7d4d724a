"""What the user sees: the view model, its renderer and the pages built on them.

``zswapviz.views.viewmodel`` computes, once per recorded trace, everything a
frame needs; ``zswapviz/views/static/`` holds the one client-side renderer
that draws it (explorer, reports, lessons). ``zswapviz.views.report`` writes
the offline HTML reports, comparisons and lessons.
"""
