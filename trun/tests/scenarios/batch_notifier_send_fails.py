"""Scenario: a batch notifier whose send raises: what it keeps, and when it sends next."""

import json
from unittest import mock

import luigi
from luigi.batch_notifier import BatchNotifier

sent = []
clock = [10_000.0]


def flaky_send(subject, message, sender, recipients):
    sent.append([subject, message, list(recipients)])
    if len(sent) == 1:
        raise OSError("mail server went away")


luigi.configuration.get_config().set("email", "receiver", "team@example.com")
events = []
with mock.patch("luigi.batch_notifier.send_email", flaky_send), mock.patch("time.time", lambda: clock[0]):
    notifier = BatchNotifier(batch_mode="all")
    notifier.add_failure("Load(day=1)", "Load", {"day": 1}, "disk full", [])
    try:
        notifier.send_email()
    except OSError as e:
        events.append(f"raised {e}")
    notifier.send_email()  # what the failed send held is gone
    events.append(len(sent))
    notifier.add_failure("Load(day=2)", "Load", {"day": 2}, "disk full", [])
    for _ in range(3):
        notifier.update()  # the interval restarted with the failed send
    events.append(len(sent))
    clock[0] += 60 * 60
    notifier.update()
    events.append(len(sent))
print(json.dumps({"events": events, "sent": sent}))
