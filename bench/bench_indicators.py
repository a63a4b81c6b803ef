"""Benchmark the Layer 2 C++ engine against the seed's Python class and a numba port.

All three compute the seed indicator set (80 features; rows as the seed emits them) on the same
synthetic day, in one run:

  * C++      ``ticklab-indicators --ticks DAY --no-write`` (one core; time reported by the tool, which
             covers mapping the input and computing every row) and the same with the feature file
             written;
  * Python   the reference ``Indicator`` class (tests/indicators_reference.py), on a prefix of the day;
  * numba    a straightforward ``@njit`` port of the same class over event arrays, rows into a
             preallocated array (compiled before timing).

Then the batch speed-up from 1 to 2 threads over several stock-days, and the wide set (1,000+ columns)
on one core. Prints a table and, with ``--json``, one JSON object.

    python bench/bench_indicators.py              # 1M-event day, 100k events for pure Python
    python bench/bench_indicators.py --quick      # smaller, a few seconds
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the synthetic day and the Python reference live there

from indicator_events import CLOSE_NS, DAY, OPEN_NS, group_ticks, random_events, replay  # noqa: E402
from indicators_reference import Event, EventSource, SeedIndicator  # noqa: E402

from ticklab.native import binary  # noqa: E402

WIDE_CONFIG = ROOT / "configs" / "wide.toml"


def seed_config(path: Path, store: Path) -> Path:
    path.write_text(f'[data]\nroot = "{store.parent}"\nstore_dir = "{store.name}"\n'
                    f'features_dir = "features"\n[universe]\nstocks = ["S0"]\n'
                    '[[indicator_sets]]\nname = "seed"\n[[indicator_sets.indicators]]\nkind = "seed"\n')
    return path


def run_cpp(config: Path, extra: list[str]) -> dict:
    out = subprocess.run([str(binary("ticklab-indicators")), "--config", str(config), *extra,
                          "--no-verify", "--progress-json"], check=True, capture_output=True, text=True).stdout
    return [json.loads(x) for x in out.splitlines() if '"summary"' in x][-1]


def best_cpp(config: Path, extra: list[str], repeat: int, key: str = "cpu_seconds") -> dict:
    """The fastest of `repeat` runs by `key` (CPU time: robust to other processes on the machine)."""
    return min((run_cpp(config, extra) for _ in range(repeat)), key=lambda s: s[key])


def python_seed(ts, field, value, n: int) -> tuple[float, int]:
    names = ("BID", "BID_SIZE", "ASK", "ASK_SIZE", "LAST", "LAST_SIZE")
    events = [Event(t, names[f - 1], v) for t, f, v in zip(ts[:n].tolist(), field[:n].tolist(),
                                                         value[:n].tolist(), strict=True)]
    ind = SeedIndicator(EventSource(events), OPEN_NS, CLOSE_NS)
    t0 = time.process_time()
    for _ in range(n):
        ind.next_value()
    return time.process_time() - t0, len(ind.rows)


def numba_seed():
    """A straightforward numba port of the seed class: one loop over events, rows into an array."""
    from numba import njit

    @njit(cache=False)
    def run(ts, field, value, taus, lt_cont, open_ns, close_ns, out_ts, out):
        nt = taus.shape[0]
        z = np.empty(10 * nt)
        for i in range(10):
            z[i * nt:(i + 1) * nt] = taus
        x = np.zeros(10 * nt)
        u = np.zeros(10)
        ask = bid = ask_size = bid_size = price = quote = vtc = side = isize = 0.0
        last_price = 0.0
        last_quote = 0.0
        have_last_quote = False
        last_qs = last_qlt = 0.0
        valid_quote = valid_size = has_trade = False
        rows = 0
        for k in range(ts.shape[0]):
            f = field[k]
            val = value[k]
            if f == 1:
                if bid > 0:
                    if val > bid:
                        vtc += 1
                    elif val < bid:
                        vtc -= 1
                bid = val
                valid_quote = ask > bid > 0
                if valid_quote:
                    quote = 0.5 * (ask + bid)
            elif f == 2:
                if bid_size > 0:
                    if val > bid_size:
                        vtc += 1
                    elif val < bid_size:
                        vtc -= 1
                bid_size = val
                valid_size = bid_size > 0 and ask_size > 0
            elif f == 3:
                if ask > 0:
                    if val > ask:
                        vtc += 1
                    elif val < ask:
                        vtc -= 1
                ask = val
                valid_quote = ask > bid > 0
                if valid_quote:
                    quote = 0.5 * (ask + bid)
            elif f == 4:
                if ask_size > 0:
                    if val > ask_size:
                        vtc -= 1
                    elif val < ask_size:
                        vtc += 1
                ask_size = val
                valid_size = bid_size > 0 and ask_size > 0
            elif f == 5:
                last_price = price if price > 0 else val
                price = val
                has_trade = True
                if valid_quote and ask > bid:
                    side = 1.0 if price > quote else -1.0
            elif f == 6:
                isize = val * side
            if valid_quote and valid_size and has_trade:
                skew = (bid_size - ask_size) / (bid_size + ask_size)
                qs = np.arctan(skew)
                qlt = np.arctan(lt_cont * skew)
                if not have_last_quote:
                    last_quote = quote
                    have_last_quote = True
                u[0] = price - last_price
                u[1] = quote - last_quote
                u[2] = price - quote
                u[3] = side
                u[4] = qs - last_qs
                u[5] = qs
                u[6] = qlt - last_qlt
                u[7] = qlt
                u[8] = vtc
                u[9] = isize
                for i in range(10):
                    for j in range(nt):
                        x[i * nt + j] += (1 - z[i * nt + j]) * u[i]
                if close_ns > ts[k] > open_ns:
                    out_ts[rows] = ts[k]
                    out[rows, 0] = bid
                    out[rows, 1] = ask
                    out[rows, 2:] = x
                    rows += 1
                for j in range(10 * nt):
                    x[j] *= z[j]
                last_quote = quote
                last_qs = qs
                last_qlt = qlt
                vtc = 0.0
                has_trade = False
        return rows

    return run


def time_numba(ts, field, value, repeat: int) -> tuple[float, int]:
    run = numba_seed()
    taus = np.array([0.0] + [np.exp(-1.0 / 3**k) for k in range(7)])
    out_ts = np.zeros(len(ts), dtype=np.int64)
    out = np.zeros((len(ts), 82))
    run(ts[:1000], field[:1000], value[:1000], taus, 8.0, OPEN_NS, CLOSE_NS, out_ts, out)  # compile
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t0 = time.process_time()
        rows = run(ts, field, value, taus, 8.0, OPEN_NS, CLOSE_NS, out_ts, out)
        best = min(best, time.process_time() - t0)
    return best, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events in the benchmark day")
    ap.add_argument("--python-events", type=int, default=100_000, help="prefix timed in pure Python")
    ap.add_argument("--stock-days", type=int, default=8, help="stock-days for the thread speed-up")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="200k events, 20k in Python, 4 stock-days")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    a = ap.parse_args()
    if a.quick:
        a.events, a.python_events, a.stock_days = 200_000, 20_000, 4

    res: dict = {}
    with tempfile.TemporaryDirectory(prefix="ticklab-bench-") as tmp_s:
        tmp = Path(tmp_s)
        store = tmp / "store"
        ts, field, value = random_events(a.events, seed=7)
        ticks = group_ticks(ts, field, value)
        ts, field, value, _ = replay(ticks)
        for s in range(a.stock_days):  # distinct days per stock (same size) for the thread test
            day_ticks = ticks if s == 0 else group_ticks(*random_events(a.events, seed=100 + s))
            (store / f"S{s}").mkdir(parents=True)
            day_ticks.tofile(store / f"S{s}" / f"{DAY.isoformat()}.tick")
        cfg = seed_config(tmp / "seed.toml", store)
        day0 = ["--stocks", "S0", "--dates", DAY.isoformat(), "--threads", "1"]

        cpp = best_cpp(cfg, [*day0, "--no-write"], a.repeat)
        cpp_w = best_cpp(cfg, day0, a.repeat)
        n_events = len(ts)
        res["events"], res["ticks"], res["rows"] = n_events, cpp["ticks"], cpp["rows"]
        res["cpp_s"], res["cpp_write_s"] = cpp["cpu_seconds"], cpp_w["cpu_seconds"]
        res["cpp_events_per_s"] = n_events / res["cpp_s"]
        res["cpp_ticks_per_s"] = cpp["ticks"] / res["cpp_s"]
        res["cpp_rows_per_s"] = cpp["rows"] / res["cpp_s"]

        py_n = min(a.python_events, n_events)
        py_s, py_rows = python_seed(ts, field, value, py_n)
        res["python_events"], res["python_s"], res["python_rows"] = py_n, py_s, py_rows
        res["python_events_per_s"] = py_n / py_s
        nb_s, nb_rows = time_numba(ts, field, value, a.repeat)
        assert nb_rows == cpp["rows"], (nb_rows, cpp["rows"])
        res["numba_s"], res["numba_events_per_s"] = nb_s, n_events / nb_s
        res["x_vs_python"] = res["cpp_events_per_s"] / res["python_events_per_s"]
        res["x_vs_numba"] = nb_s / res["cpp_s"]

        # Threads: wall-clock time over all stock-days (compute only, then writing feature files).
        all_days = ["--stocks", *[f"S{s}" for s in range(a.stock_days)], "--no-write"]
        t1 = best_cpp(cfg, [*all_days, "--threads", "1"], a.repeat, key="seconds")
        t2 = best_cpp(cfg, [*all_days, "--threads", "2"], a.repeat, key="seconds")
        res["threads_1_s"], res["threads_2_s"] = t1["seconds"], t2["seconds"]
        res["speedup_2_threads"] = t1["seconds"] / t2["seconds"]
        w1 = best_cpp(cfg, [*all_days[:-1], "--threads", "1"], a.repeat, key="seconds")
        w2 = best_cpp(cfg, [*all_days[:-1], "--threads", "2"], a.repeat, key="seconds")
        res["speedup_2_threads_writing"] = w1["seconds"] / w2["seconds"]

        wide_cfg = tmp / "wide.toml"
        text = WIDE_CONFIG.read_text().split("[[indicator_sets]]", 1)[1]
        wide_cfg.write_text(f'[data]\nroot = "{tmp}"\nstore_dir = "store"\n[universe]\nstocks = ["S0"]\n'
                            f"[[indicator_sets]]{text.split('[services]')[0]}")
        wide = best_cpp(wide_cfg, ["--set", "wide", *day0, "--no-write"], 1)
        res["wide_columns"], res["wide_s"] = wide["columns"], wide["cpu_seconds"]
        res["wide_rows_per_s"] = wide["rows"] / wide["cpu_seconds"]
        res["wide_ticks_per_s"] = wide["ticks"] / wide["cpu_seconds"]

    print_table(res)
    if a.json:
        print(json.dumps(res))


def print_table(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"seed indicator set (82 columns), {res['events']:,} events / {res['ticks']:,} ticks / "
                    f"{res['rows']:,} rows, one core, CPU time")
    for c in ("engine", "seconds", "events/s", "ticks/s", "rows/s", "C++ faster by"):
        t.add_column(c, justify="right")
    ev, tk, rw = res["events"], res["ticks"], res["rows"]

    def row(name: str, secs: float, events: int, ticks: int | None, rows: int, ratio: str) -> None:
        t.add_row(name, f"{secs:.4f}", f"{events / secs:,.0f}", f"{ticks / secs:,.0f}" if ticks else "-",
                  f"{rows / secs:,.0f}", ratio)

    row("C++ engine", res["cpp_s"], ev, tk, rw, "")
    row("C++ engine + .feat write", res["cpp_write_s"], ev, tk, rw, "")
    row("numba port", res["numba_s"], ev, tk, rw, f"{res['x_vs_numba']:.2f}x")
    row(f"seed Python class ({res['python_events']:,} ev)", res["python_s"], res["python_events"], None,
        res["python_rows"], f"{res['x_vs_python']:,.0f}x")
    con = Console()
    con.print(t)
    con.print(f"batch, 1 -> 2 threads (wall): compute {res['threads_1_s']:.3f} s -> {res['threads_2_s']:.3f} s "
              f"= {res['speedup_2_threads']:.2f}x; with feature files written "
              f"{res['speedup_2_threads_writing']:.2f}x")
    con.print(f"wide set: {res['wide_columns']:,} columns, {res['wide_s']:.3f} s CPU, "
              f"{res['wide_rows_per_s']:,.0f} rows/s, {res['wide_ticks_per_s']:,.0f} ticks/s (one core)")


if __name__ == "__main__":
    main()
