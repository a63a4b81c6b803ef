"""trun.batch_notifier sends the batched e-mails Luigi's batch notifier sends (same recipients,
subjects and bodies, plain and HTML), over SMTP to a real server on loopback."""

import subprocess
import sys

import pytest
from luigi_pair import luigi_python, port, same_result, scenario
from smtp_sink import SMTPSink


def _mails(tmp_path, engine, python, fmt):
    work = tmp_path / f"{engine}-{fmt}"
    work.mkdir()
    source = scenario("batch_notifier")
    (work / "wf.py").write_text(port(source) if engine == "trun" else source)
    with SMTPSink() as sink:
        r = subprocess.run([python, "wf.py", str(sink.port), fmt], cwd=work, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        mails = []
        for m in sink.messages:
            msg = m["message"]
            body = [p for p in msg.walk() if not p.is_multipart()][0].get_payload(decode=True).decode()
            mails.append((m["to"], msg["Subject"], body))
    return sorted(mails)


@pytest.mark.parametrize("fmt", ["plain", "html"])
def test_batched_emails_same_as_luigi(tmp_path, fmt):
    luigi = [tuple(port(x) if isinstance(x, str) else x for x in m)
             for m in _mails(tmp_path, "luigi", luigi_python(), fmt)]
    trun = _mails(tmp_path, "trun", sys.executable, fmt)
    assert trun == sorted(luigi)
    assert len(trun) == 5 * 4  # each batch: both receivers, the step owner, the planner
    subjects = {s for to, s, _ in trun if to == ["ops@example.com"]}
    assert "Trun: 4 failures, 2 disables, 1 scheduling failure in the last 60 minutes" in subjects


def test_failed_send_drops_the_batch_and_restarts_the_interval(tmp_path):
    result = same_result(tmp_path, scenario("batch_notifier_send_fails"))
    assert result["events"] == ["raised mail server went away", 1, 1, 2]
