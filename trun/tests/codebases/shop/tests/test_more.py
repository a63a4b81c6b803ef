import datetime
import os
import tempfile
import unittest

import luigi
import luigi.scheduler
import luigi.tools.range
import luigi.worker
from luigi.execution_summary import LuigiStatusCode
from shop import more


class MoreTest(unittest.TestCase):
    def setUp(self):
        self.cwd = os.getcwd()
        os.chdir(tempfile.mkdtemp())

    def tearDown(self):
        os.chdir(self.cwd)

    def test_dynamic_dependencies_with_two_workers(self):
        res = luigi.build([more.Dynamic()], workers=2, local_scheduler=True, detailed_summary=True)
        self.assertEqual(res.status, LuigiStatusCode.SUCCESS)
        self.assertEqual(open("out/dynamic.txt").read(), "3")
        self.assertEqual(open("out/leaf-1-red.txt", encoding="utf8").read(), "1 3 0304 ünï\n")
        self.assertIn("4 ran successfully", res.summary_text)

    def test_params_round_trip(self):
        leaf = more.Leaf(n=2, color=more.Color.blue, pair=(3, 4))
        params = leaf.to_str_params()
        self.assertEqual(params["color"], "blue")
        self.assertEqual(params["pair"], "[3, 4]")
        self.assertEqual(params["at"], "2024-01-02T0304")
        self.assertEqual(more.Leaf.from_str_params(params), leaf)
        self.assertIsInstance(more.Leaf.from_str_params(params).pair, tuple)
        self.assertEqual(
            luigi.DateMinuteParameter().parse("2024-01-02T0304"),
            datetime.datetime(2024, 1, 2, 3, 4),
        )

    def test_failure_hooks_and_summary(self):
        res = luigi.build([more.NeedsBroken()], local_scheduler=True, detailed_summary=True)
        self.assertEqual(res.status, LuigiStatusCode.FAILED)
        self.assertEqual(more.FAILURES[-1], "RuntimeError")
        self.assertIn(("failure", "Broken", "disk on fire"), more.EVENTS)
        self.assertIn("1 failed", res.summary_text)
        self.assertIn("were left pending", res.summary_text)
        self.assertFalse(res.scheduling_succeeded is None)

    def test_missing_dependency_event(self):
        res = luigi.build(
            [more.Copy(src="nowhere.txt")], local_scheduler=True, detailed_summary=True
        )
        self.assertEqual(res.status, LuigiStatusCode.FAILED)
        luigi.build([more.ExternalLeaf(n=9)], local_scheduler=True)
        self.assertIn(("missing", "Leaf"), more.EVENTS)

    def test_range_daily(self):
        r = luigi.tools.range.RangeDaily(
            of=more.Daily,
            start=datetime.date(2024, 1, 1),
            stop=datetime.date(2024, 1, 4),
            days_back=5000,
        )
        self.assertTrue(luigi.build([r], local_scheduler=True))
        self.assertEqual(
            sorted(os.listdir("out/daily")), ["20240101.txt", "20240102.txt", "20240103.txt"]
        )

    def test_local_target_fs(self):
        t = luigi.LocalTarget("a/b/c.txt")
        with t.open("w") as f:
            f.write("x")
        t.move("a/d.txt")
        self.assertFalse(t.exists())
        self.assertTrue(os.path.exists("a/d.txt"))
        fs = luigi.local_target.LocalFileSystem()
        fs.copy("a/d.txt", "a/e.txt")
        self.assertTrue(fs.exists("a/e.txt"))
        fs.remove("a", recursive=True)
        self.assertFalse(fs.exists("a"))
        self.assertTrue(luigi.LocalTarget(is_tmp=True).path.startswith(tempfile.gettempdir()))

    def test_worker_with_two_processes_and_resources(self):
        sch = luigi.scheduler.Scheduler(resources={"disk": 1})
        with luigi.worker.Worker(scheduler=sch, worker_processes=2) as w:
            for i in range(4):
                w.add(more.Leaf(n=i))
            self.assertTrue(w.run())
        self.assertEqual(len(sch.task_list("DONE", "")), 4)

    def test_deps_and_requires_helpers(self):
        self.assertEqual(luigi.task.flatten(more.NeedsBroken().requires()), [more.Broken()])
        self.assertEqual(
            [t.task_family for t in luigi.task.flatten(more.NeedsBroken().deps())], ["Broken"]
        )
        self.assertEqual(more.Leaf(n=1).clone(n=2), more.Leaf(n=2))
        self.assertTrue(more.Leaf.get_param_names() == ["n", "color", "pair", "at"])
        self.assertEqual(luigi.task_register.Register.get_task_cls("Leaf"), more.Leaf)


if __name__ == "__main__":
    unittest.main()
