import csv
import io
import subprocess
import sys
import tempfile
import unittest

import luigi
import luigi.mock
import luigi.worker
from models import train


class Settings(luigi.Task):
    label = luigi.OptionalParameter(default=None)
    limit = luigi.OptionalIntParameter(default=None)
    extra = luigi.OptionalDictParameter(default=None)
    plain = luigi.Parameter(default=None)


class DetailsTest(unittest.TestCase):
    def test_target_str_is_its_path(self):
        with tempfile.TemporaryDirectory() as d:
            target = luigi.LocalTarget(f"{d}/listing.txt")
            cmd = f"echo hi > {target}"
            subprocess.run(cmd, shell=True, check=True)
            self.assertTrue(target.exists())
            self.assertEqual(str(target), target.path)
            self.assertEqual(f"{luigi.mock.MockTarget('/m/x')}", "/m/x")

    def test_files_are_io_objects(self):
        with tempfile.TemporaryDirectory() as d:
            target = luigi.LocalTarget(f"{d}/rows.csv")
            with target.open("w") as f:
                self.assertIsInstance(f, io.IOBase)
                f.writelines(["name,n\n", "a,1\n", "b,2\n"])
            with target.open("r") as f:
                self.assertIsInstance(f, io.IOBase)
                header = next(f)
                rows = list(csv.reader(f))
            self.assertEqual(header, "name,n\n")
            self.assertEqual(rows, [["a", "1"], ["b", "2"]])

    def test_clone_ignores_other_parameters(self):
        model = train.Train(size=5, powers=[1])
        features = model.clone(train.Features, power=3, powers=[9], not_a_param=1)
        self.assertEqual((features.size, features.power), (5, 3))
        self.assertEqual(model.clone(unknown=2), model)

    def test_repr_of_optional_nones(self):
        self.assertEqual(repr(Settings()), "Settings(label=, limit=, extra=, plain=None)")
        self.assertEqual(Settings(limit=3).to_str_params()["limit"], "3")
        self.assertIsNone(luigi.OptionalDictParameter().parse("null"))
        self.assertEqual(dict(luigi.OptionalDictParameter().parse('{"a": 1}')), {"a": 1})

    def test_scheduling_a_class_is_an_error(self):
        with self.assertRaises(luigi.worker.TaskException):
            luigi.build([train.Dataset], local_scheduler=True)
        with self.assertRaises(luigi.worker.TaskException):
            luigi.build(["Dataset"], local_scheduler=True)

    def test_str_in_summary_lines(self):
        result = luigi.build([Settings(limit=2)], local_scheduler=True, detailed_summary=True)
        self.assertIn("Settings(label=, limit=2, extra=, plain=None)", result.summary_text)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
