"""Closing a trun.format writer or reader does to the file under it what luigi.format's does, for
every format and chains of them (close(), a with-statement, an exception inside one; through a
LocalTarget and a MockTarget), compared with Luigi 3.8.1 running the same script."""

from luigi_pair import renamed, run_pair, scenario

PIPES = ("Gzip", "Bzip2", "UTF8>>Gzip", "Text>>Bzip2", "Nop>>Gzip", "Gzip1")


def test_format_close_same_as_luigi(tmp_path):
    lu, tr = run_pair(tmp_path, scenario("format_close"))
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected, got = renamed(lu.result), tr.result
    assert got["left"] == expected["left"]
    for name, cases in expected["formats"].items():
        for case, outcome in cases.items():
            if outcome.get("error") == "UnsupportedOperation":  # Luigi's pipes need a real file;
                assert name in PIPES and case.startswith("MockTarget")  # trun's compress in memory
                assert got["formats"][name][case]["exists"] == case.endswith("ok")
                continue
            assert got["formats"][name][case] == outcome, (name, case)
    gzip = got["formats"]["Gzip"]
    assert gzip["close"]["file_closed"] and gzip["with"]["file_closed"]
    assert gzip["close"]["reader_file_closed"]
    assert not gzip["raises"]["file_closed"] and not gzip["LocalTarget-raises"]["exists"]
    assert gzip["close"]["read"] == "line one\nline two\r\n"
