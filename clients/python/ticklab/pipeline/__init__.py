"""ticklab's batch pipeline: raw files -> store -> features -> stats as trun steps, with lineage.

- :mod:`ticklab.pipeline.steps`: the steps (a day per ingest step, a day x set x chunk of stocks per
  indicators and stats step) and the ``Pipeline`` wrapper;
- :mod:`ticklab.pipeline.lineage`: the lineage sidecar of every store and feature file, and whether
  an output is still valid; :mod:`ticklab.pipeline.stats_lineage`: the same for stats rows;
  :mod:`ticklab.pipeline.manifest`: the records of a day and layer in one file (fast checks);
- :mod:`ticklab.pipeline.runner`: one run per data root (a lock), progress, local or Dask workers;
- :mod:`ticklab.pipeline.progress`: stock-days done, rate and ETA;
- :mod:`ticklab.pipeline.chain`: the chain of one output back to its raw files (``ticklab lineage``).
"""

from ticklab.pipeline.steps import Indicators, IngestDay, Pipeline, RawDay, Stats

__all__ = ["Indicators", "IngestDay", "Pipeline", "RawDay", "Stats"]
