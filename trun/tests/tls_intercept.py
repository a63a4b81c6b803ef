"""An HTTPS proxy on loopback that answers for given host names itself, for testing clients that
call fixed ``https://`` URLs (``trun.contrib.salesforce`` calls ``https://login.salesforce.com``).

A client sent to it (``HTTPS_PROXY=http://127.0.0.1:<port>``, trusting the certificate it made:
``REQUESTS_CA_BUNDLE=<cert>`` for ``requests``) opens a tunnel with ``CONNECT host:443``; the
proxy ends TLS there with a self-signed certificate naming those hosts and hands each request to
``app(method, host, path, headers, body) -> (status, content_type, body)``.  Nothing leaves the
machine: a host it was not made for gets a 502."""

from __future__ import annotations

import contextlib
import datetime
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

App = Callable[[str, str, str, dict[str, str], bytes], tuple[int, str, bytes]]


def make_certificate(directory: Path, hosts: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate (its own authority) for ``hosts``; returns (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _handler(app: App, hosts: set[str], context: ssl.SSLContext) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client's pool reuses the tunnel
        tunnel_host = ""

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_CONNECT(self) -> None:  # noqa: N802 (http.server's naming)
            host = self.path.rsplit(":", 1)[0]
            if host not in hosts:
                self.send_error(502, f"not a host of this test: {host}")
                return
            self.send_response(200, "Connection established")
            self.end_headers()
            self.wfile.flush()
            # from here on the same connection carries TLS, and requests to `host` inside it
            tls = context.wrap_socket(self.connection, server_side=True)
            self.connection = tls
            self.rfile = tls.makefile("rb")
            self.wfile = tls.makefile("wb")
            self.tunnel_host = host
            self.close_connection = False  # http.client asks for the tunnel in HTTP/1.0

        def _answer(self) -> None:
            if not self.tunnel_host:
                self.send_error(405, "only CONNECT tunnels")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, content_type, reply = app(
                self.command, self.tunnel_host, self.path, dict(self.headers), body
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    return Handler


@contextlib.contextmanager
def intercepting_proxy(directory: Path, hosts: list[str], app: App) -> Iterator[dict[str, str]]:
    """Serve until the block ends; yields the environment a ``requests`` client needs to go
    through the proxy and trust it (``HTTPS_PROXY``, ``REQUESTS_CA_BUNDLE``, an empty ``NO_PROXY``)."""
    cert, key = make_certificate(directory, hosts)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(app, set(hosts), context))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield {
            "HTTPS_PROXY": f"http://127.0.0.1:{server.server_address[1]}",
            "REQUESTS_CA_BUNDLE": str(cert),
            "NO_PROXY": "",
            "no_proxy": "",
        }
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
