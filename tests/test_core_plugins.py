"""Python indicator kinds in the C++ engine, and the parity check against their C++ ports.

``py_trade_flow`` (event style) and ``py_spread`` (vectorised numpy) run in the same indicator sets
as C++ kinds and agree bit for bit with the built-in ``trade_flow`` and ``spread`` on quirk-heavy
days; `indicator_parity` points at the first differing row when they do not; a Python error
inside the engine comes back as that Python exception.
"""

from __future__ import annotations

import numpy as np
import pytest
from indicator_events import DAY, random_events

import ticklab.core as core
import ticklab.research.book_shape  # noqa: F401  (registers py_spread)
import ticklab.research.trade_flow  # noqa: F401  (registers py_trade_flow)
from ticklab.testing import assemble_ticks, indicator_parity


@pytest.fixture(scope="module")
def ticks() -> np.ndarray:
    return assemble_ticks("TEST", *random_events(30000, seed=5))


def test_python_kinds_are_registered_beside_the_cpp_ones() -> None:
    kinds = core.indicator_kinds()
    assert {"py_trade_flow", "py_spread", "trade_flow", "seed"} <= set(kinds)
    with pytest.raises(core.InvalidArgumentError, match="already registered"):
        core.register_indicator("seed", ticklab.research.trade_flow.TradeFlow)


@pytest.mark.parametrize("rows", ["seed", "trades"])
def test_event_style_python_kind_matches_its_cpp_port(ticks: np.ndarray, rows: str) -> None:
    spec = {"half_lives": [0.5, 10.0, 300.0]}
    report = indicator_parity(
        {"kind": "py_trade_flow", **spec}, {"kind": "trade_flow", **spec}, ticks, DAY, rows=rows
    )
    assert report.ok, str(report)
    assert report.rows > 1000 and report.columns == ("x.hl0.5s", "x.hl10s", "x.hl300s")


def test_vectorised_python_kind_matches_the_cpp_kind(ticks: np.ndarray) -> None:
    report = indicator_parity({"kind": "py_spread"}, {"kind": "spread"}, ticks, DAY)
    assert report.ok and report.rows > 1000, str(report)


def test_parity_reports_the_first_differing_row(ticks: np.ndarray) -> None:
    report = indicator_parity(
        {"kind": "py_trade_flow", "half_lives": [10.0]},
        {"kind": "trade_flow", "half_lives": [10.000001]},
        ticks,
        DAY,
    )
    assert not report.ok and report.column == "x.hl10s"
    assert report.python_value != report.cpp_value
    assert "row" in str(report) and str(report.first_row) in str(report)


def test_python_kinds_mix_with_cpp_kinds_and_stream(ticks: np.ndarray) -> None:
    mixed = core.IndicatorSet.from_dict(
        {
            "name": "mix",
            "indicators": [{"kind": "seed"}, {"kind": "py_trade_flow", "name": "flow"}, {"kind": "ofi"}],
        }
    )
    assert mixed.columns[-6:-3] == ["flow.hl1s", "flow.hl10s", "flow.hl60s"]
    whole = mixed.compute_rows(ticks, DAY)
    mixed.reset(DAY)
    streamed = np.concatenate([mixed.push_ticks(ticks[i : i + 300]) for i in range(0, len(ticks), 300)])
    assert streamed.tobytes() == whole.tobytes()


class Broken:
    columns = ("v",)

    def __init__(self, fail_after: int = 100) -> None:
        self.fail_after = fail_after
        self.events = 0

    def reset(self) -> None:
        self.events = 0

    def next_value(self, ts_ns: int, field: str, value: float) -> None:
        self.events += 1
        if self.events > self.fail_after:
            raise ZeroDivisionError(f"broken after {self.fail_after} events")

    def values(self) -> list[float]:
        return [float(self.events)]


def test_a_python_error_in_the_engine_is_raised(ticks: np.ndarray) -> None:
    if "test_broken" not in core.indicator_kinds():
        core.register_indicator("test_broken", Broken)
    broken = core.IndicatorSet.from_dict({"name": "b", "indicators": [{"kind": "test_broken"}]})
    with pytest.raises(ZeroDivisionError, match="broken after 100 events"):
        broken.compute(ticks, DAY)
    with pytest.raises(core.InvalidArgumentError, match=r"indicator 1: .*unexpected keyword"):
        core.IndicatorSet.from_dict({"name": "b", "indicators": [{"kind": "test_broken", "nope": 1}]})
    # Streaming: once failed, every push raises again (never an empty success) until reset().
    broken.reset(DAY)
    with pytest.raises(ZeroDivisionError):
        broken.push_ticks(ticks[:1000])
    with pytest.raises(ZeroDivisionError):
        broken.push_ticks(ticks[1000:1010])
    broken.reset(DAY)
    broken.push_ticks(ticks[:20])  # a fresh start: 20 ticks are fewer than its 100 events
    fine = core.IndicatorSet.from_dict(
        {"name": "b", "indicators": [{"kind": "test_broken", "fail_after": 10**9}]}
    )
    _, values, _ = fine.compute(ticks, DAY)
    assert len(values) > 0 and np.all(np.diff(values[:, 2]) > 0)
