"""Layer 1 store in Python: format, checksum, fingerprint and byte-identical round trips with C++."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from ticklab import testing
from ticklab.io import store
from ticklab.io.dtypes import FIELD_NAMES
from ticklab.native import binary

REPO = Path(__file__).resolve().parents[3]
SAMPLE_CSV = REPO / "tests" / "data" / "csv" / "2024-01-02.csv"
FIELD_CODES = {name: code for code, name in FIELD_NAMES.items()}


def tool(name: str) -> Path:
    return binary(name)  # a clear error naming where it looked when `make build` has not run


def dump(path: Path, *extra: str) -> np.ndarray:
    """Ticks of `path` as read by the C++ DataSource (ticklab-tickdump), as a TICK_DTYPE array."""
    out = subprocess.run([str(tool("ticklab-tickdump")), str(path), *extra], check=True,
                         capture_output=True, text=True).stdout.splitlines()[1:]
    ticks = np.zeros(len(out), store.TICK_DTYPE)
    for i, line in enumerate(out):
        f = line.split(",")
        ticks[i]["ts_ns"], ticks[i]["seq"], ticks[i]["events"] = int(f[1]), int(f[2]), int(f[3], 16)
        for k, col in enumerate(("bid_price", "bid_size", "ask_price", "ask_size", "trade_price",
                                 "trade_size")):
            ticks[i][col] = float(f[4 + k])
        ticks[i]["fingerprint"] = int(f[10])
    return ticks


def sample_events(symbol: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The field events of `symbol` in the checked-in CSV sample, parsed independently of C++."""
    import datetime as dt

    ts, field, value = [], [], []
    for line in SAMPLE_CSV.read_text().splitlines()[1:]:
        t, sym, f, v = line.split(",")
        if sym != symbol:
            continue
        secs = dt.datetime.fromisoformat(t[:19] + "+00:00").timestamp()
        ts.append(int(secs) * 1_000_000_000 + int(t[20:29]))
        field.append(FIELD_CODES[f])
        value.append(float(v))
    return np.array(ts), np.array(field), np.array(value)


def test_dtype_matches_the_cxx_struct_and_the_client() -> None:
    assert store.TICK_DTYPE.itemsize == 80
    assert store.TICK_DTYPE.fields["events"][1] == 64
    assert store.TICK_DTYPE.fields["reserved"][1] == 76
    from ticklab.client import TICK_DTYPE as CLIENT_DTYPE

    assert CLIENT_DTYPE == store.TICK_DTYPE


def test_fingerprint_golden_value_matches_cxx() -> None:
    # Same tick and value as services/common/fingerprint_test.cc (GoldenValue).
    fp = store.fingerprint("AAPL", 1704205800000123456, 2, 0x21, 185.12, 300, 185.14, 500, 185.13, 100)
    assert fp == 0x873ABE1DE2CB43B9


def test_assemble_ticks_grouping_rules() -> None:
    ts = np.array([100] * 8 + [200, 200])
    field = np.array([1, 2, 3, 4, 5, 6, 5, 6, 1, 3])
    value = np.array([10.0, 200, 10.02, 300, 10.02, 100, 10.02, 100, 10.01, 10.03])
    t = testing.assemble_ticks("AAPL", ts, field, value)
    assert list(t["ts_ns"]) == [100, 100, 200]
    assert list(t["seq"]) == [0, 1, 0]
    assert list(t["events"]) == [0x654321, 0x65, 0x31]
    assert t["bid_price"][1] == 10.0 and t["ask_size"][1] == 300
    assert t["trade_price"][2] == 10.02 and t["ask_price"][2] == 10.03
    assert t["fingerprint"][0] != t["fingerprint"][1]
    expected = store.fingerprint("AAPL", 200, 0, 0x31, 10.01, 200, 10.03, 300, 10.02, 100)
    assert int(t[2]["fingerprint"]) == expected


def test_write_read_round_trip_and_header(tmp_path: Path) -> None:
    ts, field, value = sample_events("AAPL")
    ticks = testing.assemble_ticks("AAPL", ts, field, value)
    path = testing.write_ticks(store.store_path(tmp_path, "AAPL", "2024-01-02"), "AAPL", 20240102, ticks)
    assert path == tmp_path / "AAPL" / "2024-01-02.tick"
    assert not path.with_name(path.name + ".tmp").exists()
    assert path.stat().st_size == 64 + 80 * len(ticks)
    h = store.read_header(path)
    assert (h.stock, h.date, h.count) == ("AAPL", 20240102, len(ticks))
    back = store.read_ticks(path)
    assert isinstance(back, np.memmap) and not back.flags.writeable
    assert back.tobytes() == ticks.tobytes()
    empty = testing.write_ticks(tmp_path / "E" / "2024-01-02.tick", "E", 20240102, ticks[:0])
    assert len(store.read_ticks(empty)) == 0


def test_ticks_frame_has_every_field_as_a_column_across_blocks(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    ticks = np.zeros(1000, store.TICK_DTYPE)
    for name in store.TICK_DTYPE.names:
        ticks[name] = rng.integers(0, 1 << 30, len(ticks))
    path = testing.write_ticks(tmp_path / "T" / "2024-01-02.tick", "T", 20240102, ticks)
    monkeypatch.setattr(store, "_FRAME_BLOCK", 64)  # many blocks and a partial last one
    frame = store.ticks_frame(path)
    assert list(frame.columns) == [n for n in store.TICK_DTYPE.names if n != "reserved"]
    for name in frame.columns:
        assert frame[name].dtype == store.TICK_DTYPE[name]
        assert np.array_equal(frame[name].to_numpy(), ticks[name])
    assert len(store.ticks_frame(testing.write_ticks(tmp_path / "E.tick", "E", 20240102, ticks[:0]))) == 0
    data = bytearray(path.read_bytes())
    data[64 + 5] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(store.StoreError, match="checksum mismatch"):
        store.ticks_frame(path)


def test_truncated_and_corrupted_files_raise(tmp_path: Path) -> None:
    ts, field, value = sample_events("AAPL")
    path = testing.write_ticks(tmp_path / "a.tick", "AAPL", 20240102,
                             testing.assemble_ticks("AAPL", ts, field, value))
    data = bytearray(path.read_bytes())
    data[64 + 80 + 17] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(store.StoreError, match="checksum mismatch"):
        store.read_ticks(path)
    assert len(store.read_ticks(path, verify_checksum=False)) == 5
    path.write_bytes(bytes(data[:-7]))
    with pytest.raises(store.StoreError, match=r"a\.tick: truncated store file"):
        store.read_ticks(path)
    path.write_bytes(b"x" * 100)
    with pytest.raises(store.StoreError, match="bad magic"):
        store.read_ticks(path)
    with pytest.raises(store.StoreError, match="no such store file"):
        store.read_ticks(tmp_path / "missing.tick")


def test_python_written_store_reads_identically_in_cxx(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 5000
    ts = np.sort(rng.integers(1_704_186_000_000_000_000, 1_704_186_000_000_000_000 + 10**9, n))
    ts[100:110] = ts[100]
    field = rng.integers(1, 7, n)
    value = np.where(field % 2 == 1, rng.integers(10000, 20000, n) / 100, 100.0 * rng.integers(0, 50, n))
    ticks = testing.assemble_ticks("MSFT", ts, field, value)
    path = testing.write_ticks(tmp_path / "MSFT" / "2024-01-02.tick", "MSFT", 20240102, ticks)
    assert dump(path).tobytes() == ticks.tobytes()


def test_cxx_reader_matches_python_assembler_on_the_sample() -> None:
    for sym in ("AAPL", "MSFT"):
        ref = testing.assemble_ticks(sym, *sample_events(sym))
        assert dump(SAMPLE_CSV, "--stock", sym).tobytes() == ref.tobytes()
