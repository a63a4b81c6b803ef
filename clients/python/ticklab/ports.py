"""Is a TCP port taken? The one check behind "port 50050 is in use" (``ticklab up``, the gateway).

gRPC's own bind error says only "Failed to bind"; a service that is refused its port should say
which port, and that something else holds it.
"""

from __future__ import annotations

import errno
import socket


def port_in_use(host: str, port: int) -> bool:
    """True if something listens on (host, port): a plain bind (SO_REUSEADDR, as servers bind) fails."""
    if port == 0:
        return False
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            return e.errno == errno.EADDRINUSE
    return False


def in_use_message(what: str, host: str, port: int) -> str:
    return (f"{what}: port {port} on {host} is in use (another `ticklab up`, or a stray server?): "
            "stop it, or choose another port in [services]")
