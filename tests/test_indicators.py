"""Layer 2 parity: the C++ engine (ticklab-indicators) against the Python references, row by row.

Each test builds Ticks from a field-event day, runs `ticklab-indicators --ticks` on them, reads the
feature file with ticklab.features and compares with tests/indicators_reference.py fed the same
events (replayed from the Ticks): same rows, same timestamps, every value within
1e-12 * max(1, |value|).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from indicator_events import CLOSE_NS, DAY, OPEN_NS, random_events, replay, write_tick_dump
from indicators_reference import iter_events, reference_rows

from ticklab.io.features import FeatureFileError, read_features
from ticklab.native import binary
from ticklab.testing import assemble_ticks

TOL = 1e-12


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(repr(float(x)) for x in v) + "]"
    return repr(float(v)) if isinstance(v, float) else str(v)


def write_config(path: Path, specs: list[dict[str, Any]], set_name: str = "t") -> Path:
    lines = ['[data]', f'root = "{path.parent}"', '[universe]', 'stocks = ["TEST"]',
             '[[indicator_sets]]', f'name = "{set_name}"']
    for spec in specs:
        lines.append("[[indicator_sets.indicators]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in spec.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_engine(tmp: Path, ticks: np.ndarray, specs: list[dict[str, Any]]):
    cfg = write_config(tmp / "cfg.toml", specs)
    dump = write_tick_dump(ticks, tmp / "ticks.bin")
    out = tmp / "out.feat"
    subprocess.run([str(binary("ticklab-indicators")), "--config", str(cfg), "--ticks", str(dump),
                    "--stock", "TEST", "--date", DAY.isoformat(), "--out", str(out)], check=True,
                   capture_output=True)
    return read_features(out, verify=True)


def assert_parity(tmp: Path, ts, field, value, specs: list[dict[str, Any]]) -> int:
    ticks = assemble_ticks("TEST", ts, field, value)
    r_ts, r_field, r_value, r_end = replay(ticks)
    np.testing.assert_array_equal(r_ts, ts)  # the Ticks replay the day's events one for one
    np.testing.assert_array_equal(r_field, field)
    np.testing.assert_array_equal(r_value, value)
    feats = run_engine(tmp, ticks, specs)
    columns, ref_ts, ref_values = reference_rows(list(iter_events(r_ts, r_field, r_value, r_end)), specs,
                                                 OPEN_NS, CLOSE_NS)
    assert list(feats.columns) == columns
    assert feats.n_rows == len(ref_ts)
    np.testing.assert_array_equal(feats.ts_ns, ref_ts)
    diff = np.abs(feats.values - ref_values)
    bound = TOL * np.maximum(1.0, np.abs(ref_values))
    worst = np.unravel_index(np.argmax(diff - bound), diff.shape) if diff.size else None
    assert diff.size == 0 or (diff <= bound).all(), (
        f"row {worst[0]} column {columns[worst[1]]}: "
        f"C++ {feats.values[worst]!r} vs ref {ref_values[worst]!r}")
    # Fingerprints name the tick that holds each row's event.
    tick_of_ts = dict(zip(ticks["fingerprint"].tolist(), ticks["ts_ns"].tolist(), strict=True))
    pairs = zip(feats.fingerprint.tolist(), feats.ts_ns.tolist(), strict=True)
    assert all(tick_of_ts[f] == t for f, t in pairs)
    return feats.n_rows


ALL_KINDS = [
    {"kind": "seed"},
    {"kind": "ema_return", "half_lives": [0.5, 5.0, 60.0]},
    {"kind": "realized_vol", "windows": [1.0, 30.0, 300.0]},
    {"kind": "ofi", "half_life_grid": [0.5, 120.0, 4]},
    {"kind": "spread"},
]


def test_seed_parity_on_a_large_quirky_day(tmp_path: Path) -> None:
    ts, field, value = random_events(150_000, seed=1)
    assert assert_parity(tmp_path, ts, field, value, [{"kind": "seed"}]) > 5_000


def test_all_kinds_parity(tmp_path: Path) -> None:
    ts, field, value = random_events(120_000, seed=2)
    assert assert_parity(tmp_path, ts, field, value, ALL_KINDS) > 5_000


def test_custom_seed_params_and_two_seeds(tmp_path: Path) -> None:
    ts, field, value = random_events(30_000, seed=3)
    specs = [{"kind": "seed", "lt_cont": 3.5, "taus": [0.0, 0.9, 0.999]},
             {"kind": "seed", "name": "s2", "taus": [0.5]}]
    assert assert_parity(tmp_path, ts, field, value, specs) > 500


def test_without_seed_rows_are_trades(tmp_path: Path) -> None:
    ts, field, value = random_events(30_000, seed=4)
    n = assert_parity(tmp_path, ts, field, value, ALL_KINDS[1:])
    assert n == int(((field == 5) & (ts > OPEN_NS) & (ts < CLOSE_NS)).sum())


def test_explicit_quirk_sequence(tmp_path: Path) -> None:
    """Every quirk of the seed on purpose, one after another."""
    t = OPEN_NS + 10**9
    seq = [
        (t - 5 * 10**9, 5, 50.0), (t - 5 * 10**9, 6, 10.0),  # trade before quotes, before the open
        (t, 1, 49.99), (t, 2, 100.0), (t, 3, 49.99), (t, 4, 0.0),  # locked book, zero ask size
        (t + 1, 4, 200.0),                                     # sizes valid, quote not (locked)
        (t + 2, 3, 50.01),                                     # valid: first update (LAST pending)
        (t + 3, 5, 50.0), (t + 3, 6, 300.0),                   # trade at the mid: side -1
        (t + 4, 1, 50.02),                                     # crossed book: quote invalid
        (t + 5, 5, 50.05),                                     # trade while crossed: side kept
        (t + 5, 1, 50.00),                                     # same tick as that trade: bid back below ask
        (t + 6, 2, 0.0), (t + 6, 5, 50.01),                    # zero bid size, trade pending
        (t + 7, 2, 100.0), (t + 7, 2, 100.0),                  # equal size twice (two ticks)
        (t + 8, 1, 50.00), (t + 8, 3, 50.01), (t + 8, 5, 50.01), (t + 8, 6, 0.0),  # zero trade size
        (t + 9, 5, 50.01), (t + 9, 6, 100.0),                  # equal price trade
        (CLOSE_NS, 5, 50.0), (CLOSE_NS, 6, 1.0),               # at the close: update, no row
    ]
    ts = np.array([s[0] for s in seq], dtype=np.int64)
    field = np.array([s[1] for s in seq], dtype=np.uint8)
    value = np.array([s[2] for s in seq], dtype=np.float64)
    specs = [{"kind": "seed", "taus": [0.0, 0.5]}, {"kind": "spread"}, {"kind": "ofi", "half_lives": [1.0]}]
    n = assert_parity(tmp_path, ts, field, value, specs)
    assert 3 <= n < 8


def test_reader_views_are_zero_copy_and_checked(tmp_path: Path) -> None:
    ts, field, value = random_events(5_000, seed=5)
    feats = run_engine(tmp_path, assemble_ticks("TEST", ts, field, value), [{"kind": "seed"}])
    assert feats.values.base is not None and not feats.values.flags.writeable
    # versions 2-3: the value columns are one column-major array
    assert feats.values.strides == (8, feats.n_rows * 8) and feats.values.flags.f_contiguous
    df = feats.to_pandas()
    assert list(df.columns) == ["fingerprint", *feats.columns]
    assert len(df) == feats.n_rows and df.index.tz is not None
    assert feats.set == "t" and feats.stock == "TEST" and feats.date == DAY
    raw = bytearray((tmp_path / "out.feat").read_bytes())
    raw[len(raw) - (feats.n_rows * 8 + 63) // 64 * 64 + 3] ^= 0xFF  # inside the last column
    (tmp_path / "bad.feat").write_bytes(bytes(raw))
    bad_column = f"checksum mismatch in column {feats.columns[-1]} "  # version 3's block checksums
    with pytest.raises(FeatureFileError, match=bad_column):
        read_features(tmp_path / "bad.feat", verify=True)
    # The default verifies too (found item 6: a flipped byte used to come back as 1.8e306), as the
    # tick store's reader does; verify=False is the explicit, unchecked way.
    with pytest.raises(FeatureFileError, match=bad_column):
        read_features(tmp_path / "bad.feat")
    assert read_features(tmp_path / "bad.feat", verify=False).n_rows == feats.n_rows
    (tmp_path / "short.feat").write_bytes(bytes(raw[:-8]))
    with pytest.raises(FeatureFileError, match="inconsistent sizes"):
        read_features(tmp_path / "short.feat")


def test_bad_config_names_location_and_key(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "bad.toml", [{"kind": "seed", "taus": [0.5, 2.0]}])
    proc = subprocess.run([str(binary("ticklab-indicators")), "--config", str(cfg), "--list-columns"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    expected = "bad.toml: [[indicator_sets]] t, indicator 1.taus: item 1: expected a number in [0, 1]"
    assert expected in proc.stderr


def _layer1_store(tmp: Path, stocks: list[str], events: int) -> Path:
    """Layer 1's generator and store writer: synthetic days -> <store>/<STOCK>/<day>.tick."""
    from ticklab.synth.market import simulate_day
    from ticklab.testing import write_ticks

    store = tmp / "store"
    for i, stock in enumerate(stocks):
        table = simulate_day(stock, DAY, seed=11 + i, events_per_day=events)
        ticks = assemble_ticks(stock, table["ts_ns"], table["field"], table["value"])
        write_ticks(store / stock / f"{DAY.isoformat()}.tick", stock, DAY, ticks)
    return store


def _batch_config(tmp: Path, stocks: list[str], specs: list[dict[str, Any]], out: str) -> Path:
    cfg = tmp / f"{out}.toml"
    write_config(cfg, specs)
    text = cfg.read_text().replace('[universe]\nstocks = ["TEST"]',
                                   f'store_dir = "store"\nfeatures_dir = "{out}"\n'
                                   f'[universe]\nstocks = {json.dumps(stocks)}')
    cfg.write_text(text)
    return cfg


def test_parity_through_the_layer1_store(tmp_path: Path) -> None:
    """Ticks from Layer 1's store (read_ticks), batch mode, every kind: C++ equals the references."""
    from ticklab.io.store import read_header, read_ticks

    store = _layer1_store(tmp_path, ["AAPL"], 200_000)
    cfg = _batch_config(tmp_path, ["AAPL"], ALL_KINDS, "features")
    out = subprocess.run([str(binary("ticklab-indicators")), "--config", str(cfg), "--progress-json"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    events = [json.loads(line) for line in out]
    assert events[0] == {"event": "start", "total": 1, "unit": "stock-days", "set": "t", "columns": 96}
    assert events[1]["event"] == "progress" and events[1]["item"] == "AAPL 2024-01-02"
    assert events[-1]["event"] == "summary" and events[-1]["stock_days"] == 1

    path = store / "AAPL" / "2024-01-02.tick"
    ticks = read_ticks(path)
    ts, field, value, end = replay(ticks)
    assert len(ts) >= 100_000
    feats = read_features(tmp_path / "features" / "t" / "AAPL" / "2024-01-02.feat", verify=True)
    assert feats.input_fingerprint == read_header(path).checksum
    columns, ref_ts, ref_values = reference_rows(list(iter_events(ts, field, value, end)), ALL_KINDS,
                                                 OPEN_NS, CLOSE_NS)
    assert list(feats.columns) == columns and feats.n_rows == len(ref_ts) > 1_000
    np.testing.assert_array_equal(feats.ts_ns, ref_ts)
    assert (np.abs(feats.values - ref_values) <= TOL * np.maximum(1.0, np.abs(ref_values))).all()
    assert set(feats.fingerprint.tolist()) <= set(ticks["fingerprint"].tolist())


def test_batch_output_is_identical_for_1_and_2_threads(tmp_path: Path) -> None:
    stocks = ["AAA", "BBB", "CCC", "DDD"]
    _layer1_store(tmp_path, stocks, 20_000)
    outputs = []
    for threads in (1, 2):
        cfg = _batch_config(tmp_path, stocks, ALL_KINDS, f"f{threads}")
        subprocess.run([str(binary("ticklab-indicators")), "--config", str(cfg), "--threads", str(threads)],
                       check=True, capture_output=True)
        outputs.append({s: (tmp_path / f"f{threads}" / "t" / s / "2024-01-02.feat").read_bytes()
                        for s in stocks})
    assert outputs[0] == outputs[1]


def test_ticklab_indicators_command(tmp_path: Path) -> None:
    """`ticklab indicators` runs the C++ batch and renders its summary; --columns lists the set."""
    from click.testing import CliRunner

    from ticklab.commands.indicators import cli

    _layer1_store(tmp_path, ["AAA", "BBB"], 10_000)
    cfg = _batch_config(tmp_path, ["AAA", "BBB"], [{"kind": "seed"}, {"kind": "spread"}], "features")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert "stock-days" in result.output and "rows/s" in result.output
    for stock in ("AAA", "BBB"):
        feats = read_features(tmp_path / "features" / "t" / stock / "2024-01-02.feat", verify=True)
        assert feats.stock == stock and feats.n_rows > 0
    columns = CliRunner().invoke(cli, ["--config", str(cfg), "--columns"])
    assert columns.exit_code == 0
    assert columns.output.splitlines()[:3] == ["bid", "ask", "seed.dprice.tau0"]
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "--dates", "2024-01-03"])
    assert bad.exit_code != 0 and "no tick store file" in bad.output
