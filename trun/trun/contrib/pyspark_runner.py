"""The program ``spark-submit`` runs for a ``trun.contrib.spark.PySparkStep``, as Luigi's
``luigi.contrib.pyspark_runner``.

Usage: ``pyspark_runner.py <pickled step> [app_options ...]``.  It puts the pickle's directory (where
the step's module was copied) on ``sys.path``, unpickles the step, lets
``step.setup(conf)`` change a fresh SparkConf, opens a SparkContext (or, with ``[pyspark_runner]
use_spark_session = true``, a SparkSession with Hive support, Spark 2 or later), calls
``step.setup_remote(sc)`` and ``step.main(sc_or_session, *app_options)``, and stops the context.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

from trun import configuration


class _SparkEntryPoint:
    """A context manager giving ``(entry point for main, its SparkContext)`` for a SparkConf."""

    def __init__(self, conf: Any) -> None:
        self.conf = conf

    def __enter__(self) -> tuple[Any, Any]:
        raise NotImplementedError

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        raise NotImplementedError


class SparkContextEntryPoint(_SparkEntryPoint):
    """``main`` gets a SparkContext made from the conf."""

    sc: Any = None

    def __enter__(self) -> tuple[Any, Any]:
        from pyspark import SparkContext
        self.sc = SparkContext(conf=self.conf)
        return self.sc, self.sc

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.sc.stop()


class SparkSessionEntryPoint(_SparkEntryPoint):
    """``main`` gets a SparkSession (with Hive support) made from the conf."""

    spark: Any = None

    def _check_major_spark_version(self) -> None:
        from pyspark import __version__ as version
        if int(version.split(".")[0]) < 2:
            raise RuntimeError(
                f"Apache Spark {version} has no SparkSession: set [pyspark_runner] "
                "use_spark_session to false and have main() take a SparkContext")

    def __enter__(self) -> tuple[Any, Any]:
        self._check_major_spark_version()
        from pyspark.sql import SparkSession
        self.spark = SparkSession.builder.config(conf=self.conf).enableHiveSupport().getOrCreate()
        return self.spark, self.spark.sparkContext

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.spark.stop()


class AbstractPySparkRunner:
    """Runs the pickled step at path ``job`` with the application arguments ``args``."""

    _entry_point_class: type[_SparkEntryPoint]

    def __init__(self, job: str, *args: str) -> None:
        sys.path.append(os.path.dirname(job))  # the step's module was copied beside its pickle
        with open(job, "rb") as pickled:
            self.job = pickle.load(pickled)
        self.args = args

    def run(self) -> None:
        from pyspark import SparkConf
        conf = SparkConf()
        self.job.setup(conf)
        with self._entry_point_class(conf=conf) as (entry_point, sc):
            self.job.setup_remote(sc)
            self.job.main(entry_point, *self.args)


class PySparkRunner(AbstractPySparkRunner):
    _entry_point_class = SparkContextEntryPoint


class PySparkSessionRunner(AbstractPySparkRunner):
    _entry_point_class = SparkSessionEntryPoint


def _use_spark_session() -> bool:
    return bool(configuration.get_config().getboolean("pyspark_runner", "use_spark_session", False))


def _get_runner_class() -> type[AbstractPySparkRunner]:
    return PySparkSessionRunner if _use_spark_session() else PySparkRunner


if __name__ == "__main__":
    _get_runner_class()(*sys.argv[1:]).run()
