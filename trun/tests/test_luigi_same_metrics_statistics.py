"""Statistics a step_process_context reports reach a custom metrics collector (even one that
subclasses NoMetricsCollector), and the steps still succeed, as under Luigi."""

from luigi_pair import same_result, scenario


def test_context_statistics_reach_custom_collector_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("metrics_statistics"), args=["."])
    assert result["ran"] and result["complete"] and result["updated"] == 5.0
    assert result["seen"] == {"Leaf": ["took"], "Top": ["took"]}
