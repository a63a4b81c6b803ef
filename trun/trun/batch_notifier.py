"""Batched error e-mails: failures, disables and scheduling failures collected by trund and sent as
one e-mail per ``email_interval`` minutes (Luigi's ``luigi.batch_notifier``, ``[batch_email]``).

``[scheduler] batch_emails = true`` makes the scheduler feed a ``BatchNotifier``.  Steps are grouped
by ``batch_mode``: ``all`` (one line per step), ``family`` (per family) or ``unbatched_params`` (per
family and parameters); with ``group_by_error_messages`` the ones that failed with the same messages
share one block.  Each owner (a step's ``owner_email``) gets a mail of their own steps.
"""

from __future__ import annotations

import collections
import time
from typing import Any

from trun.notifications import email, send_email  # the module's names, as Luigi's: tests patch them here
from trun.parameter import BoolParameter, ChoiceParameter, IntParameter
from trun.step import Config

_KINDS = ("failure", "disable", "scheduling failure")


class batch_email(Config):  # noqa: N801 (the config section's name)
    """``[batch_email]``."""

    email_interval = IntParameter(default=60, description="Minutes between batched e-mails")
    batch_mode = ChoiceParameter(default="unbatched_params", choices=("family", "all", "unbatched_params"),
                                 description="What one line of the e-mail stands for")
    error_lines = IntParameter(default=20, description="Last lines kept of each error (0: all)")
    error_messages = IntParameter(default=1, description="Last error messages kept per line")
    group_by_error_messages = BoolParameter(default=True, description="One block for the lines that "
                                            "failed with the same messages")


class ExplQueue(collections.OrderedDict):
    """The last ``num_items`` distinct explanations, most recent last."""

    def __init__(self, num_items: int) -> None:
        super().__init__()
        self.num_items = num_items

    def enqueue(self, item: str) -> None:
        self.pop(item, None)
        self[item] = None
        while len(self) > self.num_items:
            self.popitem(last=False)


def _receivers() -> list[str]:
    receiver = email().receiver
    return [r.strip() for r in receiver.split(",") if r.strip()] if receiver else []


def _counted(count: int, kind: str) -> str:
    return f"{count} {kind}{'' if count == 1 else 's'}"


class BatchNotifier:
    """Collects what went wrong and mails it in batches; keyword arguments override ``[batch_email]``."""

    def __init__(self, **kwargs: Any) -> None:
        self._config = batch_email(**kwargs)
        self._counts: dict[str, dict[str, collections.Counter]] = {}
        self._expls: dict[str, dict[str, ExplQueue]] = {}
        self._next_send = 0.0
        self._update_next_send()

    def _update_next_send(self) -> None:
        self._next_send = time.time() + 60 * self._config.email_interval

    def _key(self, step_name: str, family: str, unbatched_args: dict[str, Any]) -> str:
        mode = self._config.batch_mode
        if mode == "all":
            return step_name
        if mode == "family":
            return family
        return f"{family}({', '.join(f'{k}={v}' for k, v in unbatched_args.items())})"

    def _add(self, kind: str, step_name: str, family: str, unbatched_args: dict[str, Any],
             expl: str | None, owners: Any) -> None:
        key = self._key(step_name, family, unbatched_args)
        for owner in {*_receivers(), *(owners or ())}:
            self._counts.setdefault(owner, {}).setdefault(key, collections.Counter())[kind] += 1
            if expl is not None:
                queues = self._expls.setdefault(owner, {})
                queues.setdefault(key, ExplQueue(self._config.error_messages)).enqueue(self._trim(expl))

    def _trim(self, expl: str) -> str:
        lines = expl.rstrip().split("\n")
        if self._config.error_lines:
            lines = lines[-self._config.error_lines:]
        return "\n".join(lines)

    def add_failure(self, step_name: str, family: str, unbatched_args: dict[str, Any], expl: str,
                    owners: Any) -> None:
        self._add("failure", step_name, family, unbatched_args, expl, owners)

    def add_disable(self, step_name: str, family: str, unbatched_args: dict[str, Any], owners: Any) -> None:
        self._add("disable", step_name, family, unbatched_args, None, owners)

    def add_scheduling_fail(self, step_name: str, family: str, unbatched_args: dict[str, Any], expl: str,
                            owners: Any) -> None:
        self._add("scheduling failure", step_name, family, unbatched_args, expl, owners)

    def _groups(self, counts: dict[str, collections.Counter],
                expls: dict[str, ExplQueue]) -> list[tuple[list[str], tuple[str, ...]]]:
        """(keys, their explanations) blocks: most failures first, then most disables, then by name."""
        def weight(keys: list[str]) -> tuple[int, int, str]:
            failures = sum(counts[k]["failure"] + counts[k]["scheduling failure"] for k in keys)
            return -failures, -sum(counts[k]["disable"] for k in keys), min(keys)

        blocks: dict[Any, list[str]] = {}
        for key in counts:
            messages = tuple(expls.get(key, ()))
            blocks.setdefault(messages if self._config.group_by_error_messages else key, []).append(key)
        ordered = [sorted(keys, key=lambda k: weight([k])) for keys in blocks.values()]
        return [(keys, tuple(expls.get(keys[0], ()))) for keys in sorted(ordered, key=weight)]

    def _line(self, key: str, counter: collections.Counter) -> str:
        return f"{key} ({', '.join(_counted(counter[k], k) for k in _KINDS if counter[k])})"

    def _body(self, counts: dict[str, collections.Counter], expls: dict[str, ExplQueue]) -> str:
        html = email().format == "html"
        parts = []
        for keys, messages in self._groups(counts, expls):
            lines = [self._line(key, counts[key]) for key in keys]
            if html:
                parts.append("<li>" + "\n<br>".join(lines) + "".join(f"\n<pre>{m}</pre>" for m in messages))
                continue
            parts.append("- " + "\n  ".join(lines))
            if messages:  # each message indented after a blank line, and a blank line after them
                parts.append("\n".join("\n" + "\n".join("      " + line for line in m.split("\n"))
                                       for m in messages) + "\n")
        return "<ul>\n" + "\n".join(parts) + "\n</ul>" if html else "\n".join(parts).rstrip()

    def _send(self, owner: str) -> None:
        counts = self._counts.get(owner, {})
        if not counts:
            return
        totals: collections.Counter = collections.Counter()
        for counter in counts.values():
            totals.update(counter)
        what = ", ".join(_counted(totals[k], k) for k in _KINDS if totals[k])
        whose = "" if owner in _receivers() else "Your steps have "
        subject = f"Trun: {whose}{what} in the last {self._config.email_interval} minutes"
        send_email(subject, self._body(counts, self._expls.get(owner, {})), email().sender, (owner,))

    def send_email(self) -> None:
        """Send what was collected now, one e-mail to each of ``[email] receiver`` (all the steps) and
        to each owner (their steps), and start over, also when sending fails (as Luigi's: the
        failures collected are dropped and the next e-mail waits a whole interval)."""
        try:
            for owner in list(self._counts):
                self._send(owner)
        finally:
            self._counts.clear()
            self._expls.clear()
            self._update_next_send()

    def update(self) -> None:
        """Send if ``email_interval`` minutes passed since the last send."""
        if time.time() >= self._next_send:
            self.send_email()
