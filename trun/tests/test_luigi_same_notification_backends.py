"""trun.notifications' SES and SNS back-ends make the requests Luigi's make (through boto3, to a
real HTTP endpoint on loopback), and sendgrid's settings read as Luigi's; without the client
library the error names the package to install."""

import base64
import email
import subprocess
import sys

import pytest
from aws_sink import AWSSink
from luigi_pair import luigi_python, port, renamed, scenario

pytest.importorskip("boto3")


def _run(tmp_path, engine, python):
    work = tmp_path / engine
    work.mkdir()
    source = scenario("notification_backends")
    (work / "wf.py").write_text(port(source) if engine == "trun" else source)
    if subprocess.run([python, "-c", "import boto3"], capture_output=True).returncode:
        pytest.skip(f"boto3 is not installed for {python}")
    with AWSSink() as sink:
        env = {"AWS_ENDPOINT_URL": sink.url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
        r = subprocess.run([python, "wf.py"], cwd=work, capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stderr
    requests = []
    for fields in sink.requests:
        raw = fields.pop("RawMessage.Data", None)
        if raw is not None:
            msg = email.message_from_bytes(base64.b64decode(raw))
            parts = [p for p in msg.walk() if not p.is_multipart()]
            fields["raw"] = {"Subject": msg["Subject"], "From": msg["From"], "To": msg["To"],
                             "body": parts[0].get_payload(decode=True).decode()}
        requests.append(fields)
    return requests, r.stdout.strip().splitlines()[-1]


def test_ses_and_sns_requests_same_as_luigi(tmp_path):
    luigi_requests, luigi_out = _run(tmp_path, "luigi", luigi_python())
    trun_requests, trun_out = _run(tmp_path, "trun", sys.executable)
    assert trun_requests == renamed(luigi_requests)
    assert trun_out == port(luigi_out)
    assert [r["Action"] for r in trun_requests] == ["SendRawEmail", "SendRawEmail", "Publish"]
    assert trun_requests[0]["Destinations.member.2"] == "oncall@example.com"
    assert len(trun_requests[2]["Subject"]) == 100


def test_missing_client_library_is_a_clear_error(tmp_path, monkeypatch):
    import trun.notifications

    monkeypatch.setitem(sys.modules, "sendgrid", None)  # as if the package were not installed
    cfg = trun.configuration.get_config()
    for key, value in [("method", "sendgrid"), ("force_send", "true"), ("SENGRID_API_KEY", "k")]:
        cfg.set("email", key, value)
    with pytest.raises(ImportError, match=r"method = sendgrid needs the 'sendgrid' package \(pip install"):
        trun.notifications.send_email("s", "m", "a@example.com", ["b@example.com"])
