"""An OpenSSH server (Debian's ``openssh-server``) on a free loopback port, for the tests of
``trun.contrib.ssh``: its own host key and config in a temporary directory, logins for this user
with a key made for the test (``key_file``), scp/sftp enabled, TCP forwarding allowed."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from loopback import free_port

SSHD = "/usr/sbin/sshd"


def available() -> bool:
    return os.path.exists(SSHD) and shutil.which("ssh") is not None and shutil.which("scp") is not None



@dataclass
class SSHServer:
    port: int
    key_file: str
    root: str  # a directory of the test's own (the remote side's files may go here)


@contextlib.contextmanager
def ssh_server() -> Iterator[SSHServer]:
    root = tempfile.mkdtemp(prefix="trun-ssh-")
    try:
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(root, name)],
                           check=True, timeout=60)
        shutil.copy(os.path.join(root, "client_key.pub"), os.path.join(root, "authorized_keys"))
        port = free_port()
        config = os.path.join(root, "sshd_config")
        with open(config, "w") as f:
            f.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root}/host_key\n"
                    f"AuthorizedKeysFile {root}/authorized_keys\nPidFile {root}/sshd.pid\n"
                    "StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "PermitRootLogin prohibit-password\nUsePAM no\nAllowTcpForwarding yes\n"
                    "Subsystem sftp internal-sftp\n")
        if os.getuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        server = subprocess.Popen([SSHD, "-D", "-e", "-f", config], stderr=subprocess.PIPE, text=True)
        try:
            for line in server.stderr:  # sshd says when it listens
                if "Server listening on" in line:
                    break
            else:
                raise RuntimeError(f"sshd did not start (exit code {server.wait()})")
            # keep reading its log, so that it never blocks on a full pipe
            threading.Thread(target=server.stderr.read, daemon=True).start()
            yield SSHServer(port, os.path.join(root, "client_key"), root)
        finally:
            server.terminate()
            server.wait(timeout=60)
    finally:
        shutil.rmtree(root, ignore_errors=True)
