"""Benchmark the ticklab.core bindings against their references, every ratio from one run.

The data: a synthetic market (``ticklab generate``, CSV ingested by ``ticklab-ingest``), two stocks
of one day. CPU time of the computing thread for the single-core figures (best of --repeat, or
turn by turn against the C++ reference), wall time and CPU time for the two-thread ones.

  1. next()       ``while (t := src.next()) is not None: x += t.bid_price`` over a store file, vs the
                  same loop over the file's numpy rows (``for r in rows: x += r["bid_price"]``);
  2. next_batch   next_batch(65536) over the store file (the views alone, and + a numpy sum per
                  batch) and over the raw CSV, vs C++ ``DataSource::Next()`` over the same files
                  (bench/data_bench.cc);
  3. compute()    the seed set over a day's ticks (the store file's memmap), vs the C++ engine
                  over the same file's map writing the same rows into the same sink
                  (bench/bindings_engine_bench.cc, in its own process): --turns turns, each
                  side's runs in turn with the other's (the side going first alternates), each
                  side warm before its timed runs (an untimed run of its own just before them,
                  both pools already holding a loop's two fresh results). compute() (its arrays
                  from the module's pool of recycled blocks) vs the engine into a RowMatrix over
                  the same kind of pool, and compute(out=...) vs arrays allocated once: the
                  median and the middle half of the turns' own ratios, each side's best and
                  median, its page faults and preemptions per run; vs the engine counting the
                  rows alone, and vs the numba port of bench_indicators.py;
  4. plug-in      ``py_trade_flow`` (Python, event style) run by the engine, vs the same class
                  stepped directly by a Python loop over the day's events (rows at the same events);
  5. threads      two Python threads computing two stocks, in turn and at once, vs the C++ engine
                  in two processes, in turn and at once, in the same passes (the machine's
                  ceiling: two cores and one memory shared, nothing else), into fresh arrays and
                  into out= arrays. Both sides alike: the two threads live for all the passes as
                  the processes do, and every run wakes its worker (a queue, a pipe); the side
                  going first alternates. The speed-ups (median of the passes) and the median and
                  middle half of the passes' threads / processes ratio; the share of time the
                  threads were blocked (GIL, locks: /proc schedstat) or waiting for a CPU; and the
                  CPU seconds of the pair at once vs in turn (median of the passes' ratios): what
                  running together costs, a figure other jobs' load does not swing as it does
                  wall times.

    python bench/bench_bindings.py            # ~1M events per stock-day
    python bench/bench_bindings.py --quick    # ~200k
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
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


class Engine:
    """The C++ engine over one stock-day in its own process (bench/bindings_engine_bench.cc), one
    run per call, so that its runs interleave with the Python ones under the same load."""

    def __init__(self, config: Path, store: Path) -> None:
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
        ]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.shape = json.loads(self.proc.stdout.readline())

    def start(self, mode: str) -> None:
        """Starts one run: "count" (the engine alone), "fresh" (compute()'s sink) or "out"."""
        self.proc.stdin.write(mode + "\n")
        self.proc.stdin.flush()

    def result(self) -> dict[str, float]:
        """The started run's {"cpu_s", "start_ns", "end_ns"} (CLOCK_MONOTONIC, perf_counter_ns')."""
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bindings_engine_bench exited ({self.proc.wait()})")
        return json.loads(line)

    def run(self, mode: str) -> dict[str, float]:
        self.start(mode)
        return self.result()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def direct_python(ts: np.ndarray, field: np.ndarray, value: np.ndarray) -> int:
    """TradeFlow stepped by a Python loop, values() at every in-session LAST event (the rows)."""
    ind, names, rows = TradeFlow(), [FIELD_NAMES.get(c, "") for c in range(7)], []
    step, read = ind.next_value, ind.values
    for t, f, v in zip(ts.tolist(), field.tolist(), value.tolist(), strict=True):
        step(t, names[f], v)
        if f == LAST and OPEN_NS < t < CLOSE_NS:
            rows.append(list(read()))
    return len(rows)


def run_and_wait_ns() -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for one) of the calling thread so far (Linux). The
    first from the thread's CPU clock: /proc's schedstat lags by up to a scheduler tick for the
    running thread, a lag read as time blocked; its run-queue wait is current (it accrues only
    while the thread is off the CPU, and is added when the thread gets one back)."""
    with open("/proc/thread-self/schedstat") as f:
        waiting = int(f.read().split()[1])
    return time.thread_time_ns(), waiting


def touched(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """An array allocated once with every page written (np.zeros' pages are faulted in lazily)."""
    a = np.empty(shape, dtype)
    a.fill(0)
    return a


def thread_faults_preemptions() -> tuple[int, int]:
    """The calling thread's minor page faults and involuntary context switches so far (Linux)."""
    u = resource.getrusage(resource.RUSAGE_THREAD)
    return u.ru_minflt, u.ru_nivcsw


def compute_vs_engine(seed, rows: np.ndarray, engine: Engine, turns: int) -> dict[str, float]:
    """CPU seconds of compute() and compute(out=) over the day and of the C++ engine's runs into
    the same sinks (and counting its rows alone), turn by turn, so that a change of load hits both
    sides alike: per figure the best and the median of `turns`, and per pair the median and the
    quartiles of the turns' own ratios (Python over C++ in the same turn: what drifts between turns
    cancels). The turns alternate which side goes first. Like for like: both sides first fill their
    pools (two fresh results, as a loop holding the last result needs) and map their out= arrays,
    untimed; in every turn each side's timed runs follow one untimed run into its out= arrays (the
    engine's count comes after them), so neither side's timed run is the first after waiting for
    the other side (on an idle VM that first run after a sleep is slower). Each fresh result lives
    until the next is done and goes back to the pool in the timed part, on both sides. Also each
    side's page faults and preemptions per timed run (getrusage of the computing thread)."""
    n, p = engine.shape["rows"], engine.shape["columns"]
    out = (touched((n,), np.int64), touched((n, p), np.float64))
    last = None

    def python(kind: str) -> dict[str, float]:
        nonlocal last
        f0, c0 = thread_faults_preemptions()
        t0 = time.thread_time()
        if kind == "fresh":
            last = seed.compute(rows, DAY)
        else:
            seed.compute(rows, DAY, out=out)
        cpu = time.thread_time() - t0
        f1, c1 = thread_faults_preemptions()
        return {"cpu_s": cpu, "faults": f1 - f0, "preempted": c1 - c0}

    sides = {  # (key, run); key None: untimed
        "python": ((None, lambda: python("out")), ("compute", lambda: python("fresh")),
                   ("compute_out", lambda: python("out"))),
        "engine": ((None, lambda: engine.run("out")), ("engine_matrix", lambda: engine.run("fresh")),
                   ("engine_out", lambda: engine.run("out")), ("engine", lambda: engine.run("count"))),
    }
    for mode in ("fresh", "fresh", "out"):
        python(mode)
        engine.run(mode)
    samples: dict[str, list[dict]] = {key: [] for side in sides.values() for key, _ in side if key}
    for turn in range(turns):
        for side in ("python", "engine") if turn % 2 else ("engine", "python"):
            for key, run in sides[side]:
                r = run()
                if key:
                    samples[key].append(r)
    assert last is not None and last[1].shape == (n, p), (last[1].shape, n, p)
    res: dict[str, float] = {}
    for key, runs in samples.items():
        cpu = [r["cpu_s"] for r in runs]
        res[f"{key}_s"], res[f"{key}_s_median"] = min(cpu), float(np.median(cpu))
        res[f"{key}_faults"] = float(np.mean([r["faults"] for r in runs]))
        res[f"{key}_preempted"] = float(np.median([r["preempted"] for r in runs]))
    for py_key, cpp_key in (("compute", "engine_matrix"), ("compute_out", "engine_out")):
        ratios = [a["cpu_s"] / b["cpu_s"] for a, b in zip(samples[py_key], samples[cpp_key], strict=True)]
        for name, q in (("ratio", 50), ("q25", 25), ("q75", 75)):
            res[f"{py_key}_s_turn_{name}"] = float(np.percentile(ratios, q))
    res["turns"] = turns
    return res


def threads_vs_processes(
    seed, days: list[np.ndarray], engines: list[Engine], use_out: bool, repeat: int
) -> dict[str, float]:
    """The two stock-days computed by two Python threads (each with its own set clone) in turn and
    at once, and the same by the C++ engine in two processes, in the same passes: the machine's
    ceiling for two threads (nothing is shared but the cores and memory). The two sides are run
    alike: the threads live for all the passes as the processes do, and each run, in turn or at
    once, wakes its worker (a thread by its queue, a process by its pipe), so every run is its
    worker's first after a wait on both sides. Fresh arrays per run, or with `use_out` the out=
    arrays allocated once. Spans on one clock (CLOCK_MONOTONIC), measured in the workers; in turn
    the runs' own times are summed. Per side the best pass's wall times and per pass the speed-up
    (in turn / at once), its median, and the median and quartiles of the passes' threads /
    processes speed-up ratio (what drifts between passes cancels). Also the largest share of its
    span a thread spent blocked (neither running nor runnable: the GIL, a lock) in the best pass,
    which a loaded machine does not inflate as it does the wall times, and the largest share a
    thread, or a process, spent runnable but waiting for a CPU (which other jobs do inflate: the
    wall times' noise). And the CPU seconds of the pair, in turn and at once, and the median of
    the passes' at-once / in-turn CPU ratios: what running together costs (contention in the
    kernel, the allocator, memory bandwidth), which waiting for a CPU does not inflate."""
    mode = "out" if use_out else "fresh"
    sets = [seed.clone(), seed.clone()]
    outs: list = [None, None]
    if use_out:
        outs = [
            (
                touched((e.shape["rows"],), np.int64),
                touched((e.shape["rows"], e.shape["columns"]), np.float64),
            )
            for e in engines
        ]
    last: list = [None, None]  # each stock's last result, freed when the next is done (as Engine)
    todo = [queue.SimpleQueue(), queue.SimpleQueue()]
    done: queue.SimpleQueue = queue.SimpleQueue()

    def work(i: int) -> None:  # one run per item queued; None ends the thread
        while todo[i].get():
            run0, wait0 = run_and_wait_ns()
            s = time.perf_counter_ns()
            last[i] = sets[i].compute(days[i], DAY, out=outs[i])
            e = time.perf_counter_ns()
            run1, wait1 = run_and_wait_ns()
            blocked = max(0, (e - s) - (run1 - run0) - (wait1 - wait0)) / (e - s)
            done.put({"start_ns": s, "end_ns": e, "cpu_s": (run1 - run0) / 1e9,
                      "wait_ns": wait1 - wait0, "blocked": blocked})

    def threads(which: tuple[int, ...]) -> list[dict]:
        for i in which:
            todo[i].put(True)
        return [done.get() for _ in which]

    def processes(which: tuple[int, ...]) -> list[dict]:
        for i in which:
            engines[i].start(mode)
        return [engines[i].result() for i in which]

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(2)]
    for t in workers:
        t.start()
    keys = ("one", "two", "proc_one", "proc_two", "cpu_one", "cpu_two", "proc_cpu_one", "proc_cpu_two")
    res = dict.fromkeys(keys, float("inf"))
    res["blocked"] = res["runq"] = res["proc_runq"] = 0.0
    ratios: dict[str, list[float]] = {k: [] for k in ("speedup", "proc_speedup", "cpu", "proc_cpu")}
    sides = (("", threads), ("proc_", processes))
    for n in range(repeat):  # the side going first alternates
        for prefix, side in sides[::-1] if n % 2 else sides:
            in_turn = side((0,)) + side((1,))
            at_once = side((0, 1))
            one = sum(r["end_ns"] - r["start_ns"] for r in in_turn) / 1e9
            two = (max(r["end_ns"] for r in at_once) - min(r["start_ns"] for r in at_once)) / 1e9
            cpu_one, cpu_two = (sum(r["cpu_s"] for r in rs) for rs in (in_turn, at_once))
            res[prefix + "one"] = min(res[prefix + "one"], one)
            res[prefix + "cpu_one"] = min(res[prefix + "cpu_one"], cpu_one)
            res[prefix + "cpu_two"] = min(res[prefix + "cpu_two"], cpu_two)
            if two < res[prefix + "two"]:
                res[prefix + "two"] = two
                res[prefix + "runq"] = max(r["wait_ns"] / (r["end_ns"] - r["start_ns"]) for r in at_once)
                if not prefix:
                    res["blocked"] = max(r["blocked"] for r in at_once)
            ratios[prefix + "speedup"].append(one / two)
            ratios[prefix + "cpu"].append(cpu_two / cpu_one)
    for i, t in enumerate(workers):
        todo[i].put(False)
        t.join()
    of_ceiling = np.array(ratios["speedup"]) / np.array(ratios["proc_speedup"])
    res["of_ceiling"], res["of_ceiling_q25"], res["of_ceiling_q75"] = (
        float(np.percentile(of_ceiling, q)) for q in (50, 25, 75)
    )
    res["speedup"], res["proc_speedup"] = (float(np.median(ratios[k])) for k in ("speedup", "proc_speedup"))
    res["cpu_ratio"], res["proc_cpu_ratio"] = (float(np.median(ratios[k])) for k in ("cpu", "proc_cpu"))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events per stock-day")
    ap.add_argument("--repeat", type=int, default=10, help="passes per figure (the best is kept)")
    ap.add_argument("--turns", type=int, default=30, help="turns of compute() vs the engine")
    ap.add_argument("--quick", action="store_true", help="200k events per stock-day")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    a = ap.parse_args()
    if a.quick:
        a.events = 200_000
    res: dict[str, float] = {"load_before": os.getloadavg()[0], "cpus": os.cpu_count() or 0}
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
        engines = [Engine(m.config, m.store(stock)) for stock in ("AAPL", "MSFT")]
        res.update(compute_vs_engine(seed, rows, engines[0], a.turns))
        # The bindings' own work per call (date, column names, the arrays' wrappers, the GIL
        # released and taken back), whatever the day's size: compute() of an empty day.
        empty = rows[:0]
        out = (np.empty(1, np.int64), np.empty((1, len(seed.columns))))
        s_call, _ = best_cpu(lambda: [seed.compute(empty, DAY, out=out) for _ in range(1000)], a.repeat)
        res["compute_call_s"] = s_call / 1000
        ev_ts, ev_field, ev_value, _ = replay(rows)
        res["numba_s"], nb_rows = time_numba(ev_ts, ev_field, ev_value, a.repeat)
        assert nb_rows == engines[0].shape["rows"], (nb_rows, engines[0].shape)

        flow = core.IndicatorSet.from_dict({"name": "f", "indicators": [{"kind": "py_trade_flow"}]})
        s_plugin, (f_ts, _, _) = best_cpu(lambda: flow.compute(rows, DAY), 1)
        s_direct, direct_rows = best_cpu(lambda: direct_python(ev_ts, ev_field, ev_value), 1)
        assert direct_rows == len(f_ts), (direct_rows, len(f_ts))
        res["plugin_s"], res["direct_python_s"] = s_plugin, s_direct

        days = [rows, read_ticks(m.store("MSFT"))]
        for suffix, use_out in (("", False), ("_out", True)):
            pair = threads_vs_processes(seed, days, engines, use_out, a.repeat)
            for key, value in pair.items():
                res[f"{key}{suffix}"] = value
        for e in engines:
            e.close()
    res["load_after"] = os.getloadavg()[0]
    print_table(res)
    if a.json:
        print(json.dumps(res))


def print_table(r: dict[str, float]) -> None:
    print(f"ticklab.core bindings, {int(r['ticks']):,} ticks per stock-day (CPU time, best pass)")
    print(
        f"  load average {r['load_before']:.2f} before, {r['load_after']:.2f} after "
        f"(1 min; {r['cpus']:.0f} CPUs)"
    )
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
            f"{r['compute_s_turn_ratio'] - 1:+.1%} vs C++ engine into the same (pooled) arrays, "
            f"median of {r['turns']:.0f} turns' ratios (middle half {r['compute_s_turn_q25'] - 1:+.1%}"
            f" .. {r['compute_s_turn_q75'] - 1:+.1%}); best {r['compute_s'] * 1e3:.1f} vs "
            f"{r['engine_matrix_s'] * 1e3:.1f} ms ({r['compute_s'] / r['engine_matrix_s'] - 1:+.1%}), "
            f"median {r['compute_s_median'] * 1e3:.1f} vs {r['engine_matrix_s_median'] * 1e3:.1f} ms; "
            f"page faults per call {r['compute_faults']:.1f} vs {r['engine_matrix_faults']:.1f}",
            "goal within 5%",
        ),
        (
            "3 compute(out=) seed",
            f"{r['compute_out_s'] * 1e3:.1f} ms",
            f"{r['compute_out_s_turn_ratio'] - 1:+.1%} vs C++ engine into arrays allocated once "
            f"(middle half {r['compute_out_s_turn_q25'] - 1:+.1%} .. "
            f"{r['compute_out_s_turn_q75'] - 1:+.1%}); best {r['compute_out_s'] * 1e3:.1f} vs "
            f"{r['engine_out_s'] * 1e3:.1f} ms ({r['compute_out_s'] / r['engine_out_s'] - 1:+.1%}), "
            f"median {r['compute_out_s_median'] * 1e3:.1f} vs {r['engine_out_s_median'] * 1e3:.1f} ms; "
            f"{r['compute_out_s'] / r['compute_s']:.0%} of compute()'s time; preempted "
            f"{r['compute_out_preempted']:.0f} / {r['engine_out_preempted']:.0f} times per run",
            "goal within 5%, no slower than compute()",
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
            f"{r['two'] * 1e3:.0f} ms",
            f"{r['speedup']:.2f}x vs in turn, the C++ engine in two processes "
            f"{r['proc_speedup']:.2f}x (medians of the passes): {r['of_ceiling']:.0%} of that "
            f"ceiling (median of the passes' ratios, middle half {r['of_ceiling_q25']:.0%} .. "
            f"{r['of_ceiling_q75']:.0%}; best passes {r['one'] / r['two']:.2f}x vs "
            f"{r['proc_one'] / r['proc_two']:.2f}x); threads blocked (GIL, locks) "
            f"{r['blocked']:.1%} of their time; waiting for a CPU {r['runq']:.0%} (threads) / "
            f"{r['proc_runq']:.0%} (processes)",
            "goal ~2x on 2 idle cores, near the two-process ceiling",
        ),
        (
            "5 ... CPU of the pair",
            f"{r['cpu_two'] * 1e3:.0f} ms",
            f"two threads at once {r['cpu_ratio'] - 1:+.1%} vs in turn, two "
            f"processes {r['proc_cpu_ratio'] - 1:+.1%} (median of the passes' own ratios; best "
            f"vs best {r['cpu_two'] / r['cpu_one'] - 1:+.1%} / "
            f"{r['proc_cpu_two'] / r['proc_cpu_one'] - 1:+.1%}, in turn {r['cpu_one'] * 1e3:.0f} ms); "
            f"into out= arrays: threads {r['cpu_ratio_out'] - 1:+.1%}, processes "
            f"{r['proc_cpu_ratio_out'] - 1:+.1%}",
            "what running together costs in CPU (kernel, allocator, memory); +0% would be 2x",
        ),
        (
            "5 ... into out= arrays",
            f"{r['two_out'] * 1e3:.0f} ms",
            f"{r['speedup_out']:.2f}x vs in turn, the C++ engine in two processes "
            f"{r['proc_speedup_out']:.2f}x (medians of the passes): {r['of_ceiling_out']:.0%} of that "
            f"ceiling (median of the passes' ratios, middle half {r['of_ceiling_q25_out']:.0%} .. "
            f"{r['of_ceiling_q75_out']:.0%}; best passes {r['one_out'] / r['two_out']:.2f}x vs "
            f"{r['proc_one_out'] / r['proc_two_out']:.2f}x); threads blocked (GIL, locks) "
            f"{r['blocked_out']:.1%} of their time; waiting for a CPU {r['runq_out']:.0%} (threads) / "
            f"{r['proc_runq_out']:.0%} (processes)",
            "the same without fresh pages",
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
