"""trun.contrib.mongodb as Luigi's: the same targets (a nested field, a field across documents, a
count, a collection) read and written directly and by tasks, first through the real pymongo
driver against a wire-protocol server on loopback (``mongo_server``), then on mongomock in the
scenario's own process.  Luigi 3.8.1 calls two methods pymongo 4 removed (``collection_names``,
``initialize_ordered_bulk_op``), so on the server its range writes and collection checks raise
where trun's work; on mongomock given pymongo 3's method both engines do everything alike."""

import os

import mongo_server
import pytest
from driver_path import packages_only
from luigi_pair import renamed, run_pair, same_result, scenario

pytest.importorskip("pymongo")

# the scenario's answers that Luigi's pymongo-3 calls turn into errors under pymongo 4
_PYMONGO4_ONLY = {"before", "scores", "headcount", "archive", "after", "docs"}


def _driver(tmp_path):
    """pymongo and mongomock (with what they import) for Luigi's venv, and this worktree's trun."""
    driver = packages_only(tmp_path / "driver", "pymongo", "bson", "gridfs", "dns", "mongomock", "sentinels",
                           "packaging", "pytz")
    return os.pathsep.join([driver, os.environ.get("PYTHONPATH", "")])


def _distinct(commands):
    """``{command: its name}`` of the distinct commands sent, the database left out (each engine
    has its own)."""
    return {repr(sorted(cmd.items())): next(iter(cmd)) for _db, cmd in commands}


def test_mongo_targets_through_pymongo_same_as_luigi(tmp_path):
    sent = {}
    with mongo_server.MongoServer() as server:
        def setup(work, engine):
            taken = server.take_commands()  # before Luigi's run: nobody's; before trun's: Luigi's
            if engine == "trun":
                sent["luigi"] = taken

        lu, tr = run_pair(tmp_path, scenario("mongodb"), setup=setup,
                          env={"MONGOPORT": str(server.port), "MONGODB": "luigi_shop",
                               "PYTHONPATH": _driver(tmp_path)})
        sent["trun"] = server.take_commands()
        stored = {db: list(server.client[db]["people"].find({}, sort=[("_id", 1)]))
                  for db in ("luigi_shop", "trun_shop")}
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    assert {k: v for k, v in tr.result.items() if k not in _PYMONGO4_ONLY} == \
           {k: v for k, v in expected.items() if k not in _PYMONGO4_ONLY}
    assert tr.result["cells"]["address.city"] == [True, False, False, False]
    assert tr.result["cells"]["address.zip.nope"] == [False] * 4
    assert tr.result["reads"] == [{"code": "0150"}, "0150", ["x", "y"], None, None]
    assert tr.result["cities"] == "SUCCESS"
    assert expected["headcount"] == ["SUCCESS", True, False]  # Eve made five
    assert tr.result["headcount"] == ["SUCCESS", False, True]  # and trun's scores added Dee
    assert tr.result["str"] == ["trun_shop/people", "trun_shop/people"]
    assert tr.result["before"]["range"] == expected["before"]["range"] == \
           [False, ["nobody"], {"ann": "Ann", "bob": "Bob"}]
    assert tr.result["before"]["count"] == expected["before"]["count"] == [True, 3, None]
    # Luigi on pymongo 4: the collection check and the range write fail; trun answers and writes
    assert expected["before"]["collection"] == ["TypeError", "TypeError"]
    assert tr.result["before"]["collection"] == [True, False]
    assert [expected["scores"], expected["archive"]] == ["FAILED", "SCHEDULING_FAILED"]
    assert [tr.result["scores"], tr.result["archive"]] == ["SUCCESS", "SUCCESS"]
    assert tr.result["after"] == {"scores": {"ann": 6, "bob": 2, "dee": 4}, "empty": ["cy"],
                                  "complete": [False, True, True]}
    # what both left on the server: the same documents, but for the scores only trun could write
    def without_scores(docs):
        return [{k: v for k, v in d.items() if k != "score"} for d in docs if d["_id"] != "dee"]

    assert without_scores(stored["luigi_shop"]) == without_scores(stored["trun_shop"])
    assert [d["_id"] for d in stored["luigi_shop"]] == ["ann", "bob", "cy", "eve", "nobody"]
    assert {d["_id"]: d.get("score") for d in stored["trun_shop"]} == {
        "ann": 6, "bob": 2, "cy": None, "dee": 4, "eve": None, "nobody": None}
    assert tr.result["docs"] == stored["trun_shop"]
    # every distinct command Luigi sent, trun sent too; trun's extra ones are the two it could send
    luigi_sent = _distinct(sent["luigi"])
    trun_sent = _distinct(sent["trun"])
    assert set(luigi_sent) <= set(trun_sent)
    extra = sorted(name for c, name in trun_sent.items() if c not in luigi_sent)
    assert extra == ["insert", "listCollections", "update"], extra  # archive, collection check, scores
    assert "'ordered', True" in next(c for c, name in trun_sent.items() if name == "update" and "dee" in c)


def test_mongo_targets_on_mongomock_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("mongodb"), env={"PYTHONPATH": _driver(tmp_path)})
    assert result["before"]["collection"] == [True, False]
    assert [result["cities"], result["scores"], result["archive"]] == ["SUCCESS"] * 3
    assert result["after"] == {"scores": {"ann": 6, "bob": 2, "dee": 4}, "empty": ["cy"],
                               "complete": [False, True, True]}
    assert result["empty_write"] is None
    assert [d["_id"] for d in result["docs"]] == ["ann", "bob", "cy", "dee", "eve", "nobody"]
    assert result["headcount"] == ["SUCCESS", False, True]  # Eve, then Dee by the scores
