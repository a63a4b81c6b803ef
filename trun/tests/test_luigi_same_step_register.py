"""trun.step_register.load_step and trun.step_status as luigi.task_register.load_task / task_status."""

from luigi_pair import same_result, scenario


def test_load_step_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("step_register"))
    assert result["load"] == ["value", "Loaded(day=2024-01-02, n=3)"]


def test_ambiguous_families_same_as_luigi(tmp_path):
    """A subclass of the same name replaces its base; unrelated classes of one family make it
    AMBIGUOUS_CLASS in _get_reg, and get_step_cls raises for it."""
    result = same_result(tmp_path, scenario("step_register_ambiguous"))
    assert result["B"] == result["Shared"] == "AMBIGUOUS"
    assert result["get"]["A"] == "module_three.A"
    assert result["params of"] == ["A", "C"]


def test_a_saved_registry_is_put_back():
    """Luigi's test helpers save ``_get_reg()`` before a test and ``_set_reg()`` it after."""
    import trun
    from trun.step_register import Register

    everything = list(Register._reg)  # put back whole at the end: other tests' classes included
    try:
        saved = Register._get_reg()

        class DefinedInATest(trun.Step):
            pass

        assert "DefinedInATest" in Register._get_reg()
        Register._set_reg(saved)
        assert "DefinedInATest" not in Register._get_reg()
        unambiguous = {k: v for k, v in saved.items() if v is not Register.AMBIGUOUS_CLASS}
        assert Register._get_reg() == unambiguous  # as Luigi: an ambiguous family is dropped
    finally:
        Register._reg[:] = everything
