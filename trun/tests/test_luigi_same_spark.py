"""trun.contrib.spark and trun.contrib.pyspark_runner drive a real ``spark-submit`` executable as
Luigi's do: the same command lines from the same ``[spark]`` settings and step properties, the same
environment, outcomes and errors; a PySparkStep's pickle is run by the runner (with a stand-in
``pyspark`` package) and its ``main`` writes the step's output."""

import pytest
from luigi_pair import same_result, scenario

CONFIG = """[spark]
spark-submit = spark-submit
master = yarn
deploy-mode = client
jars = base.jar, extra.jar
py-files = helpers.py , lib.zip
files = lookup.csv
archives = env.tar.gz#env
conf = spark.executor.instances=4|spark.ui.port=4050
properties-file = spark.properties
driver-memory = 2g
driver-java-options = -Dlog=debug
driver-library-path = /opt/native
driver-class-path = /opt/classes
executor-memory = 3g
driver-cores = 2
supervise = true
total-executor-cores = 16
executor-cores = 4
queue = etl
num-executors = 5
hadoop-conf-dir = /etc/hadoop/conf
pickle-protocol = 3

[spark2]
spark-submit = spark2-submit
master = local[2]
conf = spark.a=1
"""


def write_config(work, engine):
    (work / "spark.cfg").write_text(CONFIG)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """The scenario's outcome, the same under Luigi and trun (checked once for both tests)."""
    return same_result(tmp_path_factory.mktemp("spark"), scenario("spark"), setup=write_config,
                       env={"LUIGI_CONFIG_PATH": "spark.cfg"})


def test_spark_submit_same_as_luigi(result):
    assert result["jar"] == "SUCCESS" and result["broken"] == "FAILED" and result["no_app"] == "FAILED"
    jar = result["calls"][0]
    assert jar["argv"][:2] == ["--master", "yarn"] and jar["argv"][-4:] == ["analytics.jar", "--day",
                                                                            "2024-01-02", "5"]
    # the lists' items are stripped of the blanks around their commas
    lists = [(c["argv"][c["argv"].index("--jars") + 1], c["argv"][c["argv"].index("--py-files") + 1])
             for c in result["calls"] if "--jars" in c["argv"]]
    assert lists and set(lists) == {("base.jar,extra.jar", "helpers.py,lib.zip")}
    assert "--supervise" in jar["argv"] and "not-a-list.jar" not in jar["argv"]
    assert jar["env"] == {"HADOOP_CONF_DIR": "/etc/hadoop/conf", "HADOOP_USER_NAME": "etl"}
    assert result["failures"][0]["text"].startswith("Program failed with return code=3:")
    assert [f["step"] for f in result["failures"]] == ["Broken", "NoApp"]
    assert result["calls"][2]["argv"][:3] == ["--master", "local[2]", "--name"]


def test_pyspark_step_runs_through_the_runner_as_luigi(result):
    assert result["pyspark"] == "SUCCESS" and result["cluster"] == "SUCCESS"
    assert result["in_main"] == "SUCCESS"  # the runner imports the script as module wf
    assert result["counts"] == [{"args": ["d1", "7"], "total": 6, "entry": "SparkContext"},
                                {"args": ["d2", "7"], "total": 6, "entry": "SparkSession"},
                                {"args": ["d3", "7"], "total": 6, "entry": "SparkContext"}]
    assert result["messy_name"] == "SUCCESS"
    assert result["calls"][-1]["argv"][-3:] == ["TMPDIR/Count_a_b_c_d_.pickle", "d3", "7"]
    assert ["addPyFile", "pkgx.tar.gz", ["pkgx", "pkgx/__init__.py", "pkgx/more.py"]] in \
        result["pyspark_calls"]
    assert result["leftover"] == []
    assert ["builder.enableHiveSupport"] in result["pyspark_calls"]  # cluster: session.cfg
    assert result["pickle_protocol"] == 3 and result["calls"][3]["pickle_dirs"] == [["CountJob.pickle",
                                                                                      "jobs.py"]]
