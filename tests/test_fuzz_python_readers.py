"""Property-based fuzzing (hypothesis) of the Python-side parsers of saved and received bytes.

Each reader gets arbitrary bytes and mutations of a valid input (with the checksums repaired, so the
mutations reach the fields behind them) and must either return a result or raise its own error type
(``StoreError``, ``FeatureFileError``, ``ValueError`` for the wire reader, ``sqlite3.DatabaseError``
for the stats database) — never IndexError, struct.error, UnicodeDecodeError, OverflowError or a
crash. ``make test`` runs a bounded number of examples per property; ``make fuzz`` sets
``TICKLAB_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import struct
import tempfile
from pathlib import Path

import numpy as np
import xxhash
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ticklab.client import wire
from ticklab.io import features as feat
from ticklab.io import stats as stats_io
from ticklab.io import store
from ticklab.io.dtypes import TICK_DTYPE
from ticklab.testing import write_ticks

EXAMPLES = int(os.environ.get("TICKLAB_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="TICKLAB_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Mutations: (offset, new byte) pairs, applied modulo the input's length.
MUTATIONS = st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=8)


def mutate(data: bytes, edits: list[tuple[int, int]], limit: int | None = None) -> bytes:
    out = bytearray(data)
    span = min(len(out), limit or len(out))
    for offset, value in edits:
        out[offset % span] = value
    return bytes(out)


def valid_ticks(n: int = 5) -> np.ndarray:
    ticks = np.zeros(n, TICK_DTYPE)
    ticks["ts_ns"] = np.arange(n) * 1000 + 1_704_205_800_000_000_000
    ticks["bid_price"] = 100.0
    ticks["ask_price"] = 100.5
    return ticks


def valid_feature_file(n_rows: int = 3) -> bytes:
    """A well-formed version 1 .feat file (v1 still reads) built from the reader's layout constants."""
    columns = ["bid", "ask", "seed_f0"]
    names = "".join(c + "\n" for c in columns).encode()
    header_bytes = (feat.FIXED_HEADER.size + len(names) + 63) // 64 * 64
    row_bytes = 16 + 8 * len(columns)
    rows = b"".join(struct.pack("<qQ3d", 1_704_205_800_000_000_000 + i, i, 100.0, 100.5, 0.1 * i)
                    for i in range(n_rows))
    return with_feature_checksums(feat.FIXED_HEADER.pack(
        feat.MAGIC, 1, header_bytes, n_rows, len(columns), row_bytes, 20240102, len(names),
        0, 0, 0, b"seed", b"AAPL", 0, 0) + names + bytes(header_bytes - feat.FIXED_HEADER.size - len(names))
        + rows, header_bytes)


@functools.cache
def valid_v3_feature_file() -> bytes:
    """A well-formed version 3 .feat file (the one written: columns and block checksums), as the
    C++ writer writes it."""
    from indicator_events import random_events

    import ticklab.core as core
    from ticklab.testing import assemble_ticks

    with tempfile.TemporaryDirectory() as tmp:
        ticks = assemble_ticks("AAPL", *random_events(40, seed=3))
        tick = write_ticks(Path(tmp) / "AAPL" / "2024-01-02.tick", "AAPL", "2024-01-02", ticks)
        out = Path(tmp) / "v3.feat"
        core.IndicatorSet.from_dict({"name": "seed", "indicators": [{"kind": "spread"}]}).compute_day(
            str(tick), str(out), "AAPL", "2024-01-02")
        return out.read_bytes()


def with_feature_checksums(data: bytes, header_bytes: int) -> bytes:
    """`data` with its header checksum recomputed (rows checksum too), as a writer would."""
    out = bytearray(data)
    rows_checksum = xxhash.xxh64_intdigest(bytes(out[header_bytes:]), seed=0)
    out[56:64] = struct.pack("<Q", rows_checksum)  # FIXED_HEADER field 11
    out[feat.HEADER_CHECKSUM_OFFSET:feat.HEADER_CHECKSUM_OFFSET + 8] = bytes(8)
    checksum = xxhash.xxh64_intdigest(bytes(out[:header_bytes]), seed=0)
    out[feat.HEADER_CHECKSUM_OFFSET:feat.HEADER_CHECKSUM_OFFSET + 8] = struct.pack("<Q", checksum)
    return bytes(out)


def test_valid_inputs_read_back(tmp_path: Path) -> None:
    """The seeds the properties mutate are themselves valid (else the fuzzing would be shallow)."""
    path = write_ticks(tmp_path / "AAPL" / "2024-01-02.tick", "AAPL", "2024-01-02", valid_ticks())
    assert len(store.read_ticks(path)) == 5
    p = tmp_path / "a.feat"
    p.write_bytes(valid_feature_file())
    f = feat.read_features(p, verify=True)
    assert f.columns == ("bid", "ask", "seed_f0") and len(f.ts_ns) == 3
    p.write_bytes(valid_v3_feature_file())
    f = feat.read_features(p, verify=True)
    assert f.version == 3 and f.n_rows > 0 and f.columns[2] == "spread.abs"


# Regression inputs: each once crashed the reader (found by these properties).
@FUZZ
@given(data=st.binary(max_size=400) | MUTATIONS.map(lambda e: ("mutate", e)))
@example(data=("mutate", [(16, 128)]))  # stock name not UTF-8: UnicodeDecodeError
def test_store_reader_never_crashes(tmp_path_factory, data) -> None:
    tmp = tmp_path_factory.mktemp("store")
    good = write_ticks(tmp / "AAPL" / "2024-01-02.tick", "AAPL", "2024-01-02", valid_ticks()).read_bytes()
    raw = mutate(good, data[1], limit=64) if isinstance(data, tuple) else data
    path = tmp / "x.tick"
    path.write_bytes(raw)
    try:
        ticks = store.read_ticks(path)
    except store.StoreError as e:
        assert str(path) in str(e)
    else:
        assert ticks.dtype == TICK_DTYPE


@FUZZ
@given(data=st.binary(max_size=400) | MUTATIONS.map(lambda e: ("mutate", e)), verify=st.booleans(),
       version=st.sampled_from([1, 3]))
@example(data=b"", verify=False, version=1)  # np.memmap: "cannot mmap an empty file"
@example(data=("mutate", [(32, 0)]), verify=False, version=1)  # date 0: "month must be in 1..12"
@example(data=("mutate", [(64, 128)]), verify=False, version=1)  # set name not UTF-8
@example(data=("mutate", [(128, 128)]), verify=False, version=1)  # column names not UTF-8
@example(data=("mutate", [(144, 0)]), verify=True, version=3)  # check_rows 0
@example(data=("mutate", [(147, 0x7F)]), verify=True, version=3)  # check_rows huge: one block
def test_feature_reader_never_crashes(tmp_path_factory, data, verify, version) -> None:
    good = valid_feature_file() if version == 1 else valid_v3_feature_file()
    if isinstance(data, tuple):  # mutate the header and keep its checksums right: reach the fields
        header_bytes = struct.unpack_from("<I", good, 12)[0]
        raw = with_feature_checksums(mutate(good, data[1], limit=header_bytes), header_bytes)
    else:
        raw = data
    path = tmp_path_factory.mktemp("feat") / "x.feat"
    path.write_bytes(raw)
    try:
        f = feat.read_features(path, verify=verify)
    except feat.FeatureFileError as e:
        assert str(path) in str(e)
    else:
        assert f.values.shape == (len(f.ts_ns), len(f.columns))


@FUZZ
@given(raw=st.binary(max_size=200))
@example(raw=b"\x00")  # truncated varint: IndexError
@example(raw=b"\x02\x01")  # length past the end: returned an out-of-bounds (offset, length)
@example(raw=b"\x08" + b"\xff" * 11)  # varint over 64 bits
def test_wire_reader_never_crashes(raw) -> None:
    for parse in (wire.scan, wire.fields):
        try:
            out = parse(raw)
        except ValueError:
            continue
        for values in out.values():  # every length-delimited value lies inside the message
            for v in values if isinstance(values, list) else [values]:
                if isinstance(v, tuple):
                    assert 0 <= v[0] and v[0] + v[1] <= len(raw)


@FUZZ
@given(data=st.binary(max_size=300), dim=st.integers(-2, 40))
def test_stats_blobs_never_crash(data, dim) -> None:
    try:
        stats_io.unpack_upper(data, dim)
    except ValueError:
        pass
    try:
        stats_io.blob(data)
    except ValueError:
        pass


@FUZZ
@given(raw=st.binary(max_size=2048))
def test_stats_database_reader_never_crashes(tmp_path_factory, raw) -> None:
    path = tmp_path_factory.mktemp("db") / "stats.sqlite"
    path.write_bytes(raw)
    try:
        stats_io.has_day(path, "AAPL", "2024-01-02", "seed")
    except (sqlite3.DatabaseError, ValueError):
        pass
