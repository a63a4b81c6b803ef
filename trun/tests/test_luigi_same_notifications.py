"""trun.notifications sends the error e-mails Luigi sends: same envelope, headers and body, over SMTP
to a real server on loopback, as plain text and as HTML."""

import html
import re
import subprocess
import sys

import pytest
from luigi_pair import luigi_python, port, scenario
from smtp_sink import SMTPSink


def _mails(tmp_path, engine, python, *args):
    work = tmp_path / engine
    work.mkdir()
    source = scenario("notifications")
    (work / "wf.py").write_text(port(source) if engine == "trun" else source)
    with SMTPSink() as sink:
        r = subprocess.run([python, "wf.py", str(sink.port), *args], cwd=work, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        mails = []
        for m in sink.messages:
            msg = m["message"]
            parts = [p for p in msg.walk() if not p.is_multipart()]
            body = parts[0].get_payload(decode=True).decode()
            head, _, tail = body.partition("Traceback (most recent call last):")
            if "<html>" in body:  # the traceback may be highlighted (pygments): compared as text
                head, _, tail = body.partition("<h2>Traceback</h2>")
                tail = html.unescape(re.sub(r"<[^>]+>", "", tail))
                head = head.replace("</table>\n</pre>", "</table>")  # a stray tag in Luigi's page
            head = head.replace(f"wf.py {sink.port}", "wf.py PORT")  # each run has its own server
            mails.append({"from": m["from"], "to": m["to"], "subject": msg["Subject"],
                          "headers": sorted(msg.keys()), "types": [p.get_content_type() for p in msg.walk()],
                          "body": head, "error": tail.strip().splitlines()[-1:] if tail else [],
                          "raw": body})
    return mails


@pytest.mark.parametrize("fmt", ["plain", "html"])
def test_error_emails_same_as_luigi(tmp_path, fmt):
    args = ["html"] if fmt == "html" else []
    luigi = _mails(tmp_path, "luigi", luigi_python(), *args)
    trun = _mails(tmp_path, "trun", sys.executable, *args)
    raw = [m.pop("raw") for m in trun]
    luigi = [{k: port(v) if isinstance(v, str) else v for k, v in m.items() if k != "raw"} for m in luigi]
    assert trun == luigi
    assert len(trun) == 3
    assert trun[1]["to"] == ["ops@example.com", "owner@example.com"]
    assert trun[1]["error"] == ["ValueError: the data is bad"]
    assert "failed scheduling" in trun[2]["subject"]
    assert trun[2]["error"] == ["KeyError: 'no such region'"]
    # trun's interpreter has pygments: the traceback is highlighted, as Luigi's is when it has it
    assert ('<div class="highlight"' in raw[2]) == (fmt == "html")
