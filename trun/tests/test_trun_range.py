"""RangeDaily / RangeHourly schedule only the missing dates."""

import datetime
import os

from trun_helpers import log_event, read_events

import trun

# "now" for the range windows (Luigi's semantics: at most days_back before now): 2024-03-10 UTC
NOW = int(datetime.datetime(2024, 3, 10, tzinfo=datetime.UTC).timestamp())


class Daily(trun.Step):
    date = trun.DateParameter()
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, f"{self.date}.txt"))

    def run(self):
        log_event(self.root, "run", str(self.date))
        self.output().open("w").close()


class Hourly(trun.Step):
    hour = trun.DateHourParameter()
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.hour.strftime("%Y%m%d%H")))

    def run(self):
        self.output().open("w").close()


def test_range_daily_runs_only_missing_dates(tmp_path):
    root = str(tmp_path)
    (tmp_path / "2024-01-02.txt").write_text("")
    rng = trun.RangeDaily(of=Daily, of_params={"root": root}, start=datetime.date(2024, 1, 1),
                          stop=datetime.date(2024, 1, 5), now=NOW)
    assert [s.date.day for s in rng.requires()] == [1, 3, 4]
    result = trun.build([rng], local_scheduler=True, detailed_summary=True)
    assert result.status == trun.TrunStatusCode.SUCCESS
    assert sorted(name for _, _, _, name in read_events(root)) == ["2024-01-01", "2024-01-03", "2024-01-04"]
    assert not (tmp_path / "2024-01-05.txt").exists()  # stop is exclusive
    assert trun.RangeDaily(of=Daily, of_params={"root": root}, start=datetime.date(2024, 1, 1),
                           stop=datetime.date(2024, 1, 5), now=NOW).complete()


def test_range_daily_step_limit_and_reverse(tmp_path):
    rng = trun.RangeDaily(of=Daily, of_params={"root": str(tmp_path)}, start=datetime.date(2024, 1, 1),
                          stop=datetime.date(2024, 2, 1), step_limit=3, reverse=True, now=NOW)
    assert [s.date.day for s in rng.requires()] == [31, 30, 29]


def test_range_uses_bulk_complete(tmp_path):
    calls = []

    class Bulk(Daily):
        @classmethod
        def bulk_complete(cls, dates):
            calls.append(list(dates))
            return [d for d in dates if d.day % 2 == 0]

    rng = trun.RangeDaily(of=Bulk, of_params={"root": str(tmp_path)}, start=datetime.date(2024, 1, 1),
                          stop=datetime.date(2024, 1, 7), now=NOW)
    assert [s.date.day for s in rng.requires()] == [1, 3, 5]
    assert len(calls) == 1


def test_range_hourly(tmp_path):
    rng = trun.RangeHourly(of=Hourly, of_params={"root": str(tmp_path)},
                           start=datetime.datetime(2024, 1, 1, 22), stop=datetime.datetime(2024, 1, 2, 2),
                           now=NOW)
    assert trun.build([rng], local_scheduler=True)
    assert sorted(os.listdir(tmp_path)) == ["2024010122", "2024010123", "2024010200", "2024010201"]


def test_range_from_command_line(tmp_path):
    import subprocess
    import sys
    import textwrap

    (tmp_path / "mod_r.py").write_text(textwrap.dedent('''
        import trun

        class Day(trun.Step):
            date = trun.DateParameter()

            def output(self):
                return trun.LocalTarget(f"out/{self.date}")

            def run(self):
                self.output().open("w").close()
    '''))
    r = subprocess.run([sys.executable, "-m", "trun", "--module", "mod_r", "RangeDaily", "--of", "Day",
                        "--start", "2024-03-01", "--stop", "2024-03-04", "--now", str(NOW),
                        "--local-scheduler"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["2024-03-01", "2024-03-02", "2024-03-03"]


def test_range_daily_finds_mock_outputs_by_listing(tmp_path):
    # As Luigi's: the listing asks the file system whether each narrowed directory glob exists, and
    # a MockFileSystem has files only, so every day looks missing (the paired test
    # test_luigi_same_range_more checks the same against Luigi); the steps' own complete() then
    # finds days 1 and 4 done when the range runs.
    from trun.mock import MockTarget
    from trun.tools.range import RangeDaily

    class InMemoryDay(trun.Step):
        day = trun.DateParameter()

        def output(self):
            return MockTarget(self.day.strftime("/mem-range/%Y/%m-%d/out"))

    for day in (1, 4):
        with InMemoryDay(day=datetime.date(2024, 3, day)).output().open("w") as f:
            f.write("x")
    rng = RangeDaily(of=InMemoryDay, start=datetime.date(2024, 3, 1), stop=datetime.date(2024, 3, 6), now=NOW)
    required = rng.requires()
    assert [s.day.day for s in required] == [1, 2, 3, 4, 5]
    assert [s.day.day for s in required if not s.complete()] == [2, 3, 5]
