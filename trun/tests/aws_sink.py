"""A minimal Amazon SES/SNS endpoint on loopback (the query protocol boto3 speaks) that keeps every
request's form fields, for the notification tests of ``[email] method = ses / sns``."""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from typing import Any

_REPLIES = {
    "SendRawEmail": ("SendRawEmailResponse", "http://ses.amazonaws.com/doc/2010-12-01/",
                     "SendRawEmailResult"),
    "Publish": ("PublishResponse", "http://sns.amazonaws.com/doc/2010-03-31/", "PublishResult"),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        fields = dict(urllib.parse.parse_qsl(body))
        self.server.requests.append(fields)
        root, ns, result = _REPLIES[fields["Action"]]
        reply = (f'<{root} xmlns="{ns}"><{result}><MessageId>m-{len(self.server.requests)}</MessageId>'
                 f"</{result}><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{root}>")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply.encode())

    def log_message(self, *args: Any) -> None:
        pass


class AWSSink(http.server.ThreadingHTTPServer):
    """``with AWSSink() as sink:`` serves on ``sink.url``; ``sink.requests`` holds each request's
    form fields (``Action``, ``Source``, ``RawMessage.Data``, ``TopicArn``, ...)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, str]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> AWSSink:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
