"""Configuration of the HDFS clients: the ``[hdfs]`` and ``[hadoopcli]`` sections, and the
temporary paths atomic writes go through (Luigi's ``luigi.contrib.hdfs.config``).

``[hdfs] client`` picks the client (``hadoopcli``, the default, or ``webhdfs``); ``[hadoopcli]
command`` is the command line run for ``hadoop`` (split on spaces) and ``version`` its syntax
(``cdh4``, the default and Hadoop 2+, ``cdh3`` or ``apache1``).  The older places Luigi read them
from, ``[hadoop] command``/``version`` and ``[core] hdfs-tmp-dir``, still work.
"""

from __future__ import annotations

import getpass
import os
import random
from urllib.parse import urlparse, urlunparse

from trun.parameter import IntParameter, OptionalParameter, Parameter
from trun.step import Config

_TMP_DIR = "/tmp"


class hdfs(Config):  # noqa: N801 (the [hdfs] section's name, as Luigi's)
    client_version = IntParameter(default=None)
    namenode_host = OptionalParameter(default=None)
    namenode_port = IntParameter(default=None)
    client = Parameter(default="hadoopcli")
    tmp_dir = OptionalParameter(default=None, config_path={"section": "core", "name": "hdfs-tmp-dir"})


class hadoopcli(Config):  # noqa: N801 (the [hadoopcli] section's name, as Luigi's)
    command = Parameter(default="hadoop", config_path={"section": "hadoop", "name": "command"},
                        description="The hadoop command line; split on spaces, so it may carry options")
    version = Parameter(default="cdh4", config_path={"section": "hadoop", "name": "version"},
                        description="The command's syntax: cdh4 (Hadoop 2 and later), cdh3 or apache1")


def load_hadoop_cmd() -> list[str]:
    """The configured ``hadoop`` command as an argv prefix."""
    return hadoopcli().command.split()


def get_configured_hadoop_version() -> str:
    """``[hadoopcli] version``, lower-cased: which command syntax the CLI client speaks."""
    return hadoopcli().version.lower()


def get_configured_hdfs_client() -> str:
    """``[hdfs] client``: the name of the client ``get_autoconfig_client`` makes."""
    return hdfs().client


def tmppath(path: str | None = None, include_unix_username: bool = True) -> str:
    """A fresh temporary path for ``path`` (any temporary path when ``None``):
    ``/tmp/<user>/<path>-truntemp-<random number>``, under ``[hdfs] tmp_dir`` when set, and with
    the scheme and host of ``path`` when it has them (``hdfs://host/a`` -> ``hdfs://host/tmp/...``)."""
    suffix = f"truntemp-{random.randrange(0, 10_000_000_000):09d}"
    configured = hdfs().tmp_dir
    if configured is not None:
        base = configured
    elif path is not None:
        parsed = urlparse(path)
        base = urlunparse((parsed.scheme, parsed.netloc, _TMP_DIR, "", "", ""))
    else:
        base = _TMP_DIR
    if path is None:
        stem = ""
    else:
        # a path already under /tmp keeps only its part below it, not /tmp/tmp/...; a URL its path
        inner = path[len(_TMP_DIR):] if path.startswith(_TMP_DIR + "/") else urlparse(path).path
        stem = inner.lstrip("/") + "-"
    if include_unix_username:
        stem = os.path.join(getpass.getuser(), stem)
    return os.path.join(base, stem + suffix)
