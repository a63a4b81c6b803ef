"""Scenario: luigi.tools.range beyond the required lists: the events a range fires, subclasses of
the Range*Base classes, the old missing_datetimes signature, the file-system listing helpers,
dates in directory names, MockTarget outputs, bad windows and a template's _requires()."""

import datetime
import json
import os
import warnings
from unittest import mock

import luigi
from luigi.mock import MockFileSystem, MockTarget
from luigi.tools import range as lrange

NOW = int(datetime.datetime(2024, 3, 10, 12, 30, tzinfo=datetime.UTC).timestamp())
D = datetime.date
H = datetime.datetime


class InDirs(luigi.Task):
    """Dates in a directory name: the listing glob keeps wildcards in a directory."""

    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(self.date.strftime("data/%Y-%m-%d/part"))


class InNames(luigi.Task):
    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(self.date.strftime("data/flat/%Y%m%d.csv"))


class InMemory(luigi.Task):
    hour = luigi.DateHourParameter()

    def output(self):
        return MockTarget(self.hour.strftime("mem/%Y/%m/%d/%H"))


class InMonth(luigi.Task):
    month = luigi.MonthParameter()

    def complete(self):
        return self.month.month == 12


class Checked(luigi.Task):
    date = luigi.DateParameter()

    def complete(self):
        return self.date.day % 3 == 0


for day in (2, 4):
    os.makedirs(f"data/2024-03-0{day}", exist_ok=True)
    open(f"data/2024-03-0{day}/part", "w").close()
os.makedirs("data/flat", exist_ok=True)
for day in (1, 5):
    open(f"data/flat/2024030{day}.csv", "w").close()
MockTarget("mem/2024/03/10/02").open("w").close()

events = []


@luigi.Task.event_handler(lrange.RangeEvent.DELAY)
def on_delay(family, delay):
    events.append(["delay", family, delay])


@luigi.Task.event_handler(lrange.RangeEvent.COMPLETE_COUNT)
def on_count(family, count):
    events.append(["count", family, count])


@luigi.Task.event_handler(lrange.RangeEvent.COMPLETE_FRACTION)
def on_fraction(family, fraction):
    events.append(["fraction", family, round(fraction, 6)])


def required(task):
    try:
        return [repr(t) for t in luigi.task.flatten(task.requires())]
    except Exception as e:
        return ["error", type(e).__name__, str(e)]


class OldStyle(lrange.RangeDailyBase):
    def missing_datetimes(self, task_cls, finite_datetimes):
        return [d for d in finite_datetimes if d.day != 3]


class EveryOtherHour(lrange.RangeHourlyBase):
    def missing_datetimes(self, finite_datetimes):
        return [d for d in finite_datetimes if d.hour % 2]


res = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    cases = {
        "dirs": lrange.RangeDaily(of=InDirs, start=D(2024, 3, 1), stop=D(2024, 3, 6), now=NOW),
        "names": lrange.RangeDaily(of=InNames, start=D(2024, 3, 1), stop=D(2024, 3, 6), now=NOW),
        "memory": lrange.RangeHourly(of=InMemory, start=H(2024, 3, 10, 0), stop=H(2024, 3, 10, 4), now=NOW),
        "base_checked": lrange.RangeDailyBase(of=Checked, start=D(2024, 3, 1), stop=D(2024, 3, 8), now=NOW),
        "old_style": OldStyle(of=Checked, start=D(2024, 3, 1), stop=D(2024, 3, 5), now=NOW),
        "every_other": EveryOtherHour(of=InMemory, start=H(2024, 3, 10, 0), stop=H(2024, 3, 10, 6), now=NOW,
                                      reverse=True, task_limit=2),
        "start_after_stop": lrange.RangeDaily(of=InDirs, start=D(2024, 3, 5), stop=D(2024, 3, 1), now=NOW),
        "zero_limit_reverse": lrange.RangeDaily(of=InNames, start=D(2024, 3, 1), stop=D(2024, 3, 4), now=NOW,
                                                reverse=True, task_limit=0),
        "daily_window_cut": lrange.RangeDaily(of=InNames, start=D(2023, 12, 1), stop=D(2024, 3, 3), now=NOW,
                                              days_back=12),
        "monthly": lrange.RangeMonthly(of=InMonth, start=D(2023, 10, 1), stop=D(2024, 2, 1), now=NOW),
    }
    for name, task in cases.items():
        events.clear()
        res[name] = required(task)
        res[name + "_events"] = list(events)
    res["cached"] = cases["names"].requires() is cases["names"].requires()
    res["format_range"] = [cases["names"]._format_range([H(2024, 3, 1), H(2024, 3, 4)]),
                           cases["memory"]._format_range([H(2024, 3, 1, 5), H(2024, 3, 4, 6)])]
    res["missing_listed"] = [str(d) for d in lrange.infer_bulk_complete_from_fs(
        [H(2024, 3, d) for d in range(1, 6)], lambda d: InNames(date=d.date()),
        lambda d: d.strftime("(%Y).*(%m).*(%d)"))]
    res["globs"] = list(lrange._get_filesystems_and_globs(lambda d: InNames(date=d.date()),
                                                          lambda d: d.strftime("(%Y).*(%m).*(%d)")))
    res["globs"] = [[type(fs).__name__, glob] for fs, glob in res["globs"]]
    res["constrained"] = lrange._constrain_glob("p/[0-9][0-9][0-9][0-9]-[0-9][0-9]",
                                                ["p/2024-03", "p/2024-04", "p/2023-12", "p/2025-01"])
    res["most_common"] = list(lrange.most_common([3, 1, 3, 2]))
    with mock.patch.object(MockFileSystem, "exists", lambda self, path: False):
        res["mock_exists_patched"] = MockTarget("mem/2024/03/10/02").exists()


class Template(luigi.Task):
    def _requires(self):
        return luigi.task.flatten(self.requires()) + [Checked(date=D(2024, 3, 3))]


class FromTemplate(Template):
    def requires(self):
        return Checked(date=D(2024, 3, 6))


res["template_deps"] = sorted(repr(t) for t in FromTemplate().deps())
print(json.dumps(res, sort_keys=True))
