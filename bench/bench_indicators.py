"""Benchmark the Layer 2 C++ engine against the seed's Python class and a numba port.

One run, the same data for everyone: synthetic days from Layer 1's market generator
(ticklab.synth.market), assembled into Ticks and written as Layer 1 store files; the seed indicator set
(80 features, rows exactly where the seed emits them):

  * C++ engine   ``ticklab-indicators-bench``: IndicatorSet over the day's Ticks in memory, one core,
                 best CPU time of --repeat runs (the sink only counts rows);
  * C++ batch    ``ticklab-indicators --threads 1``: mapping the store file + engine + writing the
                 .feat file (CPU time);
  * numba        a straightforward ``@njit`` port of the reference class over the event arrays, rows
                 into a preallocated array (compiled first; best CPU time of --repeat);
  * Python       the reference class (tests/indicators_reference.py) on a prefix of the day, keeping
                 rows in memory, and as written in the spec (rows formatted to a text file, flushed).

Then the batch over all stock-days with 1 and 2 threads (wall clock, compute only and writing
files), and the wide set of configs/wide.toml (1,000+ columns) on one core. CPU times make the
single-core figures robust to other processes on the machine; the thread speed-up needs an otherwise
idle machine.

    python bench/bench_indicators.py              # 4 stock-days of ~1M events
    python bench/bench_indicators.py --quick      # 4 stock-days of ~200k events
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

from indicator_events import CLOSE_NS, DAY, OPEN_NS, replay  # noqa: E402
from indicators_reference import Event, EventSource, SeedIndicator  # noqa: E402

from ticklab.io.dtypes import FIELD_NAMES  # noqa: E402
from ticklab.io.store import read_ticks  # noqa: E402
from ticklab.native import binary  # noqa: E402
from ticklab.synth.market import simulate_day  # noqa: E402
from ticklab.testing import assemble_ticks, write_ticks  # noqa: E402

WIDE_CONFIG = ROOT / "configs" / "wide.toml"


def seed_config(path: Path, store: Path, stocks: list[str]) -> Path:
    """A config over `store` with the indicator sets of configs/wide.toml ("wide" and "seed")."""
    sets = WIDE_CONFIG.read_text().split("[[indicator_sets]]", 1)[1].split("[services]")[0]
    path.write_text(f'[data]\nroot = "{store.parent}"\nstore_dir = "{store.name}"\n'
                    f'features_dir = "features"\n[universe]\nstocks = {json.dumps(stocks)}\n'
                    f"[[indicator_sets]]{sets}")
    return path


def run_engine(config: Path, set_name: str, ticks: Path, repeat: int) -> dict:
    cmd = [str(binary("ticklab-indicators-bench")), "--config", str(config), "--set", set_name, "--ticks",
           str(ticks), "--date", DAY.isoformat(), "--repeat", str(repeat)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def run_cpp(config: Path, extra: list[str]) -> dict:
    cmd = [str(binary("ticklab-indicators")), "--config", str(config), *extra, "--no-verify",
           "--force", "--progress-json"]  # --force: every repeat computes (none keeps a current file)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(x) for x in out.splitlines() if '"summary"' in x][-1]


def best_cpp(config: Path, extra: list[str], repeat: int, key: str = "cpu_seconds") -> dict:
    """The fastest of `repeat` runs by `key` (CPU time: robust to other processes on the machine)."""
    return min((run_cpp(config, extra) for _ in range(repeat)), key=lambda s: s[key])


def python_seed(ts, field, value, n: int, x_file=None) -> tuple[float, int]:
    events = [Event(t, FIELD_NAMES[f], v) for t, f, v in zip(ts[:n].tolist(), field[:n].tolist(),
                                                         value[:n].tolist(), strict=True)]
    ind = SeedIndicator(EventSource(events), OPEN_NS, CLOSE_NS, x_file=x_file)
    t0 = time.process_time()
    for _ in range(n):
        ind.next_value()
    return time.process_time() - t0, len(ind.rows) if x_file is None else -1


def numba_seed():
    """A straightforward numba port of the seed class: one loop over events, rows into an array."""
    from numba import njit

    @njit(cache=False, inline="always")
    def direction(old, new):
        """+1 when a set field rises, -1 when it falls, 0 when unchanged or not yet set."""
        if old > 0:
            if new > old:
                return 1
            if new < old:
                return -1
        return 0

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
            if f == 1 or f == 3:  # BID / ASK: a price change moves the quote-change counter
                old = bid if f == 1 else ask
                vtc += direction(old, val)
                if f == 1:
                    bid = val
                else:
                    ask = val
                valid_quote = ask > bid > 0
                if valid_quote:
                    quote = 0.5 * (ask + bid)
            elif f == 2 or f == 4:  # BID_SIZE / ASK_SIZE: a bigger ask size counts against
                if f == 2:
                    vtc += direction(bid_size, val)
                    bid_size = val
                else:
                    vtc -= direction(ask_size, val)
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
    ap.add_argument("--events", type=int, default=1_000_000, help="events per stock-day")
    ap.add_argument("--python-events", type=int, default=100_000, help="prefix timed in pure Python")
    ap.add_argument("--stock-days", type=int, default=4, help="stock-days for the thread speed-up")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="200k events, 20k in Python")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    a = ap.parse_args()
    if a.quick:
        a.events, a.python_events = 200_000, 20_000

    res: dict = {}
    with tempfile.TemporaryDirectory(prefix="ticklab-bench-") as tmp_s:
        tmp = Path(tmp_s)
        store = tmp / "store"
        stocks = [f"S{i}" for i in range(a.stock_days)]
        for s in stocks:
            table = simulate_day(s, DAY, seed=42, events_per_day=a.events)
            write_ticks(store / s / f"{DAY.isoformat()}.tick", s, DAY,
                        assemble_ticks(s, table["ts_ns"], table["field"], table["value"]))
        cfg = seed_config(tmp / "bench.toml", store, stocks)
        day0 = store / "S0" / f"{DAY.isoformat()}.tick"
        ts, field, value, _ = replay(read_ticks(day0))

        eng = run_engine(cfg, "seed", day0, a.repeat)
        res.update(events=eng["events"], ticks=eng["ticks"], rows=eng["rows"], cpp_s=eng["seconds"])
        one = ["--set", "seed", "--stocks", "S0", "--dates", DAY.isoformat(), "--threads", "1"]
        res["cpp_batch_s"] = best_cpp(cfg, one, a.repeat)["cpu_seconds"]
        nb_s, nb_rows = time_numba(ts, field, value, a.repeat)
        assert nb_rows == eng["rows"], (nb_rows, eng["rows"])
        res["numba_s"] = nb_s
        py_n = min(a.python_events, len(ts))
        res["python_events"] = py_n
        res["python_s"], res["python_rows"] = python_seed(ts, field, value, py_n)
        with open(tmp / "X.txt", "w") as x_file:
            res["python_text_s"], _ = python_seed(ts, field, value, py_n, x_file)
        res["x_vs_numba"] = nb_s / res["cpp_s"]
        res["x_vs_python"] = (res["events"] / res["cpp_s"]) / (py_n / res["python_s"])
        res["x_vs_python_text"] = (res["events"] / res["cpp_batch_s"]) / (py_n / res["python_text_s"])

        # Threads: wall-clock time of the batch over every stock-day.
        for mode, extra in (("compute", ["--no-write"]), ("write", [])):
            runs = {n: best_cpp(cfg, ["--set", "seed", "--threads", str(n), *extra], a.repeat, key="seconds")
                    for n in (1, 2)}
            t1, t2 = runs[1]["seconds"], runs[2]["seconds"]
            res[f"threads_{mode}_1_s"], res[f"threads_{mode}_2_s"] = t1, t2
            res[f"speedup_2_threads_{mode}"] = t1 / t2

        wide = run_engine(cfg, "wide", day0, 1)
        res.update(wide_columns=wide["columns"], wide_s=wide["seconds"], wide_rows_per_s=wide["rows_per_s"],
                   wide_ticks_per_s=wide["ticks_per_s"])
    res["stock_days"] = a.stock_days
    print_table(res)
    if a.json:
        print(json.dumps(res))


def print_table(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    ev, tk, rw = res["events"], res["ticks"], res["rows"]
    t = Table(title=f"seed set (82 columns): {ev:,} events, {tk:,} ticks, {rw:,} rows; one core, CPU time")
    for c in ("engine", "seconds", "events/s", "ticks/s", "rows/s", "C++ faster by"):
        t.add_column(c, justify="right")

    def row(name: str, secs: float, events: int, ticks: int | None, rows: int | None, ratio: str) -> None:
        t.add_row(name, f"{secs:.4f}", f"{events / secs:,.0f}", f"{ticks / secs:,.0f}" if ticks else "-",
                  f"{rows / secs:,.0f}" if rows else "-", ratio)

    row("C++ engine (in memory)", res["cpp_s"], ev, tk, rw, "")
    row("C++ batch (store -> .feat)", res["cpp_batch_s"], ev, tk, rw, "")
    row("numba port", res["numba_s"], ev, tk, rw, f"{res['x_vs_numba']:.2f}x (engine)")
    pe = res["python_events"]
    row(f"seed Python, rows in memory ({pe:,} ev)", res["python_s"], pe, None, res["python_rows"],
        f"{res['x_vs_python']:,.0f}x (engine)")
    row(f"seed Python as written, text file ({pe:,} ev)", res["python_text_s"], pe, None, None,
        f"{res['x_vs_python_text']:,.0f}x (batch)")
    con = Console(width=150)
    con.print(t)
    for mode, what in (("compute", "compute only"), ("write", "writing .feat files")):
        t1, t2 = res[f"threads_{mode}_1_s"], res[f"threads_{mode}_2_s"]
        con.print(f"batch of {res['stock_days']} stock-days, {what}: 1 thread {t1:.3f} s, "
                  f"2 threads {t2:.3f} s: {res[f'speedup_2_threads_{mode}']:.2f}x (wall)")
    con.print(f"wide set: {res['wide_columns']:,} columns, {res['wide_s']:.3f} s CPU, "
              f"{res['wide_rows_per_s']:,.0f} rows/s, {res['wide_ticks_per_s']:,.0f} ticks/s (one core)")


if __name__ == "__main__":
    main()
