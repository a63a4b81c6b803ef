"""Porting by renaming: a Luigi workflow, renamed mechanically, runs on trun with the same results."""

import json
import os
import re
import subprocess
import sys

import pytest

LUIGI_WORKFLOW = r'''
import datetime
import enum
import json
import os
import sys

import luigi
from luigi.util import requires


class Mode(enum.Enum):
    fast = 1
    slow = 2


class RawData(luigi.ExternalTask):
    day = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"raw/{self.day}.txt")


class Clean(luigi.Task):
    day = luigi.DateParameter()
    mode = luigi.EnumParameter(enum=Mode, default=Mode.fast)
    factor = luigi.IntParameter(default=1)

    def requires(self):
        return RawData(self.day)

    def output(self):
        return luigi.LocalTarget(f"clean/{self.day}.txt")

    def run(self):
        with self.input().open() as f:
            n = int(f.read()) * self.factor
        with self.output().open("w") as out:
            out.write(str(n))


@requires(Clean)
class Double(luigi.Task):
    def output(self):
        return luigi.LocalTarget(f"double/{self.day}.txt")

    def run(self):
        with self.input().open() as f:
            n = int(f.read())
        extra = yield Helper(day=self.day)
        with extra.open() as f:
            n += int(f.read())
        with self.output().open("w") as out:
            out.write(str(2 * n))


class Helper(luigi.Task):
    day = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"helper/{self.day}.txt")

    def run(self):
        with self.output().open("w") as out:
            out.write("1")


class Report(luigi.WrapperTask):
    interval = luigi.DateIntervalParameter()
    of = luigi.TaskParameter(default=Double)
    tags = luigi.ListParameter(default=[])
    opts = luigi.DictParameter(default={})

    def requires(self):
        return {d.isoformat(): self.of(day=d) for d in self.interval.dates()}


events = []


@luigi.Task.event_handler(luigi.Event.SUCCESS)
def record(task):
    events.append(task.task_family)


if __name__ == "__main__":
    os.makedirs("raw", exist_ok=True)
    for i, d in enumerate(luigi.DateIntervalParameter().parse("2024-01-01-2024-01-04").dates()):
        with open(f"raw/{d}.txt", "w") as f:
            f.write(str(i + 1))
    result = luigi.build([Report(interval=luigi.date_interval.Custom.parse("2024-01-01-2024-01-04"))],
                         workers=1, local_scheduler=True, detailed_summary=True, log_level="WARNING")
    outputs = sorted((p, open(os.path.join("double", p)).read()) for p in os.listdir("double"))
    print(json.dumps({"status": result.status.name, "ok": result.scheduling_succeeded,
                      "outputs": outputs, "events": sorted(set(events)),
                      "smiley": result.status == luigi.LuigiStatusCode.SUCCESS}))
'''

EXPECTED = {"status": "SUCCESS", "ok": True,
            "outputs": [["2024-01-01.txt", "4"], ["2024-01-02.txt", "6"], ["2024-01-03.txt", "8"]],
            "events": ["Clean", "Double", "Helper", "Report"], "smiley": True}


def port(source: str) -> str:
    """The renaming a user does: luigi -> trun, and task -> step in names."""
    for old, new in [("luigi", "trun"), ("Luigi", "Trun"), ("WrapperTask", "WrapperStep"),
                     ("ExternalTask", "ExternalStep"), ("TaskParameter", "StepParameter"),
                     ("task_family", "step_family"), ("task_id", "step_id")]:
        source = source.replace(old, new)
    return re.sub(r"\btrun\.Task\b", "trun.Step", source)


def run_script(tmp_path, name, source, python=sys.executable):
    work = tmp_path / name
    work.mkdir()
    (work / "wf.py").write_text(source)
    r = subprocess.run([python, "wf.py"], cwd=work, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_renamed_luigi_workflow_runs_on_trun(tmp_path):
    ported = port(LUIGI_WORKFLOW)
    assert "luigi" not in ported and "Task" not in ported
    assert run_script(tmp_path, "trun", ported) == EXPECTED


def test_same_results_as_luigi_when_available(tmp_path):
    python = os.environ.get("LUIGI_PYTHON", sys.executable)
    check = subprocess.run([python, "-c", "import luigi"], capture_output=True)
    if check.returncode != 0:
        pytest.fail("luigi not installed: set LUIGI_PYTHON to an interpreter that has it (make test does)")
    assert run_script(tmp_path, "luigi", LUIGI_WORKFLOW, python) == EXPECTED
