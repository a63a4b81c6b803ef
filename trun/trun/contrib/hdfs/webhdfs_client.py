"""HDFS over WebHDFS, the namenode's REST API, through the ``hdfs`` package (``pip install
'trun[webhdfs]'``; Luigi's ``luigi.contrib.hdfs.webhdfs_client``).

Chosen with ``[hdfs] client = webhdfs``; the namenode is ``[hdfs] namenode_host`` (several joined by
``;`` for HA) at ``[webhdfs] port`` (50070), acting as ``[hdfs] user`` (default ``$USER``);
``[webhdfs] client_type = kerberos`` uses ``hdfs.ext.kerberos``.  chmod, chown, count and copy are
not available over it (``NotImplementedError``).
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

import trun.contrib.hdfs.abstract_client as hdfs_abstract_client
import trun.contrib.hdfs.config as hdfs_config
from trun.parameter import ChoiceParameter, IntParameter, Parameter
from trun.step import Config

logger = logging.getLogger("trun-interface")


class webhdfs(Config):  # noqa: N801 (the [webhdfs] section's name, as Luigi's)
    port = IntParameter(default=50070, description="Port for webhdfs")
    user = Parameter(default="", description="Defaults to $USER envvar",
                     config_path={"section": "hdfs", "name": "user"})
    client_type = ChoiceParameter(var_type=str, choices=["insecure", "kerberos"], default="insecure",
                                  description="Type of hdfs client to use.")


class WebHdfsClient(hdfs_abstract_client.HdfsFileSystem):
    """A file system over WebHDFS; each operation makes a fresh ``hdfs`` client (``client``)."""

    def __init__(self, host: str | None = None, port: int | None = None, user: str | None = None,
                 client_type: str | None = None) -> None:
        self.host = host or hdfs_config.hdfs().namenode_host
        self.port = port or webhdfs().port
        self.user = user or webhdfs().user or os.environ["USER"]
        self.client_type = client_type or webhdfs().client_type

    @property
    def url(self) -> str:
        """``http://host:port``, one per namenode in ``host``, joined by ``;`` as ``hdfs`` takes them."""
        return ";".join(f"http://{host}:{self.port}" for host in self.host.split(";"))

    @property
    def client(self) -> Any:
        """A new ``hdfs.InsecureClient`` (or ``KerberosClient``): not kept, so that a forked worker
        never shares a connection pool with its parent."""
        if self.client_type == "kerberos":
            from hdfs.ext.kerberos import KerberosClient

            return KerberosClient(url=self.url)
        import hdfs

        return hdfs.InsecureClient(url=self.url, user=self.user)

    def walk(self, path: str, depth: int = 1) -> Any:
        return self.client.walk(path, depth=depth)

    def exists(self, path: str) -> bool:
        """Whether GETFILESTATUS finds ``path``; other errors are raised."""
        import hdfs

        try:
            self.client.status(path)
            return True
        except hdfs.util.HdfsError as e:
            if str(e).startswith("File does not exist: "):
                return False
            raise

    def upload(self, hdfs_path: str, local_path: str, overwrite: bool = False) -> Any:
        return self.client.upload(hdfs_path, local_path, overwrite=overwrite)

    def download(self, hdfs_path: str, local_path: str, overwrite: bool = False, n_threads: int = -1) -> Any:
        return self.client.download(hdfs_path, local_path, overwrite=overwrite, n_threads=n_threads)

    def remove(self, hdfs_path: str, recursive: bool = True, skip_trash: bool = False) -> Any:
        """DELETE, which bypasses the trash: callers must say so with ``skip_trash=True``."""
        assert skip_trash
        return self.client.delete(hdfs_path, recursive=recursive)

    def read(self, hdfs_path: str, offset: int = 0, length: int | None = None, buffer_size: int | None = None,
             chunk_size: int = 1024, buffer_char: str | None = None) -> Any:
        return self.client.read(hdfs_path, offset=offset, length=length, buffer_size=buffer_size,
                                chunk_size=chunk_size, buffer_char=buffer_char)

    def move(self, path: str, dest: str) -> None:
        """RENAME, making ``dest``'s parent first."""
        parts = dest.rstrip("/").split("/")
        if len(parts) > 1:
            parent = "/".join(parts[:-1])
            if not self.exists(parent):
                self.mkdir(parent, parents=True)
        self.client.rename(path, dest)

    def mkdir(self, path: str, parents: bool = True, mode: int = 0o755,
              raise_if_exists: bool = False) -> None:
        """MKDIRS (always with parents, never failing on an existing directory)."""
        if not parents or raise_if_exists:
            warnings.warn("webhdfs mkdir: parents/raise_if_exists not implemented", stacklevel=2)
        self.client.makedirs(path, permission=int(oct(mode)[2:]))  # the octal digits, as hdfs takes them

    def chmod(self, path: str, permissions: Any, recursive: bool = False) -> None:
        raise NotImplementedError("Webhdfs in trun doesn't implement chmod")

    def chown(self, path: str, owner: str | None, group: str | None, recursive: bool = False) -> None:
        raise NotImplementedError("Webhdfs in trun doesn't implement chown")

    def count(self, path: str) -> Any:
        raise NotImplementedError("Webhdfs in trun doesn't implement count")

    def copy(self, path: str, destination: str) -> None:
        raise NotImplementedError("Webhdfs in trun doesn't implement copy")

    def put(self, local_path: str, destination: str) -> None:
        """Upload the local file ``local_path`` to ``destination``."""
        self.upload(destination, local_path)

    def get(self, path: str, local_destination: str) -> None:
        """Download ``path`` to the local ``local_destination``."""
        self.download(path, local_destination)

    def listdir(self, path: str, ignore_directories: bool = False, ignore_files: bool = False,
                include_size: bool = False, include_type: bool = False, include_time: bool = False,
                recursive: bool = False) -> Any:
        """LISTSTATUS: the names in ``path`` (not recursive; the other options are ignored)."""
        assert not recursive
        return self.client.list(path, status=False)

    def touchz(self, path: str) -> None:
        """CREATE an empty file (fails if ``path`` exists)."""
        self.client.write(path, data="", overwrite=False)
