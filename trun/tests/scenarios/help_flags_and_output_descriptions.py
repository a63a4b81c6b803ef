"""Which flags --help and --help-all list, and how luigi.tools.deps describes a step's outputs."""
import contextlib
import io
import json
import re

import luigi
import luigi.contrib.postgres
import luigi.contrib.s3
import luigi.contrib.ssh
from luigi.tools.deps import get_task_output_description


class Other(luigi.Task):
    hidden = luigi.Parameter(default="h")


class NotAFile(luigi.Target):
    def exists(self):
        return False


class Shown(luigi.Task):
    x = luigi.Parameter(default="a")


def usage_flags(*args):
    """The flags in the usage lines of luigi's help (those argparse does not suppress)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        luigi.run(list(args))
    usage = out.getvalue().split("\n\n")[0]
    return sorted(set(re.findall(r"\[(--[\w.-]+)", usage)))


helped = usage_flags("Shown", "--help")
no_step = usage_flags("--help")
all_flags = usage_flags("--help-all")
outputs = {
    "local": luigi.LocalTarget("data/out.txt"),
    "ssh": luigi.contrib.ssh.RemoteTarget("/srv/out.txt", "somehost"),
    "s3": luigi.contrib.s3.S3Target("s3://bucket/key.txt"),
    "postgres": luigi.contrib.postgres.PostgresTarget("dbhost", "db", "user", "pw", "tbl", "upd1"),
    "other": NotAFile(),
}
print(json.dumps({
    "help_with_step": helped,
    "help_without_step": no_step,
    "help_all_has": {flag: flag in all_flags for flag in ("--workers", "--Other-hidden", "--x",
                                                          "--local-scheduler", "--help")},
    "descriptions": {name: get_task_output_description(t) for name, t in outputs.items()},
}))
