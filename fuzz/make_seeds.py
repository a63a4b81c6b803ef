"""Writes the fuzz seed corpora: ``make_seeds.py OUT_DIR BUILD_BIN_DIR``.

One directory per fuzz target under OUT_DIR, from the generated samples in tests/data (provider
files), from a store and feature files made from them by the project's own tools (``ticklab-ingest``
and ``ticklab-indicators`` in BUILD_BIN_DIR), from the config corpus (tests/data/config_corpus.txt)
and, for the service targets, from serialized requests (one selector byte, then the request; see
each ``*_service_fuzz.cc``). Two-file inputs join their files with ``fuzz_input.h``'s separator.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEPARATOR = b"\n--8<--\n"
TOKEN_BIT = 4


def write(out: Path, target: str, name: str, data: bytes) -> None:
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def provider_seeds(out: Path) -> None:
    for f in sorted((DATA / "csv").iterdir()):
        write(out, "csv_reader", f.name, f.read_bytes())
    taq = DATA / "taq" / "2024-01-02"
    quotes, trades = (taq / "quotes.txt").read_bytes(), (taq / "trades.txt").read_bytes()
    write(out, "taq_reader", "day", quotes + SEPARATOR + trades)
    write(out, "taq_reader", "quotes_only", (taq / "quotes.txt").read_bytes())
    for msg in sorted((DATA / "lobster" / "2024-01-02").glob("*_message_*.csv")):
        book = msg.with_name(msg.name.replace("_message_", "_orderbook_"))
        write(out, "lobster_reader", msg.stem, msg.read_bytes() + SEPARATOR + book.read_bytes())
    for f in sorted((DATA / "dbn").glob("*.dbn*")):
        write(out, "dbn_reader", f.name, f.read_bytes())


def config_seeds(out: Path) -> None:
    name, lines = "", []
    for line in (DATA / "config_corpus.txt").read_text().splitlines() + ["=== end"]:
        if line.startswith("=== "):
            if name:
                write(out, "config", name, "\n".join(lines).encode())
            name, lines = line[4:].strip(), []
        elif name and not line.startswith("expect:"):
            lines.append(line)


def store_seeds(out: Path, bin_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "raw" / "csv").mkdir(parents=True)
        shutil.copy(DATA / "csv" / "2024-01-02.csv", root / "raw" / "csv")
        cfg = root / "seed.toml"
        cfg.write_text('[data]\nroot = "."\n[universe]\nstocks = ["AAPL", "MSFT"]\n'
                       '[[indicator_sets]]\nname = "seed"\n[[indicator_sets.indicators]]\nkind = "seed"\n')
        for tool in ("ticklab-ingest", "ticklab-indicators"):
            subprocess.run([str(bin_dir / tool), "--config", str(cfg)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for f in sorted(root.glob("store/*/*.tick")):
            write(out, "tick_store", f"{f.parent.name}_{f.name}", f.read_bytes())
        for f in sorted(root.glob("features/*/*/*.feat")):
            write(out, "feature_store", f"{f.parent.name}_{f.name}", f.read_bytes())


def request_seeds(out: Path) -> None:
    sys.path.insert(0, str(ROOT / "clients" / "python"))
    from ticklab.v1 import data_pb2, indicators_pb2, stats_pb2

    def put(target: str, name: str, selector: int, msg) -> None:
        body = msg.SerializeToString()
        write(out, target, name, bytes([selector | TOKEN_BIT]) + body)
        write(out, target, name + "_no_token", bytes([selector]) + body)

    put("data_service", "list_stocks", 0, data_pb2.ListStocksRequest())
    put("data_service", "list_dates", 1, data_pb2.ListDatesRequest(stock="AAPL"))
    put("data_service", "stream", 2, data_pb2.StreamTicksRequest(stocks=["AAPL", "MSFT"], batch_size=64))
    put("data_service", "stream_escape", 2, data_pb2.StreamTicksRequest(stocks=["../store/AAPL"]))
    put("data_service", "stream_dates", 2, data_pb2.StreamTicksRequest(
        stocks=["AAPL"], start_date="2024-01-02", end_date="2024-01-02"))
    put("indicators_service", "list_sets", 0, indicators_pb2.ListSetsRequest())
    put("indicators_service", "stream", 1, indicators_pb2.StreamIndicatorsRequest(stock="AAPL", set="seed"))
    put("indicators_service", "stream_escape", 1,
        indicators_pb2.StreamIndicatorsRequest(stock="/etc", set="../x"))
    put("stats_service", "compute", 0, stats_pb2.ComputeRequest(stock="AAPL", set="seed"))
    put("stats_service", "day", 1, stats_pb2.GetDayStatsRequest(stock="AAPL", date="2024-01-02", set="seed"))
    put("stats_service", "pool", 2, stats_pb2.PoolRequest(set="seed"))


def main() -> None:
    out, bin_dir = Path(sys.argv[1]), Path(sys.argv[2])
    provider_seeds(out)
    config_seeds(out)
    store_seeds(out, bin_dir)
    request_seeds(out)
    for d in sorted(out.iterdir()):
        print(f"{d.name:20} {len(list(d.iterdir())):4} seeds")


if __name__ == "__main__":
    main()
