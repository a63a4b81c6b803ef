"""Steps that submit a Spark application with the ``spark-submit`` command, as Luigi's
``luigi.contrib.spark``.

``SparkSubmitStep`` runs ``spark-submit [options] <app> <app_options()>``: every option is a
property whose default comes from the ``[spark]`` section of the configuration (the section is
``spark_version``), named as spark-submit's flag (``master``, ``deploy-mode``, ``jars``, ``conf`` as
``key=value|key=value`` ...).  An option left empty is not passed; list options (``jars``,
``packages``, ``py-files``, ``files``, ``archives``) are passed comma-joined only when they are a list
or a tuple.  The program's stderr is searched for the Spark UI's (client mode) or YARN's (cluster
mode) tracking URL.

``PySparkStep`` runs its own ``main(sc, *args)`` on the cluster: ``run()`` pickles the step, beside a
copy of its module's file, into a fresh temporary directory named by the step's ``name`` (non-word
characters made ``_``) and submits ``trun/contrib/pyspark_runner.py`` with the pickle's path; the
runner unpickles the step, builds the SparkContext (or SparkSession) and calls ``main``.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import pickle
import re
import shutil
import sys
import tarfile
import tempfile
from collections import OrderedDict
from typing import Any

from trun import configuration
from trun.contrib.external_program import ExternalProgramStep

logger = logging.getLogger("trun-interface")

_CLIENT_MODE_URL = r"Bound (?:.*) to (?:.*), and started at (https?://.*)\s"
_CLUSTER_MODE_URL = r"tracking URL: (https?://.*)\s"


class SparkSubmitStep(ExternalProgramStep):
    """A Spark application (a jar or a Python file, ``app``) submitted with ``spark-submit``.

    Override ``app`` (and ``entry_class`` for a jar), optionally ``name`` and ``app_options()``;
    any option property may be overridden too, in code or in the ``[spark]`` section.
    """

    name: str | None = None
    entry_class: str | None = None
    app: str | None = None

    always_log_stderr = False  # spark-submit's stderr is its log: shown only when it fails
    stream_for_searching_tracking_url = "stderr"

    @property
    def tracking_url_pattern(self) -> str:  # type: ignore[override]
        return _CLUSTER_MODE_URL if self.deploy_mode == "cluster" else _CLIENT_MODE_URL

    def app_options(self) -> list[Any]:
        """The application's own arguments, after ``app`` on the command line."""
        return []

    # ---- settings: properties read from the [spark] section -------------------------------------
    @property
    def spark_version(self) -> str:
        """The configuration section the settings are read from."""
        return "spark"

    def _setting(self, key: str, default: Any = None) -> Any:
        return configuration.get_config().get(self.spark_version, key, default)

    def _list_setting(self, key: str) -> list[str] | None:
        value = self._setting(key)
        return [item.strip() for item in value.split(",")] if value else None

    @property
    def spark_submit(self) -> str:
        return self._setting("spark-submit", "spark-submit")

    @property
    def master(self) -> str | None:
        return self._setting("master")

    @property
    def deploy_mode(self) -> str | None:
        return self._setting("deploy-mode")

    @property
    def jars(self) -> list[str] | None:
        return self._list_setting("jars")

    @property
    def packages(self) -> list[str] | None:
        return self._list_setting("packages")

    @property
    def py_files(self) -> list[str] | None:
        return self._list_setting("py-files")

    @property
    def files(self) -> list[str] | None:
        return self._list_setting("files")

    @property
    def archives(self) -> list[str] | None:
        return self._list_setting("archives")

    @property
    def conf(self) -> dict[str, str] | None:
        """``--conf`` settings; in the configuration ``key=value`` pairs separated by ``|``."""
        value = self._setting("conf")
        if not value:
            return None
        return dict(pair.split("=", 1) for pair in value.split("|"))

    @property
    def properties_file(self) -> str | None:
        return self._setting("properties-file")

    @property
    def driver_memory(self) -> str | None:
        return self._setting("driver-memory")

    @property
    def driver_java_options(self) -> str | None:
        return self._setting("driver-java-options")

    @property
    def driver_library_path(self) -> str | None:
        return self._setting("driver-library-path")

    @property
    def driver_class_path(self) -> str | None:
        return self._setting("driver-class-path")

    @property
    def executor_memory(self) -> str | None:
        return self._setting("executor-memory")

    @property
    def driver_cores(self) -> str | None:
        return self._setting("driver-cores")

    @property
    def supervise(self) -> bool:
        return bool(self._setting("supervise", False))

    @property
    def total_executor_cores(self) -> str | None:
        return self._setting("total-executor-cores")

    @property
    def executor_cores(self) -> str | None:
        return self._setting("executor-cores")

    @property
    def queue(self) -> str | None:
        return self._setting("queue")

    @property
    def num_executors(self) -> str | None:
        return self._setting("num-executors")

    @property
    def hadoop_conf_dir(self) -> str | None:
        """Passed to spark-submit as ``HADOOP_CONF_DIR``."""
        return self._setting("hadoop-conf-dir")

    @property
    def hadoop_user_name(self) -> str | None:
        """Passed to spark-submit as ``HADOOP_USER_NAME`` (set it in code)."""
        return None

    @property
    def pyspark_python(self) -> str | None:
        """The executors' Python: ``--conf spark.pyspark.python`` (set it in code)."""
        return None

    @property
    def pyspark_driver_python(self) -> str | None:
        """The driver's Python: ``--conf spark.pyspark.driver.python`` (set it in code)."""
        return None

    @property
    def _conf(self) -> OrderedDict:
        settings = OrderedDict(self.conf or {})
        if self.pyspark_python:
            settings["spark.pyspark.python"] = self.pyspark_python
        if self.pyspark_driver_python:
            settings["spark.pyspark.driver.python"] = self.pyspark_driver_python
        return settings

    # ---- the command line and its environment ---------------------------------------------------
    def get_environment(self) -> dict[str, str]:
        """The environment spark-submit starts from (default: a copy of this process's)."""
        return os.environ.copy()

    def program_environment(self) -> dict[str, str]:
        env = self.get_environment()
        if self.hadoop_conf_dir:
            env["HADOOP_CONF_DIR"] = self.hadoop_conf_dir
        if self.hadoop_user_name:
            env["HADOOP_USER_NAME"] = self.hadoop_user_name
        return env

    def program_args(self) -> list[Any]:
        return self.spark_command() + self.app_command()

    def spark_command(self) -> list[Any]:
        """``spark-submit`` and its options, in the order Luigi passes them."""
        command: list[Any] = [self.spark_submit]
        for flag, value in (("--master", self.master), ("--deploy-mode", self.deploy_mode),
                            ("--name", self.name), ("--class", self.entry_class)):
            command += _text(flag, value)
        for flag, value in (("--jars", self.jars), ("--packages", self.packages),
                            ("--py-files", self.py_files), ("--files", self.files),
                            ("--archives", self.archives)):
            command += _joined(flag, value)
        for key, value in self._conf.items() if self._conf else ():
            command += ["--conf", f"{key}={value}"]
        for flag, value in (("--properties-file", self.properties_file),
                            ("--driver-memory", self.driver_memory),
                            ("--driver-java-options", self.driver_java_options),
                            ("--driver-library-path", self.driver_library_path),
                            ("--driver-class-path", self.driver_class_path),
                            ("--executor-memory", self.executor_memory),
                            ("--driver-cores", self.driver_cores)):
            command += _text(flag, value)
        if self.supervise:
            command.append("--supervise")
        for flag, value in (("--total-executor-cores", self.total_executor_cores),
                            ("--executor-cores", self.executor_cores), ("--queue", self.queue),
                            ("--num-executors", self.num_executors)):
            command += _text(flag, value)
        return command

    def app_command(self) -> list[Any]:
        """The application and its arguments."""
        if not self.app:
            raise NotImplementedError("subclass should define an app (.jar or .py file)")
        return [self.app, *self.app_options()]


def _text(flag: str, value: Any) -> list[Any]:
    return [flag, value] if value else []


def _joined(flag: str, value: Any) -> list[Any]:
    return [flag, ",".join(value)] if value and isinstance(value, (list, tuple)) else []


_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyspark_runner.py")


class PySparkStep(SparkSubmitStep):
    """A Spark application written as this step's ``main(sc, *args)``.

    ``run()`` pickles the step (protocol ``[spark] pickle-protocol``) and submits the runner with
    it; in cluster mode the pickle is shipped with ``--files``.  ``setup(conf)`` may change the
    SparkConf first, ``setup_remote(sc)`` runs on the driver before ``main`` (by default it ships
    the ``py_packages`` as tarballs with ``sc.addPyFile``).
    """

    app = _RUNNER
    run_path: str
    run_pickle: str

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.__class__.__name__

    @property
    def py_packages(self) -> list[str] | None:
        """Python packages shipped to the cluster: ``[spark] py-packages``, comma-separated."""
        packages = self._setting("py-packages")
        return [name.strip() for name in packages.split(",")] if packages else None

    @property
    def files(self) -> list[str] | None:  # type: ignore[override]
        if self.deploy_mode == "cluster":  # the pickle travels with the application
            return [self.run_pickle]
        return None

    @property
    def pickle_protocol(self) -> int:
        return configuration.get_config().getint(self.spark_version, "pickle-protocol",
                                                 pickle.DEFAULT_PROTOCOL)

    def setup(self, conf: Any) -> None:
        """Called by the runner with the SparkConf the SparkContext is made from."""

    def setup_remote(self, sc: Any) -> None:
        """Called by the runner with the SparkContext before ``main``."""
        self._setup_packages(sc)

    def main(self, sc: Any, *args: Any) -> None:
        """The application: called by the runner with the SparkContext (or SparkSession) and the
        ``app_options()`` as strings."""
        raise NotImplementedError

    def app_command(self) -> list[Any]:
        if self.deploy_mode == "cluster":  # shipped into the driver's working directory
            pickled = os.path.basename(self.run_pickle)
        else:
            pickled = self.run_pickle
        return [self.app, pickled, *self.app_options()]

    def run(self) -> None:
        safe_name = re.sub(r"\W", "_", self.name)  # the name as a file name
        self.run_path = tempfile.mkdtemp(prefix=safe_name)
        self.run_pickle = os.path.join(self.run_path, f"{safe_name}.pickle")
        try:
            self._dump()
            super().run()
        finally:
            shutil.rmtree(self.run_path)

    def _dump(self) -> None:
        """Pickle the step beside a copy of its module's file.  With a pickle protocol below 4 a
        step defined in the main script is named by the script's module (``wf.Step`` rather than
        ``__main__.Step``), so that the runner can import it."""
        with self.no_unpicklable_properties():
            data = pickle.dumps(self, protocol=self.pickle_protocol)
        source = getattr(sys.modules.get(self.__module__), "__file__", None)
        if source:
            shutil.copy(source, self.run_path)
            if self.__module__ == "__main__":
                module = os.path.splitext(os.path.basename(source))[0]
                data = data.replace(b"c__main__\n", f"c{module}\n".encode())  # protocols 0-3
        with open(self.run_pickle, "wb") as out:
            out.write(data)

    def _setup_packages(self, sc: Any) -> None:
        """Each of ``py_packages`` as ``<run_path>/<name>.tar.gz``, added with ``sc.addPyFile``."""
        os.makedirs(self.run_path, exist_ok=True)
        for name in self.py_packages or ():
            module = importlib.import_module(name)
            source = inspect.getsourcefile(module) or module.__file__ or ""
            if os.path.basename(source) == "__init__.py":
                source = os.path.dirname(source)
            tarball = os.path.join(self.run_path, f"{name}.tar.gz")
            with tarfile.open(tarball, "w:gz") as tar:
                tar.add(source, arcname=os.path.basename(source))
            sc.addPyFile(tarball)
