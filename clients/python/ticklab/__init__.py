"""ticklab: the Python side of the tick-data research platform.

Readers for the saved layer outputs (zero-copy numpy), the gRPC clients, the gateway, the CLI and the
trun pipeline steps. The hot paths run in the C++ core (services/); Python drives and inspects them.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    """Lazy exports: ``ticklab.connect`` (gRPC client) without importing grpc at package import."""
    if name == "connect":
        from ticklab.client import connect

        return connect
    if name == "aio":
        import importlib

        return importlib.import_module("ticklab.aio")
    raise AttributeError(f"module 'ticklab' has no attribute {name!r}")
