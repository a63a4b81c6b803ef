"""The Spark jobs, run through a fake spark-submit: the command lines Luigi builds for them and,
for the PySpark job, the pickled task run by Luigi's runner against our fake pyspark."""

import luigi
from conftest import DAY
from warehouse.spark_jobs import DailyRollup, WordCount


def argv_of(call):
    return call["argv"]


def test_rollup_command_line(raw_day, spark):
    assert luigi.build([DailyRollup(DAY)], local_scheduler=True)
    (call,) = spark()
    assert argv_of(call) == [
        "--name", "daily-rollup", "--class", "com.acme.dwh.Rollup",
        "--conf", "spark.sql.shuffle.partitions=8", "--driver-memory", "2g",
        "jars/rollup-assembly.jar", "--in", "out/raw/2024-05-01.txt", "--out", "out/rollup/2024-05-01.csv"]
    assert DailyRollup(DAY).output().exists()


def test_spark_section_of_the_configuration(raw_day, spark, config):
    config("spark", "master", "yarn")
    config("spark", "deploy-mode", "client")
    config("spark", "jars", "a.jar, b.jar")
    config("spark", "packages", "org.acme:util:1.0")
    config("spark", "executor-memory", "4g")
    config("spark", "num-executors", "5")
    config("spark", "queue", "etl")
    config("spark", "supervise", "yes")
    assert luigi.build([DailyRollup(DAY, partitions=3)], local_scheduler=True)
    argv = argv_of(spark()[0])
    assert argv[:8] == ["--master", "yarn", "--deploy-mode", "client", "--name", "daily-rollup",
                        "--class", "com.acme.dwh.Rollup"]
    assert argv[argv.index("--jars") + 1] == "a.jar,b.jar"
    assert argv[argv.index("--packages") + 1] == "org.acme:util:1.0"
    assert argv[argv.index("--conf") + 1] == "spark.sql.shuffle.partitions=3"
    assert "--supervise" in argv
    assert argv[argv.index("--executor-memory") + 1] == "4g"
    assert argv.index("--queue") < argv.index("--num-executors") < argv.index("jars/rollup-assembly.jar")


def test_spark_submit_path_from_configuration(raw_day, spark, config, workdir):
    config("spark", "spark-submit", str(workdir / "bin" / "spark-submit"))
    assert DailyRollup(DAY).spark_command()[0] == str(workdir / "bin" / "spark-submit")
    assert luigi.build([DailyRollup(DAY)], local_scheduler=True)


def test_program_args_without_running(raw_day):
    task = DailyRollup(DAY, partitions=2)
    assert task.program_args()[0] == "spark-submit"
    assert task.program_args()[-4:] == ["--in", "out/raw/2024-05-01.txt",
                                        "--out", "out/rollup/2024-05-01.csv"]


def test_failing_submit_fails_the_task(raw_day, spark, monkeypatch):
    monkeypatch.setenv("FAKE_SPARK_EXIT", "3")
    result = luigi.build([DailyRollup(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert not DailyRollup(DAY).output().exists()
    assert len(spark()) == 1


def test_failure_carries_the_spark_error(raw_day, spark, monkeypatch):
    from luigi.contrib.external_program import ExternalProgramRunError

    monkeypatch.setenv("FAKE_SPARK_EXIT", "2")
    failures = []
    luigi.Task.event_handler(luigi.Event.FAILURE)(lambda task, exc: failures.append(exc))
    try:
        luigi.build([DailyRollup(DAY)], local_scheduler=True)
    finally:
        luigi.Task._event_callbacks[luigi.Task][luigi.Event.FAILURE].clear()
    (error,) = failures
    assert isinstance(error, ExternalProgramRunError)
    assert "boom" in error.err
    assert error.message.startswith("Program failed with return code=2")
    assert error.args[0] == "spark-submit"  # Luigi's error keeps the command line as its args


def test_missing_input_leaves_rollup_pending(workdir, spark):
    result = luigi.build([DailyRollup(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert spark() == []


def test_wordcount_runs_main_through_the_runner(raw_day, spark):
    assert luigi.build([WordCount(DAY)], local_scheduler=True)
    assert (raw_day.parents[1] / "words" / "2024-05-01.tsv").read_text().splitlines() == [
        "ann\t3", "bob\t1", "login\t2", "view\t2"]


def test_wordcount_parameters_travel_in_the_pickle(raw_day, spark):
    assert luigi.build([WordCount(DAY, min_count=2)], local_scheduler=True)
    assert (raw_day.parents[1] / "words" / "2024-05-01.tsv").read_text().splitlines() == [
        "ann\t3", "login\t2", "view\t2"]


def test_wordcount_command_line_and_setup(raw_day, spark):
    assert luigi.build([WordCount(DAY)], local_scheduler=True)
    submit, context = spark()
    argv = argv_of(submit)
    assert argv[:2] == ["--name", "WordCount"]
    runner, pickled = argv[2], argv[3]
    assert runner.endswith("pyspark_runner.py")
    assert pickled.endswith("WordCount.pickle") and "/WordCount" in pickled
    assert argv[4:] == ["out/raw/2024-05-01.txt", "out/words/2024-05-01.tsv"]
    assert context["conf"] == {"spark.app.owner": "dwh-team"} and context["py_files"] == []


def test_wordcount_pickle_is_removed_afterwards(raw_day, spark):
    import os

    assert luigi.build([WordCount(DAY)], local_scheduler=True)
    assert not os.path.exists(os.path.dirname(argv_of(spark()[0])[3]))


def test_cluster_mode_ships_the_pickle(raw_day, spark, config):
    config("spark", "deploy-mode", "cluster")
    config("spark", "master", "yarn")
    luigi.build([WordCount(DAY)], local_scheduler=True)
    argv = argv_of(spark()[0])
    shipped = argv[argv.index("--files") + 1]
    assert shipped.endswith("/WordCount.pickle")
    assert argv[argv.index(shipped) + 2] == "WordCount.pickle"


def test_pyspark_python_goes_into_conf(raw_day, spark):
    class PinnedWordCount(WordCount):
        pyspark_python = "/opt/py3/bin/python"

    assert PinnedWordCount(DAY).spark_command()[-2:] == ["--conf", "spark.pyspark.python=/opt/py3/bin/python"]
