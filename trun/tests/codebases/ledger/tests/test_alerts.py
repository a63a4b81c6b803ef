"""Failure mails with smtplib patched (the CI has no mail server), and the event counters."""

import email
import json
import unittest
from unittest import mock

import boto3
import luigi
import luigi.configuration
import luigi.notifications
import pytest
from ledger import alerts
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends


@pytest.fixture
def mail(workdir, config):
    config("email", "receiver", "oncall@example.com")
    config("email", "sender", "ledger@example.com")
    config("smtp", "host", "smtp.internal")
    config("smtp", "port", "2525")
    with mock.patch("smtplib.SMTP") as smtp:
        yield smtp


def sent(smtp):
    """(sender, recipients, parsed message) of each sendmail call."""
    calls = smtp.return_value.sendmail.call_args_list
    return [(c.args[0], list(c.args[1]), email.message_from_string(c.args[2])) for c in calls]


def body(message):
    texts = [p for p in message.walk() if p.get_content_maintype() == "text"]
    return texts[0].get_payload(decode=True).decode()


def test_failure_mails_the_owner_and_the_receiver(mail):
    assert not luigi.build([alerts.Settle(batch=7, fail=True)], local_scheduler=True)
    mail.assert_called_with(host="smtp.internal", port=2525, local_hostname=None, timeout=10.0)
    messages = sent(mail)
    assert len(messages) == 2
    pages = [m for m in messages if m[2]["Subject"] == "settlement 7 failed"]
    assert pages[0][1] == ["oncall@example.com"]
    assert body(pages[0][2]) == "batch 7 has an unknown currency"
    failure = [m for m in messages if m not in pages][0]
    sender, recipients, message = failure
    assert sender == "ledger@example.com"
    assert sorted(recipients) == ["oncall@example.com", "payments@example.com"]
    assert message["Subject"].startswith("Luigi: Settle(batch=7, fail=True) FAILED. Host: ")
    assert message["From"] == "ledger@example.com"
    assert message["To"] == ",".join(recipients)
    assert mail.return_value.starttls.called


def test_plain_mail_has_the_traceback(mail, config):
    config("email", "format", "plain")
    config("email", "prefix", "[ledger]")
    luigi.build([alerts.Settle(batch=8, fail=True)], local_scheduler=True)
    failure = [m for _, _, m in sent(mail) if "FAILED" in m["Subject"]][0]
    assert failure["Subject"].startswith("[ledger] Luigi: Settle(batch=8, fail=True) FAILED")
    text = body(failure)
    assert "ValueError: batch 8 has an unknown currency" in text
    assert "Traceback (most recent call last)" in text
    assert failure.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in failure.walk()][1:] == ["text/plain"]


def test_no_failure_mail_when_the_worker_is_told_not_to(mail, config):
    config("worker", "send_failure_email", "false")
    luigi.build([alerts.Settle(batch=9, fail=True)], local_scheduler=True)
    assert [m["Subject"] for _, _, m in sent(mail)] == ["settlement 9 failed"]


def test_format_none_sends_nothing(mail, config):
    config("email", "format", "none")
    luigi.build([alerts.Settle(batch=10, fail=True)], local_scheduler=True)
    assert not mail.return_value.sendmail.called


def test_ssl_and_login(workdir, config):
    config("email", "receiver", "oncall@example.com")
    config("smtp", "ssl", "true")
    config("smtp", "username", "bot")
    config("smtp", "password", "hunter2")
    config("smtp", "timeout", "5")
    with mock.patch("smtplib.SMTP_SSL") as smtp_ssl, mock.patch("smtplib.SMTP") as smtp:
        luigi.notifications.send_error_email("disk full", "the ledger disk is full")
    assert not smtp.called
    assert smtp_ssl.call_args.kwargs["timeout"] == 5.0
    smtp_ssl.return_value.login.assert_called_once_with("bot", "hunter2")
    assert smtp_ssl.return_value.sendmail.call_args.args[1] == ["oncall@example.com"]


def test_send_email_directly(mail):
    luigi.notifications.send_email("Month closed", "All ledgers balance.", "close@example.com",
                                   ("cfo@example.com", "audit@example.com"))
    (sender, recipients, message), = sent(mail)
    assert (sender, recipients) == ("close@example.com", ["cfo@example.com", "audit@example.com"])
    assert message["Subject"] == "Month closed"
    assert body(message) == "All ledgers balance."


def test_unreachable_smtp_is_only_logged(mail):
    mail.side_effect = OSError("connection refused")
    luigi.notifications.send_email("s", "m", "a@example.com", ("b@example.com",))
    assert mail.called


class EventsTest(unittest.TestCase):
    def setUp(self):
        alerts.EVENTS.clear()
        self.patcher = mock.patch("smtplib.SMTP")
        self.smtp = self.patcher.start()
        self.addCleanup(self.patcher.stop)

    def test_events_of_a_night(self):
        import os
        import tempfile

        cwd = os.getcwd()
        os.chdir(tempfile.mkdtemp())
        self.addCleanup(os.chdir, cwd)
        result = luigi.build([alerts.Nightly(batches=[1, 2, 3], broken=[2])], local_scheduler=True,
                             detailed_summary=True)
        self.assertEqual(result.status, luigi.LuigiStatusCode.FAILED)
        self.assertEqual(alerts.EVENTS[("success", "Settle")], 2)
        self.assertEqual(alerts.EVENTS[("failure", "ValueError")], 1)
        self.assertNotIn(("success", "Nightly"), alerts.EVENTS)
        self.assertIn("Settle(batch=2, fail=True)", result.summary_text)


def test_mail_through_ses(workdir, config, monkeypatch):
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]:
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    config("email", "method", "ses")
    config("email", "receiver", "oncall@example.com")
    config("email", "sender", "ledger@example.com")
    with mock_aws():
        ses = boto3.client("ses", region_name="us-east-1")
        ses.verify_email_identity(EmailAddress="ledger@example.com")
        with mock.patch("smtplib.SMTP") as smtp:
            assert not luigi.build([alerts.Settle(batch=30, fail=True)], local_scheduler=True)
        assert not smtp.called
        sent_messages = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        assert sorted(sorted(set(m.destinations)) for m in sent_messages) == [
            ["oncall@example.com"], ["oncall@example.com", "payments@example.com"]]


def test_mail_through_sns(workdir, config, monkeypatch):
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]:
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="ledger-alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="pager")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
        queue_arn = attributes["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        config("email", "method", "sns")
        config("email", "receiver", topic)
        assert not luigi.build([alerts.Settle(batch=40, fail=True)], local_scheduler=True)
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    notes = sorted((json.loads(m["Body"])["Subject"], json.loads(m["Body"])["Message"]) for m in got)
    assert len(notes) == 2
    assert notes[0][0].startswith("Luigi: Settle(batch=40, fail=True) FAILED. Host: ")
    assert "batch 40 has an unknown currency" in notes[0][1]
    assert notes[1] == ("settlement 40 failed", "batch 40 has an unknown currency")
