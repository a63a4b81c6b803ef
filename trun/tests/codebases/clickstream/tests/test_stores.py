"""What our reports read back from the stores: HDFS listings and counts, MongoDB ranges and counts,
Elasticsearch markers, the docker options, through the contrib modules' own classes."""

import getpass
from unittest import mock

import luigi
import luigi.contrib.esindex
import luigi.contrib.hdfs
import luigi.contrib.mongodb
import pytest
from clickstream.publish import IndexSessions
from clickstream.sessions import Sessionize
from conftest import DAY
from luigi.contrib.mongodb import MongoRangeTarget


def test_listing_with_sizes_and_types(raw_day):
    (raw_day / "data/clicks/2024-05").mkdir()
    client = luigi.contrib.hdfs.get_autoconfig_client()
    listed = sorted(client.listdir("/data/clicks", include_size=True, include_type=True))
    assert listed[0] == ("/data/clicks/2024-05", 0, "d")
    assert listed[1][0] == "/data/clicks/2024-06-01.tsv" and listed[1][1] > 100 and listed[1][2] == "-"
    assert list(client.listdir("/data/clicks", ignore_directories=True)) == ["/data/clicks/2024-06-01.tsv"]


def test_count(raw_day):
    counted = luigi.contrib.hdfs.get_autoconfig_client().count("/data")
    assert counted["dir_count"] == "2" and counted["file_count"] == "1"
    assert int(counted["content_size"]) == (raw_day / "data/clicks/2024-06-01.tsv").stat().st_size


def test_flag_target_needs_the_flag(hdfs):
    flagged = luigi.contrib.hdfs.HdfsFlagTarget("/warehouse/export/2024-06-01/")
    (hdfs / "warehouse/export/2024-06-01").mkdir(parents=True)
    assert not flagged.exists()
    (hdfs / "warehouse/export/2024-06-01/_SUCCESS").write_text("")
    assert flagged.exists()
    with pytest.raises(ValueError):
        luigi.contrib.hdfs.HdfsFlagTarget("/warehouse/export/2024-06-01")


def test_hdfs_exists_and_mkdir_helpers(hdfs):
    assert not luigi.contrib.hdfs.exists("/tmp/made")
    luigi.contrib.hdfs.mkdir("/tmp/made")
    assert luigi.contrib.hdfs.exists("/tmp/made") and (hdfs / "tmp/made").is_dir()


@pytest.fixture
def users(mongo):
    mongo.product.users.insert_many([{"_id": "ann", "last_seen": "2024-06-01"}, {"_id": "bob"},
                                     {"_id": "cy", "last_seen": "2024-05-30"}])
    return mongo


def test_range_target(users):
    target = MongoRangeTarget(users, "product", "users", ["ann", "bob", "cy"], "last_seen")
    assert not target.exists()
    assert target.get_empty_ids() == {"bob"}
    assert target.read() == {"ann": "2024-06-01", "cy": "2024-05-30"}
    assert MongoRangeTarget(users, "product", "users", ["ann", "cy"], "last_seen").exists()


def test_count_target(users):
    assert luigi.contrib.mongodb.MongoCountTarget(users, "product", "users", 3).exists()
    assert not luigi.contrib.mongodb.MongoCountTarget(users, "product", "users", 4).exists()
    # mongomock's $group gives a count of 0 for an empty collection
    assert luigi.contrib.mongodb.MongoCountTarget(users, "product", "nothing", 0).read() == 0


def test_cell_target_nested_path(users):
    target = luigi.contrib.mongodb.MongoCellTarget(users, "product", "users", "ann", "prefs.theme")
    assert target.read() is None
    target.write("dark")
    assert users.product.users.find_one({"_id": "ann"})["prefs"] == {"theme": "dark"}
    assert target.read() == "dark" and target.exists()


def test_marker_target(es):
    target = IndexSessions(DAY).output()
    assert isinstance(target, luigi.contrib.esindex.ElasticsearchTarget)
    assert (target.index, target.doc_type) == ("sessions-2024.06", "session")
    assert target.marker_index_hist_size == 0
    assert len(target.marker_index_document_id()) == 40  # a sha1 of the update id and index
    assert not target.exists()
    target.touch()
    assert target.exists()


def test_purging_deletes_then_creates(sessions_file, es, docker_api, monkeypatch):
    monkeypatch.setattr(IndexSessions, "purge_existing_index", True)
    es.client.indices.exists.return_value = True
    luigi.build([IndexSessions(DAY)], local_scheduler=True)
    es.client.indices.delete.assert_called_once_with(index="sessions-2024.06")
    es.client.indices.create.assert_not_called()  # it still "exists": the mock says so


def test_docker_options(docker_api, monkeypatch):
    monkeypatch.setattr(Sessionize, "host_config_options", {"mem_limit": "2g"})
    monkeypatch.setattr(Sessionize, "container_options", {"working_dir": "/work"})
    monkeypatch.setattr(Sessionize, "network_mode", "host")
    monkeypatch.setattr(Sessionize, "mount_tmp", False)
    task = Sessionize(DAY)
    docker_api.images.return_value = [{"Id": "x"}]
    docker_api.start.side_effect = None
    task.run = super(Sessionize, task).run.__get__(task)  # the container part only
    task.run()
    assert docker_api.create_host_config.call_args == mock.call(
        binds=[f"{task.workdir}:/work"], network_mode="host", mem_limit="2g")
    assert docker_api.create_container.call_args.kwargs["working_dir"] == "/work"
    assert docker_api.create_container.call_args.kwargs["volumes"] == ["/work"]


def test_gzipped_on_hdfs(hdfs):
    import gzip

    target = luigi.contrib.hdfs.HdfsTarget("/warehouse/archive/clicks.tsv.gz", format=luigi.format.Gzip)
    with target.open("w") as out:
        out.write(b"ann\t/home\n")
    assert gzip.decompress((hdfs / "warehouse/archive/clicks.tsv.gz").read_bytes()) == b"ann\t/home\n"
    with target.open("r") as back:
        assert back.read() == b"ann\t/home\n"


def test_glob_exists(raw_day):
    directory = luigi.contrib.hdfs.HdfsTarget("/data/clicks")
    assert directory.glob_exists(1) and not directory.glob_exists(2)


def test_tmp_targets():
    first = luigi.contrib.hdfs.HdfsTarget(is_tmp=True)
    assert first.is_tmp and first.path != luigi.contrib.hdfs.HdfsTarget(is_tmp=True).path
    user = getpass.getuser()
    tmp = luigi.contrib.hdfs.tmppath("/warehouse/x.tsv")
    assert tmp.startswith(f"/tmp/{user}/warehouse/x.tsv-luigitemp-")


def test_removing_what_is_not_there(hdfs):
    with pytest.raises(luigi.contrib.hdfs.HDFSCliError) as caught:
        luigi.contrib.hdfs.remove("/nowhere")
    assert caught.value.returncode == 1 and "rm: `/nowhere'" in caught.value.stderr


def test_failed_writes_leave_nothing(hdfs):
    target = luigi.contrib.hdfs.HdfsTarget("/warehouse/broken.tsv")
    with pytest.raises(ZeroDivisionError):
        with target.open("w") as out:
            out.write("half a line")
            raise ZeroDivisionError("the writer broke")
    assert not target.exists()
    assert not (hdfs / "warehouse").exists()  # written under the tmp directory, then dropped


def test_marker_history_is_trimmed(es, monkeypatch):
    monkeypatch.setattr(IndexSessions, "marker_index_hist_size", 1)
    es.client.search.return_value = {"hits": {"hits": [{"_id": "old-1"}, {"_id": "old-2"}]}}
    target = IndexSessions(DAY).output()
    target.touch()  # then trims the history
    assert [c.kwargs["id"] for c in es.client.delete.call_args_list] == ["old-2"]
    assert es.client.search.call_args.kwargs["index"] == "update_log"
