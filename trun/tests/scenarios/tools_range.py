"""Scenario: which tasks luigi.tools.range's Range* tasks require, for each option."""

import datetime
import json
import os
import sys

import luigi
from luigi.tools.range import RangeByMinutes, RangeDaily, RangeHourly, RangeMonthly

NOW = int(datetime.datetime(2024, 3, 10, 12, 30, tzinfo=datetime.UTC).timestamp())


class Daily(luigi.Task):
    date = luigi.DateParameter()
    region = luigi.Parameter(default="eu")

    def output(self):
        return luigi.LocalTarget(f"data/daily/{self.region}/{self.date}")

    def run(self):
        with self.output().open("w") as f:
            f.write("d")


class Hourly(luigi.Task):
    hour = luigi.DateHourParameter()

    def output(self):
        return luigi.LocalTarget(self.hour.strftime("data/hourly/%Y-%m-%dT%H"))


class Minutely(luigi.Task):
    minute = luigi.DateMinuteParameter()

    def output(self):
        return luigi.LocalTarget(self.minute.strftime("data/minute/%Y-%m-%dT%H%M"))


class Monthly(luigi.Task):
    month = luigi.MonthParameter()

    def output(self):
        return luigi.LocalTarget(self.month.strftime("data/monthly/%Y-%m"))


BULK_CALLS = []


class BulkDaily(luigi.Task):
    day = luigi.DateParameter()
    kind = luigi.Parameter(default="k")

    @classmethod
    def bulk_complete(cls, parameter_tuples):
        values = list(parameter_tuples)
        BULK_CALLS.append([len(values), repr(cls(day=values[0]))])
        return [d for d in values if d.day % 2 == 0]

    def output(self):
        return luigi.LocalTarget(f"data/bulk/{self.day}")


def made(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").close()


for day in ("2024-03-02", "2024-03-04"):
    made(f"data/daily/eu/{day}")
made("data/hourly/2024-03-10T03")
made("data/minute/2024-03-10T0010")
made("data/monthly/2024-01")


def required(task):
    try:
        return [repr(t) for t in luigi.task.flatten(task.requires())]
    except Exception as e:
        return ["error", type(e).__name__]


D = datetime.date
H = datetime.datetime
cases = {
    "daily": RangeDaily(of=Daily, start=D(2024, 3, 1), stop=D(2024, 3, 6), now=NOW),
    "daily_reverse_limit": RangeDaily(of=Daily, start=D(2024, 3, 1), stop=D(2024, 3, 8), now=NOW,
                                      reverse=True, task_limit=2),
    "daily_of_params": RangeDaily(of=Daily, of_params={"region": "us"}, start=D(2024, 3, 1),
                                  stop=D(2024, 3, 3), now=NOW),
    "daily_no_bounds": RangeDaily(of=Daily, days_back=4, now=NOW),
    "daily_days_back": RangeDaily(of=Daily, start=D(2024, 3, 1), days_back=4, now=NOW),
    "daily_days_forward": RangeDaily(of=Daily, start=D(2024, 3, 9), days_forward=2, now=NOW),
    "daily_stop_only": RangeDaily(of=Daily, stop=D(2024, 3, 3), days_back=3, now=NOW),
    "daily_start_only": RangeDaily(of=Daily, start=D(2024, 3, 7), now=NOW),
    "daily_old_start": RangeDaily(of=Daily, start=D(2023, 1, 1), stop=D(2023, 1, 3), now=NOW),
    "daily_param_name": RangeDaily(of=BulkDaily, param_name="day", start=D(2024, 3, 1),
                                   stop=D(2024, 3, 5), now=NOW, of_params={"kind": "z"}),
    "hourly": RangeHourly(of=Hourly, start=H(2024, 3, 10, 1), stop=H(2024, 3, 10, 5), now=NOW),
    "hourly_back": RangeHourly(of=Hourly, start=H(2024, 3, 10, 0), hours_back=3, now=NOW),
    "hourly_forward": RangeHourly(of=Hourly, start=H(2024, 3, 10, 12), hours_forward=2, now=NOW),
    "minutes": RangeByMinutes(of=Minutely, start=H(2024, 3, 10, 0, 0), stop=H(2024, 3, 10, 0, 30),
                              minutes_interval=10, now=NOW),
    "minutes_back": RangeByMinutes(of=Minutely, start=H(2024, 3, 10, 0, 0), minutes_back=40,
                                   minutes_interval=15, now=NOW),
    "minutes_forward": RangeByMinutes(of=Minutely, start=H(2024, 3, 10, 12, 20), minutes_forward=20,
                                      minutes_interval=5, now=NOW),
    "minutes_odd_start": RangeByMinutes(of=Minutely, start=H(2024, 3, 10, 0, 7),
                                        stop=H(2024, 3, 10, 0, 50), minutes_interval=20, now=NOW),
    "minutes_bad_interval": RangeByMinutes(of=Minutely, start=H(2024, 3, 10, 0, 0), minutes_interval=7,
                                           now=NOW),
    "monthly": RangeMonthly(of=Monthly, start=D(2023, 11, 1), stop=D(2024, 3, 1), now=NOW),
    "monthly_back": RangeMonthly(of=Monthly, start=D(2023, 1, 1), months_back=3, now=NOW),
    "monthly_forward": RangeMonthly(of=Monthly, start=D(2024, 3, 1), months_forward=2, now=NOW),
}
res = {name: required(task) for name, task in cases.items()}
res["bulk_calls"] = BULK_CALLS
# the hash differs after renaming (it covers the parameter name task_limit); the rest must not
res["task_ids"] = {name: task.task_id.rsplit("_", 1)[0] for name, task in cases.items()}
res["params"] = {cls.__name__: [n for n, _ in cls.get_params()]
                 for cls in (RangeDaily, RangeHourly, RangeByMinutes, RangeMonthly)}
res["complete_before"] = cases["daily_of_params"].complete()
ok = luigi.build([cases["daily_of_params"]], local_scheduler=True, log_level="CRITICAL")
res["build"] = ok
res["complete_after"] = RangeDaily(of=Daily, of_params={"region": "us"}, start=D(2024, 3, 1),
                                   stop=D(2024, 3, 3), now=NOW).complete()
if len(sys.argv) > 1:
    sys.exit(0 if luigi.run(sys.argv[1:]) else 1)
print(json.dumps(res, sort_keys=True))
