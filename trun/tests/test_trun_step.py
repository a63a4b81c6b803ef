"""Step identity, instance caching, requires/input/output structures, namespaces."""

import pytest

import trun
from trun.parameter import MissingParameterException, UnknownParameterException
from trun.step import flatten, getpaths


class Leaf(trun.Step):
    n = trun.IntParameter()
    tag = trun.Parameter(default="t", significant=False)

    def output(self):
        return trun.LocalTarget(f"leaf-{self.n}")


class Root(trun.Step):
    def requires(self):
        return {"a": Leaf(n=1), "b": [Leaf(n=2), Leaf(n=3)]}


def test_equal_parameters_give_the_same_instance():
    assert Leaf(n=1) is Leaf(n=1)
    assert Leaf(1) is Leaf(n=1)
    assert Leaf(n=1) is not Leaf(n=2)
    assert Leaf(n="1") is not Leaf(n=1)  # as Luigi: a value given in code is kept as given


def test_step_id_ignores_insignificant_parameters():
    a, b = Leaf(n=1, tag="x"), Leaf(n=1, tag="y")
    assert a is not b
    assert a.step_id == b.step_id and a == b and hash(a) == hash(b)
    assert a.step_id.startswith("Leaf_1_")
    assert repr(a) == "Leaf(n=1)"


def test_missing_unknown_duplicate_parameters():
    with pytest.raises(MissingParameterException, match="'n'"):
        Leaf()
    with pytest.raises(UnknownParameterException):
        Leaf(n=1, nope=2)
    with pytest.raises(trun.parameter.DuplicateParameterException):
        Leaf(1, n=1)


def test_input_mirrors_requires_structure():
    inp = Root().input()
    assert inp["a"].path == "leaf-1"
    assert [t.path for t in inp["b"]] == ["leaf-2", "leaf-3"]
    assert {d.n for d in Root().deps()} == {1, 2, 3}


def test_flatten_and_getpaths():
    assert flatten({"a": [1, (2, 3)], "b": {"c": 4}}) == [1, 2, 3, 4]
    assert flatten("abc") == ["abc"]
    assert flatten(None) == []
    assert getpaths([Leaf(n=7)])[0].path == "leaf-7"


def test_complete_default_and_wrapper(tmp_path):
    assert not Leaf(n=5).complete()
    (tmp_path / "leaf-5").write_text("x")
    assert Leaf(n=5).complete()

    class W(trun.WrapperStep):
        def requires(self):
            return [Leaf(n=5), Leaf(n=6)]

    assert not W().complete()
    (tmp_path / "leaf-6").write_text("x")
    assert W().complete()


def test_clone_and_str_params():
    class Other(trun.Step):
        n = trun.IntParameter()
        extra = trun.Parameter(default="e")

    c = Leaf(n=4).clone(Other)
    assert isinstance(c, Other) and c.n == 4
    assert Leaf(n=4).to_str_params() == {"n": "4", "tag": "t"}
    assert Leaf.from_str_params({"n": "9"}) is Leaf(n=9)


def test_namespace_prefixes_family():
    trun.namespace("mine", scope=__name__)
    try:
        class Spaced(trun.Step):
            pass
    finally:
        trun.namespace(None, scope=__name__)

    class Explicit(trun.Step):
        step_namespace = "other"

    assert Spaced.get_step_family() == "mine.Spaced"
    assert Explicit().step_family == "other.Explicit"
    assert trun.step_register.Register.get_step_cls("mine.Spaced") is Spaced


def test_external_step_has_no_run():
    class Ext(trun.ExternalStep):
        pass

    assert Ext.run is None
    assert trun.step.externalize(Leaf(n=1)).run is None
    assert Leaf(n=1).run is not None


def test_luigi_top_level_names_exist_with_step_renames():
    for name in ["Step", "Config", "ExternalStep", "WrapperStep", "namespace", "auto_namespace",
                 "DynamicRequirements", "Target", "LocalTarget", "Parameter", "DateParameter",
                 "MonthParameter", "YearParameter", "DateHourParameter", "DateMinuteParameter",
                 "DateSecondParameter", "DateIntervalParameter", "TimeDeltaParameter", "StrParameter",
                 "IntParameter", "FloatParameter", "BoolParameter", "PathParameter", "StepParameter",
                 "ListParameter", "TupleParameter", "EnumParameter", "DictParameter", "EnumListParameter",
                 "run", "build", "Event", "NumericalParameter", "ChoiceParameter", "ChoiceListParameter",
                 "OptionalParameter", "OptionalIntParameter", "TrunStatusCode", "RangeDaily", "RangeHourly"]:
        assert hasattr(trun, name), name
    assert set(trun.__all__) <= set(dir(trun))
