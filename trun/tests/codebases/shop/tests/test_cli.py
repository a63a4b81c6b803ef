import json
import os
import subprocess
import sys
import tempfile
import unittest

from shop import tasks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def luigi_cmd(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-m", "luigi", "--module", "shop.tasks", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


class CommandLineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        tasks.write_raw(
            os.path.join(self.tmp, "data"), tasks.DAY, ["a,1.5", "b,0.5", "a,2.0", "c,3.0"]
        )
        with open(os.path.join(self.tmp, "luigi.cfg"), "w") as f:
            f.write("[shop_settings]\nmin_amount = 2.0\n[ShopTotals]\ncurrency = USD\n")

    def test_module_and_config_file(self):
        proc = luigi_cmd("ShopTotals", "--date", "2024-01-02", "--local-scheduler", cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(self.tmp, "data", "totals", "2024-01-02.json")) as f:
            self.assertEqual(json.load(f), {"a": 2.0, "c": 3.0})
        self.assertTrue(
            os.path.exists(os.path.join(self.tmp, "data", "clean", "USD", "2024-01-02.csv.gz"))
        )
        self.assertIn("This progress looks :)", proc.stderr)

    def test_global_flags_for_other_classes(self):
        proc = luigi_cmd(
            "ShopTotals",
            "--date",
            "2024-01-02",
            "--shop-settings-min-amount",
            "3",
            "--currency",
            "EUR",
            "--local-scheduler",
            "--workers",
            "2",
            cwd=self.tmp,
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(self.tmp, "data", "totals", "2024-01-02.json")) as f:
            self.assertEqual(json.load(f), {"c": 3.0})
        self.assertTrue(
            os.path.exists(os.path.join(self.tmp, "data", "clean", "EUR", "2024-01-02.csv.gz"))
        )

    def test_bad_parameter_and_help(self):
        proc = luigi_cmd("ShopTotals", "--date", "yesterday", "--local-scheduler", cwd=self.tmp)
        self.assertNotEqual(proc.returncode, 0)
        proc = luigi_cmd("ShopTotals", "--help", cwd=self.tmp)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("--date", proc.stdout)
        self.assertIn("--shops", proc.stdout)
        proc = luigi_cmd("NoSuchTask", "--local-scheduler", cwd=self.tmp)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("NoSuchTask", proc.stderr)

    def test_env_config_path(self):
        other = os.path.join(self.tmp, "other.cfg")
        with open(other, "w") as f:
            f.write("[shop_settings]\nmin_amount = 0\n")
        env = dict(os.environ, PYTHONPATH=ROOT, LUIGI_CONFIG_PATH=other)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "luigi",
                "--module",
                "shop.tasks",
                "ShopTotals",
                "--date",
                "2024-01-02",
                "--local-scheduler",
            ],
            cwd=self.tmp,
            capture_output=True,
            text=True,
            env=env,
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(self.tmp, "data", "totals", "2024-01-02.json")) as f:
            self.assertEqual(json.load(f), {"a": 3.5, "b": 0.5, "c": 3.0})


if __name__ == "__main__":
    unittest.main()
