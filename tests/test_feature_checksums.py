"""Version 3 feature files' block checksums (docs/formats.md, "Layer 2 feature store").

The table the C++ writer records is checked against an independent reference (the xxhash
library over each block of each column's bytes); the C++ reader (``FeatureReader::Verify``,
through ``verify_feature_file``) and the Python reader (``read_features``, which checks the columns
as it mapped them) agree on good files and name the same column of a corrupted one, plain,
float32 and compressed; version 2 files (no block checksums) still read and verify by their rows
checksum, with and without the native module.
"""

from __future__ import annotations

import datetime as dt
import struct
import sys

import numpy as np
import pytest
import xxhash
from indicator_events import random_events

import ticklab.core as core
from ticklab.io import store
from ticklab.io.features import DIRECTORY_ENTRY, FIXED_HEADER_V2, FeatureFileError, read_features
from ticklab.testing import assemble_ticks, write_ticks

DAY = dt.date(2024, 1, 2)
FORMS = {"plain": {}, "f32": {"value_type": "float32"}, "zst": {"compression": "zstd"}}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One stock-day of six seed indicators (480 features: blocks of a few thousand rows) under
    each storage form: several blocks per column."""
    root = tmp_path_factory.mktemp("checks")
    ts, field, value = random_events(90_000, seed=11)
    tick = write_ticks(root / "AAA" / f"{DAY}.tick", "AAA", DAY, assemble_ticks("AAA", ts, field, value))
    out = {}
    for name, keys in FORMS.items():
        out[name] = root / name / f"{DAY}.feat"
        indicators = [{"kind": "seed", "name": f"s{i}"} for i in range(6)]
        core.IndicatorSet.from_dict({"name": name, **keys, "indicators": indicators}).compute_day(
            str(tick), str(out[name]), "AAA", DAY)
    return out


def layout(data: bytes) -> dict:
    """The fields of a version 3 header this test needs, read with struct alone."""
    fields = FIXED_HEADER_V2.unpack_from(data, 0)
    n_cols, n_rows, version, check_rows = fields[4], fields[3], fields[1], fields[19]
    columns = 2 + n_cols
    blocks = -(-n_rows // check_rows) if check_rows else 0
    directory = [DIRECTORY_ENTRY.unpack_from(data, FIXED_HEADER_V2.size + DIRECTORY_ENTRY.size * c)
                 for c in range(columns)]
    table_at = FIXED_HEADER_V2.size + DIRECTORY_ENTRY.size * columns
    return dict(version=version, n_rows=n_rows, columns=columns, check_rows=check_rows, blocks=blocks,
                directory=directory, table_at=table_at, header_bytes=fields[2], names_bytes=fields[7])


@pytest.mark.parametrize("form", ["plain", "f32", "zst"])
def test_the_table_is_xxh3_of_each_block_of_each_column(files: dict, form: str) -> None:
    path = files[form]
    data = path.read_bytes()
    h = layout(data)
    assert h["version"] == 3 and h["blocks"] >= 2 and h["n_rows"] % h["check_rows"], h  # the last partial
    f = read_features(path)  # verified
    for c, column in enumerate([f.ts_ns, f.fingerprint, *(f.column(n) for n in f.columns)]):
        raw = np.ascontiguousarray(column).tobytes()
        item = column.dtype.itemsize
        for b in range(h["blocks"]):
            want = xxhash.xxh3_64_intdigest(raw[b * h["check_rows"] * item:(b + 1) * h["check_rows"] * item])
            got = struct.unpack_from("<Q", data, h["table_at"] + 8 * (c * h["blocks"] + b))[0]
            assert got == want, (form, c, b)


def flip(path, tmp_path, offset: int):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x20
    bad = tmp_path / path.parent.name / path.name
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("form", ["plain", "f32", "zst"])
def test_cpp_and_python_readers_name_the_same_corrupted_column(files: dict, tmp_path, form: str) -> None:
    native = store.native_core()
    assert native is not None, "ticklab.core is not built"
    path = files[form]
    h = layout(path.read_bytes())
    names = ("ts_ns", "fingerprint", *read_features(path).columns)
    native.verify_feature_file(str(path))
    for c in (0, 1, 2, 300, h["columns"] - 1):
        offset, stored = h["directory"][c]
        bad = flip(path, tmp_path / str(c), offset + stored * 2 // 3)  # in a later block
        with pytest.raises(native.Error) as cpp:
            native.verify_feature_file(str(bad), threads=2)
        with pytest.raises(FeatureFileError) as py:
            read_features(bad)
        assert str(bad) in str(cpp.value) and str(bad) in str(py.value)
        if form != "zst" or "checksum mismatch" in str(cpp.value):  # (zstd may refuse the frame)
            assert f"checksum mismatch in column {names[c]} " in str(cpp.value), cpp.value
            assert str(py.value) == str(cpp.value).removeprefix("data loss: ")
        assert read_features(bad, verify=False).n_rows == h["n_rows"]


def as_version_2(path, out):
    """The file as version 2 wrote it: no block-checksum table, version 2, check_rows 0."""
    data = path.read_bytes()
    h = layout(data)
    table_bytes = 8 * h["columns"] * h["blocks"]
    names = data[h["table_at"] + table_bytes:h["table_at"] + table_bytes + h["names_bytes"]]
    header_bytes = (h["table_at"] + len(names) + 63) // 64 * 64
    head = bytearray(data[:h["table_at"]] + names)
    head += bytes(header_bytes - len(head))
    struct.pack_into("<I", head, 8, 2)
    struct.pack_into("<I", head, 12, header_bytes)
    struct.pack_into("<I", head, 144, 0)
    shift = h["header_bytes"] - header_bytes
    for c, (offset, stored) in enumerate(h["directory"]):
        at = FIXED_HEADER_V2.size + DIRECTORY_ENTRY.size * c
        DIRECTORY_ENTRY.pack_into(head, at, offset - shift, stored)
    struct.pack_into("<Q", head, 112, 0)
    struct.pack_into("<Q", head, 112, xxhash.xxh64_intdigest(bytes(head)))
    out.write_bytes(bytes(head) + data[h["header_bytes"]:])
    return out


@pytest.mark.parametrize("native", [True, False], ids=["native", "numpy"])
@pytest.mark.parametrize("form", ["plain", "zst"])
def test_version_2_files_still_read(files: dict, tmp_path, monkeypatch, native: bool, form: str) -> None:
    new = read_features(files[form])
    old_path = as_version_2(files[form], tmp_path / "v2.feat")
    last_offset, _ = layout(old_path.read_bytes())["directory"][-1]
    bad = flip(old_path, tmp_path / "bad", last_offset + 5)
    if not native:
        monkeypatch.setitem(sys.modules, "ticklab.core", None)
        monkeypatch.setitem(sys.modules, "ticklab.core._native", None)
    store.native_core.cache_clear()
    try:
        assert (store.native_core() is not None) == native
        old = read_features(old_path)  # verified by the rows checksum
        assert old.version == 2 and old.check_rows == 0
        assert old.rows_checksum == new.rows_checksum and old.columns == new.columns
        assert np.array_equal(old.values, new.values, equal_nan=True)
        assert np.array_equal(old.ts_ns, new.ts_ns)
        with pytest.raises(FeatureFileError, match=f"{bad}: "):
            read_features(bad)
    finally:
        store.native_core.cache_clear()


def test_without_native_version_3_is_checked_by_its_rows_checksum(files: dict, tmp_path, monkeypatch) -> None:
    h = layout(files["plain"].read_bytes())
    bad = flip(files["plain"], tmp_path, h["directory"][5][0] + 11)
    monkeypatch.setitem(sys.modules, "ticklab.core", None)
    monkeypatch.setitem(sys.modules, "ticklab.core._native", None)
    store.native_core.cache_clear()
    try:
        assert store.native_core() is None
        assert read_features(files["plain"]).n_rows == h["n_rows"]
        with pytest.raises(FeatureFileError, match=f"{bad}: rows checksum mismatch"):
            read_features(bad)
    finally:
        store.native_core.cache_clear()
