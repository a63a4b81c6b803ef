"""trun.tools.trun_grep finds on trund what luigi.tools.luigi_grep finds on luigid after the same
build: real central schedulers on loopback, the same searches and the same printed output."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from luigi_pair import luigi_python, port, renamed, scenario
from trund_helpers import TrundProcess


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port_number: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port_number)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"luigid did not listen on {port_number}")


def _run(work: Path, python: str, source: str, scheduler_port: int) -> dict:
    work.mkdir()
    (work / "wf.py").write_text(source)
    r = subprocess.run([python, "wf.py", str(scheduler_port)], cwd=work, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _blocks(lines: list[str]) -> list:
    """The printed search, with each step's "status=" blocks in a fixed order (Luigi's follow the
    order of a set)."""
    steps: list = []
    for line in lines:
        if not line.startswith(" "):
            steps.append([line, []])
        elif line.startswith("  status="):
            steps[-1][1].append([line])
        else:
            steps[-1][1][-1].append(line)
    return sorted([head, sorted(sorted(b[1:]) + b[:1] for b in blocks)] for head, blocks in steps)


def test_grep_same_as_luigi(tmp_path):
    python = luigi_python()
    luigid_port = _free_port()
    luigid = subprocess.Popen([str(Path(python).parent / "luigid"), "--address", "127.0.0.1", "--port",
                               str(luigid_port), "--state-path", str(tmp_path / "luigid.pickle")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_listening(luigid_port, luigid)
        luigi_result = _run(tmp_path / "luigi", python, scenario("grep"), luigid_port)
    finally:
        luigid.terminate()
        luigid.wait(30)
    trund = TrundProcess(tmp_path / "trund.sqlite").start()
    try:
        trun_result = _run(tmp_path / "trun", sys.executable, port(scenario("grep")), trund.port)
    finally:
        trund.stop()
    expected = renamed(luigi_result)
    for key in ("--prefix Top", "--status pending"):
        assert _blocks(trun_result.pop(key)) == _blocks(expected.pop(key))
    assert trun_result == expected
    assert trun_result["failed"][0].startswith("Middle_1_")
    assert trun_result["url"] == "http://127.0.0.1:PORT/api/graph"
