"""The research path's peers, run by research_path.py in their own environment (ArcticDB pins an
older protobuf than the project's gRPC, so it cannot share the project's .venv).

    python research_peers.py WORKDIR NAME.parquet...

For each Parquet file (one stock-day of ticks or features, written by research_path.py from
ticklab's files) it writes an Arrow IPC file and an ArcticDB (LMDB) symbol, and prints one JSON
line: the ArcticDB version, the cases ("<name>: <reader>") and the files' sizes. Then it times
cases on request, so that both sides are timed in alternating rounds under the same load: each
line "<case>" on stdin reads that case once into a pandas DataFrame and answers [wall, CPU]
seconds;
an empty line ends. Readers: Arrow IPC memory-mapped, Parquet (zstd), ArcticDB.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path


def best(fn: Callable[[], object], k: int = 7) -> float:
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; CPU counts every thread of the process."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    import arcticdb
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    work, files = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    arctic = arcticdb.Arctic(f"lmdb://{work / 'arctic'}?map_size=8GB")
    lib = arctic.get_library("bench", create_if_missing=True)
    cases: dict[str, Callable[[], object]] = {}
    sizes = {}
    for path in files:
        name = path.stem
        table = pq.read_table(path)
        ipc = work / f"{name}.arrow"
        feather.write_feather(table, ipc, compression="uncompressed")
        lib.write(name, table.to_pandas())
        cases[f"{name}: ArcticDB LMDB"] = lambda name=name: lib.read(name).data
        cases[f"{name}: Arrow IPC mmap"] = lambda ipc=ipc: feather.read_table(ipc, memory_map=True) \
            .to_pandas()
        cases[f"{name}: Parquet zstd"] = lambda path=path: pq.read_table(path).to_pandas()
        sizes[name] = {"Parquet zstd": path.stat().st_size, "Arrow IPC": ipc.stat().st_size}
    print(json.dumps({"arcticdb": arcticdb.__version__, "cases": list(cases), "bytes": sizes}), flush=True)
    for line in sys.stdin:
        case = line.strip()
        if not case:
            break
        print(json.dumps(timed(cases[case])), flush=True)


if __name__ == "__main__":
    main()
