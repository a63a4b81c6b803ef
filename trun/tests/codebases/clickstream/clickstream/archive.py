"""Each day's sessions are archived to Azure blob storage for the data-science team."""

import luigi
from luigi.contrib.azureblob import AzureBlobClient, AzureBlobTarget

from clickstream.sessions import Sessionize


class azure_archive(luigi.Config):
    account_name = luigi.Parameter(default="clickarchive")
    account_key = luigi.Parameter(default="", significant=False)
    container = luigi.Parameter(default="sessions")


class ArchiveSessions(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return Sessionize(self.date)

    def output(self):
        settings = azure_archive()
        client = AzureBlobClient(account_name=settings.account_name, account_key=settings.account_key)
        return AzureBlobTarget(settings.container, f"{self.date:%Y/%m/%d}/sessions.jsonl", client)

    def run(self):
        with self.input().open("r") as sessions, self.output().open("w") as archived:
            for line in sessions:
                archived.write(line)
