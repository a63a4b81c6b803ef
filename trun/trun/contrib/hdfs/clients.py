"""The client the configuration names, made once per thread, and module-level shortcuts to it
(Luigi's ``luigi.contrib.hdfs.clients``): ``exists``, ``rename``, ``remove``, ``mkdir``, ``listdir``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import trun.contrib.hdfs.config as hdfs_config
import trun.contrib.hdfs.hadoopcli_clients as hdfs_hadoopcli_clients
import trun.contrib.hdfs.webhdfs_client as hdfs_webhdfs_client
from trun.contrib.hdfs.abstract_client import HdfsFileSystem

logger = logging.getLogger("trun-interface")

_AUTOCONFIG_CLIENT = threading.local()


def get_autoconfig_client(client_cache: Any = _AUTOCONFIG_CLIENT) -> HdfsFileSystem:
    """The client ``[hdfs] client`` names (``hadoopcli`` or ``webhdfs``), cached in ``client_cache``
    (by default one per thread); any other name is an ``Exception``."""
    try:
        return client_cache.client
    except AttributeError:
        name = hdfs_config.get_configured_hdfs_client()
        if name == "webhdfs":
            client_cache.client = hdfs_webhdfs_client.WebHdfsClient()
        elif name == "hadoopcli":
            client_cache.client = hdfs_hadoopcli_clients.create_hadoopcli_client()
        else:
            raise Exception("Unknown hdfs client " + name) from None
        return client_cache.client


def _on_autoconfig_client(method_name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(get_autoconfig_client(), method_name)(*args, **kwargs)

    call.__name__ = method_name
    call.__doc__ = f"``{method_name}`` of the configured HDFS client."
    return call


exists = _on_autoconfig_client("exists")
rename = _on_autoconfig_client("rename")
remove = _on_autoconfig_client("remove")
mkdir = _on_autoconfig_client("mkdir")
listdir = _on_autoconfig_client("listdir")
