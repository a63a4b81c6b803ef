"""Layer 2 save modes end to end: saved (all / grid, float64 / float32, plain / zstd) and fused.

One small market (2 stocks x 2 days of store files) goes through `ticklab-indicators` and
`ticklab-stats` under sets that differ only in their save keys. The fused path (save = "none")
must store the same statistics as the saved float64 path bit for bit, with no feature file; a
grid file must hold exactly the rows prevailing at each grid instant of the full file; float32 and
zstd files must read back as the full file's values (rounded to float32).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import numpy as np
import pytest
from indicator_events import OPEN_NS, random_events

from ticklab.io.features import read_features
from ticklab.native import binary, run_tool
from ticklab.testing import assemble_ticks, write_ticks

STOCKS = ("AAA", "BBB")
DAYS = (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
DAY_NS = 86400 * 10**9
SETS = {  # name -> save keys
    "all": "",
    "fused": 'save = "none"',
    "grid": 'save = "grid"\ngrid_seconds = 2',
    "fusedgrid": 'save = "none"\ngrid_seconds = 2',
    "ticks": 'save = "grid"\ngrid_ticks = 7',
    "f32": 'value_type = "float32"',
    "zst": 'compression = "zstd"',
    "f32zst": 'value_type = "float32"\ncompression = "zstd"',
}
# Columns of the lineage and bookkeeping, which name files and times: all else must be equal.
LINEAGE = {"tick_file", "feat_file", "feat_checksum", "code_version", "computed_at", "compute_ms",
           "feature_set"}


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> dict:
    for tool in ("ticklab-indicators", "ticklab-stats"):
        binary(tool)
    root = tmp_path_factory.mktemp("save_modes")
    sets = "".join(f'[[indicator_sets]]\nname = "{name}"\n{keys}\n[[indicator_sets.indicators]]\n'
                   f'kind = "seed"\n[[indicator_sets.indicators]]\nkind = "ofi"\n'
                   for name, keys in SETS.items())
    cfg = root / "modes.toml"
    cfg.write_text(f'[data]\nroot = "data"\n[universe]\nstocks = {json.dumps(list(STOCKS))}\n{sets}'
                   '[stats]\nhorizons_seconds = [1.0, 10.0]\nhorizons_ticks = [1, 10]\nridge_lambda = 1e-3\n')
    for si, stock in enumerate(STOCKS):
        for di, day in enumerate(DAYS):
            ts, field, value = random_events(12000, seed=200 + 10 * si + di)
            t = assemble_ticks(stock, ts + di * DAY_NS, field, value)
            write_ticks(root / "data" / "store" / stock / f"{day}.tick", stock, day, t)
    summaries = {}
    for name in SETS:
        args = ["--config", str(cfg), "--set", name]
        summaries[name] = run_tool("ticklab-indicators", args, progress=False)
        run_tool("ticklab-stats", ["--config", str(cfg), "--set", name, "--threads", "2"], progress=False)
    return {"root": root, "cfg": cfg, "db": root / "data" / "stats.sqlite", "summaries": summaries}


def feats(market: dict, name: str, stock: str, day: dt.date):
    return read_features(market["root"] / "data" / "features" / name / stock / f"{day}.feat", verify=True)


def stats_rows(db: sqlite3.Connection, table: str, set_name: str) -> list[tuple]:
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] not in LINEAGE]
    return db.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE feature_set = ? ORDER BY "
                      f"{', '.join(cols[:3])}", (set_name,)).fetchall()


def tables(db: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [t for t in names if "feature_set" in {r[1] for r in db.execute(f"PRAGMA table_info({t})")}]


@pytest.mark.parametrize("saved, fused", [("all", "fused"), ("grid", "fusedgrid")])
def test_fused_stats_equal_saved_bit_for_bit(market: dict, saved: str, fused: str) -> None:
    assert not (market["root"] / "data" / "features" / fused).exists()  # nothing saved
    assert market["summaries"][fused]["save"] == "none"
    db = sqlite3.connect(market["db"])
    checked = 0
    for table in tables(db):
        a, b = stats_rows(db, table, saved), stats_rows(db, table, fused)
        assert a == b, table  # floats compared exactly
        checked += len(a)
    assert checked > 20
    lineage = db.execute("SELECT feat_file, feat_checksum FROM day_stats WHERE feature_set = ?",
                         (fused,)).fetchall()
    assert len(lineage) == len(STOCKS) * len(DAYS)
    assert all(f == "" and c.startswith("set-") for f, c in lineage)


def test_grid_rows_are_the_rows_prevailing_at_each_instant(market: dict) -> None:
    for stock in STOCKS:
        for di, day in enumerate(DAYS):
            full, grid = feats(market, "all", stock, day), feats(market, "grid", stock, day)
            assert grid.grid_seconds == 2.0 and 0 < grid.n_rows < full.n_rows
            open_ns = OPEN_NS + di * DAY_NS
            step = 2 * 10**9
            k = -(-(full.ts_ns - open_ns) // step)  # the first instant at or after each row
            last_of_interval = np.append(k[1:] != k[:-1], True)
            expect = np.flatnonzero(last_of_interval)
            assert np.array_equal(grid.ts_ns, full.ts_ns[expect])
            assert np.array_equal(grid.values, full.values[expect])
            ticks = feats(market, "ticks", stock, day)
            assert ticks.grid_ticks == 7
            assert np.array_equal(ticks.fingerprint, full.fingerprint[::7])


@pytest.mark.parametrize("name", ["f32", "zst", "f32zst"])
def test_value_types_and_compression_read_back(market: dict, name: str) -> None:
    for stock in STOCKS:
        full, f = feats(market, "all", stock, DAYS[0]), feats(market, name, stock, DAYS[0])
        assert f.compressed == name.endswith("zst")
        want = full.values.astype(np.float32) if name.startswith("f32") else full.values
        assert f.values.dtype == want.dtype and np.array_equal(f.values, want, equal_nan=True)
        assert np.array_equal(f.ts_ns, full.ts_ns) and np.array_equal(f.fingerprint, full.fingerprint)
        col = full.columns[5]
        assert np.array_equal(f.column(col), want[:, 5], equal_nan=True)
        if name == "zst":
            assert f.rows_checksum == full.rows_checksum  # the checksum names the content
    sizes = {n: (market["root"] / "data" / "features" / n / STOCKS[0] / f"{DAYS[0]}.feat").stat().st_size
             for n in ("all", "f32", "zst", "f32zst", "grid")}
    assert sizes["f32zst"] < sizes["zst"] < sizes["all"] and sizes["f32"] < sizes["all"]
    assert sizes["grid"] < sizes["all"]


def test_uncompressed_columns_are_zero_copy_and_export(market: dict, tmp_path) -> None:
    f = feats(market, "all", STOCKS[0], DAYS[0])
    col = f.column(f.columns[3])
    assert col.base is not None and not col.flags.writeable and col.flags.c_contiguous
    df = f.to_pandas()  # one block over the map: no copy of the values
    assert np.shares_memory(df[f.columns[3]].to_numpy(), f.values)
    import pyarrow as pa  # the dev extra installs it: missing is a failure, not a skip
    table = f.to_arrow([f.columns[3]])
    assert table.num_rows == f.n_rows and table.column_names == ["time", "fingerprint", f.columns[3]]
    out = f.to_parquet(tmp_path / "day.parquet")
    import pyarrow.parquet as pq

    back = pq.read_table(out)
    assert back.num_rows == f.n_rows and np.array_equal(back[f.columns[4]].to_numpy(), f.column(f.columns[4]))
    assert isinstance(table, pa.Table)


def test_version_1_files_still_read(market: dict, tmp_path) -> None:
    import xxhash

    from ticklab.io.features import FIXED_HEADER, MAGIC

    f = feats(market, "all", STOCKS[0], DAYS[0])
    names = "".join(c + "\n" for c in f.columns).encode()
    header_bytes = (FIXED_HEADER.size + len(names) + 63) // 64 * 64
    rows = f.row_bytes()
    d = f.date
    fields = [MAGIC, 1, header_bytes, f.n_rows, len(f.columns), 16 + 8 * len(f.columns),
              d.year * 10000 + d.month * 100 + d.day, len(names), f.config_hash, f.input_fingerprint,
              xxhash.xxh64_intdigest(rows), f.set.encode(), f.stock.encode(), 0, 0]
    header = bytearray(header_bytes)
    FIXED_HEADER.pack_into(header, 0, *fields)
    header[FIXED_HEADER.size:FIXED_HEADER.size + len(names)] = names
    fields[13] = xxhash.xxh64_intdigest(bytes(header))
    FIXED_HEADER.pack_into(header, 0, *fields)
    (tmp_path / "v1.feat").write_bytes(bytes(header) + rows)
    old = read_features(tmp_path / "v1.feat", verify=True)
    assert old.version == 1 and old.rows_checksum == f.rows_checksum
    assert np.array_equal(old.values, f.values, equal_nan=True)
    assert np.array_equal(old.column(f.columns[4]), f.column(f.columns[4]), equal_nan=True)
