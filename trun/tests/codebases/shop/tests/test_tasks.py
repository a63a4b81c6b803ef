import datetime
import json
import os
import tempfile
import unittest

import luigi
import luigi.configuration
import luigi.date_interval
import luigi.execution_summary
import luigi.mock
import luigi.parameter
import luigi.retcodes
import luigi.scheduler
import luigi.task
import luigi.tools.deps
import luigi.tools.deps_tree
import luigi.worker
from luigi.mock import MockTarget
from shop import tasks
from shop.tasks import DAY, CleanOrders, Failing, RawOrders, Report, ShopTotals, Summary


class PipelineTest(unittest.TestCase):
    def setUp(self):
        self.cwd = os.getcwd()
        self.tmp = tempfile.mkdtemp()
        os.chdir(self.tmp)
        luigi.configuration.get_config().set(
            "shop_settings", "data_dir", os.path.join(self.tmp, "data")
        )
        for i in range(3):
            tasks.write_raw(
                "data", DAY + datetime.timedelta(days=i), ["a,1.5", "b,0.5", "a,2.0", "c,3.0"]
            )

    def tearDown(self):
        os.chdir(self.cwd)

    def test_build_report(self):
        interval = luigi.date_interval.Custom.parse("2024-01-02-2024-01-05")
        self.assertEqual(len(list(interval)), 3)
        self.assertTrue(luigi.build([Report(date_interval=interval)], local_scheduler=True))
        with open("data/totals/2024-01-03.json") as f:
            self.assertEqual(json.load(f), {"a": 3.5, "c": 3.0})

    def test_detailed_summary_and_status(self):
        result = luigi.build(
            [Summary(date=DAY, top=2)], local_scheduler=True, detailed_summary=True
        )
        self.assertEqual(result.status, luigi.execution_summary.LuigiStatusCode.SUCCESS)
        self.assertIn("3 ran successfully", result.summary_text)
        self.assertEqual(open("data/summary/2024-01-02.txt").read(), "a 3.5\nc 3.0\n")
        missing = luigi.build(
            [ShopTotals(date=DAY + datetime.timedelta(days=10))],
            local_scheduler=True,
            detailed_summary=True,
        )
        self.assertEqual(missing.status, luigi.execution_summary.LuigiStatusCode.MISSING_EXT)
        failed = luigi.build([Failing()], local_scheduler=True, detailed_summary=True)
        self.assertEqual(failed.status, luigi.execution_summary.LuigiStatusCode.FAILED)
        self.assertFalse(failed.scheduling_succeeded is False and False)

    def test_worker_and_scheduler(self):
        sch = luigi.scheduler.Scheduler()
        task = ShopTotals(date=DAY, shops=["a"])
        with luigi.worker.Worker(scheduler=sch, no_install_shutdown_handler=True) as w:
            self.assertTrue(w.add(task))
            self.assertTrue(w.run())
        done = sch.task_list("DONE", "")
        self.assertIn(task.task_id, done)
        self.assertEqual(len(done), 3)
        self.assertIn(task.task_id, tasks.SEEN)
        self.assertEqual(sch.task_list("FAILED", ""), {})

    def test_failure_counted(self):
        sch = luigi.scheduler.Scheduler(retry_count=1)
        with luigi.worker.Worker(scheduler=sch, no_install_shutdown_handler=True) as w:
            w.add(Failing())
            self.assertFalse(w.run())
        self.assertEqual(list(sch.task_list("DISABLED", "").keys()), [Failing().task_id])
        sch = luigi.scheduler.Scheduler(retry_count=3)
        with luigi.worker.Worker(scheduler=sch, no_install_shutdown_handler=True) as w:
            w.add(Failing())
            self.assertFalse(w.run())
        self.assertEqual(list(sch.task_list("FAILED", "").keys()), [Failing().task_id])

    def test_task_ids_and_params(self):
        t = ShopTotals(date=DAY, shops=["a", "b"])
        self.assertEqual(t.to_str_params()["shops"], '["a", "b"]')
        self.assertEqual(ShopTotals.from_str_params(t.to_str_params()), t)
        self.assertTrue(t.task_id.startswith("ShopTotals_EUR_2024_01_02___a____b___"), t.task_id)
        self.assertEqual(t.task_family, "ShopTotals")
        self.assertEqual(str(CleanOrders(date=DAY)), "CleanOrders(date=2024-01-02, currency=EUR)")
        with self.assertRaises(luigi.parameter.MissingParameterException):
            CleanOrders()
        with self.assertRaises(ValueError):
            CleanOrders(date=DAY, currency="GBP")
        self.assertEqual(
            luigi.task.task_id_str("X", {"a": "1"}), luigi.task.task_id_str("X", {"a": "1"})
        )
        self.assertEqual(Summary(date=DAY).options["round"], 2)
        self.assertEqual(luigi.task.flatten([[1], (2, 3)]), [1, 2, 3])

    def test_deps_tools(self):
        deps = luigi.tools.deps.find_deps(Summary(date=DAY), None)
        self.assertEqual(
            {d.task_family for d in deps}, {"Summary", "ShopTotals", "CleanOrders", "RawOrders"}
        )
        tree = luigi.tools.deps_tree.print_tree(Summary(date=DAY))
        self.assertIn("RawOrders", tree)

    def test_mock_target(self):
        luigi.mock.MockFileSystem().clear()
        t = MockTarget("/x/y", mirror_on_stderr=False)
        with t.open("w") as f:
            f.write("hello")
        self.assertTrue(t.exists())
        self.assertEqual(t.open("r").read(), "hello")
        self.assertIn("/x/y", luigi.mock.MockFileSystem().get_all_data())

    def test_retcodes(self):
        luigi.configuration.get_config().set("retcode", "task_failed", "4")
        with self.assertRaises(SystemExit) as cm:
            luigi.retcodes.run_with_retcodes(["Failing", "--local-scheduler", "--no-lock"])
        self.assertEqual(cm.exception.code, 4)
        with self.assertRaises(SystemExit) as cm:
            luigi.retcodes.run_with_retcodes(
                ["CleanOrders", "--date", "2024-01-02", "--local-scheduler", "--no-lock"]
            )
        self.assertEqual(cm.exception.code, 0)

    def test_run_cmdline(self):
        self.assertTrue(
            luigi.run(
                [
                    "ShopTotals",
                    "--date",
                    "2024-01-03",
                    "--shops",
                    '["c"]',
                    "--local-scheduler",
                    "--no-lock",
                ]
            )
        )
        with open("data/totals/2024-01-03.json") as f:
            self.assertEqual(json.load(f), {"c": 3.0})

    def test_external_complete(self):
        self.assertTrue(RawOrders(DAY).complete())
        self.assertFalse(RawOrders(DAY + datetime.timedelta(days=30)).complete())


if __name__ == "__main__":
    unittest.main()
