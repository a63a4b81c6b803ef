"""The scheduler's error e-mails, as Luigi's scheduler sends them.

With ``[scheduler] batch_emails``, a worker reporting a failure (``add_step(status=FAILED)``), a step
disabled by that failure, and a worker that could not schedule a step (``announce_scheduling_failure``)
are collected by a ``trun.batch_notifier.BatchNotifier``, which mails a summary every
``[batch_email] email_interval``; ``prune()`` lets it send, ``dump()`` sends what it holds.  Without
it, a step disabled for its failures is mailed at once (``disable_email``).  The parameters mailed
leave out the step family's batched ones, and an explanation that is JSON text is decoded, as Luigi's.

A mixin of ``trun.scheduler.Scheduler``: ``_email_batcher`` is None unless batch_emails is set, so a
run without e-mails pays one attribute test per failure.
"""

from __future__ import annotations

import json
from typing import Any

from trun.step_state import StepState, pretty_id
from trun.step_status import DISABLED


def disable_email(step_id: str, failures: int, window: float, persist: float) -> tuple[str, str]:
    """The subject and body of the mail telling that ``step_id`` is disabled for its failures."""
    return (f"Trun Scheduler: DISABLED {step_id} due to excessive failures",
            f"{step_id} failed {failures} times in the last {window:g} seconds, so it is being disabled "
            f"for {persist:g} seconds")


def _decoded(expl: str | None) -> Any:
    try:
        return json.loads(expl) if expl is not None else None
    except ValueError:
        return expl


class SchedulerEmails:
    """The e-mail half of ``trun.scheduler.Scheduler``."""

    _email_batcher: Any
    _batch_names: dict[str, tuple[str, ...]]

    def _unbatched(self, family: str, params: dict[str, Any] | None) -> dict[str, Any]:
        """``params`` without the parameters ``family``'s steps are batched on."""
        names = self._batch_names.get(family, ())
        return {k: v for k, v in (params or {}).items() if k not in names}

    def _email_failure(self, st: StepState, expl: str | None, owners: list[str] | None) -> None:
        """A worker reported ``st`` FAILED (``st`` may be DISABLED by it now): into the batch."""
        params = self._unbatched(st.family, st.params)
        self._email_batcher.add_failure(pretty_id(st), st.family, params, _decoded(expl), owners)
        if st.status == DISABLED:
            self._email_batcher.add_disable(pretty_id(st), st.family, params, owners)

    def announce_scheduling_failure(self, step_name: str, family: str, params: dict[str, Any], expl: str,
                                    owners: list[str] | None = None, worker: str | None = None) -> None:
        """A worker could not schedule a step: batched into the next e-mail ([scheduler] batch_emails)."""
        if self._email_batcher is not None:
            self._email_batcher.add_scheduling_fail(step_name, family, self._unbatched(family, params), expl,
                                                    owners)

    def _prune_emails(self) -> None:
        if self._email_batcher is not None:
            self._email_batcher.update()

    def _send_emails(self) -> None:
        if self._email_batcher is not None:
            self._email_batcher.send_email()
