"""The Batch retraining job, with boto3's clients mocked."""

from unittest import mock

import luigi
import luigi.contrib.batch
import pytest
from clickstream.models import RetrainRecommender
from conftest import DAY

OK = {"ResponseMetadata": {"HTTPStatusCode": 200}}


@pytest.fixture
def aws(workdir):
    batch, logs = mock.Mock(name="batch"), mock.Mock(name="logs")
    batch.submit_job.return_value = {"jobId": "job-1", **OK}
    batch.describe_jobs.side_effect = [{"jobs": [{"status": status}], **OK}
                                       for status in ("RUNNABLE", "RUNNING", "SUCCEEDED")]
    batch.describe_job_queues.return_value = {"jobQueues": [
        {"jobQueueName": "ml-spot", "state": "ENABLED", "status": "VALID"},
        {"jobQueueName": "old", "state": "DISABLED", "status": "VALID"}]}
    with mock.patch("boto3.client", side_effect=lambda service: {"batch": batch, "logs": logs}[service]), \
            mock.patch("time.sleep") as sleep:
        yield mock.Mock(batch=batch, logs=logs, sleep=sleep)


def test_submits_our_job_and_waits(aws):
    RetrainRecommender(date=DAY).run()
    aws.batch.submit_job.assert_called_once_with(
        jobName=mock.ANY, jobQueue="ml-spot", jobDefinition="recs-train:3",
        parameters={"date": "2024-06-01", "sessions": "sessions-2024.06"})
    assert aws.batch.describe_jobs.call_args_list == [mock.call(jobs=["job-1"])] * 3
    assert aws.sleep.call_args_list == [mock.call(10)] * 2
    assert open("markers/recommender-2024-06-01").read() == "trained\n"


def test_a_random_job_name_without_one(aws):
    RetrainRecommender(date=DAY).run()
    name = aws.batch.submit_job.call_args.kwargs["jobName"]
    assert isinstance(name, str) and len(name) > 8


def test_the_active_queue_without_one(aws):
    RetrainRecommender(date=DAY, job_queue=None, job_name="recs-20240601").run()
    kwargs = aws.batch.submit_job.call_args.kwargs
    assert (kwargs["jobQueue"], kwargs["jobName"]) == ("ml-spot", "recs-20240601")


def test_no_active_queue(aws):
    aws.batch.describe_job_queues.return_value = {"jobQueues": []}
    with pytest.raises(Exception, match="No job queues"):
        RetrainRecommender(date=DAY, job_queue=None).run()


def test_a_failed_job_raises_with_its_logs(aws):
    failed = {"jobs": [{"status": "FAILED", "attempts": [{"container": {"logStreamName": "recs/1"}}]}], **OK}
    aws.batch.describe_jobs.side_effect = [failed, failed]
    aws.logs.get_log_events.return_value = {"events": [{"message": "loading"}, {"message": "OOM killed"}]}
    with pytest.raises(luigi.contrib.batch.BatchJobException, match="OOM killed"):
        RetrainRecommender(date=DAY).run()
    assert aws.logs.get_log_events.call_args.kwargs["logStreamName"] == "recs/1"
    assert not RetrainRecommender(date=DAY).complete()


def test_a_bad_status_answer_raises(aws):
    aws.batch.describe_jobs.side_effect = [{"jobs": [], "ResponseMetadata": {"HTTPStatusCode": 500}}]
    with pytest.raises(Exception, match="500"):
        RetrainRecommender(date=DAY).run()


def test_through_the_scheduler(aws, raw_day, docker_api, es, mongo):
    result = luigi.build([RetrainRecommender(date=DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert "6 ran successfully" in result.summary_text  # the raw log was there


def test_poll_time_is_not_significant():
    assert RetrainRecommender(date=DAY, poll_time=1).task_id == RetrainRecommender(date=DAY).task_id
