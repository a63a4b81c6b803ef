"""Scenario: the e-mails a luigi.worker.Worker sends (through smtplib, replaced by a recorder) in one
situation, argv[1]: a task fails with [scheduler] batch_emails (the owners listed, or one owner as a
string); complete() returns no bool; the scheduler cannot be reached; the scheduler's
announce_scheduling_failure raises.  Prints each message's recipients and subject, and what add()
did."""

import json
import logging
import smtplib
import socket
import sys
from email import message_from_string

import luigi
import luigi.rpc
import luigi.scheduler
import luigi.worker

logging.disable(logging.CRITICAL)
SENT = []


class RecordingSMTP:
    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):  # ehlo, starttls, login, quit, close: nothing to do
        return lambda *args, **kwargs: None

    def sendmail(self, sender, recipients, text):
        subject = message_from_string(text)["Subject"].replace(socket.gethostname(), "HOST")
        SENT.append({"to": sorted(recipients), "subject": subject})


smtplib.SMTP = RecordingSMTP


class Fails(luigi.Task):
    owners = luigi.Parameter(default="a@example.com,b@example.com")

    @property
    def owner_email(self):
        return self.owners if "," not in self.owners else self.owners.split(",")

    def run(self):
        raise ValueError("broken")


class NoAnswer(luigi.Task):
    owner_email = "owner@example.com"

    def complete(self):
        return None


def configure(batch):
    cfg = luigi.configuration.get_config()
    for section, key, value in [("email", "receiver", "ops@example.com"), ("email", "force_send", "true"),
                                ("batch_email", "email_interval", "0")]:
        cfg.set(section, key, value)
    if batch:
        cfg.set("worker", "send_failure_email", "false")


def main(plan):
    configure(plan.startswith("batch"))
    out = {}
    if plan.startswith("batch"):
        sch = luigi.scheduler.Scheduler(batch_emails=True)
        with luigi.worker.Worker(scheduler=sch) as w:
            out["added"] = w.add(Fails() if plan == "batch_list" else Fails(owners="a@example.com"))
            out["ran"] = w.run()
        sch.prune()  # sends what was collected
    elif plan == "no_bool":
        with luigi.worker.Worker(scheduler=luigi.scheduler.Scheduler()) as w:
            out["added"] = w.add(NoAnswer())
            out["ran"] = w.run()
    else:
        if plan == "unreachable":
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()  # nothing listens there now
            sch = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{port}", connect_timeout=1)
            sch._rpc_retry_wait = 0.1
        else:
            sch = luigi.scheduler.Scheduler(batch_emails=True)

            def refuse(*args, **kwargs):
                raise RuntimeError("cannot take it")

            sch.announce_scheduling_failure = refuse
        w = luigi.worker.Worker(scheduler=sch, ping_interval=60)
        try:
            w.add(NoAnswer())
            out["raised"] = None
        except Exception as e:
            out["raised"] = type(e).__name__
    out["sent"] = sorted(SENT, key=lambda m: (m["to"], m["subject"]))  # the order is not kept
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
