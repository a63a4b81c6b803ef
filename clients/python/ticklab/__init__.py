"""ticklab: the Python side of the tick-data research platform.

The hot paths run in the C++ core (services/); Python drives and inspects them:

- ``ticklab.io``: readers of every saved layer (store, features, stats database) and the record
  dtypes and field codes they share;
- ``ticklab.client``: the gRPC clients (``ticklab.connect``, ``ticklab.aio.connect``), resumable streams;
- ``ticklab.gateway``: the gateway server (fan-out, resume, auth) and its client;
- ``ticklab.synth``: the synthetic market generator and its provider-format writers;
- ``ticklab.commands`` + ``ticklab.cli``: the ``ticklab`` command line;
- ``ticklab.pipeline``: the batch pipeline as trun steps; ``ticklab.native`` runs the C++ tools;
  ``ticklab.supervisor`` runs the services; ``ticklab.config`` reads the TOML config;
- ``ticklab.testing``: fixtures for tests and benchmarks (not used by the package itself).
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
