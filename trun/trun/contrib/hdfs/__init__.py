"""HDFS for trun, as Luigi's ``luigi.contrib.hdfs``: ``HdfsTarget`` and ``HdfsFlagTarget``, the
clients (``hadoop fs`` on the command line, or WebHDFS), formats and configuration, all re-exported
here from the submodules.

``[hdfs] client`` picks the client every target uses unless given one: ``hadoopcli`` (the
default; ``[hadoopcli] command`` and ``version``) or ``webhdfs`` (``[hdfs] namenode_host``,
``[webhdfs] port``)::

    [hdfs]
    client = hadoopcli

    [hadoopcli]
    command = hadoop
    version = cdh4
"""

from trun.contrib.hdfs import clients as hdfs_clients
from trun.contrib.hdfs import config as hdfs_config
from trun.contrib.hdfs import error as hdfs_error
from trun.contrib.hdfs import format as hdfs_format
from trun.contrib.hdfs import hadoopcli_clients as hdfs_hadoopcli_clients
from trun.contrib.hdfs import target as hdfs_target
from trun.contrib.hdfs import webhdfs_client as hdfs_webhdfs_client

hdfs = hdfs_config.hdfs
load_hadoop_cmd = hdfs_config.load_hadoop_cmd
get_configured_hadoop_version = hdfs_config.get_configured_hadoop_version
get_configured_hdfs_client = hdfs_config.get_configured_hdfs_client
tmppath = hdfs_config.tmppath

HDFSCliError = hdfs_error.HDFSCliError
HdfsClient = hdfs_hadoopcli_clients.HdfsClient
call_check = HdfsClient.call_check
WebHdfsClient = hdfs_webhdfs_client.WebHdfsClient
HdfsClientCdh3 = hdfs_hadoopcli_clients.HdfsClientCdh3
HdfsClientApache1 = hdfs_hadoopcli_clients.HdfsClientApache1
create_hadoopcli_client = hdfs_hadoopcli_clients.create_hadoopcli_client
get_autoconfig_client = hdfs_clients.get_autoconfig_client
exists = hdfs_clients.exists
rename = hdfs_clients.rename
remove = hdfs_clients.remove
mkdir = hdfs_clients.mkdir
listdir = hdfs_clients.listdir

HdfsReadPipe = hdfs_format.HdfsReadPipe
HdfsAtomicWritePipe = hdfs_format.HdfsAtomicWritePipe
HdfsAtomicWriteDirPipe = hdfs_format.HdfsAtomicWriteDirPipe
PlainFormat = hdfs_format.PlainFormat
PlainDirFormat = hdfs_format.PlainDirFormat
Plain = hdfs_format.Plain
PlainDir = hdfs_format.PlainDir
CompatibleHdfsFormat = hdfs_format.CompatibleHdfsFormat

HdfsTarget = hdfs_target.HdfsTarget
HdfsFlagTarget = hdfs_target.HdfsFlagTarget

__all__ = ["CompatibleHdfsFormat", "HDFSCliError", "HdfsAtomicWriteDirPipe", "HdfsAtomicWritePipe",
           "HdfsClient", "HdfsClientApache1", "HdfsClientCdh3", "HdfsFlagTarget", "HdfsReadPipe",
           "HdfsTarget", "Plain", "PlainDir", "PlainDirFormat", "PlainFormat", "WebHdfsClient",
           "call_check", "create_hadoopcli_client", "exists", "get_autoconfig_client",
           "get_configured_hadoop_version", "get_configured_hdfs_client", "hdfs", "hdfs_clients",
           "hdfs_config", "hdfs_error", "hdfs_format", "hdfs_hadoopcli_clients", "hdfs_target",
           "hdfs_webhdfs_client", "listdir", "load_hadoop_cmd", "mkdir", "remove", "rename", "tmppath"]
