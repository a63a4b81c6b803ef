"""Tools over steps, as ``luigi.tools``: ``range`` (Range* steps over dates and times) and ``deps`` /
``deps_tree`` (a step's dependencies, as a list or a tree)."""
