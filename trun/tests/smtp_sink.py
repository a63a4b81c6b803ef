"""A minimal SMTP server on loopback that keeps every message it receives (for notification tests)."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes
from typing import Any


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 sink ready")
        envelope: dict[str, Any] = {"from": None, "to": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._reply("250 sink")
            elif verb == b"MAIL":
                envelope["from"] = line.split(b":", 1)[1].strip().strip(b"<>").decode()
                self._reply("250 ok")
            elif verb == b"RCPT":
                envelope["to"].append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
                self._reply("250 ok")
            elif verb == b"DATA":
                self._reply("354 go on")
                body = []
                for data in iter(self.rfile.readline, b""):
                    if data.rstrip(b"\r\n") == b".":
                        break
                    body.append(data[1:] if data.startswith(b"..") else data)
                self.server.messages.append({**envelope, "message": message_from_bytes(b"".join(body))})
                envelope = {"from": None, "to": []}
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


class SMTPSink(socketserver.ThreadingTCPServer):
    """``with SMTPSink() as sink:`` serves on ``sink.port``; ``sink.messages`` holds what arrived."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[dict[str, Any]] = []
        self.port = self.server_address[1]

    def __enter__(self) -> SMTPSink:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
