"""Benchmark the ticklab.core bindings against their references, every ratio from one run.

The data: a synthetic market (``ticklab generate``, CSV ingested by ``ticklab-ingest``), two stocks
of one day. CPU time of the calling thread (best of --repeat) for the single-core figures, wall
time for the two-thread one.

  1. next()       ``while (t := src.next()) is not None: x += t.bid_price`` over a store file, vs the
                  same loop over the file's numpy rows (``for r in rows: x += r["bid_price"]``);
  2. next_batch   next_batch(65536) over the store file (the views alone, and + a numpy sum per
                  batch) and over the raw CSV, vs C++ ``DataSource::Next()`` over the same files
                  (bench/data_bench.cc);
  3. compute()    the seed set over a day's ticks, vs the C++ engine writing the same rows into
                  the same arrays (bench/bindings_engine_bench.cc: a fresh matrix per run, and
                  compute(out=...) vs arrays allocated once), vs the engine counting the rows
                  alone, and vs the numba port of bench_indicators.py;
  4. plug-in      ``py_trade_flow`` (Python, event style) run by the engine, vs the same class
                  stepped directly by a Python loop over the day's events (rows at the same events);
  5. threads      two Python threads computing two stocks vs one thread computing both (best of
                  --repeat, wall time), into fresh arrays and into out= arrays; the share of
                  time the threads were blocked (GIL, locks: /proc schedstat), and the same
                  two-thread speedup of hashlib.sha256 (GIL released) as the machine's ceiling.

    python bench/bench_bindings.py            # ~1M events per stock-day
    python bench/bench_bindings.py --quick    # ~200k
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_indicators import time_numba  # noqa: E402
from core_market import DAY, build_market  # noqa: E402
from indicator_events import CLOSE_NS, OPEN_NS, replay  # noqa: E402

import ticklab.core as core  # noqa: E402
import ticklab.research.trade_flow  # noqa: E402, F401  (registers py_trade_flow)
from ticklab.io.dtypes import FIELD_NAMES, LAST  # noqa: E402
from ticklab.io.store import read_ticks  # noqa: E402
from ticklab.native import binary  # noqa: E402
from ticklab.research.trade_flow import TradeFlow  # noqa: E402


def best_cpu(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.thread_time()
        out = fn()
        best = min(best, time.thread_time() - t0)
    return best, out


def best_cpu_opened(path: str, loop, repeat: int) -> float:
    """Best CPU time of loop(source) over a freshly opened source (opening, which verifies a store
    file's checksum, is not timed: the C++ reference times Next() alone too)."""
    best = float("inf")
    for _ in range(repeat):
        src = core.get_data_source(path)
        t0 = time.thread_time()
        loop(src)
        best = min(best, time.thread_time() - t0)
    return best


def loop_next(src: core.DataSource) -> float:
    x = 0.0
    while (t := src.next()) is not None:
        x += t.bid_price
    return x


def loop_rows(rows: np.ndarray) -> float:
    x = 0.0
    for r in rows:
        x += r["bid_price"]
    return x


def loop_batches(src: core.DataSource, consume: bool = True) -> float:
    x = 0.0
    while len(b := src.next_batch(65536)):
        x += float(b["bid_price"].sum()) if consume else 0.0
    return x


def data_bench(store: Path, raw: Path) -> dict[str, float]:
    out = subprocess.run(
        [str(binary("data_bench")), "--store", str(store), "--raw", str(raw)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {
        (r := json.loads(line))["name"] + ":" + Path(r["file"]).suffix: r["ticks_per_cpu_s"]
        for line in out.splitlines()
        if line.startswith("{")
    }


def engine_alone(config: Path, store: Path, repeat: int) -> dict[str, float]:
    """The C++ engine over the day: rows counted, into a growing RowMatrix, into preallocated
    arrays (bench/bindings_engine_bench.cc)."""
    cmd = [
        str(binary("bindings_engine_bench")),
        "--config",
        str(config),
        "--set",
        "seed",
        "--ticks",
        str(store),
        "--date",
        DAY.isoformat(),
        "--repeat",
        str(repeat),
    ]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def direct_python(ts: np.ndarray, field: np.ndarray, value: np.ndarray) -> int:
    """TradeFlow stepped by a Python loop, values() at every in-session LAST event (the rows)."""
    ind, names, rows = TradeFlow(), [FIELD_NAMES.get(c, "") for c in range(7)], []
    step, read = ind.next_value, ind.values
    for t, f, v in zip(ts.tolist(), field.tolist(), value.tolist(), strict=True):
        step(t, names[f], v)
        if f == LAST and OPEN_NS < t < CLOSE_NS:
            rows.append(list(read()))
    return len(rows)


def schedstat() -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for one) of the calling thread (Linux)."""
    with open("/proc/thread-self/schedstat") as f:
        running, waiting, _ = (int(x) for x in f.read().split())
    return running, waiting


def pair_speedup(task, repeat: int) -> float:
    """Best wall time of task(0); task(1) in one thread over that of both in two threads."""
    one = two = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        task(0)
        task(1)
        one = min(one, time.perf_counter() - t0)
        threads = [threading.Thread(target=task, args=(i,)) for i in range(2)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        two = min(two, time.perf_counter() - t0)
    return one / two


def threads_vs_one(seed, days: list[np.ndarray], use_out: bool, repeat: int) -> tuple[float, float, float]:
    """Best wall seconds of computing both stock-days in one thread, and in two threads at once,
    each day with its own set clone; with `use_out`, into out= arrays allocated (and their pages
    touched) once, as a reused buffer's are. Also the share of the two threads' wall time they
    spent blocked (neither running nor runnable: waiting for the GIL or a lock) in the best pass,
    which a loaded machine does not inflate: the wall ratio needs idle cores, this does not."""
    sets = [seed.clone(), seed.clone()]
    outs: list = [None, None]
    if use_out:
        shapes = [sets[i].compute(days[i], DAY)[1].shape for i in range(2)]
        outs = [(np.zeros(n, np.int64), np.zeros((n, p))) for n, p in shapes]

    def compute(i: int) -> None:
        sets[i].compute(days[i], DAY, out=outs[i])

    one = two = float("inf")
    blocked_share = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        compute(0)
        compute(1)
        one = min(one, time.perf_counter() - t0)
        start = threading.Barrier(2)
        blocked = [0.0, 0.0]

        def work(i: int, start: threading.Barrier = start, blocked: list[float] = blocked) -> None:
            start.wait()
            (run0, wait0), w0 = schedstat(), time.perf_counter_ns()
            compute(i)
            (run1, wait1), w1 = schedstat(), time.perf_counter_ns()
            blocked[i] = max(0, (w1 - w0) - (run1 - run0) - (wait1 - wait0)) / (w1 - w0)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if (wall := time.perf_counter() - t0) < two:
            two, blocked_share = wall, max(blocked)
    return one, two, blocked_share


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events per stock-day")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="200k events per stock-day")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    a = ap.parse_args()
    if a.quick:
        a.events = 200_000
    res: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ticklab-bench-bindings-") as tmp:
        m = build_market(Path(tmp), events_per_day=a.events, formats=("csv",))
        store, raw = m.store("AAPL"), m.raw("csv")
        rows = read_ticks(store)
        n = len(rows)
        res["ticks"] = n

        s_next = best_cpu_opened(str(store), loop_next, a.repeat)
        s_rows, _ = best_cpu(lambda: loop_rows(rows), 1)
        res["next_ticks_per_s"], res["numpy_rows_per_s"] = n / s_next, n / s_rows

        ref = data_bench(store, raw)
        s_batch = best_cpu_opened(str(store), loop_batches, a.repeat)
        s_views = best_cpu_opened(str(store), lambda src: loop_batches(src, consume=False), a.repeat)
        res["batch_views_ticks_per_s"] = n / s_views
        raw_ticks = len(core.get_data_source(str(raw)).next_batch(10**9))
        s_raw = best_cpu_opened(str(raw), loop_batches, a.repeat)
        res["batch_store_ticks_per_s"], res["batch_csv_ticks_per_s"] = n / s_batch, raw_ticks / s_raw
        res["cpp_store_next_per_s"] = ref.get("store_virtual:.tick", ref.get("store_next:.tick", 0.0))
        res["cpp_csv_next_per_s"] = next((v for k, v in ref.items() if k.endswith(".csv")), 0.0)

        seed = core.IndicatorSet.from_config(str(m.config), "seed")
        s_compute, (ts_rows, _, _) = best_cpu(lambda: seed.compute(rows, DAY), a.repeat)
        out = (np.empty(len(ts_rows), np.int64), np.empty((len(ts_rows), len(seed.columns))))
        s_out, _ = best_cpu(lambda: seed.compute(rows, DAY, out=out), a.repeat)
        # The bindings' own work per call (date, column names, the arrays' wrappers, the GIL
        # released and taken back), whatever the day's size: compute() of an empty day.
        empty = rows[:0]
        s_call, _ = best_cpu(lambda: [seed.compute(empty, DAY, out=out) for _ in range(1000)], a.repeat)
        res["compute_call_s"] = s_call / 1000
        engine = engine_alone(m.config, store, a.repeat)
        res["compute_s"], res["compute_out_s"] = s_compute, s_out
        res["engine_s"], res["engine_matrix_s"] = engine["count_s"], engine["matrix_s"]
        res["engine_out_s"] = engine["matrix_out_s"]
        ev_ts, ev_field, ev_value, _ = replay(rows)
        res["numba_s"], nb_rows = time_numba(ev_ts, ev_field, ev_value, a.repeat)
        assert nb_rows == len(ts_rows), (nb_rows, len(ts_rows))

        flow = core.IndicatorSet.from_dict({"name": "f", "indicators": [{"kind": "py_trade_flow"}]})
        s_plugin, (f_ts, _, _) = best_cpu(lambda: flow.compute(rows, DAY), 1)
        s_direct, direct_rows = best_cpu(lambda: direct_python(ev_ts, ev_field, ev_value), 1)
        assert direct_rows == len(f_ts), (direct_rows, len(f_ts))
        res["plugin_s"], res["direct_python_s"] = s_plugin, s_direct

        days = [rows, read_ticks(m.store("MSFT"))]
        for suffix, use_out in (("", False), ("_out", True)):
            one, two, blocked = threads_vs_one(seed, days, use_out, a.repeat)
            res["one_thread" + suffix + "_s"], res["two_threads" + suffix + "_s"] = one, two
            res["two_threads" + suffix + "_blocked"] = blocked
        # What two threads can gain on this machine now: hashing releases the GIL (one core each).
        data = np.random.default_rng(0).bytes(64 << 20)
        res["sha256_pair_speedup"] = pair_speedup(lambda i: hashlib.sha256(data).digest(), a.repeat)
    print_table(res)
    if a.json:
        print(json.dumps(res))


def print_table(r: dict[str, float]) -> None:
    print(f"ticklab.core bindings, {int(r['ticks']):,} ticks per stock-day (CPU time, best pass)")
    rows = [
        (
            "1 next() per tick",
            f"{r['next_ticks_per_s'] / 1e6:.2f} M/s",
            f"{r['next_ticks_per_s'] / r['numpy_rows_per_s']:.1f}x numpy rows loop "
            f"({r['numpy_rows_per_s'] / 1e6:.2f} M/s)",
            "goal >= 10x, >= 5 M/s",
        ),
        (
            "2 next_batch store",
            f"{r['batch_views_ticks_per_s'] / 1e6:.0f} M/s",
            f"{r['batch_views_ticks_per_s'] / r['cpp_store_next_per_s']:.0%} of C++ Next() "
            f"({r['cpp_store_next_per_s'] / 1e6:.0f} M/s), zero-copy views",
            "goal >= 80%",
        ),
        (
            "2 ... + a numpy sum",
            f"{r['batch_store_ticks_per_s'] / 1e6:.0f} M/s",
            f"{r['batch_store_ticks_per_s'] / r['cpp_store_next_per_s']:.0%} of C++ Next() + sum",
            "numpy's cost per batch",
        ),
        (
            "2 next_batch csv",
            f"{r['batch_csv_ticks_per_s'] / 1e6:.2f} M/s",
            f"{r['batch_csv_ticks_per_s'] / r['cpp_csv_next_per_s']:.0%} of C++ Next() "
            f"({r['cpp_csv_next_per_s'] / 1e6:.2f} M/s)",
            "goal >= 80%",
        ),
        (
            "3 compute() seed",
            f"{r['compute_s'] * 1e3:.1f} ms",
            f"{r['compute_s'] / r['engine_matrix_s'] - 1:+.1%} vs C++ engine into the same "
            f"arrays ({r['engine_matrix_s'] * 1e3:.1f} ms)",
            "goal within 5%",
        ),
        (
            "3 compute(out=) seed",
            f"{r['compute_out_s'] * 1e3:.1f} ms",
            f"{r['compute_out_s'] / r['engine_out_s'] - 1:+.1%} vs C++ engine into "
            f"preallocated arrays ({r['engine_out_s'] * 1e3:.1f} ms)",
            "goal within 5%",
        ),
        (
            "3 ... per call",
            f"{r['compute_call_s'] * 1e6:.1f} us",
            f"compute(out=) of an empty day: the bindings' fixed cost, "
            f"{r['compute_call_s'] / r['compute_out_s']:.3%} of a day's compute(out=)",
            "what the binding adds to the C++ engine",
        ),
        (
            "3 ... engine alone",
            f"{r['engine_s'] * 1e3:.1f} ms",
            f"numba port {r['numba_s'] * 1e3:.1f} ms (its rows preallocated); writing the rows "
            f"costs the engine {r['engine_out_s'] / r['engine_s'] - 1:+.0%}",
            "the rows' memory traffic, not the bindings",
        ),
        (
            "4 Python kind in engine",
            f"{r['plugin_s']:.2f} s",
            f"{r['plugin_s'] / r['direct_python_s'] - 1:+.0%} vs direct Python "
            f"({r['direct_python_s']:.2f} s)",
            "goal <= +20%",
        ),
        (
            "5 two threads, 2 stocks",
            f"{r['two_threads_s'] * 1e3:.0f} ms",
            f"{r['one_thread_s'] / r['two_threads_s']:.2f}x vs one thread; with out= arrays "
            f"{r['one_thread_out_s'] / r['two_threads_out_s']:.2f}x "
            f"({r['two_threads_out_s'] * 1e3:.0f} ms); blocked (GIL, locks) "
            f"{r['two_threads_blocked']:.0%} / {r['two_threads_out_blocked']:.0%} of a thread's time",
            "goal ~2x on 2 idle cores; blocked ~0%; the machine's ceiling now: "
            f"sha256 in two threads {r['sha256_pair_speedup']:.2f}x",
        ),
    ]
    indent = " " * 38  # the ratio column; wrapped to stay within 80 columns
    for name, value, ratio, goal in rows:
        lines = textwrap.wrap(ratio, 80 - len(indent)) + textwrap.wrap(f"({goal})", 80 - len(indent))
        print(f"  {name:<24}{value:>10}  {lines[0]}")
        for line in lines[1:]:
            print(indent + line)


if __name__ == "__main__":
    main()
