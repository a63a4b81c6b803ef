"""The error email a failing job sends the on-call rota ([email] receiver, [smtp]), its smtplib
mocked as the team's tests mock it; the worker runs in this process against the shared scheduler."""

import datetime
import email
import smtplib
import socket
from unittest import mock

import luigi
import luigi.configuration
import luigi.notifications
import pytest
from ops import jobs


@pytest.fixture
def mailbox(monkeypatch, luigid, workdir):
    smtp = mock.MagicMock()
    monkeypatch.setattr(smtplib, "SMTP", smtp)
    config = luigi.configuration.get_config()
    settings = {
        ("email", "receiver"): "oncall@ops.example",
        ("email", "sender"): "luigi@ops.example",
        ("email", "method"): "smtp",
        ("email", "force_send"): "true",
        ("smtp", "host"): "mail.ops.example",
        ("smtp", "port"): "2525",
        ("smtp", "username"): "robot",
        ("smtp", "password"): "hunter2",
        ("worker", "wait_interval"): "0.1",
    }
    for (section, key), value in settings.items():
        if not config.has_section(section):
            config.add_section(section)
        config.set(section, key, value)
    yield smtp
    for section, key in settings:
        config.remove_option(section, key)


def text_of(message):
    part = next(p for p in message.walk() if p.get_content_maintype() == "text")
    return part.get_payload(decode=True).decode()


def build(luigid, tasks):
    return luigi.build(tasks, scheduler_host="127.0.0.1", scheduler_port=luigid.port, detailed_summary=True)


def test_a_failure_sends_one_email(mailbox, luigid):
    result = build(luigid, [jobs.Broken(date=datetime.date(2024, 8, 1))])
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert (mailbox.call_args.kwargs["host"], mailbox.call_args.kwargs["port"]) == ("mail.ops.example", 2525)
    mailbox.return_value.login.assert_called_once_with("robot", "hunter2")
    mailbox.return_value.sendmail.assert_called_once()
    sender, receivers, raw = mailbox.return_value.sendmail.call_args.args
    assert (sender, receivers) == ("luigi@ops.example", ["oncall@ops.example"])
    message = email.message_from_string(raw)
    assert message["Subject"] == f"Luigi: Broken(date=2024-08-01) FAILED. Host: {socket.gethostname()}"
    assert message["To"] == "oncall@ops.example"
    assert message["From"] == "luigi@ops.example"
    body = text_of(message)
    assert "Runtime error:" in body
    assert "ValueError: feed for 2024-08-01 is empty" in body
    assert "A task failed when running. Most likely run() raised an exception." in body


def test_success_sends_nothing(mailbox, luigid):
    assert (
        build(luigid, [jobs.Fetch(source="mail", date=datetime.date(2024, 8, 2))]).status
        == luigi.LuigiStatusCode.SUCCESS
    )
    mailbox.return_value.sendmail.assert_not_called()


def test_a_scheduling_failure_sends_one_too(mailbox, luigid):
    build(luigid, [jobs.Misconfigured()])
    mailbox.return_value.sendmail.assert_called_once()
    sender, receivers, raw = mailbox.return_value.sendmail.call_args.args
    message = email.message_from_string(raw)
    assert message["Subject"] == f"Luigi: Misconfigured() failed scheduling. Host: {socket.gethostname()}"
    body = text_of(message)
    assert "OSError: cannot reach the metastore" in body


def test_the_email_format_setting(mailbox, luigid):
    luigi.configuration.get_config().set("email", "format", "html")
    try:
        build(luigid, [jobs.Broken(date=datetime.date(2024, 8, 3))])
    finally:
        luigi.configuration.get_config().remove_option("email", "format")
    mailbox.return_value.sendmail.assert_called_once()
    _, _, raw = mailbox.return_value.sendmail.call_args.args
    message = email.message_from_string(raw)
    parts = [part.get_content_type() for part in message.walk()]
    assert "text/html" in parts
