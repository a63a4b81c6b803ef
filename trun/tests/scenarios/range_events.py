"""Scenario: what a range step works out besides its requirements, as luigi.tools.range does: the
events it fires (delay, complete count and fraction), requires() worked out once, start after stop,
a Range*Base subclass's own missing_datetimes (also with the old two-argument signature), the
month window's end, and infer_bulk_complete_from_fs giving the missing times."""

import datetime
import json
import os
import warnings

import luigi
import luigi.mock
from luigi.tools.range import (
    RangeByMinutesBase,
    RangeDailyBase,
    RangeEvent,
    RangeHourlyBase,
    RangeMonthly,
    infer_bulk_complete_from_fs,
)

NOW = int(datetime.datetime(2024, 3, 10, 12, 30, tzinfo=datetime.UTC).timestamp())
EVENTS = []


class Daily(luigi.Task):
    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"data/{self.date}")


class Hourly(luigi.Task):
    hour = luigi.DateHourParameter()


class Monthly(luigi.Task):
    month = luigi.MonthParameter()

    def output(self):
        return luigi.LocalTarget(self.month.strftime("data/%Y-%m"))


for event in (RangeEvent.DELAY, RangeEvent.COMPLETE_COUNT, RangeEvent.COMPLETE_FRACTION):
    luigi.Task.event_handler(event)(lambda family, value, event=event: EVENTS.append([event, family, value]))

os.makedirs("data")
for day in (2, 3, 6):
    open(f"data/2024-03-0{day}", "w").close()
open("data/2024-01", "w").close()

CALLS = []


class CountingDaily(RangeDailyBase):
    def missing_datetimes(self, finite_datetimes):
        CALLS.append(len(finite_datetimes))
        return finite_datetimes[::2]


class OldStyleHourly(RangeHourlyBase):
    def missing_datetimes(self, task_cls, finite_datetimes):
        return [d for d in finite_datetimes if d.hour % 3 == 0]


def names(task):
    try:
        return [str(t) for t in task.requires()]
    except Exception as e:  # the class and text are what a user sees
        return ["error", type(e).__name__, str(e)]


res = {}
D, H = datetime.date, datetime.datetime
daily = RangeDailyBase(of=Daily, start=D(2024, 3, 1), stop=D(2024, 3, 8), now=NOW)
res["daily_base"] = names(daily)
res["daily_events"] = list(EVENTS)
EVENTS.clear()
res["daily_reverse_limited"] = names(RangeDailyBase(of=Daily, start=D(2024, 3, 1), stop=D(2024, 3, 8),
                                                    reverse=True, task_limit=2, now=NOW))
res["daily_reverse_events"] = list(EVENTS)
counting = CountingDaily(of=Daily, start=D(2024, 3, 1), stop=D(2024, 3, 5), now=NOW)
res["counting"] = [names(counting), names(counting), CALLS]
res["start_after_stop"] = names(RangeDailyBase(of=Daily, start=D(2024, 3, 5), stop=D(2024, 3, 1), now=NOW))
EVENTS.clear()
res["empty_window"] = [names(RangeDailyBase(of=Daily, start=D(2024, 3, 9), stop=D(2024, 3, 20),
                                            days_back=0, now=NOW)), list(EVENTS)]
with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    res["old_signature"] = names(OldStyleHourly(of=Hourly, start=H(2024, 3, 10, 0), stop=H(2024, 3, 10, 7),
                                                now=NOW))
res["old_signature_warned"] = any("missing_datetimes() should only take 1 argument" in str(w.message)
                                  for w in record)
Minutely = type("Minutely", (luigi.Task,), {"m": luigi.DateMinuteParameter()})
res["minutes_base"] = names(RangeByMinutesBase(of=Minutely, start=H(2024, 3, 10, 12, 0),
                                               stop=H(2024, 3, 10, 12, 20), minutes_interval=10, now=NOW))
res["monthly_to_this_month"] = names(RangeMonthly(of=Monthly, start=D(2023, 12, 1), now=NOW))
res["monthly_forward"] = names(RangeMonthly(of=Monthly, start=D(2024, 1, 1), months_forward=1, now=NOW))
days = [H(2024, 3, d) for d in range(1, 8)]
res["infer_gives_missing"] = [str(d.date()) for d in infer_bulk_complete_from_fs(
    days, lambda d: Daily(date=d.date()), lambda d: d.strftime("(%Y).*(%m).*(%d)"))]


class InMemory(luigi.Task):
    day = luigi.DateParameter()

    def output(self):
        return luigi.mock.MockTarget(self.day.strftime("/mem/%Y/%m-%d/out"))


for day in (1, 4):
    with InMemory(day=D(2024, 3, day)).output().open("w") as f:
        f.write("x")
# (RangeDaily over MockTargets is not compared: Luigi's MockFileSystem cannot list its globs, so
# Luigi finds every day missing; trun lists the directories and finds the two that exist.)
res["mock_directory_target"] = luigi.mock.MockTarget("/mem/2024").exists()
print(json.dumps(res, sort_keys=True))
