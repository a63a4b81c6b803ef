"""What open-source Luigi projects do with Luigi, beyond its documented API, gives the same under trun.

Each scenario is our own small reproduction of a habit found by running a project's test suite under
both engines (``trun/tools/ecosystem_check.py``): saving and restoring the INI parser's list of
files, reaching the standard modules through ``luigi.parameter``, writing out a step's source from
its parameters' classes; and gokart's: a parameter class choosing its command-line flag
(``_parser_kwargs``), parameters added to a class after it was made, ``task._task_wraps``, list
values kept as tuples, files that are ``io`` text or binary kinds as Luigi's are.
"""

from __future__ import annotations

from pathlib import Path

from luigi_pair import same_result, scenario

# A test fixture's way to undo add_config_path(): keep the parser's list of files, put it back, and
# reload through the class (luigi-tools' configuration templates are tested this way).
CONFIG_PATHS_RESTORED = '''
import copy, json

with open("luigi.cfg", "w") as f:  # before luigi is imported: importing it loads the configuration
    f.write("[Job]\\nsize = from-cfg\\n")
with open("extra.cfg", "w") as f:
    f.write("[Job]\\nsize = from-extra\\n")
with open("later.cfg", "w") as f:
    f.write("[Other]\\nkey = later\\n")

import luigi, luigi.configuration
from luigi.configuration import add_config_path, get_config

parser = luigi.configuration.cfg_parser.LuigiConfigParser
seen = {}
seen["first"] = get_config().get("Job", "size")
saved = copy.deepcopy(parser._config_paths)
add_config_path("extra.cfg")
seen["added"] = get_config().get("Job", "size")
parser._config_paths = saved
parser.reload()
seen["restored"] = get_config().get("Job", "size")
get_config().clear()
seen["cleared"] = get_config().get("Job", "size", "none")
add_config_path("later.cfg")  # the files read again are the restored list's: extra.cfg is gone
seen["later"] = [get_config().get("Job", "size", "none"), get_config().get("Other", "key")]
print(json.dumps(seen))
'''


def test_restoring_the_parsers_config_paths_forgets_added_files(tmp_path: Path) -> None:
    result = same_result(tmp_path, CONFIG_PATHS_RESTORED)
    assert result == {"first": "from-cfg", "added": "from-extra", "restored": "from-cfg",
                      "cleared": "none", "later": ["from-cfg", "later"]}


# A bounded ratio parameter built on the operator module as luigi.parameter has it, and a step's
# source written back from its parameters' classes (d6tflow exports flows this way).
PARAMETER_MODULE = '''
import json
import luigi


class Ratio(luigi.NumericalParameter):
    def __init__(self, **kwargs):
        super().__init__(var_type=float, min_value=0, max_value=1, left_op=luigi.parameter.operator.le,
                         right_op=luigi.parameter.operator.le, **kwargs)


class Train(luigi.Task):
    ratio = Ratio(default=0.5)
    epochs = luigi.IntParameter(default=3)
    name = luigi.Parameter(default="model")
    when = luigi.DateParameter(default=luigi.parameter.datetime.date(2024, 5, 1))
    tags = luigi.ListParameter(default=[1, 2])
    mode = luigi.ChoiceParameter(choices=["a", "b"], default="a")


source = "".join(f"    {name} = {type(p).__module__}.{type(p).__name__}()\\n"
                 for name, p in Train.get_params() if type(p) is not Ratio)
try:
    Ratio().parse("1.5")
    error = None
except ValueError as e:
    error = type(e).__name__
print(json.dumps({"source": source, "edge": Ratio().parse("1"), "error": error,
                  "warning_module": luigi.parameter.OptionalParameterTypeWarning.__module__,
                  "visibility": luigi.parameter.ParameterVisibility.PUBLIC.__class__.__module__}))
'''


def test_parameter_classes_and_imports_are_the_parameter_modules(tmp_path: Path) -> None:
    result = same_result(tmp_path, PARAMETER_MODULE)
    assert "    epochs = trun.parameter.IntParameter()\n" in result["source"]
    assert result["edge"] == 1.0 and result["error"] == "ValueError"


def test_extensions_parameter_hooks_and_file_kinds(tmp_path: Path) -> None:
    result = same_result(tmp_path, scenario("extension_parameters"))
    assert result["flag"] == [[True, False], [False, True], "exit 2"]  # a bare --flag wants a value
    assert result["late"] == [["one", ["late"]], ["two", ["late"]]]
    assert result["items"] == ["tuple", "(1, [2])", "tuple"]
    assert result["kinds"]["text"] == [True, False, True, False]
