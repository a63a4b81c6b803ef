"""Error e-mails (as ``luigi.notifications``): a failed step mails ``[email] receiver`` (and the step's
``owner_email``) over SMTP, and ``send_error_email`` sends any message the same way.

Settings: ``[email]`` ``receiver``, ``sender``, ``prefix`` (put before each subject), ``format``
(``plain``, ``html`` or ``none`` = never send), ``method`` (``smtp``, or ``sendgrid`` with
``[sendgrid] apikey`` and the ``sendgrid`` package, ``ses`` or ``sns`` with the ``boto3`` package and
AWS's usual credentials; ``sns`` publishes to the topic ARN given as the recipient), ``force_send``
(also send when stdout is a terminal),
``traceback_max_length``; ``[smtp]`` ``host``, ``port``, ``ssl``, ``no_tls``, ``username``,
``password``, ``local_hostname``, ``timeout``.  ``[worker] send_failure_email = false`` turns the
failure mails off.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import logging
import socket
import subprocess
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from trun.parameter import (
    BoolParameter,
    ChoiceParameter,
    FloatParameter,
    IntParameter,
    OptionalParameter,
    Parameter,
)
from trun.step import Config, Step

if TYPE_CHECKING:  # smtplib and email load only when a message is sent (~40 ms of every start)
    from email.mime.multipart import MIMEMultipart

logger = logging.getLogger("trun-interface")
DEFAULT_CLIENT_EMAIL = f"trun-client@{socket.gethostname()}"


class TestNotificationsStep(Step):
    """A step that fails, to check the notification settings: ``trun TestNotificationsStep
    --local-scheduler --email-force-send`` (``--raise-in-complete`` fails in ``complete()``)."""

    raise_in_complete = BoolParameter(description="Fail in complete() instead of in run()")

    def run(self) -> None:
        raise ValueError("Testing notifications triggering")

    def complete(self) -> bool:
        if self.raise_in_complete:
            raise ValueError("Testing notifications triggering")
        return False


class email(Config):  # noqa: N801 (the config section's name)
    force_send = BoolParameter(default=False, description="Send e-mails even when stdout is a terminal")
    format = ChoiceParameter(default="plain", choices=("plain", "html", "none"),
                             description="Format of the e-mails; none sends nothing")
    method = ChoiceParameter(default="smtp", choices=("smtp", "sendgrid", "ses", "sns"),
                             config_path={"section": "email", "name": "type"},
                             description="How e-mails are sent ([email] type: Luigi's old name)")
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


class sendgrid(Config):  # noqa: N801
    apikey = Parameter(config_path={"section": "email", "name": "SENGRID_API_KEY"},
                       description="API key of the SendGrid account (also [email] SENGRID_API_KEY, "
                       "Luigi's spelling)")


def wrap_traceback(traceback: str) -> str:
    """The traceback as an e-mail shows it: for HTML e-mails highlighted by pygments when it is
    installed (in ``<pre>`` otherwise), plain text as it is."""
    if email().format != "html":
        return traceback
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonTracebackLexer
    except ImportError:
        return f"<pre>{html.escape(traceback)}</pre>"
    return highlight(traceback, PythonTracebackLexer(), HtmlFormatter(noclasses=True))


_HTML_BODY = """
<html>
<body>
<h2>{headline}</h2>

<table style="border-top: 1px solid black; border-bottom: 1px solid black">
<thead>
<tr><th>name</th><td>{name}</td></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>

<h2>Command line</h2>
<pre>
{command}
</pre>

<h2>Traceback</h2>
{traceback}
</body>
</html>
"""

_PLAIN_BODY = """{headline}

Name: {name}

Parameters:
{rows}

Command line:
  {command}

{traceback}
"""


def format_step_error(headline: str, step: Step, command: str,
                      formatted_exception: str | None = None) -> str:
    """The body of an error e-mail about ``step`` (as Luigi's ``format_task_error``): headline, step
    family, parameters, command line and the traceback (cut to ``[email] traceback_max_length``);
    an HTML page with a table of the parameters when ``[email] format = html``."""
    limit = email().traceback_max_length
    if formatted_exception and len(formatted_exception) > limit:
        formatted_exception = formatted_exception[:limit] + \
            "...Traceback exceeds max length and has been truncated."
    traceback = wrap_traceback(formatted_exception) if formatted_exception else ""
    params = step.to_str_params()
    if email().format == "html":
        rows = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in params.items())
        template = _HTML_BODY
    else:
        width = max([0, *map(len, params)])
        rows = "\n".join(f"  {k:{width}}: {v}" for k, v in params.items())
        template = _PLAIN_BODY
    return template.format(headline=headline, name=step.get_step_family(), rows=rows, command=command,
                           traceback=traceback)


def generate_email(sender: str, subject: str, message: str, recipients: Iterable[str],
                   image_png: bytes | None) -> MIMEMultipart:
    """The MIME message: the text (plain or HTML) and an optional PNG image."""
    from email.mime.image import MIMEImage
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

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
    import smtplib  # at send time, as Luigi: tests put their own module in sys.modules

    cfg = smtp()
    kwargs: dict[str, Any] = {"host": cfg.host, "port": cfg.port, "local_hostname": cfg.local_hostname}
    if cfg.timeout:
        kwargs["timeout"] = cfg.timeout
    try:
        server = (smtplib.SMTP_SSL if cfg.ssl else smtplib.SMTP)(**kwargs)
    except OSError as e:  # as Luigi: an unreachable server is logged, the run goes on
        logger.error("Not able to connect to smtp server: %s", e)
        return
    try:
        server.ehlo_or_helo_if_needed()
        if server.has_extn("starttls") and not cfg.no_tls:  # TLS when the server offers it
            server.starttls()
        if cfg.username and cfg.password:
            server.login(cfg.username, cfg.password)
        server.sendmail(sender, recipients, generate_email(sender, subject, message, recipients,
                                                            image_png).as_string())
    except OSError as e:
        logger.error("Not able to connect to smtp server: %s", e)
    finally:
        with contextlib.suppress(Exception):  # the mail went (or was logged); a failing QUIT is no news
            server.quit()


def _client_library(name: str, method: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ImportError(f"[email] method = {method} needs the {name!r} package "
                          f"(pip install {name})") from e


def send_email_ses(sender: str, subject: str, message: str, recipients: list[str],
                   image_png: bytes | None) -> None:
    """Send through Amazon SES (boto3; credentials, region and endpoint from AWS's usual settings)."""
    client = _client_library("boto3", "ses").client("ses")
    raw = generate_email(sender, subject, message, recipients, image_png).as_string()
    response = client.send_raw_email(Source=sender, Destinations=recipients, RawMessage={"Data": raw})
    logger.debug("Message sent to SES: MessageId %s", response.get("MessageId"))


def send_email_sns(sender: str, subject: str, message: str, topic_arn: list[str],
                   image_png: bytes | None) -> None:
    """Publish to the Amazon SNS topic whose ARN is the first recipient (subject cut to SNS's 100)."""
    topic = _client_library("boto3", "sns").resource("sns").Topic(topic_arn[0])
    if len(subject) > 100:
        subject = subject[:48] + "..." + subject[-49:]
    response = topic.publish(Subject=subject, Message=message)
    logger.debug("Message sent to SNS: MessageId %s", response.get("MessageId"))


def send_email_sendgrid(sender: str, subject: str, message: str, recipients: list[str],
                        image_png: bytes | None) -> None:
    """Send through SendGrid's API with ``[sendgrid] apikey``."""
    library = _client_library("sendgrid", "sendgrid")
    mail = library.Mail(from_email=sender, to_emails=recipients, subject=subject)
    mail.add_content(message, "text/html" if email().format == "html" else "text/plain")
    if image_png:
        mail.add_attachment(image_png)
    library.SendGridAPIClient(sendgrid().apikey).send(mail)


# the sender of each [email] method, looked up by name when sending (tests patch the module's names)
_SENDERS = {"smtp": "send_email_smtp", "ses": "send_email_ses", "sns": "send_email_sns",
            "sendgrid": "send_email_sendgrid"}


def _prefix(subject: str) -> str:
    """``subject`` with ``[email] prefix`` before it (when there is one)."""
    prefix = email().prefix
    return f"{prefix} {subject}" if prefix else subject


def send_email(subject: str, message: str, sender: str, recipients: Iterable[str],
               image_png: bytes | None = None) -> None:
    """Send an e-mail by ``[email] method`` with ``[email] prefix`` before the subject, unless
    e-mails are off.  Recipients may be comma-separated lists.  A failure to send is logged; a
    missing client library (sendgrid, boto3) is an ``ImportError`` saying what to install."""
    subject = _prefix(subject)
    addresses = [a.strip() for r in recipients if r for a in r.split(",") if a.strip()]
    recipients = list(dict.fromkeys(addresses))  # each address mailed once
    if not recipients:
        return
    reason = _disabled_reason()
    if reason:
        logger.info("Not sending e-mail %r: %s", subject, reason)
        return
    logger.info("Sending email to %r", recipients)
    method = email().method
    try:
        globals()[_SENDERS[method]](sender, subject, message, recipients, image_png)
    except ImportError:
        raise
    except Exception as e:  # the mail is a side effect: a broken mail server must not fail the run
        logger.error("Failed to send e-mail %r by %s: %s", subject, method, e)


def _email_recipients(additional_recipients: Any = None) -> list[str]:
    """``[email] receiver`` and ``additional_recipients`` (one address or a list), as Luigi's."""
    receiver = email().receiver
    recipients = [receiver] if receiver else []
    if isinstance(additional_recipients, str):
        recipients.append(additional_recipients)
    elif additional_recipients:
        recipients.extend(additional_recipients)
    return recipients


def send_error_email(subject: str, message: str, additional_recipients: Any = None) -> None:
    """Mail ``[email] receiver`` (and ``additional_recipients``) with ``[email] prefix`` on the subject."""
    send_email(subject, message, email().sender, _email_recipients(additional_recipients))


def _send_step_email(step: Step, formatted_error: str, subject: str, headline: str) -> None:
    host = socket.gethostname()
    body = format_step_error(headline.format(step=step, host=host), step,
                             subprocess.list2cmdline(sys.argv), formatted_error)
    send_error_email(subject.format(step=step, host=host), body, step.owner_email)


def send_step_failure_email(step: Step, formatted_error: str) -> None:
    """The e-mail a worker sends when ``step`` failed: to the receivers and the step's owner_email."""
    _send_step_email(step, formatted_error, "Trun: {step} FAILED. Host: {host}",
                     "A step failed when running. Most likely run() raised an exception.")


def send_scheduling_failure_email(step: Step, formatted_error: str, method: str) -> None:
    """The e-mail a worker sends when ``step``'s ``method`` (``complete()`` or ``deps()``) raised
    while it was scheduled (Luigi's words): nothing of it or below it runs."""
    _send_step_email(step, formatted_error, "Trun: {step} failed scheduling. Host: {host}",
                     "Will not run {step} or any dependencies due to error in " + method + " method")


def send_framework_error_email(step: Step, formatted_error: str) -> None:
    """The e-mail a worker sends when scheduling ``step`` failed for a reason that is not the step's
    (the scheduler cannot be reached, say): sent even with ``[worker] send_failure_email = false``,
    as Luigi's, since such an error may reach no other alert."""
    _send_step_email(step, formatted_error, "Trun: Framework error while scheduling {step}. Host: {host}",
                     "Trun framework error")
