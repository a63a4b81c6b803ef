"""Benchmark the central schedulers: the same DAGs through ``trund`` and through ``luigid``.

For each shape and size a fresh server is started (trund with its SQLite state file; luigid 3.8.1
from build/bench-venv with its pickle state) and two worker processes run the same graph against it
(each walks the whole graph and they share the work, as two machines would).  Steps are trivial (each
writes a small file), so the numbers measure scheduling and dispatch.  Reported per run:

- steps/s: steps run / wall time from starting the workers until both have finished;
- server MB: the server process's peak resident memory (VmHWM);
- for trund at the largest size: the visualiser's first-page latency (``step_page``, the call the
  step list makes: counts, families and 50 rows), unfiltered, filtered by status and searched.

    python bench/bench_trund.py              # fan-in 1k/10k/100k, grid 10k (luigid up to 10k)
    python bench/bench_trund.py --quick      # 1k and 10k
    python bench/bench_trund.py --luigi-max 1000

luigid is run only up to ``--luigi-max`` steps and stopped after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
LUIGI_PYTHON = BUILD / "bench-venv" / "bin" / "python"
# per process: benchmarks run at once from several checkouts must not share (and delete) a directory
OUT_BASE = (Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else BUILD) / f"trund-bench-{os.getpid()}"
atexit.register(shutil.rmtree, OUT_BASE, True)  # (each run removes its own part)
STATE_BASE = BUILD / "bench-trund"  # the servers' state files live on disk, as in production

# One worker process; {lib}/{Step} are substituted per engine.
WORKER = '''
import json, os, sys, time
import {lib}

OUT, SHAPE, N, HOST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
SIDE = int(round(N ** 0.5))


class Node({lib}.{Step}):
    i = {lib}.IntParameter()

    def requires(self):
        if SHAPE == "fanin":
            return [Node(i=j) for j in range(1, N)] if self.i == 0 else []
        r, c = divmod(self.i, SIDE)  # grid: each cell needs its left and upper neighbours
        return ([Node(i=self.i - SIDE)] if r else []) + ([Node(i=self.i - 1)] if c else [])

    def output(self):
        return {lib}.LocalTarget(os.path.join(OUT, str(self.i // 1000), str(self.i)))

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


root = 0 if SHAPE == "fanin" else SIDE * SIDE - 1
t0 = time.perf_counter()
ok = {lib}.build([Node(i=root)], workers=1, scheduler_host=HOST, scheduler_port=PORT, log_level="WARNING")
print(json.dumps({{"wall": time.perf_counter() - t0, "ok": bool(ok)}}))
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the live process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen")


def start_server(engine: str, work: Path, port: int) -> subprocess.Popen:
    if engine == "trund":
        cmd = [sys.executable, "-m", "trun.trund", "--port", str(port), "--state-path",
               str(work / "state.sqlite"), "--log-level", "WARNING"]
    else:
        cmd = [str(LUIGI_PYTHON.parent / "luigid"), "--port", str(port), "--address", "127.0.0.1",
               "--state-path", str(work / "state.pickle"), "--logdir", str(work)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(work / "server.err", "w"),
                            env=dict(os.environ, PYTHONPATH=str(ROOT / "trun")))
    wait_listening(port, proc)
    return proc


def api(port: int, method: str, **kwargs: object) -> object:
    query = urllib.parse.urlencode({"data": json.dumps(kwargs)})
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/{method}?{query}", timeout=300) as r:
        return json.loads(r.read())["response"]


def page_latency(port: int, **kwargs: object) -> float:
    """Median seconds of five first-page calls (after one warm-up)."""
    times = []
    for _ in range(6):
        t0 = time.perf_counter()
        api(port, "step_page", **{"offset": 0, "limit": 50, **kwargs})
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def run(engine: str, shape: str, n: int, timeout: float, latency: bool) -> dict:
    work = STATE_BASE / f"{engine}-{shape}-{n}"
    out = OUT_BASE / f"{engine}-{shape}-{n}"
    for d in (work, out):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    port = free_port()
    server = start_server(engine, work, port)
    script = work / "worker.py"
    lib, step = ("trun", "Step") if engine == "trund" else ("luigi", "Task")
    script.write_text(WORKER.format(lib=lib, Step=step))
    python = sys.executable if engine == "trund" else str(LUIGI_PYTHON)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "trun"))
    result: dict = {"engine": engine, "shape": shape, "steps": n}
    try:
        t0 = time.perf_counter()
        cpu0, server_cpu0 = children_cpu(), cpu_seconds(server.pid)
        workers = [subprocess.Popen([python, str(script), str(out), shape, str(n), "127.0.0.1", str(port)],
                                    stdout=subprocess.PIPE, stderr=open(work / f"worker{k}.err", "w"),
                                    env=env, text=True) for k in range(2)]
        try:
            outputs = [w.communicate(timeout=max(1.0, timeout - (time.perf_counter() - t0)))[0]
                       for w in workers]
        except subprocess.TimeoutExpired:  # the rate so far is still a measurement
            done = sum(len(f) for _, _, f in os.walk(out))
            for w in workers:
                w.kill()
            wall = time.perf_counter() - t0
            result.update(wall=wall, rate=done / wall, server_mb=peak_rss_mb(server.pid),
                          error=f"stopped after {wall:.0f} s with {done} of {n} steps run")
        else:
            wall = time.perf_counter() - t0
            oks = [json.loads(o.strip().splitlines()[-1])["ok"] if o.strip() else False for o in outputs]
            files = sum(len(f) for _, _, f in os.walk(out))
            result.update(wall=wall, rate=files / wall, ok=all(oks) and files == n,
                          server_mb=peak_rss_mb(server.pid), server_cpu=cpu_seconds(server.pid) - server_cpu0,
                          workers_cpu=children_cpu() - cpu0)
        if latency and engine == "trund":  # with every step known, done or not
            result["page_s"] = page_latency(port)
            result["page_status_s"] = page_latency(port, status="DONE")
            result["page_search_s"] = page_latency(port, search="Node i=4242")
        return result
    finally:
        server.kill()
        server.wait(30)
        shutil.rmtree(out, ignore_errors=True)


def page_latency_only(n: int) -> None:
    """First-page latencies of a trund holding an ``n``-step fan-in, 30% of it run: the steps are
    added and run through the API by one client (faster than real workers, same server state)."""
    sys.path.insert(0, str(ROOT / "trun"))
    from trun.rpc import RemoteScheduler

    work = STATE_BASE / f"trund-page-{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    server = start_server("trund", work, port)
    try:
        remote = RemoteScheduler(f"http://127.0.0.1:{port}", queue_add_steps=True)
        ids = [f"Node_{i}_{i:x}" for i in range(n)]
        remote.add_step(ids[0], deps=ids[1:], family="Node", params={"i": "0"}, worker="w")
        for i in range(1, n):
            remote.add_step(ids[i], family="Node", params={"i": str(i)}, worker="w")
        for _ in range(int(n * 0.3)):
            remote.add_step(remote.get_work("w")["step_id"], status="DONE", worker="w")
        remote.status_counts()
        changed = []
        for _ in range(5):  # a step finished just before each look: nothing cached helps
            remote.add_step(remote.get_work("w")["step_id"], status="DONE", worker="w")
            remote.status_counts()
            t0 = time.perf_counter()
            api(port, "step_page", offset=0, limit=50)
            changed.append(time.perf_counter() - t0)
        ms = {"after a change": statistics.median(changed) * 1000}
        ms |= {name: page_latency(port, **kwargs) * 1000 for name, kwargs in
              [("all", {}), ("status=DONE", {"status": "DONE"}), ("search", {"search": "i=4242"}),
               ("page 100", {"offset": 5000})]}
        print(f"step list first page at {n} steps, 30% done (median of 5, load average "
              f"{os.getloadavg()[0]:.1f}): " + ", ".join(f"{k} {v:.0f} ms" for k, v in ms.items())
              + f"; server {peak_rss_mb(server.pid):.0f} MB")
    finally:
        server.kill()
        server.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fan-in at 1k and 10k only")
    ap.add_argument("--luigi-max", type=int, default=10_000, help="largest size to run luigid on")
    ap.add_argument("--timeout", type=float, default=300, help="seconds allowed per run")
    ap.add_argument("--sizes", default=None, help="comma-separated fan-in sizes (replaces the plan)")
    ap.add_argument("--page-latency", type=int, default=None, metavar="N",
                    help="only measure the step list's first page with N steps known")
    args = ap.parse_args()
    if args.page_latency:
        page_latency_only(args.page_latency)
        return
    if not LUIGI_PYTHON.exists():
        print(f"no {LUIGI_PYTHON}: luigid is skipped (make build/bench-venv/.luigi-stamp)", flush=True)
    plan = [("fanin", 1_000), ("fanin", 10_000)] if args.quick else \
        [("fanin", 1_000), ("fanin", 10_000), ("fanin", 100_000), ("grid", 10_000)]
    if args.sizes:
        plan = [("fanin", int(n)) for n in args.sizes.split(",")]
    largest = max(n for _, n in plan)
    header = (f"{'shape':<6} {'steps':>7} {'trund s':>8} {'steps/s':>8} {'MB':>5} {'luigid s':>9} "
              f"{'steps/s':>8} {'MB':>5} {'ratio':>6}")
    print(f"# 2 worker processes per run; state files under {STATE_BASE}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print(header)
    print("-" * len(header), flush=True)
    latencies = None
    for shape, n in plan:
        t = run("trund", shape, n, args.timeout, latency=(n == largest and shape == "fanin"))
        lu = None
        if LUIGI_PYTHON.exists() and n <= args.luigi_max:
            lu = run("luigid", shape, n, args.timeout, latency=False)
        print(_row(shape, n, t, lu), flush=True)
        for r in (t, lu):
            if r and "server_cpu" in r:
                print(f"#   {r['engine']} CPU seconds: server {r['server_cpu']:.1f}, "
                      f"2 workers {r['workers_cpu']:.1f}", flush=True)
        if "page_s" in t:
            latencies = t
    print(f"# load average at the end {os.getloadavg()[0]:.1f}")
    if latencies:
        ms = {k: latencies[k] * 1000 for k in ("page_s", "page_status_s", "page_search_s")}
        print(f"\nstep list first page at {latencies['steps']} steps (median of 5): "
              f"all {ms['page_s']:.0f} ms, "
              f"status=DONE {ms['page_status_s']:.0f} ms, search {ms['page_search_s']:.0f} ms")


def _cell(r: dict | None, key: str, spec: str) -> str:
    v = None if r is None else r.get(key)
    return "-" if v is None else format(v, spec)


def _ratio(t: dict, lu: dict | None) -> str:
    if not lu or not t.get("rate") or lu.get("rate") is None:
        return "-"
    if lu["rate"] == 0:  # luigid ran nothing in its time: its rate is below one step per wall time
        return f">{t['rate'] * lu['wall']:.0f}x"
    return f"{t['rate'] / lu['rate']:.0f}x"


def _row(shape: str, n: int, t: dict, lu: dict | None) -> str:
    notes = [f"{r['engine']}: {r['error']}" for r in (t, lu) if r and r.get("error")]
    notes += [f"{r['engine']}: NOT ALL STEPS DONE" for r in (t, lu) if r and r.get("ok") is False]
    return (f"{shape:<6} {n:>7} {_cell(t, 'wall', '8.1f')} {_cell(t, 'rate', '8.0f')} "
            f"{_cell(t, 'server_mb', '5.0f')} {_cell(lu, 'wall', '9.1f')} {_cell(lu, 'rate', '8.0f')} "
            f"{_cell(lu, 'server_mb', '5.0f')} {_ratio(t, lu):>6}"
            + ("  " + "; ".join(notes) if notes else ""))


if __name__ == "__main__":
    main()
