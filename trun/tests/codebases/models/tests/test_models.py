import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

import luigi
import luigi.task_register
import luigi.worker
from luigi.execution_summary import LuigiStatusCode
from models import base, train


class ModelTest(unittest.TestCase):
    def setUp(self):
        self.old = os.getcwd()
        self.tmp = tempfile.mkdtemp()
        os.chdir(self.tmp)

    def tearDown(self):
        os.chdir(self.old)
        shutil.rmtree(self.tmp)

    def build(self, *tasks, **kwargs):
        return luigi.build(list(tasks), local_scheduler=True, detailed_summary=True, **kwargs)

    def test_abstract_base_cannot_be_made(self):
        with self.assertRaises(TypeError):
            base.JsonTask()

    def test_mixin_parameter(self):
        names = [n for n, _ in train.Dataset.get_params()]
        self.assertEqual(names, ["out_dir", "size"])
        self.assertEqual(train.Dataset(out_dir="x").path("a"), os.path.join("x", "a"))
        self.assertEqual(
            dict(train.Dataset.get_params())["out_dir"].description, "where the files go"
        )

    def test_generator_requires_and_init_override(self):
        before = train.CALLS["init"]
        result = self.build(train.Features(power=3))
        self.assertEqual(result.status, LuigiStatusCode.SUCCESS)
        self.assertEqual(train.Features(power=3).load(), {"x": [0, 1, 8, 27]})
        self.assertGreaterEqual(train.CALLS["init"], before + 1)
        self.assertEqual([t.task_family for t in luigi.task.flatten(train.Features().requires())],
                         ["Dataset"])

    def test_dict_requires_and_on_success(self):
        train.CALLS["success"].clear()
        result = self.build(train.Evaluate(size=3), workers=1)
        self.assertEqual(result.status, LuigiStatusCode.SUCCESS)
        with open("out/score-3.txt") as f:
            self.assertEqual(f.read(), "8")
        with open("out/report-3.txt") as f:
            self.assertEqual(f.read(), "1 2")
        self.assertEqual(train.CALLS["success"], ["Train"])
        self.assertEqual(sorted(train.Evaluate(size=3).output()), ["report", "score"])

    def test_subclass_overrides_default(self):
        self.assertEqual(train.FastTrain().size, 2)
        self.assertEqual(train.FastTrain().task_family, "FastTrain")
        self.assertTrue(self.build(train.FastTrain()).scheduling_succeeded)
        with open("out/fast-model.json") as f:
            self.assertEqual(json.load(f), {"weights": {"1": 1, "2": 1}})
        self.assertEqual(train.FastTrain().requires()[1].size, 2)

    def test_instance_cache(self):
        a = train.Dataset(size=9)
        self.assertIs(a, train.Dataset(size=9))
        luigi.task_register.Register.clear_instance_cache()
        self.assertIsNot(a, train.Dataset(size=9))
        self.assertEqual(a, train.Dataset(size=9))

    def test_completion_cache(self):
        train.CALLS["complete"] = 0
        sch = luigi.scheduler.Scheduler()
        with luigi.worker.Worker(scheduler=sch, cache_task_completion=False) as w:
            w.add(train.Counted(key="a"))
        first = train.CALLS["complete"]
        self.assertGreaterEqual(first, 1)

    def test_worker_timeout(self):
        result = self.build(train.Slow(), workers=2)
        self.assertEqual(result.status, LuigiStatusCode.FAILED)
        self.assertIn("1 failed", result.summary_text)

    def test_patched_compute(self):
        with mock.patch.object(train.Dataset, "compute", return_value={"rows": [5]}):
            self.assertTrue(self.build(train.Dataset(size=1, out_dir="patched")).scheduling_succeeded)
        self.assertEqual(train.Dataset(size=1, out_dir="patched").load(), {"rows": [5]})

    def test_initialized_and_str(self):
        t = train.Train(powers=[3])
        self.assertTrue(t.initialized())
        self.assertEqual(str(t), "Train(out_dir=out, size=4, powers=[3])")
        self.assertEqual(t.param_kwargs["powers"], (3,))


if __name__ == "__main__":
    unittest.main()
