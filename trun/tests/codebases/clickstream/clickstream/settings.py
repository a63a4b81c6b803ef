"""Where the pipeline's data lives, read from the [clickstream] section of the configuration."""

import luigi


class clickstream(luigi.Config):
    raw_root = luigi.Parameter(default="/data/clicks")
    warehouse_root = luigi.Parameter(default="/warehouse/clicks")
    local_root = luigi.Parameter(default="sessions")
    sessionizer_image = luigi.Parameter(default="clickstream/sessionizer")
    session_gap_minutes = luigi.IntParameter(default=30)
