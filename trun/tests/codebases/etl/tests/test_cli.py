import os
import subprocess
import sys

import pytest
from conftest import DAY, ROWS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def project(tmp_path):
    (tmp_path / "luigi.cfg").write_text(
        "[etl]\nwarehouse = wh\n"
        "[retcode]\ntask_failed = 3\nmissing_data = 4\n"
        "[core]\nno_lock = true\n"
    )
    return tmp_path


def run(cwd, *args, module="luigi"):
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ROOT, "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def drop_sales(project):
    path = project / "wh" / "incoming" / f"sales_{DAY:%Y%m%d}.csv"
    path.parent.mkdir(parents=True)
    path.write_text("item,region,qty,price\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in ROWS))


@pytest.mark.parametrize(
    "args, code",
    [
        (["Exploding"], 3),
        (["ItemReport", "--day", "2024-03-01"], 4),
        (["ItemReport", "--day", "not-a-day"], 4),
        (["NoSuchThing"], 4),
    ],
)
def test_exit_codes(project, args, code):
    proc = run(project, "--module", "etl.tasks", *args, "--local-scheduler")
    if args[0] in ("NoSuchThing",) or "not-a-day" in args:
        assert proc.returncode != 0
    else:
        assert proc.returncode == code, proc.stderr


def test_success_and_summary(project):
    drop_sales(project)
    proc = run(
        project, "--module", "etl.tasks", "ItemReport", "--day", "2024-03-01",
        "--region", "north", "--min-qty", "2", "--workers", "2", "--local-scheduler",
    )
    assert proc.returncode == 0, proc.stderr
    assert "This progress looks :)" in proc.stderr
    assert "3 ran successfully" in proc.stderr
    report = (project / "wh" / "reports" / "north_20240301.txt").read_text(encoding="utf8")
    assert report.splitlines()[1:] == ["apple\t2.50", "plum\t1.75"]


def test_deps_tree_tool(project):
    drop_sales(project)
    proc = run(
        project, "--module", "etl.tasks", "ItemReport", "--day", "2024-03-01",
        module="luigi.tools.deps_tree",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert "ItemReport" in lines[0] and "PENDING" in lines[0]
    assert any("SalesFile" in line and "COMPLETE" in line for line in lines)


def test_deps_tool(project):
    proc = run(
        project, "--module", "etl.tasks", "ItemReport", "--day", "2024-03-01",
        "--upstream-family", "SalesFile", module="luigi.tools.deps",
    )
    assert proc.returncode == 0, proc.stderr
    assert "SalesFile" in proc.stdout


def test_help_lists_parameters(project):
    proc = run(project, "--module", "etl.tasks", "CleanSales", "--help")
    assert proc.returncode == 0
    for flag in ("--day", "--region", "--min-qty", "--label"):
        assert flag in proc.stdout
