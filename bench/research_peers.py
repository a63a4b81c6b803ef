"""The research path's peers, run by bench_universe.py in its own environment (ArcticDB pins an
older protobuf than the project's gRPC, so it cannot share the project's .venv).

    python research_peers.py WORKDIR NAME.parquet...   -> one JSON object on stdout

For each Parquet file (one stock-day of ticks or features, written by bench_universe.py from
ticklab's files) it writes an Arrow IPC file and an ArcticDB (LMDB) symbol, then times reading
each back into a pandas DataFrame, best of 7: Arrow IPC memory-mapped, Parquet (zstd), ArcticDB.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def best(fn, k: int = 7) -> float:
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    import arcticdb
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    work, files = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    arctic = arcticdb.Arctic(f"lmdb://{work / 'arctic'}?map_size=8GB")
    lib = arctic.get_library("bench", create_if_missing=True)
    out = {"arcticdb": arcticdb.__version__}
    for path in files:
        name = path.stem
        table = pq.read_table(path)
        df = table.to_pandas()
        ipc = work / f"{name}.arrow"
        feather.write_feather(table, ipc, compression="uncompressed")
        lib.write(name, df)
        out[name] = {
            "rows": len(df),
            "Arrow IPC mmap": best(lambda ipc=ipc: feather.read_table(ipc, memory_map=True).to_pandas()),
            "Parquet zstd": best(lambda path=path: pq.read_table(path).to_pandas()),
            "ArcticDB LMDB": best(lambda name=name: lib.read(name).data),
            "bytes": {"Parquet zstd": path.stat().st_size, "Arrow IPC": ipc.stat().st_size},
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
