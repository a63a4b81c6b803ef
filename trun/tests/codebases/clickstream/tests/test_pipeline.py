"""The whole day, end to end, with every service faked; and from the command line."""

import luigi
import luigi.execution_summary
from clickstream.publish import Publish
from conftest import DAY, hadoop_calls


def test_a_whole_day(raw_day, docker_api, es, mongo):
    result = luigi.build([Publish(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert result.scheduling_succeeded
    assert "5 ran successfully" in result.summary_text  # the raw log was there already
    assert len(es.indexed) == 3
    assert mongo.product.daily.find_one()["totals"]["clicks"] == 6
    docker_api.start.assert_called_once()
    assert any(call.startswith("fs -get /warehouse/clicks/clean/2024/06/01/clicks.tsv")
               for call in hadoop_calls(raw_day))


def test_second_run_does_nothing(raw_day, docker_api, es, mongo):
    luigi.build([Publish(DAY)], local_scheduler=True)
    result = luigi.build([Publish(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert "1 complete ones were encountered" in result.summary_text
    assert docker_api.start.call_count == 1


def test_container_failure_stops_publishing(raw_day, docker_api, es, mongo):
    docker_api.wait.return_value = {"StatusCode": 1}
    docker_api.start.side_effect = None
    docker_api.logs.return_value = b"out of memory"
    result = luigi.build([Publish(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert es.indexed == [] and mongo.product.daily.count_documents({}) == 0
    assert "Sessionize(date=2024-06-01, gap_minutes=None)" in result.summary_text


def test_run_with_retcodes(raw_day, docker_api, es, mongo):
    import luigi.retcodes

    try:
        luigi.retcodes.run_with_retcodes(["Publish", "--date", "2024-06-01", "--local-scheduler",
                                          "--module", "clickstream.publish", "--no-lock"])
    except SystemExit as exit:
        assert exit.code == 0
    else:
        raise AssertionError("run_with_retcodes always exits")
    assert len(es.indexed) == 3


def test_missing_logs_exit_code(hdfs, docker_api, es, mongo, config):
    import luigi.retcodes

    config("retcode", "missing_data", "3")
    try:
        luigi.retcodes.run_with_retcodes(["Publish", "--date", "2024-06-01", "--local-scheduler",
                                          "--module", "clickstream.publish", "--no-lock"])
    except SystemExit as exit:
        assert exit.code == 3
