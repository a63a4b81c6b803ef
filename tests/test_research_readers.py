"""The research path's readers: a stock-day of ticks (store file or tick archive) into numpy
columns and a pandas DataFrame, and a feature file's verification, by the native code
(ticklab.core) and by the numpy fallback used when the native module is not built: the same frame,
the file's values, and a corrupted file is an error on both paths.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from indicator_events import random_events

from ticklab.io import store
from ticklab.io.archive import ArchiveError, archive_columns, archive_frame
from ticklab.io.features import FeatureFileError, read_features
from ticklab.io.store import FRAME_COLUMNS, StoreError, read_ticks, tick_columns, ticks_frame
from ticklab.native import binary
from ticklab.testing import assemble_ticks, write_ticks

DAY = dt.date(2024, 1, 2)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory):
    """A store file of > 65,536 ticks (the two-thread split, more than one archive block) and its
    archive."""
    root = tmp_path_factory.mktemp("columns")
    ts, field, value = random_events(150_000, seed=5)
    path = write_ticks(root / "AAA" / f"{DAY}.tick", "AAA", DAY, assemble_ticks("AAA", ts, field, value))
    out = subprocess.run([str(binary("ticklab-tickzip")), str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return path


@pytest.fixture
def without_native(monkeypatch: pytest.MonkeyPatch):
    """As if ticklab.core were not built: importing it fails."""
    store.native_core.cache_clear()
    monkeypatch.setitem(sys.modules, "ticklab.core", None)
    monkeypatch.setitem(sys.modules, "ticklab.core._native", None)
    yield
    store.native_core.cache_clear()


def frames(path, monkeypatch: pytest.MonkeyPatch, read) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`read(path)` by the native path, then by the fallback."""
    store.native_core.cache_clear()
    assert store.native_core() is not None, "ticklab.core is not built"
    native = read(path)
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "ticklab.core", None)
        m.setitem(sys.modules, "ticklab.core._native", None)
        store.native_core.cache_clear()
        assert store.native_core() is None
        fallback = read(path)
    store.native_core.cache_clear()
    return native, fallback


def test_native_and_numpy_frames_are_the_files_ticks(day, monkeypatch) -> None:
    ticks = read_ticks(day)
    native, fallback = frames(day, monkeypatch, ticks_frame)
    pd.testing.assert_frame_equal(native, fallback, check_exact=True)
    assert list(native.columns) == list(FRAME_COLUMNS) and "reserved" not in native.columns
    assert isinstance(native.index, pd.RangeIndex) and len(native) == len(ticks) > 65_536
    for name in FRAME_COLUMNS:
        column = native[name].to_numpy()
        assert column.dtype == ticks.dtype[name] and column.flags.c_contiguous
        assert np.array_equal(column, ticks[name]) and not np.shares_memory(column, ticks)
    assert native._mgr.nblocks == len(FRAME_COLUMNS)  # one block per column: nothing consolidated


def test_archive_frames_equal_the_store_files(day, monkeypatch) -> None:
    archive = day.with_suffix(".tickz")
    native, fallback = frames(archive, monkeypatch, archive_frame)
    pd.testing.assert_frame_equal(native, fallback, check_exact=True)
    pd.testing.assert_frame_equal(native, ticks_frame(day), check_exact=True)


@pytest.mark.parametrize("count", [0, 1, 3000])
def test_small_days(tmp_path, monkeypatch, count: int) -> None:
    ts, field, value = random_events(count * 2, seed=1)
    ticks = assemble_ticks("AAA", ts, field, value)[:count]
    path = write_ticks(tmp_path / f"{count}.tick", "AAA", DAY, ticks)
    native, fallback = frames(path, monkeypatch, ticks_frame)
    pd.testing.assert_frame_equal(native, fallback, check_exact=True)
    assert len(native) == count


def corrupt(path, tmp_path, offset: int):
    tmp_path.mkdir(exist_ok=True)
    bad = tmp_path / path.name
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("native", [True, False], ids=["native", "numpy"])
def test_a_flipped_byte_is_an_error_naming_the_file(day, tmp_path, request, native: bool) -> None:
    if not native:
        request.getfixturevalue("without_native")
    bad = corrupt(day, tmp_path, store.HEADER_SIZE + 80 * 70_000 + 17)
    with pytest.raises(StoreError, match=f"{bad}: checksum mismatch"):
        tick_columns(bad)
    assert len(tick_columns(bad, verify=False)["ts_ns"]) == len(read_ticks(day))  # skipped on request
    archive = day.with_suffix(".tickz")
    bad_archive = corrupt(archive, tmp_path, archive.stat().st_size - 100)
    with pytest.raises(ArchiveError, match=str(bad_archive)):
        archive_columns(bad_archive)


@pytest.mark.parametrize("threads", [1, 2])
def test_the_native_split_checks_every_byte_on_any_threads(day, threads: int) -> None:
    """A flipped bit anywhere in the records -- the first byte, either side of a split block's edge,
    a padding byte no column returns, the last byte -- changes the checksum the native split
    returns, on one thread or two (the helper taking blocks as they come); the columns stay the
    records' values bit for bit."""
    native = store.native_core()
    records = np.array(read_ticks(day))  # a writable copy
    raw = records.view(np.uint8)
    clean = store.read_header(day).checksum
    last_row = (len(records) - 1) * 80
    for at in (0, 512 * 80 - 1, 512 * 80, 80 * 70_000 + 17, 80 * 1000 + 76, last_row + 40, raw.size - 1):
        raw[at] ^= 0x01
        columns, checksum = native.tick_columns(records, FRAME_COLUMNS, checksum=True, threads=threads)
        assert checksum != clean, at
        for name in FRAME_COLUMNS:
            assert columns[name].tobytes() == records[name].tobytes(), (at, name)
        raw[at] ^= 0x01
    _, checksum = native.tick_columns(records, FRAME_COLUMNS, checksum=True, threads=threads)
    assert checksum == clean


def flip_bit(array: np.ndarray, index: tuple[int, ...]) -> None:
    """Flips one bit of the value at `index` of `array`, in place (any dtype)."""
    value = np.array([array[index]])
    value.view(np.uint8)[3] ^= 0x10
    array[index] = value[0]


@pytest.mark.parametrize("threads", [1, 2])
def test_the_feature_check_finds_the_first_bad_column_on_any_threads(day, tmp_path, threads: int) -> None:
    """The block checks of a version 3 file's columns, shared by two threads as they come, name
    the first corrupted column wherever the flipped bit is, and pass the clean columns."""
    import ticklab.core as core

    feat = tmp_path / "day.feat"
    core.IndicatorSet.from_dict({"name": "t", "indicators": [{"kind": "seed"}]}).compute_day(
        str(day), str(feat), "AAA", DAY)
    f = read_features(feat, verify=False)
    native = store.native_core()
    columns = [np.array(f.ts_ns), np.array(f.fingerprint), np.array(f.values, order="F")]
    n_values = columns[2].shape[1]

    def first_bad() -> int:
        return native.feature_first_bad_column(columns, f.block_checksums, f.check_rows, threads=threads)

    assert first_bad() == -1
    where = {0: (0, (0,)), 1: (1, (f.n_rows - 1,)), 2: (2, (f.n_rows // 2, 0)),
             1 + n_values: (2, (5, n_values - 1))}
    for bad, (array, index) in where.items():
        flip_bit(columns[array], index)
        assert first_bad() == bad
        flip_bit(columns[array], index)
    flip_bit(columns[2], (f.n_rows - 1, n_values - 1))
    flip_bit(columns[2], (0, 1))
    assert first_bad() == 3  # the first of two bad columns
    flip_bit(columns[2], (0, 1))
    flip_bit(columns[2], (f.n_rows - 1, n_values - 1))
    assert first_bad() == -1


def test_a_dropped_frames_memory_is_kept_for_the_next_and_can_be_released(day) -> None:
    native = store.native_core()
    native.release_column_buffers()
    columns = tick_columns(day)
    first = columns["ts_ns"].__array_interface__["data"][0]
    frame_bytes = sum(c.nbytes for c in columns.values())
    del columns  # every column gone: the block goes back to the pool
    again = tick_columns(day)
    assert again["ts_ns"].__array_interface__["data"][0] == first  # the same, warm memory
    assert np.array_equal(again["ts_ns"], read_ticks(day)["ts_ns"])
    del again
    assert native.release_column_buffers() >= frame_bytes
    assert native.release_column_buffers() == 0


@pytest.mark.parametrize("native", [True, False], ids=["native", "numpy"])
def test_feature_rows_are_verified(day, tmp_path, request, native: bool) -> None:
    import ticklab.core as core

    feat = tmp_path / "day.feat"
    core.IndicatorSet.from_dict({"name": "t", "indicators": [{"kind": "seed"}]}).compute_day(
        str(day), str(feat), "AAA", DAY)
    if not native:
        request.getfixturevalue("without_native")
    assert (store.native_core() is not None) == native
    good = read_features(feat)  # verified
    last_column = feat.stat().st_size - (good.n_rows * 8 + 63) // 64 * 64
    bad = corrupt(feat, tmp_path / "bad", last_column + 3)
    # Native: the block checksums, naming the column; numpy: the rows checksum.
    why = f"checksum mismatch in column {good.columns[-1]} " if native else "rows checksum mismatch"
    want = f"{bad}: {why}"
    with pytest.raises(FeatureFileError, match=want):
        read_features(bad)
    assert read_features(bad, verify=False).n_rows == good.n_rows
