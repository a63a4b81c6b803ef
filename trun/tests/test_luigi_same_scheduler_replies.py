"""The replies of the scheduler's RPC methods, read as a user's test reads them, against Luigi's.

Each of Luigi's reply fields has the same value in trun's reply (renamed); trun may add fields of
its own (``info``, ``num_steps``, ``deps`` ...), which a Luigi user's code does not read."""

from luigi_pair import renamed, run_pair, scenario


def covers(expected, actual, where="reply"):
    """Every field of `expected` is in `actual` with the same value; lists item by item."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not a mapping"
        for key, value in expected.items():
            assert key in actual, f"{where}: no {key!r} (has {sorted(actual)})"
            covers(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            covers(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: trun {actual!r}, Luigi {expected!r}"


def test_scheduler_replies_match_luigis(tmp_path):
    lu, tr = run_pair(tmp_path, scenario("scheduler_replies"))
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    covers(renamed(lu.result), tr.result)
