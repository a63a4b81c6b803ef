import datetime
import os
import tempfile
import unittest

import luigi
import luigi.date_interval
import luigi.execution_summary
import luigi.parameter
import luigi.task
from shop.targets import Counted, Fan, MemoryFileSystem, MemoryTarget


class ApiTest(unittest.TestCase):
    def setUp(self):
        self.cwd = os.getcwd()
        os.chdir(tempfile.mkdtemp())
        MemoryFileSystem.files.clear()

    def tearDown(self):
        os.chdir(self.cwd)

    def test_custom_target_and_dict_inputs(self):
        self.assertTrue(luigi.build([Fan()], local_scheduler=True))
        self.assertEqual(MemoryFileSystem.files, {"/mem/a": 1, "/mem/bb": 2})
        with luigi.LocalTarget("fan.bin", format=luigi.format.Nop).open("r") as f:
            self.assertEqual(f.read(), b"[('a', '/mem/a'), ('bb', '/mem/bb')]")
        self.assertEqual(luigi.task.getpaths({"x": Counted(key="x")})["x"].path, "/mem/x")
        self.assertTrue(MemoryTarget("/mem/a").exists())
        MemoryTarget("/mem/a").remove()
        self.assertFalse(MemoryTarget("/mem/a").exists())

    def test_insignificant_parameter(self):
        self.assertEqual(Counted(key="k", note="x").task_id, Counted(key="k", note="y").task_id)
        self.assertEqual(
            Counted(key="k", note="x").to_str_params(only_significant=True), {"key": "k"}
        )
        self.assertEqual(str(Counted(key="k", note="x")), "Counted(key=k)")
        self.assertEqual(Counted(key="k").param_kwargs, {"key": "k", "note": ""})

    def test_parameter_errors(self):
        with self.assertRaises(luigi.parameter.UnknownParameterException):
            Counted(key="k", nope=1)
        with self.assertRaises(luigi.parameter.MissingParameterException):
            Counted()
        with self.assertRaises(luigi.parameter.DuplicateParameterException):
            Counted("k", key="k")
        self.assertEqual(luigi.IntParameter().parse("5"), 5)
        self.assertEqual(luigi.BoolParameter().parse("true"), True)
        self.assertEqual(luigi.FloatParameter().serialize(2.5), "2.5")
        self.assertEqual(
            luigi.TimeDeltaParameter().parse("1 hour 2 minutes"),
            datetime.timedelta(hours=1, minutes=2),
        )
        self.assertEqual(luigi.DateParameter().serialize(datetime.date(2024, 1, 2)), "2024-01-02")
        self.assertEqual(luigi.ListParameter().serialize([1, "a"]), '[1, "a"]')
        self.assertEqual(luigi.DictParameter().serialize({"b": 1, "a": [1]}), '{"b": 1, "a": [1]}')
        with self.assertRaises(ValueError):
            luigi.IntParameter().parse("x")

    def test_date_intervals(self):
        month = luigi.date_interval.Month(2024, 2)
        self.assertEqual(len(month.dates()), 29)
        self.assertEqual(str(month), "2024-02")
        self.assertEqual(str(month.next()), "2024-03")
        week = luigi.date_interval.Week.from_date(datetime.date(2024, 1, 3))
        self.assertEqual(week.dates()[0], datetime.date(2024, 1, 1))
        self.assertEqual(
            luigi.date_interval.Date.parse("2024-01-05").date_a, datetime.date(2024, 1, 5)
        )
        self.assertEqual(
            luigi.DateIntervalParameter().parse("2024-W02").dates()[0], datetime.date(2024, 1, 8)
        )
        self.assertLess(luigi.date_interval.Year(2023), luigi.date_interval.Year(2024))

    def test_params_listing(self):
        names = [name for name, _ in Counted.get_params()]
        self.assertEqual(names, ["key", "note"])
        self.assertEqual(
            Counted.get_param_values(Counted.get_params(), ["k"], {}), [("key", "k"), ("note", "")]
        )
        self.assertEqual(Counted(key="k").task_module, "shop.targets")
        self.assertEqual(repr(Counted(key="k")), "Counted(key=k)")
        self.assertIs(Counted(key="k"), Counted(key="k"))  # the instance cache

    def test_summary_of_a_worker(self):
        result = luigi.build([Fan()], local_scheduler=True, detailed_summary=True)
        self.assertIsInstance(result, luigi.execution_summary.LuigiRunResult)
        text = luigi.execution_summary.summary(result.worker)
        self.assertIn("3 ran successfully", text)
        self.assertTrue(result.scheduling_succeeded)


if __name__ == "__main__":
    unittest.main()
