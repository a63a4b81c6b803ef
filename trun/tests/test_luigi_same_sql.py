"""trun.contrib.rdbms and trun.contrib.sqla as Luigi's, on real SQLite files: rows copied in
chunks, marker tables, reflected and configured tables, failing copies that leave nothing half
written, and the abstract steps' errors."""

from luigi_pair import same_result, scenario


def test_sqlalchemy_copy_to_table_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("sqla"))
    assert [result[k] for k in ("first", "again", "more", "clash", "counted", "untyped")] == \
        [True, "SUCCESS", True, False, True, False]
    assert len(result["items"]) == 14 and ["new1", "p"] not in result["items"]  # the clash rolled back
    assert [m[0] for m in result["markers"]] == ["Items__99914b932b", "MoreItems__99914b932b"]
    assert result["counts"] == [[0, 0], [1, 1], [2, 4]] and len(result["count_markers"]) == 2
    assert result["tables"] == [["items"], ["my_updates"]] and result["clash_done"] is False
    assert [f[:2] for f in result["failures"]] == [["Clash", "IntegrityError"],
                                                   ["Untyped", "NotImplementedError"]]


def test_rdbms_copy_and_query_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("rdbms"))
    assert result["rows"] == [["apple", 3], ["meta", 1], ["pear", 0]] and result["total"] == "4"
    assert result["markers"] == ["Counting__99914b932b", "Fruit__99914b932b"]
    assert [f[0] for f in result["failures"]] == ["Names", "Cleared"]
    assert result["abstract"][1].endswith("abstract methods database, host, output, password, query, run, "
                                          "table, user")
