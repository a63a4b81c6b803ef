"""External data that appears as one snapshot a day, as Luigi's
``luigi.contrib.external_daily_snapshot``: ``MySnapshot.latest()`` is the newest day's snapshot
that is there, looking back ``lookback`` days (default 14) from ``date`` (default today)::

    class PlaylistDump(ExternalDailySnapshot):
        def output(self):
            return trun.LocalTarget(f"dumps/{self.date:%Y-%m-%d}.tsv")

    class Report(trun.Step):
        def requires(self):
            return PlaylistDump.latest(lookback=7)

A subclass may have more parameters (``latest(service="radio")``).  The answer is cached for the
process, so ``requires()`` stays the same while a pipeline runs.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import trun

logger = logging.getLogger("trun-interface")


class ExternalDailySnapshot(trun.ExternalStep):
    """An external step with a ``date``; ``latest()`` finds the newest complete one."""

    date = trun.DateParameter()
    __cache: list[tuple[Any, Any]] = []  # (arguments, step): looked up by equality, not hashing

    @classmethod
    def latest(cls, *args: Any, **kwargs: Any) -> ExternalDailySnapshot:
        """The newest complete snapshot at or before ``date`` within ``lookback`` days; if none is
        complete, the oldest one looked at."""
        date = kwargs.pop("date", datetime.date.today())
        lookback = kwargs.pop("lookback", 14)
        key = (cls, args, kwargs, lookback, date)
        for known, step in ExternalDailySnapshot.__cache:
            if known == key:
                return step
        step = cls.__latest(date, lookback, args, kwargs)
        ExternalDailySnapshot.__cache.append((key, step))
        return step

    @classmethod
    def __latest(cls, date: datetime.date, lookback: int, args: tuple, kwargs: dict) -> Any:
        assert lookback > 0
        step = None
        for days in range(lookback):
            step = cls(*args, date=date - datetime.timedelta(days), **kwargs)
            if step.complete():
                return step
        logger.debug("Could not find last dump for %s (looked back %d days)", cls.__name__, lookback)
        return step
