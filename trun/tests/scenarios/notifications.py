"""Scenario: error e-mails, from a failing task, a task whose requires() raises and from
send_error_email, over SMTP; ``wf.py PORT html`` sends them with ``[email] format = html``."""

import datetime
import json
import sys

import luigi
import luigi.notifications


class Breaks(luigi.Task):
    day = luigi.DateParameter()
    owner_email = "owner@example.com"

    def output(self):
        return luigi.LocalTarget(f"out/{self.day}")

    def run(self):
        raise ValueError("the data is bad")


class CannotPlan(luigi.Task):
    region = luigi.Parameter()
    long_parameter_name = luigi.IntParameter(default=3)

    def requires(self):
        raise KeyError("no such region")


if __name__ == "__main__":
    port = int(sys.argv[1])
    cfg = luigi.configuration.get_config()
    settings = [("email", "receiver", "ops@example.com"), ("email", "sender", "pipe@example.com"),
                ("email", "prefix", "[pipe]"), ("email", "force_send", "true"), ("email", "method", "smtp"),
                ("smtp", "host", "127.0.0.1"), ("smtp", "port", str(port)), ("smtp", "no_tls", "true")]
    for section, key, value in settings:
        cfg.set(section, key, value)
    if sys.argv[2:] == ["html"]:
        cfg.set("email", "format", "html")
    luigi.notifications.send_error_email("direct subject", "direct body",
                                         additional_recipients=["x@example.com"])
    ok = luigi.build([Breaks(day=datetime.date(2024, 1, 2))], local_scheduler=True, log_level="CRITICAL")
    planned = luigi.build([CannotPlan(region="north")], local_scheduler=True, log_level="CRITICAL")
    print(json.dumps({"ok": ok, "planned": planned}))
