"""Lent to Luigi's side only of the sge/lsf comparisons (the scenario imports it when it can; the
renamed trun copy asks for ``trun_py3_shims``, which does not exist): the smallest fixes that let
Luigi 3.8.1's ``luigi.contrib.sge`` and ``luigi.contrib.lsf`` run on Python 3 at all, so that what
they do can be compared with trun's.  Each is a defect of Luigi 3.8.1 that trun does not have:

* ``luigi.contrib.hadoop`` (which both import for ``create_packages_archive``) imports
  ``luigi.contrib.mrrunner``, missing from Luigi's wheel: an empty module stands in.
* ``luigi.contrib.hadoop`` imports ``luigi.contrib.gcs`` and ``gcp``, which log a warning when
  Google's client libraries are missing: in a job, that warning lands on the job's stderr, which
  Luigi reads as the job's failure.  They are imported with warnings off.
* both read their commands' output as text, but get bytes (``"..." + output``, ``.split("<")``,
  ``.strip("\\n")`` raise TypeError): their ``subprocess`` gives text.
* ``lsf`` writes its pickle to a file opened for text, and both runners read it from one: those
  opens of ``job-instance.pickle`` are made binary (the runners run through a wrapper doing so).
* bsub runs ``lsf_runner.py`` itself as the job's command, but Luigi's file has no ``#!`` line and
  is not executable: the wrapper (also used for sge's runner) is.
"""

from __future__ import annotations

import builtins
import functools
import logging
import os
import subprocess
import sys
import tempfile
import types

import luigi.contrib

_stand_in = types.ModuleType("luigi.contrib.mrrunner")
sys.modules["luigi.contrib.mrrunner"] = _stand_in
luigi.contrib.mrrunner = _stand_in

logging.disable(logging.WARNING)  # hadoop's imports of gcs and gcp warn without Google's libraries
try:
    from luigi.contrib import lsf, lsf_runner, sge, sge_runner  # noqa: E402
finally:
    logging.disable(logging.NOTSET)

_PICKLE = "job-instance.pickle"
_open = builtins.open


def open_pickle_binary(file, mode="r", *args, **kwargs):
    """``open``, but in binary mode for the job's pickle."""
    if str(file).endswith(_PICKLE) and "b" not in mode:
        mode += "b"
    return _open(file, mode, *args, **kwargs)


def _text_subprocess() -> types.SimpleNamespace:
    module = types.SimpleNamespace(**vars(subprocess))
    module.check_output = functools.partial(subprocess.check_output, text=True)
    module.Popen = functools.partial(subprocess.Popen, text=True)
    return module


_WRAPPER = """#!{python}
import builtins, runpy, sys
sys.path.insert(0, {here!r})
import luigi_py3_shims
builtins.open = luigi_py3_shims.open_pickle_binary
sys.argv[0] = {runner!r}
runpy.run_path({runner!r}, run_name="__main__")
"""


def _wrap(runner_module: types.ModuleType, directory: str) -> None:
    runner = os.path.abspath(runner_module.__file__.replace(".pyc", ".py"))
    wrapper = os.path.join(directory, os.path.basename(runner))
    with _open(wrapper + ".tmp", "w") as out:
        out.write(_WRAPPER.format(python=sys.executable, here=os.path.dirname(os.path.abspath(__file__)),
                                  runner=runner))
    os.chmod(wrapper + ".tmp", 0o755)
    os.replace(wrapper + ".tmp", wrapper)  # a job may be running the wrapper: never half written
    runner_module.__file__ = wrapper


sge.subprocess = _text_subprocess()
lsf.subprocess = _text_subprocess()
lsf.open = open_pickle_binary
_wrappers = os.path.join(tempfile.gettempdir(), f"luigi-py3-runners-{os.getuid()}")
os.makedirs(_wrappers, exist_ok=True)
_wrap(sge_runner, _wrappers)
_wrap(lsf_runner, _wrappers)
