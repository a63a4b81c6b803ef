"""trun.contrib.sparkey as Luigi's, with the ``sparkey`` bindings replaced by a recording fake
(they need libsparkey, which no registry here ships): the same writer calls, the same log moved
onto the output, the same failures for a line without a separator and a non-local output."""

import os

from luigi_pair import same_result, scenario
from without_packages import run_without


def test_sparkey_export_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("sparkey"), env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    assert result["built"] is True and result["done"] is True
    assert [result["bad"], result["elsewhere"]] == ["FAILED", "FAILED"]
    first, colons, bad = result["writes"]  # the non-local output fails before writing
    assert first == {"temporary": True, "closed": True,
                     "entries": [["alpha", "1"], ["beta", "2\tmore"], ["gamma", "3"]]}
    assert colons["entries"] == [["a", "1"], ["b", "2:3"]] and colons["closed"]
    assert bad == {"temporary": True, "closed": False, "entries": [["ok", "1"]]}
    assert result["log"] == "sparkey log\nalpha=1\nbeta=2\tmore\ngamma=3\n"
    assert result["separator"] == ["\t", ":"]


def test_the_module_loads_without_sparkey():
    out = run_without(["sparkey"], "from trun.contrib.sparkey import SparkeyExportStep\n"
                                   "print(SparkeyExportStep.separator == '\\t')\n")
    assert out.stdout.split() == ["True"]
