"""Scenario: luigi.contrib.hdfs's WebHdfsClient and luigi.contrib.webhdfs's WebHdfsTarget against a
WebHDFS server on loopback (WEBHDFS_PORT; WEBHDFS_USER is the user, and the server's root for it):
the client's operations and errors, the client the configuration makes, HdfsTarget existence
through it, and WebHdfsTarget writing and reading."""

import json
import os
import re
import warnings

import luigi
import luigi.configuration
from luigi.contrib import hdfs, webhdfs
from luigi.contrib.hdfs import clients

PORT, USER = os.environ["WEBHDFS_PORT"], os.environ["WEBHDFS_USER"]
config = luigi.configuration.get_config()
config.set("hdfs", "client", "webhdfs")
config.set("hdfs", "namenode_host", "127.0.0.1")
config.set("webhdfs", "port", PORT)
config.set("hdfs", "user", USER)


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # the type and text of the error are part of the outcome
        return {"error": type(e).__name__, "text": re.sub(r"\d{6,}", "N", str(e))}


result = {}
client = clients.get_autoconfig_client()
result["client"] = [type(client).__name__, client.url, client.user, client.client_type,
                    type(client.client).__name__]
result["two_hosts"] = hdfs.WebHdfsClient(host="a;b", port=1).url
result["exists"] = [client.exists("/data"), client.exists("/")]
client.mkdir("/data/deep/dir")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    client.mkdir("/data/other", parents=False)
result["mkdir_warning"] = [str(w.message) for w in caught]
client.touchz("/data/empty")
result["touchz_again"] = attempt(lambda: client.touchz("/data/empty"))
result["listdir"] = client.listdir("/data")
result["listdir_recursive"] = attempt(lambda: client.listdir("/data", recursive=True))
result["walk"] = list(client.walk("/data", depth=0))
client.move("/data/empty", "/moved/here/empty")  # makes the missing parent first
result["after_move"] = [client.exists("/data/empty"), client.exists("/moved/here/empty")]
result["remove_needs_skip_trash"] = attempt(lambda: client.remove("/moved"))
result["remove"] = client.remove("/moved", skip_trash=True)
result["not_implemented"] = [attempt(lambda: client.chmod("/data", "777")),
                             attempt(lambda: client.chown("/data", "u", "g")),
                             attempt(lambda: client.count("/data")),
                             attempt(lambda: client.copy("/data", "/copy"))]
with open("local.txt", "w") as f:
    f.write("uploaded\n")
client.upload("/data/up.txt", "local.txt")
result["upload_again"] = attempt(lambda: client.upload("/data/up.txt", "local.txt"))
client.download("/data/up.txt", "down.txt")
client.get("/data/up.txt", "got.txt")
result["local"] = [open("down.txt").read(), open("got.txt").read()]
result["read"] = attempt(lambda: client.read("/data/up.txt"))
result["target_exists"] = [hdfs.HdfsTarget("/data/up.txt").exists(), hdfs.HdfsTarget("/data/none").exists()]
hdfs.HdfsTarget("/data/deep").remove(skip_trash=True)

target = webhdfs.WebHdfsTarget("/web/out.txt")
result["web_target"] = [type(target.fs).__name__, target.exists()]
with target.open("w") as f:
    f.write("line 1\nline 2\n")
result["web_target"].append(target.exists())
with webhdfs.WebHdfsTarget("/web/out.txt").open("w") as f:  # the file is there: not uploaded again
    f.write("replaced\n")
result["web_read"] = attempt(lambda: target.open("r").read())
result["web_readlines"] = attempt(lambda: list(target.open("r").readlines()))
result["web_mode"] = attempt(lambda: target.open("a"))
result["files"] = sorted(p for d in client.walk("/", depth=0) for p in d[2])
# Luigi's put passes its two paths to upload the wrong way round; trun's uploads local.txt
client.exists("/put-starts")  # marks the start of the put in the server's log
result["put"] = attempt(lambda: client.put("local.txt", "/data/put.txt"))
print(json.dumps(result))
