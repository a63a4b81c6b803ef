"""trun.contrib.ssh as Luigi's through the real ssh and scp clients and an OpenSSH server on
loopback: targets streamed in and out (a failed or dropped write leaves nothing; the open file's
tmp_path), the file system's calls, remote errors, a tunnel; the remote side's files are the same
after both."""

import pytest
import ssh_server
from luigi_pair import same_result, scenario


def test_ssh_remote_targets_same_as_luigi(tmp_path):
    if not ssh_server.available():
        pytest.fail("needs OpenSSH's sshd, ssh and scp (Debian's openssh-server: make deps installs it)")
    with ssh_server.ssh_server() as server:
        env = {"SSHPORT": str(server.port), "SSHKEY": server.key_file,
               "REMOTE": f"{server.root}/remote-luigi"}  # trun's run: remote-trun
        result = same_result(tmp_path, scenario("ssh"), env=env)
    assert [result["built"], result["broken"]] == [True, False]
    # tmp_path renamed away on close; a file dropped unclosed leaves neither it nor the target
    assert result["atomic"] == [True, False, True, False, False]
    assert result["summary"] == "report a\n" and result["copy"] is True
    assert result["remote_error"][1:] == [3, "out\n", "127.0.0.1"]
    assert result["checks"] == ["FileAlreadyExists", "MissingParentDirectory", "NotADirectory", False]
    assert result["listing"] == ["/deep/er/data.bin", "/reports/a.txt"]
    assert result["files"] == ["reports/a.txt"] and result["tunnel"] == "PING"
