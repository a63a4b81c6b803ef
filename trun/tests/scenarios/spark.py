"""Scenario: luigi.contrib.spark and luigi.contrib.pyspark_runner against a real ``spark-submit``
executable on PATH.

The fake spark-submit (written below into ./bin) records its argv, the environment variables Spark
reads, and what the files it is given hold, prints and exits as ``plan.json`` says for the
application's ``--name``.  For a PySpark application it does what spark-submit does for a Python
file: ships ``--files`` into a fresh working directory in cluster mode, puts the stand-in ``pyspark``
package (./stand: SparkConf, SparkContext and SparkSession that log each call) on the path, and
runs the runner script with this interpreter.  The runner, the pickle and the step's ``main`` are
the engine's own.
"""

import json
import logging
import os
import re
import shutil
import sys
import tempfile

import luigi
from luigi.contrib import spark
from luigi.contrib.external_program import ExternalProgramRunError

PY = sys.executable
CWD = os.getcwd()
CONTRIB = os.path.dirname(os.path.abspath(spark.__file__))
TMP = tempfile.gettempdir()

FAKE = f"#!{PY}\n" + r'''
import json, os, shutil, subprocess, sys, tarfile, tempfile
args = sys.argv[1:]
opts, i = {}, 0
while i < len(args) and args[i].startswith("--"):
    if args[i] == "--supervise":
        i += 1
        continue
    opts[args[i]] = args[i + 1]
    i += 2
plan = json.load(open("plan.json")).get(opts.get("--name", ""), {})
call = {"argv": args, "env": {k: v for k, v in os.environ.items()
                              if k.startswith(("HADOOP_", "PYSPARK_", "SPARK_"))}}
pickles = [a for a in args if a.endswith(".pickle") and os.path.isfile(a)]
call["pickle_dirs"] = [sorted(os.listdir(os.path.dirname(p))) for p in pickles]
with open("out/calls.jsonl", "a") as log:
    log.write(json.dumps(call) + "\n")
sys.stdout.write(plan.get("stdout", ""))
sys.stderr.write(plan.get("stderr", ""))
code = plan.get("rc", 0)
if os.environ.get("FAKE_SPARK_DEPTH"):  # a runner that runs the scenario again: stop there
    sys.exit(99)
if plan.get("python") and code == 0:
    cwd = None
    if opts.get("--deploy-mode") == "cluster":
        cwd = tempfile.mkdtemp()
        for f in opts.get("--files", "").split(","):
            shutil.copy(f, cwd)
    # only the stand-in pyspark: the step's module is found beside its pickle, by the runner
    env = {**os.environ, "PYTHONPATH": os.path.abspath("stand"), "FAKE_SPARK_DEPTH": "1",
           **plan.get("env", {})}
    code = subprocess.call([sys.executable, *args[i:]], env=env, cwd=cwd)
sys.exit(code)
'''
STAND = r'''
import json, os, tarfile
__version__ = "3.5.1"
LOG = os.path.join(os.environ["SCENARIO_DIR"], "out", "pyspark.jsonl")


def log(*call):
    with open(LOG, "a") as out:
        out.write(json.dumps(call) + "\n")


class SparkConf:
    def __init__(self):
        self.settings = {}
        log("SparkConf")

    def set(self, key, value):
        log("SparkConf.set", key, value)
        self.settings[key] = value
        return self


class SparkContext:
    def __init__(self, conf=None):
        log("SparkContext", conf.settings if conf else None)

    def addPyFile(self, path):
        log("addPyFile", os.path.basename(path), sorted(tarfile.open(path).getnames()))

    def parallelize(self, data):
        log("parallelize", data)
        return data

    def stop(self):
        log("SparkContext.stop")
'''
SQL = r'''
from pyspark import SparkContext, log


class _Builder:
    def config(self, conf=None):
        log("builder.config", conf.settings)
        self.conf = conf
        return self

    def enableHiveSupport(self):
        log("builder.enableHiveSupport")
        return self

    def getOrCreate(self):
        return SparkSession(SparkContext(self.conf))


class SparkSession:
    builder = _Builder()

    def __init__(self, sc):
        self.sparkContext = sc

    def stop(self):
        log("SparkSession.stop")
'''
JOBS = r'''
import json
import os
import luigi
from luigi.contrib.spark import PySparkTask


class CountJob(PySparkTask):
    day = luigi.Parameter()
    driver_memory = "1g"

    def app_options(self):
        return [self.day, 7]

    def setup(self, conf):
        conf.set("spark.app.day", self.day)

    def main(self, sc, *args):
        total = sum(getattr(sc, "sparkContext", sc).parallelize([1, 2, 3]))
        with self.output().open("w") as out:
            json.dump({"args": list(args), "total": total, "entry": type(sc).__name__}, out)

    def output(self):
        # absolute: in cluster mode the driver runs in another directory
        return luigi.LocalTarget(os.path.join(os.environ["SCENARIO_DIR"], f"out/count-{self.day}.json"))


class ClusterJob(CountJob):
    deploy_mode = "cluster"


class MessyName(CountJob):
    name = "Count(a,b:c/d)"
'''
URL_LINE = "INFO SparkUI: Bound SparkUI to 0.0.0.0, and started at http://driver:4040 \n"
PLAN = {
    "Jar": {"stdout": "jar ran\n", "stderr": URL_LINE},
    "Broken": {"rc": 3, "stdout": "partial\n", "stderr": "Exception in thread main\n"},
    "CountJob": {"python": True},
    # in cluster mode only the pickle is shipped: the step's module must be on the path there
    "ClusterJob": {"python": True, "env": {"LUIGI_CONFIG_PATH": f"{CWD}/session.cfg",
                                           "PYTHONPATH": f"{CWD}/stand:{CWD}"}},
    "MainJob": {"python": True}, "Count(a,b:c/d)": {"python": True},
}
def clean(value):
    text = json.dumps(value).replace(CONTRIB, "CONTRIB").replace(PY, "PY").replace(CWD, "CWD")
    return json.loads(re.sub(re.escape(TMP) + r"/[^/\"]+(?=/)", "TMPDIR", text))


seen = {"failures": [], "logs": []}


class Lines(logging.Handler):
    def emit(self, record):
        text = record.getMessage()
        if text.startswith(("Running command", "Program std")):
            seen["logs"].append(clean(text))


logging.getLogger("luigi-interface").addHandler(Lines())


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    lines = exception.err.strip().splitlines() if isinstance(exception, ExternalProgramRunError) else []
    seen["failures"].append(clean({
        "task": task.task_family, "type": type(exception).__name__, "args": list(exception.args),
        "text": str(exception).split("\nSTDERR:")[0], "last_err_line": lines[-1] if lines else None}))


class Jar(spark.SparkSubmitTask):
    app = "analytics.jar"
    entry_class = "org.example.Analytics"
    name = "Jar"
    hadoop_user_name = "etl"
    pyspark_python = "/opt/py/bin/python"
    conf = {"spark.sql.shuffle.partitions": 8}
    packages = ("org.a:b:1", "org.c:d:2")
    jars = "not-a-list.jar"

    def app_options(self):
        return ["--day", "2024-01-02", 5]


class Broken(spark.SparkSubmitTask):
    app = "broken.py"
    name = "Broken"


class NoApp(spark.SparkSubmitTask):
    name = "NoApp"


class OtherSection(Jar):
    spark_version = "spark2"
    name = "OtherSection"
    supervise = False


class MainJob(spark.PySparkTask):
    def main(self, sc, *args):
        pass


def calls():
    with open("out/calls.jsonl") as f:
        return [clean(json.loads(line)) for line in f]


def properties(task):
    names = ["spark_submit", "master", "deploy_mode", "jars", "packages", "py_files", "files",
             "archives", "conf", "properties_file", "driver_memory", "driver_java_options",
             "driver_library_path", "driver_class_path", "executor_memory", "driver_cores",
             "supervise", "total_executor_cores", "executor_cores", "queue", "num_executors",
             "hadoop_conf_dir", "hadoop_user_name", "pyspark_python", "pyspark_driver_python",
             "spark_version", "name", "entry_class", "always_log_stderr",
             "stream_for_searching_tracking_url", "tracking_url_pattern"]
    return clean({n: getattr(task, n) for n in names})


def outcome(tasks):
    return luigi.build(tasks, local_scheduler=True, detailed_summary=True).status.name


def write_files():
    """The fake spark-submit, the stand-in pyspark, the step module, its plan and configs."""
    for folder in ("bin", "stand/pyspark", "pkgx", "out"):
        os.makedirs(folder, exist_ok=True)
    for path, text in (("bin/spark-submit", FAKE), ("stand/pyspark/__init__.py", STAND),
                       ("stand/pyspark/sql.py", SQL), ("jobs.py", JOBS), ("pkgx/__init__.py", "X = 1\n"),
                       ("pkgx/more.py", "Y = 2\n")):
        with open(path, "w") as f:
            f.write(text)
    os.chmod("bin/spark-submit", 0o755)
    os.environ["PATH"] = f"{CWD}/bin:{os.environ['PATH']}"
    os.environ["SCENARIO_DIR"] = CWD
    sys.path.insert(0, CWD)
    with open("plan.json", "w") as f:
        json.dump(PLAN, f)
    with open("session.cfg", "w") as f:
        f.write("[pyspark_runner]\nuse_spark_session = true\n[spark]\npy-packages = pkgx\n")
    shutil.copy("bin/spark-submit", "bin/spark2-submit")


def main():
    write_files()
    import jobs
    before = set(os.listdir(TMP))
    results = {
        "jar": outcome([Jar()]), "broken": outcome([Broken()]), "no_app": outcome([NoApp()]),
        "other_section": outcome([OtherSection()]),
        "pyspark": outcome([jobs.CountJob(day="d1")]), "cluster": outcome([jobs.ClusterJob(day="d2")]),
        "in_main": outcome([MainJob()]), "messy_name": outcome([jobs.MessyName(day="d3")]),
        "properties": properties(Jar()), "pyspark_properties": properties(jobs.CountJob(day="p")),
        "py_packages": list(jobs.CountJob(day="p").py_packages or []),
        "pickle_protocol": jobs.CountJob(day="p").pickle_protocol,
        "runner": clean(jobs.CountJob(day="p").app),
        "counts": [json.load(open(f"out/count-{d}.json")) for d in ("d1", "d2", "d3")],
    }
    with open("out/pyspark.jsonl") as f:
        results["pyspark_calls"] = [json.loads(line) for line in f]
    results.update(calls=calls(), failures=seen["failures"], logs=seen["logs"],
                   leftover=sorted(n for n in set(os.listdir(TMP)) - before
                                   if n.startswith(("Count", "ClusterJob", "MainJob"))))
    print(json.dumps(results))


if __name__ == "__main__":  # the runner imports this script to unpickle MainJob
    main()
