"""An FTP server on a free loopback port (pyftpdlib) in a thread of the test process, for the tests
of ``trun.contrib.ftp``: one user per home directory, all permissions, MDTM times in UTC."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import ThreadedFTPServer


@contextlib.contextmanager
def ftp_server(users: dict[str, Path]) -> Iterator[int]:
    """Serve each user's home directory (password = the user's name); yields the port."""
    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    authorizer = DummyAuthorizer()
    for user, home in users.items():
        home.mkdir(parents=True, exist_ok=True)
        authorizer.add_user(user, user, str(home), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "use_gmt_times": True})
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.5}, daemon=True)
    thread.start()
    try:
        yield server.address[1]
    finally:
        server.close_all()
        thread.join(timeout=30)
