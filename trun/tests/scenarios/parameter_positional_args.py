"""Scenario: a parameter's options given positionally, in the order Luigi's constructor takes them."""

import json

import luigi


class Report(luigi.Task):
    day = luigi.Parameter("mon", False, True, "the day")  # default, is_global, significant, description
    run_id = luigi.Parameter("r1", False, False)  # an insignificant one: not in the task id
    hidden = luigi.Parameter("h", False, True, None, None, True, False, None,
                             luigi.parameter.ParameterVisibility.PRIVATE)


task = Report(run_id="r2")
print(json.dumps({
    "id": task.task_id,
    "significant": [name for name, p in Report.get_params() if p.significant],
    "description": Report.day.description,
    "public": [name for name, _ in task.get_params() if name in task.to_str_params(only_public=True)],
}))
