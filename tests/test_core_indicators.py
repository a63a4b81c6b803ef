"""Layer 2 through ticklab.core: the batch tool's engine, bit for bit, in one shot and streamed.

`IndicatorSet.compute_rows` over a store file's ticks gives the exact bytes of the .feat file the
batch tool (ticklab-indicators) wrote for that stock-day; pushing the same ticks one at a time gives
the same rows; a set built from a dict equals the same set read from TOML.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from core_market import DAY, Market, build_market

import ticklab.core as core
from ticklab.io.features import read_features
from ticklab.io.store import read_ticks

MIXED = {
    "name": "mixed",
    "indicators": [
        {"kind": "seed", "taus": [0.0, 0.5, 0.9]},
        {"kind": "ofi", "half_lives": [1.0, 30.0]},
        {"kind": "spread"},
        {"kind": "ema_return", "name": "ema", "half_lives": [5.0]},
    ],
}
MIXED_TOML = """
[[indicator_sets]]
name = "mixed"
[[indicator_sets.indicators]]
kind = "seed"
taus = [0.0, 0.5, 0.9]
[[indicator_sets.indicators]]
kind = "ofi"
half_lives = [1.0, 30.0]
[[indicator_sets.indicators]]
kind = "spread"
[[indicator_sets.indicators]]
kind = "ema_return"
name = "ema"
half_lives = [5.0]
"""


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("core-indicators"))


def feat_rows(path: Path) -> bytes:
    return read_features(path, verify=True).row_bytes()


@pytest.mark.parametrize("stock", ["AAPL", "MSFT"])
def test_compute_is_the_feat_file_bit_for_bit(market: Market, stock: str) -> None:
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    ticks = read_ticks(market.store(stock))
    rows = seed.compute_rows(ticks, DAY)
    assert len(rows) > 100
    assert rows.tobytes() == feat_rows(market.features(stock))
    ts, values, columns = seed.compute(ticks, DAY.isoformat())
    saved = read_features(market.features(stock))
    assert columns == list(saved.columns) == seed.columns
    assert values.shape == (len(rows), len(columns)) and values.flags.c_contiguous
    assert ts.tobytes() == np.ascontiguousarray(saved.ts_ns).tobytes()
    assert values.tobytes() == np.ascontiguousarray(saved.values).tobytes()
    assert seed.config_hash == saved.config_hash


def test_compute_recycles_dropped_arrays_and_never_live_ones(market: Market) -> None:
    # compute()'s arrays come from a pool of blocks that dropped arrays go back to: the next call
    # reuses them, and a live result is never written into. Eight copies of each day: MBs of rows.
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    days = [np.concatenate([read_ticks(market.store(s))] * 8) for s in ("AAPL", "MSFT")]
    core._native.release_column_buffers()  # no free blocks of other tests in this process
    first = [seed.compute(d, DAY) for d in days]
    want = [(ts.copy(), values.copy()) for ts, values, _ in first]
    assert first[0][1].nbytes > 4 << 20
    held = first[0]
    for _ in range(3):  # MSFT's arrays dropped and computed again while AAPL's stay alive
        address = first[1][1].ctypes.data
        first[1] = None
        first[1] = seed.compute(days[1], DAY)
        assert first[1][1].ctypes.data == address  # the dropped block, reused
        assert np.array_equal(first[1][0], want[1][0])
        assert first[1][1].tobytes() == want[1][1].tobytes()
        assert held[1].tobytes() == want[0][1].tobytes()  # untouched
        assert np.array_equal(held[0], want[0][0])


def test_compute_into_out_arrays(market: Market) -> None:
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    ticks = read_ticks(market.store("AAPL"))
    ts, values, _ = seed.compute(ticks, DAY)
    n, p = values.shape
    out = (np.full(n + 7, -1, np.int64), np.full((n + 7, p), np.nan))
    ts_out, values_out, columns = seed.compute(ticks, DAY, out=out)
    assert columns == seed.columns
    assert ts_out.base is out[0] and values_out.base is out[1]
    assert ts_out.tobytes() == ts.tobytes() and values_out.tobytes() == values.tobytes()
    assert (out[0][n:] == -1).all()  # past the rows: untouched
    with pytest.raises(ValueError, match=f"the day has {n} rows, out holds {n - 1}"):
        seed.compute(ticks, DAY, out=(out[0][: n - 1], out[1][: n - 1]))
    with pytest.raises(ValueError, match=r"shapes \(m,\) and \(m, " + str(p)):
        seed.compute(ticks, DAY, out=(out[0], out[1][:, :2].copy()))
    with pytest.raises(ValueError, match="out\\[1\\] \\(values\\) must be a writable"):
        seed.compute(ticks, DAY, out=(out[0], out[1].astype(np.float32)))


def _array_at(offset: int, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A writable array whose data starts `offset` bytes past a 64-byte boundary."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = np.zeros(size + 64 + offset, np.uint8)
    start = (-raw.ctypes.data) % 64 + offset
    return raw[start : start + size].view(dtype).reshape(shape)


@pytest.mark.parametrize("offset", [8, 1])
def test_compute_into_out_arrays_of_any_alignment(market: Market, offset: int) -> None:
    # The rows are written with streaming stores where the arrays allow it (8-byte aligned: a row
    # then starts 8 bytes off a 16-byte boundary) and copied plainly where they do not (offset 1).
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    ticks = read_ticks(market.store("MSFT"))
    ts, values, _ = seed.compute(ticks, DAY)
    out = (_array_at(offset, ts.shape, np.int64), _array_at(offset, values.shape, np.float64))
    assert out[1].ctypes.data % 16 == offset and out[1].flags.aligned == (offset == 8)
    ts_out, values_out, _ = seed.compute(ticks, DAY, out=out)
    assert ts_out.tobytes() == ts.tobytes() and values_out.tobytes() == values.tobytes()


def test_push_tick_by_tick_streams_the_same_rows(market: Market) -> None:
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    whole = seed.compute_rows(read_ticks(market.store("AAPL")), DAY)
    seed.reset(DAY)
    source = core.get_data_source(str(market.store("AAPL")))
    pushed = [seed.push(tick) for tick in source]
    assert sum(len(r) > 0 for r in pushed) > 100  # rows come out as their ticks arrive
    assert np.concatenate(pushed).tobytes() == whole.tobytes()
    seed.reset(DAY)
    batches = core.get_data_source(str(market.store("AAPL")))
    chunks = []
    while len(batch := batches.next_batch(777)):
        chunks.append(seed.push_ticks(batch))
    assert np.concatenate(chunks).tobytes() == whole.tobytes()


def test_push_needs_a_day(market: Market) -> None:
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    tick = core.get_data_source(str(market.store("AAPL"))).next()
    with pytest.raises(core.FailedPreconditionError, match="reset"):
        seed.push(tick)


def test_dict_set_equals_the_toml_set(market: Market, tmp_path: Path) -> None:
    toml = tmp_path / "mixed.toml"
    toml.write_text(f'[data]\nroot = "{market.data}"\n' + MIXED_TOML)
    from_toml = core.IndicatorSet.from_config(str(toml), "mixed")
    from_dict = core.IndicatorSet.from_dict(MIXED)
    assert from_dict.columns == from_toml.columns
    assert from_dict.columns[:3] == ["bid", "ask", "seed.dprice.tau0"] and "ema.hl5s" in from_dict.columns[-1]
    ticks = read_ticks(market.store("MSFT"))
    assert from_dict.compute_rows(ticks, DAY).tobytes() == from_toml.compute_rows(ticks, DAY).tobytes()


def test_bad_sets_name_the_location(market: Market) -> None:
    with pytest.raises(core.InvalidArgumentError, match=r"indicator 1\.kind: unknown indicator kind \"sed\""):
        core.IndicatorSet.from_dict({"name": "x", "indicators": [{"kind": "sed"}]})
    with pytest.raises(core.InvalidArgumentError, match=r"indicator 1\.halflives: unknown parameter"):
        core.IndicatorSet.from_dict({"name": "x", "indicators": [{"kind": "ofi", "halflives": 3.0}]})
    with pytest.raises(core.NotFoundError, match='no \\[\\[indicator_sets\\]\\] named "nope"'):
        core.IndicatorSet.from_config(str(market.config), "nope")
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    with pytest.raises(TypeError, match="TICK_DTYPE"):
        seed.compute(np.zeros(3), DAY)
    with pytest.raises(core.InvalidArgumentError):
        seed.compute(read_ticks(market.store("AAPL")), "2024-13-45")


def test_sets_in_two_threads_give_the_single_thread_rows(market: Market) -> None:
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    days = {s: read_ticks(market.store(s)) for s in ("AAPL", "MSFT")}
    expected = {s: seed.compute_rows(t, DAY).tobytes() for s, t in days.items()}
    got: dict[str, bytes] = {}
    start = threading.Barrier(2)

    def work(stock: str, indicator_set: core.IndicatorSet) -> None:
        start.wait()
        for _ in range(5):
            got[stock] = indicator_set.compute_rows(days[stock], DAY).tobytes()

    threads = [threading.Thread(target=work, args=(s, seed.clone())) for s in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected
