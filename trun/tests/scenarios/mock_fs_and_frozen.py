"""Scenario: the mock file system's move and copy with raise_if_exists, and frozen dict
parameters as a user's tests meet them: equal values in another order hash alike, so steps made
from them are the same instance and collapse in sets."""

import json

import luigi
from luigi.freezing import FrozenOrderedDict
from luigi.mock import MockFileSystem, MockTarget


def attempt(call):
    try:
        call()
        return "ok"
    except Exception as error:  # the type and the message are what the tests compare
        return f"{type(error).__name__}: {error}"


class Keyed(luigi.Task):
    options = luigi.DictParameter()


fs = MockFileSystem()
fs.clear()
for name in ("a", "b"):
    with MockTarget(name).open("w") as f:
        f.write(name)
result = {
    "move_refused": attempt(lambda: fs.move("a", "b", raise_if_exists=True)),
    "copy_refused": attempt(lambda: fs.copy("a", "b", raise_if_exists=True)),
    "target_move_refused": attempt(lambda: MockTarget("a").move("b", raise_if_exists=True)),
    "copy_new": attempt(lambda: fs.copy("a", "c", raise_if_exists=True)),
    "move_new": attempt(lambda: fs.move("c", "d", raise_if_exists=True)),
    "move_over": attempt(lambda: fs.move("d", "b")),
    "files": sorted(fs.get_all_data()),
    "b": fs.get_all_data()["b"].decode(),
}
forward, backward = FrozenOrderedDict(x=1, y=2), FrozenOrderedDict(y=2, x=1)
result["frozen_equal"] = forward == backward
result["frozen_same_hash"] = hash(forward) == hash(backward)
result["frozen_in_set"] = len({forward, backward})
result["steps_same"] = Keyed(options={"x": 1, "y": 2}) is Keyed(options={"y": 2, "x": 1})
result["steps_in_set"] = len({Keyed(options={"x": 1, "y": 2}), Keyed(options={"y": 2, "x": 1})})
print(json.dumps(result))
