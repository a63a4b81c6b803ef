"""trun.contrib.ftp as Luigi's against a real FTP server on loopback (pyftpdlib): atomic uploads,
downloads, listings, removal, modification times; the server's files are the same after both."""

import pytest
from luigi_pair import same_result, scenario

ftp_server = pytest.importorskip("ftp_server")


def test_ftp_remote_targets_same_as_luigi(tmp_path):
    homes = {"luigi_user": tmp_path / "ftp" / "luigi", "trun_user": tmp_path / "ftp" / "trun"}
    for home in homes.values():  # Luigi's exists() fails where the directory is missing
        (home / "reports").mkdir(parents=True)
    with ftp_server.ftp_server(homes) as port:
        result = same_result(tmp_path / "runs", scenario("ftp"),
                             env={"FTPPORT": str(port), "FTPUSER": "luigi_user"})
    assert [result["built"], result["again"], result["broken"]] == [True, "SUCCESS", False]
    assert result["summary"] == "report a\nreport b\n"
    assert result["exists"] == [True, False, True, False] and result["copy"] is True
    assert result["times"] == [True, False]
    assert result["listed"] == [["a.txt", "b.txt"], ["deep", "plain.bin", "reports"]]
    assert result["after_remove"] == ["reports"] and result["ports"] == [21, 22, 60]
    files = {name: sorted(str(p.relative_to(home)) for p in home.rglob("*")) for name, home in homes.items()}
    assert files["trun_user"] == files["luigi_user"] == ["reports", "reports/a.txt", "reports/b.txt"]
