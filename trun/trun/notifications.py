"""Error e-mails (as ``luigi.notifications``): a failed step mails ``[email] receiver`` (and the step's
``owner_email``) over SMTP, and ``send_error_email`` sends any message the same way.

Settings: ``[email]`` ``receiver``, ``sender``, ``prefix`` (put before each subject), ``format``
(``plain``, ``html`` or ``none`` = never send), ``method`` (``smtp``; Luigi's ``sendgrid``, ``ses``
and ``sns`` are not supported), ``force_send`` (also send when stdout is a terminal),
``traceback_max_length``; ``[smtp]`` ``host``, ``port``, ``ssl``, ``no_tls``, ``username``,
``password``, ``local_hostname``, ``timeout``.  ``[worker] send_failure_email = false`` turns the
failure mails off.
"""

from __future__ import annotations

import html
import logging
import smtplib
import socket
import sys
from collections.abc import Iterable
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from trun.parameter import (
    BoolParameter,
    ChoiceParameter,
    FloatParameter,
    IntParameter,
    OptionalParameter,
    Parameter,
)
from trun.step import Config, Step

logger = logging.getLogger("trun-interface")
DEFAULT_CLIENT_EMAIL = f"trun-client@{socket.gethostname()}"


class email(Config):  # noqa: N801 (the config section's name)
    force_send = BoolParameter(default=False, description="Send e-mails even when stdout is a terminal")
    format = ChoiceParameter(default="plain", choices=("plain", "html", "none"),
                             description="Format of the e-mails; none sends nothing")
    method = ChoiceParameter(default="smtp", choices=("smtp", "sendgrid", "ses", "sns"),
                             description="How e-mails are sent (trun supports smtp)")
    prefix = Parameter(default="", description="Put before the subject of each e-mail")
    receiver = Parameter(default="", description="Where error e-mails go")
    traceback_max_length = IntParameter(default=5000, description="Cut tracebacks in e-mails to this")
    sender = Parameter(default=DEFAULT_CLIENT_EMAIL, description="The From address")


class smtp(Config):  # noqa: N801
    host = Parameter(default="localhost", description="The SMTP server")
    local_hostname = OptionalParameter(default=None, description="Name given in HELO/EHLO")
    no_tls = BoolParameter(default=False, description="Do not STARTTLS")
    password = OptionalParameter(default=None, description="SMTP login password")
    port = IntParameter(default=0, description="The SMTP port (0: the default one)")
    ssl = BoolParameter(default=False, description="Connect with SMTP over SSL")
    timeout = FloatParameter(default=10.0, description="Seconds before the connection gives up")
    username = OptionalParameter(default=None, description="SMTP login user")


def wrap_traceback(traceback: str) -> str:
    """The traceback cut to ``traceback_max_length``, in ``<pre>`` for HTML e-mails."""
    cfg = email()
    if len(traceback) > cfg.traceback_max_length:
        traceback = traceback[: cfg.traceback_max_length] + "..."
    if cfg.format == "html":
        return f"<pre>{html.escape(traceback)}</pre>"
    return traceback


def format_step_error(headline: str, step: Step, command: str,
                      formatted_exception: str | None = None) -> str:
    """The body of a failure e-mail: headline, step family, parameters, command line, error."""
    params = "".join(f"  {k}: {v}\n" for k, v in step.to_str_params().items())
    body = (f"{headline}\n\nName: {step.get_step_family()}\n\nParameters:\n{params}\n"
            f"Command line:\n  {command}\n")
    if formatted_exception:
        body += f"\n{wrap_traceback(formatted_exception)}\n"
    if email().format == "html":
        return f"<html><body><pre>{html.escape(body)}</pre></body></html>"
    return body


def generate_email(sender: str, subject: str, message: str, recipients: Iterable[str],
                   image_png: bytes | None) -> MIMEMultipart:
    """The MIME message: the text (plain or HTML) and an optional PNG image."""
    msg = MIMEMultipart("related")
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ",".join(recipients)
    msg.attach(MIMEText(message, "html" if email().format == "html" else "plain", "utf-8"))
    if image_png:
        msg.attach(MIMEImage(image_png))
    return msg


def _disabled_reason() -> str | None:
    cfg = email()
    if cfg.format == "none":
        return "the e-mail format is 'none'"
    if not cfg.force_send and sys.stdout.isatty():
        return "running from a terminal (set [email] force_send to send anyway)"
    return None


def send_email_smtp(sender: str, subject: str, message: str, recipients: list[str],
                    image_png: bytes | None) -> None:
    cfg = smtp()
    kind = smtplib.SMTP_SSL if cfg.ssl else smtplib.SMTP
    with kind(cfg.host, cfg.port, local_hostname=cfg.local_hostname, timeout=cfg.timeout) as server:
        if not cfg.ssl and not cfg.no_tls:
            server.starttls()
        if cfg.username and cfg.password:
            server.login(cfg.username, cfg.password)
        server.sendmail(sender, recipients, generate_email(sender, subject, message, recipients,
                                                            image_png).as_string())


def send_email(subject: str, message: str, sender: str, recipients: Iterable[str],
               image_png: bytes | None = None) -> None:
    """Send an e-mail by ``[email] method``, unless e-mails are off; failures are logged."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    reason = _disabled_reason()
    if reason:
        logger.info("Not sending e-mail %r: %s", subject, reason)
        return
    method = email().method
    if method != "smtp":
        logger.error("Cannot send e-mail %r: [email] method %r is not supported by trun", subject, method)
        return
    try:
        send_email_smtp(sender, subject, message, recipients, image_png)
    except (OSError, smtplib.SMTPException) as e:
        logger.error("Failed to send e-mail %r: %s", subject, e)


def _recipients(additional: Any) -> list[str]:
    receivers = [r.strip() for r in email().receiver.split(",") if r.strip()]
    if isinstance(additional, str):
        additional = [additional]
    return receivers + [r for r in (additional or []) if r and r not in receivers]


def send_error_email(subject: str, message: str, additional_recipients: Any = None) -> None:
    """Mail ``[email] receiver`` (and ``additional_recipients``) with ``[email] prefix`` on the subject."""
    cfg = email()
    prefixed = f"{cfg.prefix} {subject}" if cfg.prefix else subject
    send_email(prefixed, message, cfg.sender, _recipients(additional_recipients))


def send_step_failure_email(step: Step, formatted_error: str) -> None:
    """The e-mail a worker sends when ``step`` failed: to the receivers and the step's owner_email."""
    subject = f"Trun: {step!r} FAILED. Host: {socket.gethostname()}"
    headline = "A step failed when running. Most likely run() raised an exception."
    body = format_step_error(headline, step, " ".join(sys.argv), formatted_error)
    send_error_email(subject, body, step.owner_email)
