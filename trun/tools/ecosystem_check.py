"""Run open-source Luigi projects' own test suites under Luigi 3.8.1 and, renamed, under trun.

For each pinned project this downloads its source distribution from PyPI into ``build/ecosystem``,
unpacks it, makes the renamed copy a user makes (``luigi_port.copy_tree``: luigi -> trun, Task ->
Step, task -> step, in paths and text), and builds two virtual environments: ``venv-luigi`` with
Luigi 3.8.1 and the project installed from its sdist (with its dependencies and test
requirements), ``venv-trun`` with the same packages at the same versions (``pip freeze`` of the
first, Luigi and the project aside) and trun installed editable from this tree.  The project's
pytest suite then runs in each (JUnit XML), and the verdicts are compared test by test: what passes
under Luigi but not under trun is printed, with the first line of its failure.

Tests that need a network or a cloud account are deselected under both engines alike (``SKIPS``).
Everything comes from PyPI through pip; nothing else is fetched.

    python trun/tools/ecosystem_check.py [PROJECT ...] [--jobs 2] [--reinstall] [--no-run]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # trun/tools is not a package
from luigi_port import copy_tree, port, pytest_verdicts  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "ecosystem"
LUIGI = "luigi==3.8.1"
# what both runs need besides the project's own test requirements: parallel runs, a per-test limit
RUNNER = ["pytest-xdist", "pytest-timeout"]
WIDTH = 80


@dataclass(frozen=True)
class Project:
    """One Luigi project on PyPI: its pinned version, where its tests are and what they need."""

    name: str
    version: str
    tests: str  # the test directory in the sdist
    extras: str = ""  # the extras its test suite uses, e.g. "[all]"
    test_requires: tuple[str, ...] = ("pytest",)
    serial: bool = False  # its tests share files (no pytest-xdist)
    # Luigi test ids (file::name) deselected under both engines, with the reason
    skips: dict[str, str] = field(default_factory=dict)
    # tests (renamed ids) whose expectation is computed from the text the renaming changes (a hash
    # of a class name written into the test): they cannot pass renamed, whatever the engine does
    renaming_artefacts: dict[str, str] = field(default_factory=dict)


PROJECTS = {p.name: p for p in [
    # gokart's test dependency group (pyproject.toml), pytest-cov aside
    Project("gokart", "1.12.2", "test", "[all]",
            ("boto3", "google-auth", "google-api-python-client", "fakeredis", "lupa", "matplotlib",
             "moto>=4.0", "mypy", "polars>=0.19.0", "pytest", "testfixtures", "toml", "types-redis",
             "typing-extensions>=4.11.0"),
            renaming_artefacts={
                "test.conflict_prevention_lock.test_step_lock.TestMakeStepLockParamsForRun."
                "test_make_step_lock_params_for_run": "the expected lock key is an md5 of the class name "
                "_SampleDummyTask, which the renaming makes _SampleDummyStep"}),
    # luigi-tools' "test" extra (setup.py), coverage and HTML reports aside; graphviz for its util
    # tests, which write ./luigi.cfg (set_luigi_config): one at a time
    Project("luigi-tools", "0.3.5", "tests", "[graphviz]", ("mock>=3", "pytest>=8"), serial=True),
    # d6tflow's tests import scikit-learn, fuckit and six without declaring them, and they all
    # write and remove the one ./data directory
    Project("d6tflow", "0.2.8", "tests", "", ("pytest", "scikit-learn", "fuckit", "six"), serial=True),
    Project("sciluigi", "0.10.1", "test"),
    # law's one test module is small, but importing law imports most of Luigi's public API
    Project("law", "0.1.21", "tests"),
    # ruigi keeps its tests beside its modules; its Azure Data Lake test needs an Azure account;
    # its parametrised ids come from a set, so pytest-xdist's workers would collect different orders
    Project("ruigi", "0.0.4", "ruigi", "[azure]", ("pytest",), serial=True, skips={
        "ruigi/backends/test/test_adls_gen1.py": "needs an Azure Data Lake account"}),
    # bioluigi's tests of its bioinformatics tools' steps build command lines only (no tool runs)
    Project("bioluigi", "0.3.0", "tests"),
    # Eikthyr's tests use hypothesis and pyfakefs without declaring them; its sdist lacks
    # tests/common.py, so test_task.py and test_target.py cannot be imported under either engine
    Project("Eikthyr", "0.7.0", "tests", "", ("pytest", "hypothesis", "pyfakefs")),
]}


def run(command: list[str], **kw: object) -> None:
    print("+", " ".join(command)[:WIDTH - 2], flush=True)
    subprocess.run(command, check=True, **kw)  # type: ignore[call-overload]


def sdist(project: Project) -> Path:
    """The project's source distribution, downloaded from PyPI once."""
    target = WORK / "sdists"
    found = sorted(target.glob(f"{project.name.replace('-', '[-_]')}-{project.version}.tar.gz"))
    if not found:
        run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"{project.name}=={project.version}", "-d", str(target)])
        found = sorted(target.glob(f"{project.name.replace('-', '[-_]')}-{project.version}.tar.gz"))
    return found[0]


def unpack(project: Project, archive: Path) -> tuple[Path, Path]:
    """Fresh copies of the sdist: the original and the renamed one."""
    base = WORK / project.name
    for sub in ("luigi", "trun"):
        shutil.rmtree(base / sub, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(base / "luigi", filter="data")
    (original,) = (base / "luigi").iterdir()
    renamed = base / "trun" / port(original.name)
    copy_tree(original, renamed)
    return original, renamed


def venv_python(venv: Path) -> str:
    return str(venv / "bin" / "python")


def make_venvs(project: Project, archive: Path, reinstall: bool) -> tuple[Path, Path]:
    """The two environments, built once (``reinstall`` builds them again)."""
    base = WORK / project.name
    luigi_venv, trun_venv = base / "venv-luigi", base / "venv-trun"
    pip = ["-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if reinstall or not (luigi_venv / ".ready").exists():
        shutil.rmtree(luigi_venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(luigi_venv)])
        run([venv_python(luigi_venv), *pip, LUIGI, f"{archive}{project.extras}", *project.test_requires,
             *RUNNER])
        (luigi_venv / ".ready").touch()
    if reinstall or not (trun_venv / ".ready").exists():
        shutil.rmtree(trun_venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(trun_venv)])
        frozen = subprocess.run([venv_python(luigi_venv), "-m", "pip", "freeze", "--exclude", "luigi",
                                 "--exclude", project.name], check=True, capture_output=True, text=True)
        (base / "requirements-trun.txt").write_text(frozen.stdout)
        run([venv_python(trun_venv), *pip, "-r", str(base / "requirements-trun.txt"), "-e",
             str(ROOT / "trun")])
        (trun_venv / ".ready").touch()
    return luigi_venv, trun_venv


def start_suite(project: Project, venv: Path, source: Path, engine: str, jobs: int,
                rename, extra_path: str = "") -> tuple[subprocess.Popen, Path]:
    """Start the project's pytest suite in ``source`` with the venv; gives the process and its report."""
    report = WORK / project.name / f"report-{engine}.xml"
    report.unlink(missing_ok=True)
    home = WORK / project.name / f"home-{engine}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    command = [venv_python(venv), "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=",
               f"--junitxml={report}", "--timeout=600", f"--basetemp={home / 'tmp'}", "-q", "-rN",
               f"--rootdir={source}", "--continue-on-collection-errors",
               rename(project.tests)]
    if jobs > 1 and not project.serial:
        command += ["-n", str(jobs)]
    for test in project.skips:
        command += ["--deselect", rename(test)]
    python_path = ":".join(filter(None, [str(source), extra_path]))
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": python_path,
           "LANG": "C.UTF-8", "TZ": "UTC"}
    log = (WORK / project.name / f"pytest-{engine}.log").open("w")
    proc = subprocess.Popen(command, cwd=source, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, report


def failure_lines(report: Path) -> dict[str, str]:
    """Test id -> the first line of its failure or error message."""
    lines = {}
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            for child in case:
                if child.tag in ("failure", "error"):
                    message = (child.get("message") or child.text or "").strip().splitlines()
                    lines[f"{case.get('classname')}.{case.get('name')}"] = message[0] if message else ""
    return lines


def compare(project: Project, luigi_report: Path, trun_report: Path) -> dict:
    """Both engines' verdicts, the Luigi ids renamed, and what passes under Luigi only."""
    luigi = {port(k): v for k, v in pytest_verdicts(luigi_report).items()} if luigi_report.exists() else {}
    trun = pytest_verdicts(trun_report) if trun_report.exists() else {}
    why = failure_lines(trun_report)
    regressions = {t: {"trun": trun.get(t, "missing"), "why": why.get(t, "")}
                   for t, v in sorted(luigi.items()) if v == "ok" and trun.get(t) != "ok"
                   and t not in project.renaming_artefacts}
    return {"project": f"{project.name} {project.version}",
            "luigi_passed": sum(v == "ok" for v in luigi.values()), "luigi_total": len(luigi),
            "trun_passed": sum(v == "ok" for v in trun.values()), "trun_total": len(trun),
            "luigi_only": regressions,
            "trun_only": sorted(t for t, v in trun.items() if v == "ok" and luigi.get(t) != "ok"),
            "deselected": project.skips,
            "renaming_artefacts": {t: r for t, r in project.renaming_artefacts.items()
                                   if luigi.get(t) == "ok" and trun.get(t) != "ok"}}


def line(text: str) -> str:
    """``text`` cut to the terminal width, with an ellipsis where it was cut."""
    return text if len(text) <= WIDTH else text[:WIDTH - 3] + "..."


def print_comparison(result: dict) -> None:
    print("=" * WIDTH)
    print(f"{result['project']}: Luigi passed {result['luigi_passed']}/{result['luigi_total']}, "
          f"trun passed {result['trun_passed']}/{result['trun_total']}")
    for test, reason in result["deselected"].items():
        print(line(f"  deselected (both): {test}: {reason}"))
    for test, reason in result["renaming_artefacts"].items():
        print(line(f"  renaming artefact: {test}"))
        print(textwrap.fill(reason, WIDTH, initial_indent=" " * 10, subsequent_indent=" " * 10))
    print(f"  pass under Luigi, not under trun: {len(result['luigi_only'])}")
    for test, what in result["luigi_only"].items():
        print(line(f"  {what['trun']:7} {test}"))
        if what["why"]:
            print(line(f"          {what['why']}"))
    if result["trun_only"]:
        print(f"  pass under trun, not under Luigi: {len(result['trun_only'])}")
        for test in result["trun_only"]:
            print(line(f"  ok      {test}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("projects", nargs="*", metavar="PROJECT",
                        help=f"the projects to check: {', '.join(PROJECTS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers per run (1: none)")
    parser.add_argument("--reinstall", action="store_true", help="build the venvs again")
    parser.add_argument("--no-run", action="store_true", help="compare the last runs' reports only")
    parser.add_argument("--engine", choices=["luigi", "trun"], action="append",
                        help="run only this engine's suite, comparing with the other's last report")
    parser.add_argument("--trun-path", default="",
                        help="import trun from this directory instead (another tree's trun/, e.g. to "
                             "measure before a change)")
    args = parser.parse_args(argv)
    unknown = set(args.projects) - set(PROJECTS)
    if unknown:
        parser.error(f"unknown projects: {', '.join(sorted(unknown))}")
    results = []
    for name in args.projects or list(PROJECTS):
        project = PROJECTS[name]
        base = WORK / name
        if not args.no_run:
            archive = sdist(project)
            original, renamed = unpack(project, archive)
            luigi_venv, trun_venv = make_venvs(project, archive, args.reinstall)
            # one after the other: each run has the cores to itself
            for engine, venv, source, rename in (("luigi", luigi_venv, original, str),
                                                 ("trun", trun_venv, renamed, port)):
                if args.engine and engine not in args.engine:
                    continue
                extra = args.trun_path if engine == "trun" else ""
                proc, _ = start_suite(project, venv, source, engine, args.jobs, rename, extra)
                proc.wait()
        result = compare(project, base / "report-luigi.xml", base / "report-trun.xml")
        (base / "comparison.json").write_text(json.dumps(result, indent=1))
        print_comparison(result)
        results.append(result)
    return 1 if any(r["luigi_only"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
