"""A set with an indicator kind written in Python, through the batch pipeline and its C++ tools.

The config lists the plugin module under ``[python] plugins``; the pipeline (trun, two worker
processes) computes the set's features in process through ticklab.core (the batch tool's engine and
writer, bound), then the C++ stats tool reads them. The Python kind ``py_trade_flow`` and its C++
port ``trade_flow`` give the same bits, so the two sets' .feat files hold the same values; the C++
batch tool itself rejects the Python kind by name, and the C++ indicators service (its embedded
Python host) streams the Python set with the .feat files' bytes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import trun
from ticklab.config import ConfigError, load_config
from ticklab.io.features import feature_path, read_features
from ticklab.native import binary
from ticklab.pipeline import Pipeline

CONFIG = """
[data]
root = "data"
[universe]
stocks = ["AAA", "BBB"]
[generator]
seed = 11
start_date = "2024-03-01"
days = 1
events_per_day = 8000
formats = ["csv"]
[python]
plugins = [{plugins}]
[[indicator_sets]]
name = "py"
[[indicator_sets.indicators]]
kind = "py_trade_flow"
name = "flow"
half_lives = [1.0, 30.0]
[[indicator_sets.indicators]]
kind = "spread"
[[indicator_sets]]
name = "cpp"
[[indicator_sets.indicators]]
kind = "trade_flow"
name = "flow"
half_lives = [1.0, 30.0]
[[indicator_sets.indicators]]
kind = "spread"
[stats]
horizons_seconds = [5.0]
"""
DAY = "2024-03-01"


def write_config(root: Path, plugins: str = '"ticklab.research.trade_flow"') -> Path:
    path = root / "ticklab.toml"
    path.write_text(CONFIG.format(plugins=plugins))
    return path


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = write_config(tmp_path_factory.mktemp("pipeline_python_kinds"))
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)], check=True)
    for name in ("py", "cpp"):
        result = trun.build(
            [Pipeline(config=str(cfg), set=name)], workers=2, local_scheduler=True, detailed_summary=True
        )
        assert result.scheduling_succeeded, result.summary_text
        assert "1 Indicators(" in result.summary_text, result.summary_text
    return cfg


def test_python_kind_runs_in_the_pipeline_with_the_c_plus_plus_ports_bits(market: Path) -> None:
    cfg = load_config(market)
    assert cfg.plugins == ("ticklab.research.trade_flow",)
    day = cfg.trading_days()[0]
    for stock in cfg.stocks:
        py = read_features(feature_path(cfg.data.features_dir, "py", stock, day), verify=True)
        cpp = read_features(feature_path(cfg.data.features_dir, "cpp", stock, day))
        assert list(py.columns) == list(cpp.columns)
        assert list(py.columns[:4]) == ["bid", "ask", "flow.hl1s", "flow.hl30s"]
        assert len(py.ts_ns) > 100
        assert np.array_equal(py.ts_ns, cpp.ts_ns)
        assert np.ascontiguousarray(py.values).tobytes() == np.ascontiguousarray(cpp.values).tobytes()
        assert py.config_hash != cpp.config_hash  # a different set: its own lineage


def test_stats_tool_reads_the_python_sets_features(market: Path) -> None:
    cfg = load_config(market)
    with sqlite3.connect(cfg.stats.database) as db:
        sets = {row[0] for row in db.execute("SELECT DISTINCT feature_set FROM day_stats")}
    assert {"py", "cpp"} <= sets


def test_a_second_run_computes_nothing(market: Path) -> None:
    result = trun.build(
        [Pipeline(config=str(market), set="py")], workers=1, local_scheduler=True, detailed_summary=True
    )
    assert result.scheduling_succeeded
    assert "ran successfully" not in result.summary_text, result.summary_text


def test_batch_tool_names_the_python_kind(market: Path, tmp_path: Path) -> None:
    p = subprocess.run(
        [str(binary("ticklab-indicators")), "--config", str(market), "--set", "py", "--dates", DAY],
        capture_output=True,
        text=True,
    )
    assert p.returncode != 0
    assert 'unknown indicator kind "py_trade_flow"' in p.stderr


def test_a_missing_plugin_module_is_named(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '"ticklab.research.no_such_plugin"')
    from ticklab.pipeline.python_kinds import uses_python_kinds

    with pytest.raises(ImportError, match=r"ticklab.toml: \[python\] plugins: .*no_such_plugin"):
        uses_python_kinds(load_config(cfg), "py")
    with pytest.raises(ConfigError, match=r"\[python\]\.plugins: item 0: expected a module name"):
        write_config(tmp_path, '""')
        load_config(tmp_path / "ticklab.toml")


@pytest.mark.usefixtures("require_services")
def test_indicators_service_streams_the_python_set_with_the_pipelines_bits(market: Path) -> None:
    """The C++ service hosts Python ([python] plugins, services/python/python_host.h): it lists
    and streams the Python set, and its rows are the pipeline's .feat rows byte for byte."""
    import gateway_harness as h

    import ticklab

    cfg = load_config(market)
    data = h.data_server(market).start()
    ind = h.indicators_server(market, data.address).start()
    try:
        client = ticklab.connect(ind.address)
        assert set(client.indicator_sets()) == {"py", "cpp"}
        day = cfg.trading_days()[0]
        for stock in cfg.stocks:
            saved = read_features(feature_path(cfg.data.features_dir, "py", stock, day))
            streamed = client.indicators(stock, DAY, DAY, set="py").to_numpy()
            assert len(streamed) == len(saved.ts_ns) > 100
            assert streamed.tobytes() == saved.row_bytes()
        assert any('"python_host"' in line and "py_trade_flow" in line for line in ind.stderr_lines)
    finally:
        ind.stop()
        data.stop()
