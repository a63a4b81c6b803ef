"""Settings of the pipeline, read from luigi.cfg sections."""

import luigi


class etl(luigi.Config):
    warehouse = luigi.Parameter(default="warehouse")
    currency_rate = luigi.FloatParameter(default=1.0)
    owners = luigi.ListParameter(default=[])


class secrets(luigi.Config):
    token = luigi.Parameter(default="", visibility=luigi.parameter.ParameterVisibility.PRIVATE)
