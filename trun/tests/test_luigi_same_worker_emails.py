"""The e-mails trun.worker.Worker sends, as Luigi's worker: with [scheduler] batch_emails a failure is
mailed to the receiver and to each owner of the step (a list, or a string split at commas); a
complete() that returns no bool fails scheduling (mailed); when the scheduler cannot be reached, or
its announce_scheduling_failure raises, add() raises and a "Framework error" mail goes out."""

import pytest
from luigi_pair import same_result, scenario


@pytest.mark.parametrize("plan", ["batch_list", "batch_string", "no_bool", "unreachable", "announce_fails"])
def test_worker_emails_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("worker_emails"), args=[plan])
    subjects = [m["subject"] for m in result["sent"]]
    if plan == "batch_list":
        assert len(subjects) == 3
    if plan in ("unreachable", "announce_fails"):
        assert result["raised"] and any("Framework error" in s for s in subjects)
    if plan == "no_bool":
        assert not result["added"] and "failed scheduling" in subjects[0]
