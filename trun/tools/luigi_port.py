"""Porting a Luigi code base to trun as a user does: one definition, shared by the tools and tests.

``port`` renames text (``luigi`` -> ``trun``, ``Task`` -> ``Step``, ``task`` -> ``step``, in each
case the word is spelt); ``copy_tree`` copies a source tree with its file names and text files
renamed.  ``luigi_parity.py``, ``ecosystem_check.py`` and the paired tests (``luigi_pair.py``) use
these, so what the tools measure is what the tests check.  ``pytest_verdicts`` reads the verdict
of each test of a ported code base's run (and of the original's) from pytest's JUnit XML report.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

_RENAMES = [("luigi", "trun"), ("Luigi", "Trun"), ("LUIGI", "TRUN"), ("Task", "Step"), ("task", "step"),
            ("TASK", "STEP")]


def port(text: str) -> str:
    """The mechanical renaming of Luigi code, names or file paths."""
    for old, new in _RENAMES:
        text = text.replace(old, new)
    return text


def copy_tree(src: Path, dst: Path, rename: Callable[[str], str] = port) -> None:
    """Copy the files under ``src`` to ``dst``, each path and each text file's content renamed.

    Binary files (data fixtures, pickles, archives) are copied as they are, under a renamed path:
    a user's sed over a tree leaves what it cannot read alone.
    """
    for path in sorted(src.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        target = dst / rename(str(path.relative_to(src)))
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            target.write_bytes(data)
        else:
            target.write_bytes(rename(text).encode("utf-8"))
        target.chmod(path.stat().st_mode & 0o777)


def pytest_verdicts(report: Path) -> dict[str, str]:
    """Test id (``classname.name``) -> verdict (ok, FAIL, ERROR, skipped) from pytest's JUnit XML."""
    verdicts: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        kinds = {child.tag for child in case}
        verdict = ("FAIL" if "failure" in kinds else "ERROR" if "error" in kinds
                   else "skipped" if "skipped" in kinds else "ok")
        name = f"{case.get('classname')}.{case.get('name')}"
        verdicts[name] = "ERROR" if verdicts.get(name) == "ERROR" else verdict  # teardown errors
    return verdicts
