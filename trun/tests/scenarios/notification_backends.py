"""Scenario: e-mails by [email] method = ses and sns (through boto3 to the endpoint in
AWS_ENDPOINT_URL), prefixes and comma-separated recipients, and sendgrid's settings."""

import json
import sys

import luigi
import luigi.notifications


def attempt(fn):
    try:
        return ["value", fn()]
    except Exception as e:
        return ["error", type(e).__name__]


if __name__ == "__main__":
    cfg = luigi.configuration.get_config()
    for section, key, value in [("email", "force_send", "true"), ("email", "sender", "pipe@example.com"),
                                ("email", "prefix", "[pipe]"), ("email", "method", "ses")]:
        cfg.set(section, key, value)
    luigi.notifications.send_email("daily load failed", "the body\nline 2", "pipe@example.com",
                                   ["ops@example.com, oncall@example.com", "owner@example.com"])
    cfg.set("email", "receiver", "ops@example.com")
    luigi.notifications.send_error_email("from send_error_email", "body 2", "owner@example.com")
    cfg.set("email", "method", "sns")
    luigi.notifications.send_email("x" * 150, "published", "pipe@example.com",
                                   ["arn:aws:sns:us-east-1:123456789012:alerts"])
    res = {"sendgrid_key_unset": attempt(lambda: luigi.notifications.sendgrid().apikey)}
    cfg.set("email", "SENGRID_API_KEY", "key-1")
    res["sendgrid_key"] = attempt(lambda: luigi.notifications.sendgrid().apikey)
    res["test_task"] = attempt(lambda: [luigi.notifications.TestNotificationsTask().complete(),
                                        str(luigi.notifications.TestNotificationsTask(raise_in_complete=True))])
    print(json.dumps(res, sort_keys=True), file=sys.stdout)
