"""ticklab: the Python side of the tick-data research platform.

Readers for the saved layer outputs (zero-copy numpy), the gRPC clients, the gateway, the CLI and the
trun pipeline steps. The hot paths run in the C++ core (services/); Python drives and inspects them.
"""

__version__ = "0.1.0"
