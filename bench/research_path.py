"""The research path (issue 15): one stock-day of ticks and of features into pandas.

ticklab's readers against the peers a researcher would pick instead -- ArcticDB (LMDB), Arrow IPC
(memory-mapped), Parquet zstd -- on the same day and the same columns, best of 7 in the same run
(the peers run in build/research-venv: ArcticDB pins an older protobuf than the project's gRPC),
each case once per round in alternating rounds (so both sides see the same load), with each one's
wall and CPU time (every thread of the reading process) relative to ArcticDB; the stages of
ticklab's tick reader; the archive sizes.
bench_universe.py runs it on its generated universe; alone, on a universe it kept:

    python bench/bench_universe.py --research-only --keep /tmp/u   # ingest + seed_all, then this
    python bench/research_path.py /tmp/u S000 2024-01-02           # again, on the same files
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from research_peers import best, timed  # the peers' timing rules: both sides are timed alike

ROOT = Path(__file__).resolve().parent.parent


def peers_python() -> Path:
    """The research peers' environment (build/research-venv: ArcticDB, pyarrow, pandas), made once."""
    venv = ROOT / "build" / "research-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    have = subprocess.run([str(py), "-c", "import arcticdb, pyarrow, pandas"], capture_output=True)
    if have.returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "arcticdb", "pyarrow", "pandas"], check=True)
    return py


def tick_stages(tick_file: Path) -> dict[str, float]:
    """Where ticks_frame's time goes: each stage alone, best of 7 (seconds)."""
    import numpy as np
    import xxhash

    from ticklab.io.store import FRAME_COLUMNS, columns_frame, native_core, read_ticks, split_columns

    ticks = read_ticks(tick_file, verify=False)
    stages: dict[str, float] = {
        "header + map (read_ticks, no verify)": best(lambda: read_ticks(tick_file, verify=False)),
        "checksum alone (Python xxhash)": best(lambda: xxhash.xxh64_intdigest(ticks.view(np.uint8).data)),
        "numpy split, no checksum": best(lambda: split_columns(ticks)),
        "numpy split + checksum (the fallback)": best(lambda: split_columns(ticks, checksum=True)),
    }
    native = native_core()
    if native is not None:
        def split(checksum: bool, threads: int) -> Callable[[], object]:
            return lambda: native.tick_columns(ticks, FRAME_COLUMNS, checksum=checksum, threads=threads)
        stages.update({
            "C++ split, no checksum, 1 thread": best(split(False, 1)),
            "C++ split + checksum, 1 thread (fused)": best(split(True, 1)),
            "C++ split, no checksum, 2 threads": best(split(False, 2)),
            "C++ split + checksum, 2 threads": best(split(True, 2)),
        })
    columns = split_columns(ticks)[0]
    stages["DataFrame over the columns (no copy)"] = best(lambda: columns_frame(columns))
    return stages


def feature_stages(feat_file: Path) -> dict[str, float]:
    """Where a verified read_features(...).to_pandas() goes: each stage alone, best of 7 (seconds)."""
    from ticklab.io.features import _mapping, read_features
    from ticklab.io.store import native_core

    f = read_features(feat_file, verify=False)
    columns = [f.ts_ns, f.fingerprint, f.values]
    stages: dict[str, float] = {
        "header + map (kept open), no verify": best(lambda: read_features(feat_file, verify=False)),
        "header + a fresh map, no verify": best(lambda: (_mapping.cache_clear(),
                                                         read_features(feat_file, verify=False))),
    }
    native = native_core()
    if native is not None:
        def check(threads: int) -> Callable[[], object]:
            return lambda: native.feature_first_bad_column(columns, f.block_checksums, f.check_rows,
                                                           threads=threads)
        stages.update({
            "block checksums (XXH3), 1 thread": best(check(1)),
            "block checksums (XXH3), 2 threads": best(check(2)),
            "rows checksum (versions 1-2: rows rebuilt)": best(
                lambda: native.feature_rows_checksum(f.ts_ns, f.fingerprint, f.values)),
        })
    stages["DataFrame over the map (no copy)"] = best(f.to_pandas)
    return stages


class Peers:
    """research_peers.py in build/research-venv, timing its cases one at a time on request."""

    def __init__(self, work: Path, files: list[Path]) -> None:
        script = ROOT / "bench" / "research_peers.py"
        self.proc = subprocess.Popen([str(peers_python()), str(script), str(work), *map(str, files)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"research peers failed (exit {self.proc.wait()})")
        self.info = json.loads(line)

    def time(self, case: str) -> tuple[float, float]:
        self.proc.stdin.write(case + "\n")
        self.proc.stdin.flush()
        wall, cpu = json.loads(self.proc.stdout.readline())
        return wall, cpu

    def close(self) -> None:
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        self.proc.wait()


def research_path(root: Path, stock: str, day: str, rows: list[str], rounds: int = 7) -> None:
    """One stock-day of ticks and of features into pandas: ticklab vs pyarrow and ArcticDB, each
    case once per round, the best of `rounds` rounds (so both sides see the same load)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ticklab.io.archive import archive_frame
    from ticklab.io.features import _mapping, read_features
    from ticklab.io.store import FRAME_COLUMNS, columns_frame, read_ticks, split_columns, ticks_frame
    from ticklab.native import binary

    tick_file = root / "store" / stock / f"{day}.tick"
    feat_file = root / "features" / "seed_all" / stock / f"{day}.feat"
    work = root / "research"
    work.mkdir(exist_ok=True)
    subprocess.run([str(binary("ticklab-tickzip")), str(tick_file)], check=True, capture_output=True)
    archive = tick_file.with_suffix(".tickz")
    df_ticks = ticks_frame(tick_file)
    df_feats = read_features(feat_file).to_pandas().reset_index()
    for name, df in (("ticks", df_ticks), ("features", df_feats)):
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), work / f"{name}.parquet",
                       compression="zstd")

    def naive() -> pd.DataFrame:
        t = read_ticks(tick_file)
        return pd.DataFrame({c: t[c] for c in FRAME_COLUMNS})

    def numpy_split() -> pd.DataFrame:  # what ticks_frame does without the native module
        return columns_frame(split_columns(read_ticks(tick_file, verify=False), checksum=True)[0])

    ours: dict[str, Callable[[], object]] = {
        "ticks: ticklab .tick ticks_frame (verified)": lambda: ticks_frame(tick_file),
        "ticks: ticklab .tick ticks_frame (no verify)": lambda: ticks_frame(tick_file, verify=False),
        "ticks: ticklab .tick numpy fallback (verified)": numpy_split,
        "ticks: ticklab .tick DataFrame({c: t[c]})": naive,
        "ticks: ticklab .tickz archive_frame (verified)": lambda: archive_frame(archive),
        "features: ticklab .feat to_pandas (verified)": lambda: read_features(feat_file).to_pandas(),
        "features: ticklab .feat verified, fresh map": lambda: (
            _mapping.cache_clear(), read_features(feat_file).to_pandas()),
        "features: ticklab .feat to_pandas (no verify)": lambda: read_features(feat_file, verify=False)
        .to_pandas(),
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    peers = Peers(work, [work / "ticks.parquet", work / "features.parquet"])
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(rounds):
        for case, fn in ours.items():
            times.setdefault(case, []).append(timed(fn))
        for case in peers.info["cases"]:
            times.setdefault(case, []).append(peers.time(case))
    peers.close()
    stages = tick_stages(tick_file)
    feat_stages = feature_stages(feat_file)
    load += " -> " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows.append(f"\nresearch path: one stock-day into pandas ({len(df_ticks):,} ticks x {len(FRAME_COLUMNS)} "
                f"columns;\n{len(df_feats):,} feature rows x {df_feats.shape[1]}), ArcticDB "
                f"{peers.info['arcticdb']}, best of {rounds} alternating rounds,\nload average {load}")
    for kind, n in (("ticks", len(df_ticks)), ("features", len(df_feats))):
        mine = {case.split(": ", 1)[1]: (min(w for w, _ in t), min(c for _, c in t))
                for case, t in times.items() if case.startswith(kind + ":")}
        arctic = mine.get("ArcticDB LMDB")
        rows.append(f"  {kind:<41}{'ms':>7}{'M/s':>6}{'vs Arc':>8}{'CPU ms':>7}{'vs Arc':>8}")
        for k, (wall, cpu) in mine.items():
            ratio = f"{arctic[0] / wall:7.2f}x{cpu * 1e3:7.1f}{arctic[1] / cpu:7.2f}x" if arctic else ""
            rows.append(f"    {k:<39}{wall * 1e3:7.2f}{n / wall / 1e6:6.1f}{ratio}")
    rows.append("  ticks stages (each alone; ticks_frame = header + map, split + checksum, DataFrame):")
    for k, v in stages.items():
        rows.append(f"    {k:<42}{v * 1e3:8.2f} ms")
    rows.append("  features stages (each alone; verified to_pandas = header + map, checks, DataFrame):")
    for k, v in feat_stages.items():
        rows.append(f"    {k:<42}{v * 1e3:8.2f} ms")
    gridz = next((root / "features" / "seed_gridz" / stock).glob("*.feat"), None)
    rows.append("archive sizes (one stock-day):")
    sizes = [("ticks .tick (mmap form)", tick_file), ("ticks .tickz (archive)", archive),
             ("ticks Parquet zstd", work / "ticks.parquet"), ("features .feat all f64", feat_file),
             ("features Parquet zstd", work / "features.parquet"),
             ("features .feat grid 1s f32 zstd", gridz)]
    zst = root / "features" / "seed_zst" / stock / f"{day}.feat"
    if zst.exists():
        sizes.insert(5, ("features .feat all f64 zstd", zst))
    for k, p in sizes:
        if p is not None and p.exists():
            rows.append(f"  {k:<44}{p.stat().st_size / 1e6:8.2f} MB")


def main() -> None:
    root, stock, day = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    rows: list[str] = []
    research_path(root, stock, day, rows)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
