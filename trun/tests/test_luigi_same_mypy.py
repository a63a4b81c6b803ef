"""mypy with ``plugins = trun.mypy`` reports on renamed code what it reports with ``luigi.mypy``.

Both runs use this environment's mypy: trun's side as a user runs it, Luigi's with
``--python-executable`` pointing at Luigi's interpreter (so mypy reads Luigi's typed package) and
Luigi's plugin loaded from its file (this environment has no Luigi to import it from).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import mypy  # noqa: F401  (an extra of trun: the test fails clearly when it is missing)
from luigi_pair import luigi_python, port, scenario

MODULES = ("mypy_steps", "mypy_calls")
# The one deliberate difference: a note names the module that defines a parameter's __init__, which is
# trun.parameter_base for trun's (trun.parameter gathers them, as luigi.parameter).
_DEFINED_IN = ('defined in "trun.parameter_base"', 'defined in "trun.parameter"')


def _luigi_plugin(tmp: Path) -> Path:
    """Luigi's plugin file under a name that is not ``mypy`` (a plugin path is imported by its stem)."""
    found = subprocess.run([luigi_python(), "-c", "import luigi, os; print(os.path.dirname(luigi.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    link = tmp / "luigi_mypy_plugin.py"
    link.symlink_to(Path(found) / "mypy.py")
    return link


def _mypy(work: Path, plugin: str, *extra: str, modules: tuple[str, ...] = MODULES) -> list[str]:
    (work / "mypy.ini").write_text(f"[mypy]\nplugins = {plugin}\ncache_dir = .mypy_cache\n")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--no-pretty",
                           "--show-error-codes", *extra, *(f"{m}.py" for m in modules)],
                          cwd=work, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 2: mypy itself failed
    return [line for line in proc.stdout.splitlines() if not line.startswith(("Found ", "Success"))]


def _write(work: Path, rename: bool, calls: str | None = None, modules: tuple[str, ...] = MODULES) -> None:
    work.mkdir(exist_ok=True)
    for module in modules:
        text = calls if module == "mypy_calls" and calls is not None else scenario(module)
        (work / f"{module}.py").write_text(port(text) if rename else text)


def _errors(lines: list[str]) -> list[tuple[str, int, str]]:
    return [(m[1], int(m[2]), m[3]) for line in lines if (m := re.match(r"(\S+?):(\d+): error: (.*)", line))]


def test_constructor_checks_same_as_luigi(tmp_path):
    lu, tr = tmp_path / "luigi", tmp_path / "trun"
    _write(lu, rename=False)
    _write(tr, rename=True)
    luigi_lines = _mypy(lu, str(_luigi_plugin(tmp_path)), f"--python-executable={luigi_python()}")
    trun_lines = _mypy(tr, "trun.mypy")
    assert trun_lines == [port(line) for line in luigi_lines]
    errors = _errors(luigi_lines)
    calls = scenario("mypy_calls").splitlines()
    first_wrong = calls.index('Report(n="1")') + 1
    wrong = {n for f, n, _ in errors if f == "mypy_calls.py"}
    # every call from Report(n="1") on is wrong (one error each), none before it
    assert wrong == set(range(first_wrong, len(calls) + 1))
    text = "\n".join(e for _, _, e in errors)
    for expected in ('Argument "n" to "Report" has incompatible type "str"; expected "int"  [arg-type]',
                     'Unexpected keyword argument "m" for "Report"  [call-arg]',
                     'Too many positional arguments for "Report"  [call-arg]',
                     'Argument "extra" to "Later" has incompatible type "int"; expected "str"',
                     'Incompatible types in assignment (expression has type "int", variable has type "str")'):
        assert expected in text, text


def test_cached_base_class_keeps_its_arguments(tmp_path):
    """A second run reads mypy_steps from mypy's cache: its steps' arguments come from the cache."""
    work = tmp_path / "trun"
    _write(work, rename=True)
    first = _mypy(work, "trun.mypy")
    calls = port(scenario("mypy_calls")) + 'Report(n=1, ratio="high")\n'
    _write(work, rename=True, calls=calls)
    second = _errors(_mypy(work, "trun.mypy"))  # (mypy adds notes where a class comes from the cache)
    assert second[:-1] == _errors(first)
    wrong_ratio = 'Argument "ratio" to "Report" has incompatible type "str"; expected "float"  [arg-type]'
    assert second[-1] == ("mypy_calls.py", len(calls.splitlines()), wrong_ratio)


def test_typed_parameters_same_as_luigi(tmp_path):
    """Parameter[T] and parameter-type annotations, optional/enum/list/dict/tuple/date/step parameters,
    custom Parameter subclasses, inheritance and util.requires/inherits: mypy says the same."""
    modules = ("mypy_typed",)
    lu, tr = tmp_path / "luigi", tmp_path / "trun"
    _write(lu, rename=False, modules=modules)
    _write(tr, rename=True, modules=modules)
    luigi_lines = _mypy(lu, str(_luigi_plugin(tmp_path)), f"--python-executable={luigi_python()}",
                        modules=modules)
    trun_lines = [line.replace(*_DEFINED_IN) for line in _mypy(tr, "trun.mypy", modules=modules)]
    assert trun_lines == [port(line) for line in luigi_lines]
    text = "\n".join(trun_lines)
    for expected in ('Argument "b" to "Typed" has incompatible type "str"; expected "int"  [arg-type]',
                     'Argument "d" to "Typed" has incompatible type "int"; expected "str | None"',
                     'Argument "k" to "Typed" has incompatible type "str"; expected "float"',
                     'Argument "colours" to "Values" has incompatible type "list[Colour]"; '
                     'expected "tuple[Colour, ...]"',
                     'Argument "quiet_typed" to "Values" has incompatible type "str"; expected "int"',
                     'Unexpected keyword argument "n" for "Needs"',
                     'Positional arguments are not allowed for parameters when using the mypy plugin',
                     'Argument "default" to "IntParameter" has incompatible type "str"; '
                     'expected "int | _NoValueType"',
                     'Revealed type is "tuple[mypy_typed.Colour, ...]"'):
        assert expected in text, text
    assert not any('"Gets"' in line or '"NeedsBoth"' in line for line in trun_lines)  # no own parameters
