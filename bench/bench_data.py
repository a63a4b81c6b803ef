"""Layer 1 read throughput, one core: C++ store walk and raw readers next to numpy and pandas.

    .venv/bin/python bench/bench_data.py [--events-per-day N] [--store-ticks N] [--min-seconds S]

Generates a synthetic market under bench/out/data (4 stocks, one day, every format in RAW_FORMATS
that has a generator writer), ingests it with ticklab-ingest, tiles one stock-day into a large store
file, then measures in the same run:
  - C++ StoreSource::Next() (concrete type and through DataSource*) and store open + checksum;
  - numpy: np.memmap of the same store file + a sum over one column (ticklab.store.read_ticks);
  - each raw format through the C++ DataSource (format detected) and, where RAW_FORMATS names one,
    a Python/pandas reader of the same file (the CSV: pandas.read_csv).
Hook: the formats engineer adds entries to RAW_FORMATS (file glob + optional Python reader).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "clients" / "python"))

from ticklab.io import store  # noqa: E402
from ticklab.native import binary  # noqa: E402
from ticklab.testing import write_ticks  # noqa: E402


def pandas_csv_rows(path: Path) -> int:
    import pandas as pd

    df = pd.read_csv(path)
    return len(df)


def pandas_taq_rows(quotes: Path) -> int:
    """The TAQ day pair (quotes + its trades file) through pandas, as the C++ reader reads both."""
    import pandas as pd

    n = 0
    for path in (quotes, quotes.with_name("trades.txt")):
        n += len(pd.read_csv(path, sep="|", skipfooter=0)) - 1  # minus the END trailer
    return n


def pandas_lobster_rows(message: Path) -> int:
    """A LOBSTER message file and its orderbook file through pandas (no header rows)."""
    import pandas as pd

    m = pd.read_csv(message, header=None)
    pd.read_csv(Path(str(message).replace("_message_", "_orderbook_")), header=None)
    return len(m)


def zstd_decompress_rows(path: Path) -> int:
    """zstd's own decompression of a .dbn.zst (python-zstandard, libzstd): the bound for the reader."""
    import zstandard

    data = zstandard.ZstdDecompressor().decompress(path.read_bytes())
    return len(data) // 80  # MBP-1 records (approx.: the metadata header is a few hundred bytes)


def taq_rows(quotes: Path) -> int:
    """Data rows of the quotes + trades pair (header and trailer excluded)."""
    return sum(sum(1 for _ in open(p, "rb")) - 2 for p in (quotes, quotes.with_name("trades.txt")))


def lobster_rows(message: Path) -> int:
    return sum(1 for _ in open(message, "rb"))


def dbn_records(path: Path) -> int:
    import databento_dbn as dbn
    import zstandard

    data = path.read_bytes()
    if path.suffix == ".zst":
        data = zstandard.ZstdDecompressor().decompress(data)
    dec = dbn.DBNDecoder()
    dec.write(data)
    return len(dec.decode()) - 1  # minus the metadata


@dataclass
class RawFormatBench:
    glob: str  # raw files of the benchmark day under <raw_dir>
    python_reader: Callable[[Path], int] | None = None  # returns rows read
    python_name: str = ""
    count_rows: Callable[[Path], int] | None = None  # provider rows/records in the file (not csv)


# Formats measured through the C++ reader; add yours here (one line each).
RAW_FORMATS: dict[str, RawFormatBench] = {
    "csv": RawFormatBench("csv/*.csv", pandas_csv_rows, "pandas.read_csv"),
    "taq": RawFormatBench("taq/*/quotes.txt", pandas_taq_rows, "pandas.read_csv", taq_rows),
    "lobster": RawFormatBench("lobster/*/AAPL_*_message_1.csv", pandas_lobster_rows, "pandas.read_csv",
                              lobster_rows),
    "dbn": RawFormatBench("dbn/*.mbp-1.dbn.zst", zstd_decompress_rows, "zstd decompress only", dbn_records),
}


# An MBP-1 record (80 bytes) as a numpy structured dtype: the "pure numpy" read of plain DBN.
MBP1_DTYPE = np.dtype([("hdr", "V16"), ("price", "<i8"), ("size", "<u4"), ("action", "S1"), ("side", "S1"),
                       ("flags", "u1"), ("depth", "u1"), ("ts_recv", "<u8"), ("ts_in_delta", "<i4"),
                       ("sequence", "<u4"), ("bid_px", "<i8"), ("ask_px", "<i8"), ("bid_sz", "<u4"),
                       ("ask_sz", "<u4"), ("bid_ct", "<u4"), ("ask_ct", "<u4")])


def bench_dbn_plain(raws: dict[str, list[Path]], min_seconds: float) -> list[tuple[str, str, float, str]]:
    """Plain (uncompressed) DBN: the C++ reader next to databento_dbn's own decoder and a numpy
    structured-array walk of the same MBP-1 records, in this run."""
    import databento_dbn as dbn
    import zstandard

    rows: list[tuple[str, str, float, str]] = []
    for zst in raws.get("dbn", []):
        plain = zst.parent.parent.parent / "dbn-plain" / zst.name.removesuffix(".zst")
        if not plain.exists():
            plain.parent.mkdir(parents=True, exist_ok=True)
            plain.write_bytes(zstandard.ZstdDecompressor().decompress(zst.read_bytes()))
        res = run_cxx(["--raw", str(plain)], min_seconds)[0]
        n_rec = dbn_records(plain)
        label = f"dbn {plain.name} ({plain.stat().st_size / 1e6:.0f} MB)"
        rows.append((label, "C++ GetDataSource()->Next()", res["ticks_per_s"],
                     f"{n_rec / res['seconds'] / 1e6:.1f}M records/s {res['mb_per_s']:.0f} MB/s"))
        data = plain.read_bytes()
        meta_len = 8 + int.from_bytes(data[4:8], "little")

        def official(data: bytes = data) -> None:
            dec = dbn.DBNDecoder()
            dec.write(data)
            dec.decode()

        s = best_of(official, min_seconds)
        rows.append((label, "databento_dbn DBNDecoder", res["ticks"] / s,
                     f"{n_rec / s / 1e6:.1f}M records/s"))

        def numpy_walk(data: bytes = data, offset: int = meta_len) -> float:
            recs = np.frombuffer(data, MBP1_DTYPE, offset=offset)
            return float((recs["bid_px"] / 1e9).sum() + recs["bid_sz"].sum())

        s = best_of(numpy_walk, min_seconds)
        rows.append((label, "numpy frombuffer + 2 column sums", res["ticks"] / s,
                     f"{n_rec / s / 1e6:.1f}M records/s (fixed 80-byte records only)"))
    return rows


def best_of(fn: Callable[[], object], min_seconds: float) -> float:
    best, total, n = float("inf"), 0.0, 0
    while total < min_seconds or n < 3:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, total, n = min(best, dt), total + dt, n + 1
    return best


def prepare(out: Path, events_per_day: int, store_ticks: int) -> tuple[Path, Path, dict[str, list[Path]]]:
    from ticklab.config import load_config
    from ticklab.synth.formats import WRITERS
    from ticklab.synth.generate import generate

    out.mkdir(parents=True, exist_ok=True)
    formats = [f for f in RAW_FORMATS if f in WRITERS]
    cfg_path = out / "bench.toml"
    cfg_path.write_text(f"""
[data]
root = "data"
[universe]
stocks = ["AAPL", "MSFT", "AMZN", "NVDA"]
[generator]
seed = 1
start_date = "2024-01-02"
days = 1
events_per_day = {events_per_day}
formats = {json.dumps(formats)}
""")
    cfg = load_config(cfg_path)
    stamp = out / f"stamp-{events_per_day}-{'-'.join(formats)}"
    if not stamp.exists():
        print(f"bench_data: generating {events_per_day:,} events x 4 stocks ({', '.join(formats)})",
              file=sys.stderr)
        generate(cfg)
        subprocess.run([str(binary("ticklab-ingest")), "--config", str(cfg_path), "--force"], check=True,
                       stdout=subprocess.DEVNULL)
        stamp.touch()
    day_file = store.store_path(cfg, "AAPL", "2024-01-02")
    ticks = np.asarray(store.read_ticks(day_file))
    big = out / "big" / "AAPL" / "2024-01-02.tick"
    if not big.exists() or store.read_header(big).count < store_ticks:
        reps = -(-store_ticks // len(ticks))
        write_ticks(big, "AAPL", 20240102, np.tile(ticks, reps)[:store_ticks])
    raws = {f: sorted(cfg.data.raw_dir.glob(RAW_FORMATS[f].glob)) for f in formats}
    return day_file, big, raws


def run_cxx(args: list[str], min_seconds: float) -> list[dict]:
    p = subprocess.run([str(binary("data_bench")), *args, "--min-seconds", str(min_seconds)],
                       capture_output=True, text=True, check=True)
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events-per-day", type=int, default=500_000)
    ap.add_argument("--store-ticks", type=int, default=4_000_000)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "data")
    a = ap.parse_args()
    day_file, big, raws = prepare(a.out, a.events_per_day, a.store_ticks)

    rows: list[tuple[str, str, float, str]] = []  # (what, impl, ticks or rows per s, note)
    for path, label in ((big, f"store {store.read_header(big).count:,} ticks"),
                        (day_file, f"store 1 stock-day {store.read_header(day_file).count:,} ticks")):
        res = {r["name"]: r for r in run_cxx(["--store", str(path)], a.min_seconds)}
        n = res["store_next"]["ticks"]

        def numpy_walk(path: Path = path) -> float:
            t = store.read_ticks(path, verify_checksum=False)
            return float(t["bid_price"].sum())

        np_s = best_of(numpy_walk, a.min_seconds)
        cxx = res["store_next"]["ticks_per_s"]
        rows.append((label, "C++ StoreSource::Next()", cxx,
                     f"{res['store_next']['ticks_per_cpu_s']:,.0f} per CPU-s"))
        rows.append((label, "C++ StoreSource::NextTick()", res["store_next_tick_ptr"]["ticks_per_s"],
                     "zero-copy pointer"))
        rows.append((label, "C++ DataSource*->Next()", res["store_next_virtual"]["ticks_per_s"], ""))
        rows.append((label, "C++ plain loop over mmap", res["store_mmap_walk"]["ticks_per_s"], "reference"))
        rows.append((label, "C++ open + XXH64 checksum", res["store_open_checksum"]["ticks_per_s"],
                     f"{res['store_open_checksum']['mb_per_s']:.0f} MB/s"))
        rows.append((label, "numpy memmap + column sum", n / np_s, f"C++/numpy = {cxx / (n / np_s):.2f}x"))

    for fmt, files in raws.items():
        for path in files:
            res = run_cxx(["--raw", str(path)], a.min_seconds)[0]
            label = f"{fmt} {path.name} ({path.stat().st_size / 1e6:.0f} MB)"
            b = RAW_FORMATS[fmt]
            if b.count_rows is not None:
                lines = b.count_rows(path)
            else:
                lines = sum(1 for _ in open(path, "rb")) - 1 if fmt == "csv" else 0
            note = f"{lines / res['seconds'] / 1e6:.1f}M rows/s" if lines else ""
            if lines and res.get("cpu_seconds"):
                note += f" ({lines / res['cpu_seconds'] / 1e6:.1f}M rows per CPU-s)"
            rows.append((label, "C++ GetDataSource()->Next()", res["ticks_per_s"],
                         f"{note} {res['mb_per_s']:.0f} MB/s".strip()))
            if b.python_reader is not None:
                n_rows = 0

                def py(path: Path = path, reader: Callable[[Path], int] = b.python_reader) -> None:
                    nonlocal n_rows
                    n_rows = reader(path)

                py_s = best_of(py, a.min_seconds)
                ratio = (lines / res["seconds"]) / (n_rows / py_s) if lines else float("nan")
                note = f"{n_rows / py_s / 1e6:.1f}M rows/s; C++/{b.python_name} = {ratio:.1f}x (rows/s)"
                rows.append((label, b.python_name, res["ticks"] / py_s, note))

    rows += bench_dbn_plain(raws, a.min_seconds)

    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall rates drop under load; "
          "CPU-s rates much less)")
    print(f"{'data':44} {'implementation':30} {'ticks/s':>14}  note")
    for what, impl, rate, note in rows:
        print(f"{what:44} {impl:30} {rate:14,.0f}  {note}")


if __name__ == "__main__":
    main()
