"""Scenario: luigi.contrib.hdfs through the hadoop command line (a fake ``hadoop`` in ./bin over
./hdfs-root, see fake_hadoop.py): a workflow of HdfsTargets written atomically and read back, a
failed write, the CLI client's operations and errors, the CDH3 and Apache 1 clients, flag targets,
PlainDir, temporary targets, and the clients the configuration picks."""

import datetime
import json
import os
import pickle
import re
import warnings

os.environ["PATH"] = os.path.abspath("bin") + os.pathsep + os.environ["PATH"]

import luigi  # noqa: E402
import luigi.configuration  # noqa: E402
import luigi.format  # noqa: E402
from luigi.contrib import hdfs  # noqa: E402
from luigi.contrib.hdfs import clients, config, hadoopcli_clients  # noqa: E402


def normal(text):
    """Text without what differs between runs: random temporary names, times."""
    text = re.sub(r"temp-\d+", "temp-N", str(text))
    text = re.sub(r"access-\d+", "access-N", text)
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", "TIME", text)


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # the type and text of the error are part of the outcome
        return {"error": type(e).__name__, "text": normal(e)}


class Words(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return hdfs.HdfsTarget(f"/data/words/{self.name}.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write(f"{self.name} one\n{self.name} two\n")
            if self.name == "broken":
                raise RuntimeError("stopped half way")


class Joined(luigi.Task):
    def requires(self):
        return [Words(name="a"), Words(name="b")]

    def output(self):
        return hdfs.HdfsTarget("/data/joined.txt")

    def run(self):
        with self.output().open("w") as out:
            for target in self.input():
                with target.open("r") as f:
                    out.write(f.read().upper())


result = {}
result["built"] = luigi.build([Joined()], local_scheduler=True)
result["broken"] = luigi.build([Words(name="broken")], local_scheduler=True)
hdfs.HdfsClient().exists("/builds-done")  # marks the end of the builds in the log of hadoop calls
with hdfs.HdfsTarget("/data/joined.txt").open("r") as f:
    result["joined"] = f.read()
result["lines"] = [line for line in hdfs.HdfsTarget("/data/words/a.txt").open("r")]

cli = hdfs.HdfsClient()
result["exists"] = [cli.exists("/data/joined.txt"), cli.exists("/data/none"), cli.exists("/data")]
result["unknown_host"] = attempt(lambda: cli.exists("hdfs://doesnotexist/foo"))
err = attempt(lambda: cli.remove("/data/none"))
result["remove_missing"] = err
try:
    cli.call_check(["hadoop", "fs", "-cat", "/data/none"])
except hdfs.HDFSCliError as e:
    result["cli_error"] = [e.returncode, e.stdout, e.stderr, normal(e)]
result["mkdir"] = [attempt(lambda: cli.mkdir("/data")),
                   attempt(lambda: cli.mkdir("/data", parents=False, raise_if_exists=True)),
                   attempt(lambda: cli.mkdir("/data", raise_if_exists=True)),
                   attempt(lambda: cli.mkdir("/x/y", parents=False)),
                   attempt(lambda: cli.mkdir("/made/deep/dir"))]
result["listdir"] = list(cli.listdir("/data"))
result["listdir_sized"] = list(cli.listdir("/data", include_size=True, include_type=True))
result["listdir_files"] = list(cli.listdir("/data", ignore_directories=True, recursive=True))
result["listdir_dirs"] = list(cli.listdir("/", ignore_files=True, recursive=True))
timed = list(cli.listdir("/data/joined.txt", include_time=True))
result["listdir_time"] = [(p, isinstance(t, datetime.datetime)) for p, t in timed]
result["listdir_lazy"] = type(cli.listdir("/nowhere")).__name__
result["listdir_missing"] = attempt(lambda: list(cli.listdir("/nowhere")))
result["count"] = cli.count("/data")
cli.chmod("/data/joined.txt", "600")
cli.chmod("/data/words", "750", recursive=True)
cli.chown("/data/joined.txt", "alice", None)
cli.chown("/data/words", "bob", "staff", recursive=True)
listing = cli.call_check(["hadoop", "fs", "-ls", "-R", "/data"]).splitlines()
result["owners"] = [[p[0], p[2], p[3], p[-1]] for p in (line.split() for line in listing)]
cli.copy("/data/joined.txt", "/data/copy.txt")
with open("local.txt", "w") as f:
    f.write("from the local disk\n")
cli.put("local.txt", "/data/put.txt")
result["put_again"] = attempt(lambda: cli.put("local.txt", "/data/put.txt"))
cli.get("/data/copy.txt", "got.txt")
cli.getmerge("/data/words", "merged.txt")
cli.getmerge("/data/words", "merged-nl.txt", new_line=True)
result["local"] = {n: open(n).read() for n in ("got.txt", "merged.txt", "merged-nl.txt")}
cli.touchz("/data/empty")
result["touchz_full"] = attempt(lambda: cli.touchz("/data/put.txt"))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    cli.mkdir("/data/many")
    cli.rename(["/data/copy.txt", "/data/put.txt"], "/data/many")
result["multi_move_warning"] = [str(w.message) for w in caught]
cli.move("/data/empty", "/moved/to/empty")  # makes the missing parent first
# the type only: trun's FileAlreadyExists names the path, Luigi's says nothing
result["dont_move"] = attempt(lambda: cli.rename_dont_move("/data/many", "/data/words"))["error"]
cli.remove("/data/many/put.txt", recursive=False)  # to the trash
cli.remove("/moved", skip_trash=True)

cdh3, apache1 = hdfs.HdfsClientCdh3(), hdfs.HdfsClientApache1()
cdh3.mkdir("/old")
result["cdh3_mkdir_exists"] = attempt(lambda: cdh3.mkdir("/old", raise_if_exists=True))
cdh3.touchz("/old/f")
result["apache1_exists"] = [apache1.exists("/old/f"), apache1.exists("/old/none")]
result["apache1_lsr"] = list(apache1.listdir("/old", recursive=True))
cdh3.remove("/old", skip_trash=True)

flag = hdfs.HdfsFlagTarget("/jobs/run1/")
result["flag"] = [flag.exists()]
cli.mkdir("/jobs/run1")
cli.touchz("/jobs/run1/part-00000")
result["flag"].append(flag.exists())
cli.touchz("/jobs/run1/_SUCCESS")
result["flag"].append(flag.exists())
result["flag_no_slash"] = attempt(lambda: hdfs.HdfsFlagTarget("/jobs/run1"))
with hdfs.HdfsTarget("/jobs/run1/part-00001").open("w") as f:
    f.write("second part\n")
with hdfs.HdfsTarget("/jobs/run1/part-00000", format=hdfs.Plain).open("w") as f:
    f.write(b"first part\n")
with hdfs.HdfsTarget("/jobs/run1", format=hdfs.PlainDir).open("r") as f:
    result["plaindir"] = f.read().decode()
# Hadoop 2's -put needs the parent of the data file, which the dir pipe does not make
result["plaindir_write"] = attempt(
    lambda: hdfs.HdfsTarget("/jobs/run2", format=hdfs.PlainDir).open("w").close())
result["glob"] = [hdfs.HdfsTarget("/jobs/run1/part-*").glob_exists(n) for n in (1, 2, 3)]
result["writable"] = [hdfs.HdfsTarget("/jobs/run1/new/file").is_writable(),
                      hdfs.HdfsTarget("rel").is_writable()]
for probe in cli.listdir("/user/root/.Trash/Current/jobs/run1"):  # its name is random: no file to compare
    cli.remove(probe, skip_trash=True)
result["colon"] = attempt(lambda: hdfs.HdfsTarget("/a:b"))
result["mode"] = attempt(lambda: hdfs.HdfsTarget("/a").open("a"))



class OldStyle(luigi.format.Format):
    """A format of before ``output = "hdfs"``: it makes its own HDFS writer, and no reader."""

    def hdfs_writer(self, path):
        return self.pipe_writer(hdfs.Plain.hdfs_writer(path))

    def pipe_writer(self, output_pipe):
        return luigi.format.UTF8.pipe_writer(output_pipe)

    def pipe_reader(self, input_pipe):
        return input_pipe


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old = hdfs.HdfsTarget("/fmt/old.txt", format=OldStyle())
result["old_style_warning"] = [w.category.__name__ for w in caught]
with old.open("w") as f:
    f.write("old style\n")
with old.open("r") as f:
    result["old_style_read"] = f.read().decode()
zipped = hdfs.HdfsTarget("/fmt/z.gz", format=luigi.format.Gzip)
with zipped.open("w") as f:
    f.write(b"zipped\n")
with zipped.open("r") as f:
    result["gzip_read"] = f.read().decode()
with hdfs.HdfsTarget("/fmt/z.gz", format=hdfs.Plain).open("r") as f:
    result["gzip_magic"] = f.read()[:2].hex()



def dropped(fmt, data):
    """Whether a file written and then dropped without close() was published."""
    target = hdfs.HdfsTarget("/drop/file", format=fmt)
    writer = target.open("w")
    writer.write(data)
    del writer
    return target.exists()


result["dropped"] = [dropped(None, "text"), dropped(hdfs.Plain, b"bytes"), dropped(luigi.format.UTF8, "utf8")]

moving = hdfs.HdfsTarget("/jobs/run1/part-00001")
moving.copy("/jobs/copied")
moving.move("/jobs/elsewhere/part")
result["moved"] = [moving.path, moving.exists(), cli.exists("/jobs/elsewhere/part")]
result["move_raise"] = attempt(lambda: hdfs.HdfsTarget("/jobs/copied").move("/jobs/elsewhere/part",
                                                                            raise_if_exists=True))
hdfs.HdfsTarget("/jobs/copied").move_dir("/jobs/copied-dir")
hdfs.HdfsTarget("/jobs/copied-dir").remove(skip_trash=True)

tmp = hdfs.HdfsTarget(is_tmp=True)
result["tmp"] = [bool(re.fullmatch(r"/tmp/\w+/luigitemp-\d+", tmp.path)), tmp.exists()]
with tmp.open("w") as f:
    f.write("temporary\n")
tmp_path = tmp.path
result["tmp"].append(cli.exists(tmp_path))
del tmp
result["tmp"].append(cli.exists(tmp_path))
again = pickle.loads(pickle.dumps(hdfs.HdfsTarget("/data/joined.txt")))
result["pickled"] = again.open("r").read()
result["tmppath"] = [normal(config.tmppath("/data/x", include_unix_username=False)),
                     normal(config.tmppath("hdfs://nn:8020/tmp/x", include_unix_username=False)),
                     normal(config.tmppath(None, include_unix_username=False))]
result["config"] = [config.get_configured_hdfs_client(), config.get_configured_hadoop_version(),
                    config.load_hadoop_cmd(), type(clients.get_autoconfig_client()).__name__]
luigi.configuration.get_config().set("hadoop", "version", "apache1")
luigi.configuration.get_config().set("hadoop", "command", "hadoop --loglevel WARN")
result["config"] += [type(hadoopcli_clients.create_hadoopcli_client()).__name__, config.load_hadoop_cmd()]
luigi.configuration.get_config().set("hadoopcli", "version", "cdh5")
result["config"].append(attempt(hadoopcli_clients.create_hadoopcli_client))
luigi.configuration.get_config().set("hdfs", "client", "snakebite")
result["config"].append(attempt(lambda: clients.get_autoconfig_client(client_cache=type("C", (), {})())))
print(json.dumps(result))
