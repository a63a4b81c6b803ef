"""@inherits / @requires, and per-step log files."""

import os

import trun
from trun.util import inherits, requires


class Parent(trun.Step):
    day = trun.Parameter()
    lang = trun.Parameter(default="en")

    def output(self):
        return trun.LocalTarget(f"parent-{self.day}-{self.lang}")

    def run(self):
        self.output().open("w").close()


@requires(Parent)
class Child(trun.Step):
    extra = trun.IntParameter(default=0)

    def output(self):
        return trun.LocalTarget(f"child-{self.day}")

    def run(self):
        with self.input().open() as _, self.output().open("w") as out:
            out.write(self.lang)


@inherits(Parent)
class Sibling(trun.Step):
    pass


def test_requires_decorator(tmp_path):
    c = Child(day="d1", lang="fr")
    assert c.requires() is Parent(day="d1", lang="fr")
    assert trun.build([c], local_scheduler=True)
    assert (tmp_path / "child-d1").read_text() == "fr"


def test_inherits_decorator():
    s = Sibling(day="x")
    assert s.lang == "en" and s.clone_parent() is Parent(day="x")


def test_step_log_dir(tmp_path):
    class Chatty(trun.Step):
        def output(self):
            return trun.LocalTarget(tmp_path / "chatty")

        def run(self):
            self.logger.warning("hello from the step")
            self.output().open("w").close()

    trun.configuration.get_config().set("core", "step_log_dir", str(tmp_path / "logs"))
    assert trun.build([Chatty()], local_scheduler=True)
    log = tmp_path / "logs" / f"{Chatty().step_id}.log"
    assert "hello from the step" in log.read_text()
    assert os.listdir(tmp_path / "logs") == [log.name]
