"""Scenario: luigi.util decorators (inherits, requires, copies, delegates) and previous()."""
import datetime
import json
import os

import luigi
from luigi.util import common_params, copies, delegates, get_previous_completed, inherits, previous, requires


class A(luigi.Task):
    a = luigi.IntParameter()
    shared = luigi.Parameter(default="s")
    def output(self):
        return luigi.LocalTarget(f"out/A{self.a}")
    def run(self):
        with self.output().open("w") as f:
            f.write("A")

class B(luigi.Task):
    b = luigi.IntParameter(default=2)
    def output(self):
        return luigi.LocalTarget(f"out/B{self.b}")
    def run(self):
        with self.output().open("w") as f:
            f.write("B")

@inherits(A)
class C(luigi.Task):
    c = luigi.IntParameter(default=3)
    def requires(self):
        return self.clone_parent()

@inherits(A, B)
class D(luigi.Task):
    def requires(self):
        return self.clone_parents()

@inherits(x=A, y=B)
class E(luigi.Task):
    def requires(self):
        return self.clone_parents()

@requires(A, B)
class F(luigi.Task):
    pass

@requires(A)
class G(luigi.Task):
    a = luigi.IntParameter(default=9)

class Sub(luigi.Task):
    n = luigi.IntParameter()
    def f(self, x): return x ** self.n
    def requires(self):
        return A(a=self.n)

@delegates
class H(luigi.Task):
    n = luigi.IntParameter()
    def subtasks(self):
        return Sub(self.n)
    def output(self):
        return luigi.LocalTarget("out/H")
    def run(self):
        with self.output().open("w") as f:
            f.write(str(self.subtasks().f(3)))

class Daily(luigi.Task):
    date = luigi.DateParameter()
    def output(self):
        return luigi.LocalTarget(f"out/daily-{self.date}")
class Hourly(luigi.Task):
    hour = luigi.DateHourParameter()
class Inter(luigi.Task):
    iv = luigi.DateIntervalParameter()
class Minute(luigi.Task):
    m = luigi.DateMinuteParameter()

@copies(Daily)
class CopyDaily(luigi.Task):
    def output(self):
        return luigi.LocalTarget(f"out/copy-{self.date}")

def params(cls):
    return [n for n, _ in cls.get_params()]

res = {}
res["C_params"] = params(C)
res["D_params"] = params(D)
res["E_params"] = params(E)
res["F_params"] = params(F)
res["G_params"] = params(G)
res["C_req"] = repr(C(a=1).requires())
res["D_req"] = repr(D(a=1, b=5).requires())
res["E_req"] = {k: repr(v) for k, v in E(a=1).requires().items()}
res["F_req"] = repr(F(a=1).requires())
res["G_req"] = repr(G().requires())
res["C_name"] = [C.__name__, C.get_task_family()]
res["H_req"] = repr(H(n=2).requires())
res["common"] = common_params(D(a=4, b=7), A)
res["prev_daily"] = repr(previous(Daily(datetime.date(2024, 3, 1))))
res["prev_hourly"] = repr(previous(Hourly(datetime.datetime(2024, 3, 1, 0))))
res["prev_inter"] = repr(previous(Inter(luigi.date_interval.Month(2024, 3))))
res["prev_minute"] = repr(previous(Minute(datetime.datetime(2024, 3, 1, 0, 0))))
try:
    previous(A(a=1))
except Exception as e:
    res["prev_err"] = type(e).__name__


class Regional(luigi.Task):
    region = luigi.Parameter()
    day = luigi.DateParameter()


class TwoTimes(luigi.Task):
    day = luigi.DateParameter()
    hour = luigi.DateHourParameter()


res["prev_date_not_first"] = repr(previous(Regional("eu", datetime.date(2024, 3, 1))))
two = (datetime.date(2024, 3, 1), datetime.datetime(2024, 3, 1, 1))
for name, make in (("prev_two_dates", lambda: TwoTimes(*two)), ("prev_no_date", lambda: A(a=1))):
    try:
        previous(make())
    except NotImplementedError as e:
        res[name] = str(e)
os.makedirs("out", exist_ok=True)
open("out/daily-2024-02-27", "w").write("x")
res["prev_completed"] = repr(get_previous_completed(Daily(datetime.date(2024, 3, 1)), max_steps=5))
res["prev_completed_none"] = repr(get_previous_completed(Daily(datetime.date(2024, 3, 1)), max_steps=2))
res["copy_req"] = repr(CopyDaily(date=datetime.date(2024, 2, 27)).requires())
ok = luigi.build([H(n=2), F(a=1), CopyDaily(date=datetime.date(2024, 2, 27))],
                 local_scheduler=True, log_level="ERROR")
res["ok"] = ok
res["files"] = sorted(os.listdir("out"))
res["H"] = open("out/H").read()
res["copy"] = open("out/copy-2024-02-27").read()
print(json.dumps(res, sort_keys=True))
