"""Operational pieces: the metrics the team graphs, the bank's command-line tool, the SFTP-less
bank hosts reached over ssh and FTP."""

import collections
import os
import sys

import luigi
import luigi.contrib.external_program
import luigi.contrib.ftp
import luigi.contrib.ssh
import luigi.metrics


class CountingCollector(luigi.metrics.MetricsCollector):
    """Counts what the scheduler reports, by task family; shared by every instance (tests read it)."""

    counts = collections.Counter()

    def __init__(self):
        super().__init__()

    def handle_task_started(self, task):
        self.counts[("started", task.family)] += 1

    def handle_task_failed(self, task):
        self.counts[("failed", task.family)] += 1

    def handle_task_disabled(self, task, config):
        self.counts[("disabled", task.family)] += 1

    def handle_task_done(self, task):
        self.counts[("done", task.family)] += 1


class BankTool(luigi.contrib.external_program.ExternalProgramTask):
    """The bank ships a converter we run as a program; it reads its key from the environment."""

    statement = luigi.Parameter()
    key = luigi.Parameter(default="k1", significant=False)

    def program_args(self):
        script = (
            "import os, sys\n"
            "name = sys.argv[1]\n"
            "if name == 'bad':\n"
            "    sys.stderr.write('cannot parse bad\\n'); sys.exit(3)\n"
            "print('converted', name, os.environ['BANK_KEY'])\n"
            "os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)\n"
            "open(sys.argv[2], 'w').write(os.environ['BANK_KEY'])\n"
        )
        return [sys.executable, "-c", script, self.statement, self.output().path]

    def program_environment(self):
        env = os.environ.copy()
        env["BANK_KEY"] = self.key
        return env

    def output(self):
        return luigi.LocalTarget(f"converted/{self.statement}.txt")


def bank_host(host="sftp.bank.example"):
    return luigi.contrib.ssh.RemoteContext(host, username="ledger", port="2222", no_host_key_check=True)


def statement_on_ftp(name):
    return luigi.contrib.ftp.RemoteTarget(f"/out/{name}.csv", "ftp.bank.example", username="ledger",
                                          password="secret")
