"""Raw click logs land on HDFS; we clean them into the warehouse (dropping bots and bad lines)."""

import luigi
import luigi.contrib.hdfs
from luigi.contrib.hdfs import HdfsTarget

from clickstream.settings import clickstream

BOT_AGENTS = ("bot", "crawler", "spider")


class RawClicks(luigi.ExternalTask):
    """One day's log as the collectors upload it: user, timestamp, url, agent (tab separated)."""

    date = luigi.DateParameter()

    def output(self):
        return HdfsTarget(f"{clickstream().raw_root}/{self.date:%Y-%m-%d}.tsv")


class CleanClicks(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return RawClicks(self.date)

    def output(self):
        return HdfsTarget(f"{clickstream().warehouse_root}/clean/{self.date:%Y/%m/%d}/clicks.tsv")

    def run(self):
        kept = dropped = 0
        with self.input().open("r") as raw, self.output().open("w") as out:
            for line in raw:
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 4 or any(bot in fields[3].lower() for bot in BOT_AGENTS):
                    dropped += 1
                    continue
                out.write("\t".join(fields[:3]) + "\n")
                kept += 1
        self.set_status_message(f"kept {kept}, dropped {dropped}")


def days_on_hdfs(root=None):
    """The days whose raw logs are on HDFS, oldest first."""
    client = luigi.contrib.hdfs.get_autoconfig_client()
    names = [path.rsplit("/", 1)[-1] for path in client.listdir(root or clickstream().raw_root)]
    return sorted(name[: -len(".tsv")] for name in names if name.endswith(".tsv"))
