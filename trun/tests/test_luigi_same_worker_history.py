"""``Worker._add_step_history`` after a run holds the entries Luigi's worker records.

Projects' test helpers (ruigi's) read Luigi's ``worker._add_task_history`` from the result of a run
to ask "was this step scheduled / done / failed"; the scenario covers each kind of entry: a step
already complete, one that runs, one that fails, a missing external step and a step waiting on it.
"""

from luigi_pair import same_result

HISTORY_KINDS = '''
import json, os
import luigi


class Existing(luigi.Task):
    def output(self):
        return luigi.LocalTarget("existing.txt")


class Missing(luigi.ExternalTask):
    def output(self):
        return luigi.LocalTarget("never.txt")


class Produce(luigi.Task):
    def requires(self):
        return Existing()

    def output(self):
        return luigi.LocalTarget("produced.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


class Broken(luigi.Task):
    def run(self):
        raise ValueError("no")


class Waiting(luigi.Task):
    def requires(self):
        return Missing()

    def run(self):
        pass


class Top(luigi.WrapperTask):
    def requires(self):
        return [Produce(), Broken(), Waiting()]


open("existing.txt", "w").close()
result = luigi.build([Top()], local_scheduler=True, log_level="ERROR", detailed_summary=True)
history = result.worker._add_task_history
print(json.dumps(sorted({(t.task_family, s, r) for t, s, r in history}), sort_keys=True))
'''


def test_add_step_history_entries_same_as_luigi(tmp_path):
    entries = same_result(tmp_path, HISTORY_KINDS)
    assert ["Broken", "FAILED", None] in entries and ["Existing", "DONE", False] in entries
    assert ["Missing", "PENDING", False] in entries and len(entries) == 8
