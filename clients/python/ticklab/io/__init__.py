"""Readers of every saved layer output, and the record layouts they share.

- :mod:`ticklab.io.dtypes`: `TICK_DTYPE`, indicator row dtypes, the field codes (defined once).
- :mod:`ticklab.io.store`: Layer 1 tick store files (``*.tick``), zero-copy numpy.
- :mod:`ticklab.io.features`: Layer 2 feature files (``*.feat``), zero-copy numpy.
- :mod:`ticklab.io.stats`: the Layer 3 stats database (SQLite): moments, pooling, ridge, summaries.
- :mod:`ticklab.io.stats_db` and :mod:`ticklab.io.paths`: what needs no numpy (the pipeline's part):
  opening the database and its lineage queries; file paths and store headers.
"""
