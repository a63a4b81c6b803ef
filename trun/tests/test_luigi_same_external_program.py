"""trun.contrib.external_program runs real child processes as Luigi's does: captured and logged
outputs, ExternalProgramRunError on a non-zero exit, tracking URLs read from a stream, a Python
program's environment, SIGTERM killing the program."""

import sys

from luigi_pair import same_result, scenario

import trun
from trun.contrib.external_program import ExternalProgramStep
from trun.scheduler import Scheduler
from trun.worker import Worker


def test_external_programs_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("external_program"))
    assert result["ok"] is True and result["failed_build"] == "FAILED"
    assert result["written"] == ["written", "written"]
    assert result["tracked"] == ["job-42"] and result["untracked"] == []
    assert result["failures"][0]["out"] == "half\n" and result["failures"][0]["err"] == "boom\n"
    assert result["sigterm"] == [143, -9]


class Announcing(ExternalProgramStep):
    def program_args(self):
        return [sys.executable, "-c", "import sys; print('UI at http://ui/7', file=sys.stderr)"]


def test_the_tracking_url_reaches_the_scheduler():
    # Luigi reads the stream in a forked process, so with a local scheduler its URL is lost;
    # trun reads it in a thread of the step's own process and the scheduler records it
    scheduler = Scheduler()
    step = Announcing(stream_for_searching_tracking_url="stderr", tracking_url_pattern=r"UI at (\S+)")
    with Worker(scheduler=scheduler) as worker:
        worker.add(step)
        assert worker.run()
    assert scheduler.step_list("DONE", "")[step.step_id]["tracking_url"] == "http://ui/7"
    assert isinstance(step, trun.Step)


def test_an_uncaptured_tracked_stream_still_reaches_this_process(capfd):
    step = Announcing(capture_output=False, stream_for_searching_tracking_url="stderr",
                      tracking_url_pattern=r"UI at (\S+)")
    urls = []
    step.set_tracking_url = urls.append
    step.run()
    assert urls == ["http://ui/7"] and "UI at http://ui/7" in capfd.readouterr().err
