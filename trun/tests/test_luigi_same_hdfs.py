"""trun.contrib.hdfs's hadoop CLI client as Luigi's, against the same fake ``hadoop`` command
(fake_hadoop.py: a local directory standing for HDFS): the files each engine leaves in it, the
argv of every ``hadoop`` call, and what each operation returns or raises are the same."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import fake_hadoop
from luigi_pair import port, renamed, run_pair, same_result, scenario


def _with_fake_hadoop(work: Path, engine: str) -> None:
    fake_hadoop.install(work / "bin")
    (work / "hdfs-root").mkdir()


def _calls(log: Path) -> list[list[str]]:
    """The logged argv lists, random temporary names made equal."""
    return [json.loads(re.sub(r"(temp|access)-\d+", r"\1-N", line)) for line in log.read_text().splitlines()]


# this interpreter's PYTHONPATH too, so that a checkout's trun (not only an installed one) is run
ENV = {"FAKE_HDFS_ROOT": "hdfs-root", "FAKE_HADOOP_LOG": "hadoop-argv.log",
       "PYTHONPATH": os.environ.get("PYTHONPATH", "")}


def test_hdfs_cli_client_and_targets_same(tmp_path: Path) -> None:
    result = same_result(tmp_path, scenario("hdfs_cli"), env=ENV, setup=_with_fake_hadoop)
    luigi_calls = json.loads(port(json.dumps(_calls(tmp_path / "luigi" / "hadoop-argv.log"))))
    trun_calls = _calls(tmp_path / "trun" / "hadoop-argv.log")
    end = ["fs", "-stat", "/builds-done"]
    # the builds: the same calls, though the workers check the two requirements in another order
    assert sorted(trun_calls[:trun_calls.index(end)]) == sorted(luigi_calls[:luigi_calls.index(end)])
    assert trun_calls[trun_calls.index(end):] == luigi_calls[luigi_calls.index(end):]
    assert ["fs", "-put", "-", "/tmp/root/data/joined.txt-truntemp-N"] in trun_calls
    assert result["built"] is True and result["broken"] is False
    assert result["joined"] == "A ONE\nA TWO\nB ONE\nB TWO\n"
    assert result["exists"] == [True, False, True]
    assert result["unknown_host"]["error"] == "HDFSCliError"
    assert "failed [exit code 255]\n---stdout---\n\n---stderr---\n" in result["unknown_host"]["text"]
    assert [m and m["error"] for m in result["mkdir"]] == [None, "FileAlreadyExists", "NotImplementedError",
                                                            "HDFSCliError", None]
    assert result["listdir_sized"] == [["/data/joined.txt", 24, "-"], ["/data/words", 0, "d"]]
    assert result["count"] == {"content_size": "48", "dir_count": "2", "file_count": "3"}
    assert result["local"]["merged-nl.txt"] == "a one\na two\n\nb one\nb two\n\n"
    assert result["flag"] == [False, False, True] and result["glob"] == [False, True, False]
    assert result["plaindir"] == "first part\nsecond part\n"
    assert result["tmp"] == [True, False, True, False]
    assert result["dropped"] == [False, False, False]
    assert result["old_style_warning"] == ["DeprecationWarning"] and result["old_style_read"] == "old style\n"
    assert result["gzip_read"] == "zipped\n" and result["gzip_magic"] == "1f8b"
    assert result["config"][3:5] == ["HdfsClient", "HdfsClientApache1"]
    trash = tmp_path / "trun" / "hdfs-root" / "user" / "root" / ".Trash" / "Current"
    assert (trash / "data" / "many" / "put.txt").read_text() == "from the local disk\n"
    assert not list((tmp_path / "trun" / "hdfs-root" / "data" / "words").glob("broken*"))


def test_hdfs_deliberate_differences(tmp_path: Path) -> None:
    env = {**ENV, "FAKE_HADOOP_JVM_WARNING": "1"}
    lu, tr = run_pair(tmp_path, scenario("hdfs_differences"), env=env, setup=_with_fake_hadoop)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    luigi, trun = renamed(lu.result), tr.result
    assert trun["listdir"] == luigi["listdir"] == ["/data/file"]
    # Luigi catches clients.HDFSCliError, a name that module does not have: the failed probe is an
    # AttributeError there; trun says the path is not writable
    assert luigi["writable_under_file"]["error"] == "AttributeError"
    assert trun["writable_under_file"] is False
    # Luigi unpacks all of -count's output, warning included; trun reads the count line
    assert luigi["count"]["error"] == "ValueError"
    assert trun["count"] == {"content_size": "0", "dir_count": "1", "file_count": "1"}
    # Luigi passes HdfsFlagTarget's client on as is_tmp (so collecting the target removes the
    # directory); trun uses it as the target's file system
    assert luigi["flag_client"] == ["HdfsClient", True]
    assert trun["flag_client"] == ["HdfsClientCdh3", False]
