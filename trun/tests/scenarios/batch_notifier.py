"""Scenario: luigi.batch_notifier.BatchNotifier's batched e-mails, over SMTP, in each batch mode."""

import json
import sys

import luigi
from luigi.batch_notifier import BatchNotifier


def feed(notifier):
    notifier.add_failure("Load(day=2024-01-02, n=1)", "Load", {"day": "2024-01-02"},
                         "Traceback (most recent call last):\n  x\nValueError: bad row 7",
                         ["own@example.com"])
    notifier.add_failure("Load(day=2024-01-03, n=1)", "Load", {"day": "2024-01-03"},
                         "Traceback (most recent call last):\n  x\nValueError: bad row 7", [])
    notifier.add_failure("Load(day=2024-01-03, n=1)", "Load", {"day": "2024-01-03"}, "IOError: gone", [])
    notifier.add_disable("Load(day=2024-01-02, n=1)", "Load", {"day": "2024-01-02"}, ["own@example.com"])
    notifier.add_disable("Sink()", "Sink", {}, [])
    notifier.add_scheduling_fail("Plan(k=3)", "Plan", {"k": "3"},
                                 "\n".join(f"frame {i}" for i in range(30)), ["plan@example.com"])
    notifier.add_failure("Agg(a=1, b=2)", "Agg", {"b": "2", "a": "1"}, "ZeroDivisionError: x", [])


if __name__ == "__main__":
    cfg = luigi.configuration.get_config()
    for section, key, value in [("email", "receiver", "ops@example.com,oncall@example.com"),
                                ("email", "sender", "pipe@example.com"), ("email", "force_send", "true"),
                                ("smtp", "host", "127.0.0.1"), ("smtp", "port", sys.argv[1]),
                                ("smtp", "no_tls", "true"), ("email", "format", sys.argv[2])]:
        cfg.set(section, key, value)
    for options in [{}, {"batch_mode": "all"}, {"batch_mode": "family", "error_messages": 2},
                    {"error_lines": 2, "email_interval": 5}, {"group_by_error_messages": False}]:
        notifier = BatchNotifier(**options)
        feed(notifier)
        notifier.update()       # the interval has not passed: nothing is sent
        notifier.send_email()
        notifier.send_email()   # nothing left to send
        print("---", file=sys.stderr)
    print(json.dumps({"done": True}))
