"""Benchmark trun against Luigi on the same DAG shapes (trivial steps that each write a small file).

Shapes: a chain, a fan-in (one step needing all others), a square grid (each cell needs its left and
upper neighbours), and a 100k fan-in for trun alone.  Each run happens in a fresh subprocess with the
local scheduler; the table shows wall time, the child's peak RSS and the Luigi/trun ratio.

    python bench/trun_bench.py               # full sizes (Luigi at 10k takes minutes)
    python bench/trun_bench.py --quick       # 1k-step shapes, a few seconds
    python bench/trun_bench.py --skip-luigi  # trun only

Luigi (3.8.1) is imported from the current interpreter if available, else installed into
build/bench-venv.  Output files go to /dev/shm (tmpfs) when it exists, so that the numbers measure
the engines rather than a disk shared with other jobs; ``--out-dir`` picks another place.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
LUIGI_VERSION = "3.8.1"

# The workflow, written once; {lib}/{Step} are substituted per engine.
WORKFLOW = '''
import os, sys, time, json
import {lib}

OUT = sys.argv[1]
SHAPE = sys.argv[2]
N = int(sys.argv[3])
WORKERS = int(sys.argv[4])
SIDE = int(round(N ** 0.5))


class Node({lib}.{Step}):
    i = {lib}.IntParameter()

    def requires(self):
        i = self.i
        if SHAPE == "chain":
            return [Node(i=i - 1)] if i > 0 else []
        if SHAPE == "fanin":
            return [Node(i=j) for j in range(1, N)] if i == 0 else []
        r, c = divmod(i, SIDE)  # grid
        deps = []
        if r > 0:
            deps.append(Node(i=i - SIDE))
        if c > 0:
            deps.append(Node(i=i - 1))
        return deps

    def output(self):
        return {lib}.LocalTarget(os.path.join(OUT, str(self.i // 1000), str(self.i)))

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


root = {{"chain": N - 1, "fanin": 0, "grid": SIDE * SIDE - 1}}[SHAPE]
t0 = time.perf_counter()
ok = {lib}.build([Node(i=root)], workers=WORKERS, local_scheduler=True, log_level="WARNING")
wall = time.perf_counter() - t0
count = sum(len(files) for _, _, files in os.walk(OUT))
print(json.dumps({{"wall": wall, "ok": bool(ok), "files": count}}))
'''


def luigi_python(skip: bool) -> str | None:
    if skip:
        return None
    try:
        import luigi  # noqa: F401

        return sys.executable
    except ImportError:
        pass
    venv = BUILD / "bench-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"installing luigi=={LUIGI_VERSION} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    check = subprocess.run([str(py), "-c", "import luigi"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"luigi=={LUIGI_VERSION}"], check=True)
    return str(py)


# per process: benchmarks run at once from several checkouts must not share (and delete) a directory
OUT_BASE = (Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else BUILD) / f"trun-bench-{os.getpid()}"
atexit.register(shutil.rmtree, OUT_BASE, True)  # (each run removes its own part)


def run_child(python: str, engine: str, shape: str, n: int, workers: int, timeout: float) -> dict:
    work = OUT_BASE / f"{engine}-{shape}-{n}-{workers}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    script = work / "workflow.py"
    if engine == "trun":
        script.write_text(WORKFLOW.format(lib="trun", Step="Step"))
    else:
        script.write_text(WORKFLOW.format(lib="luigi", Step="Task"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "trun"), env.get("PYTHONPATH", "")])
    out_dir = work / "out"
    t0 = time.perf_counter()
    with open(work / "stdout", "w") as so, open(work / "stderr", "w") as se:
        proc = subprocess.Popen([python, str(script), str(out_dir), shape, str(n), str(workers)], cwd=work,
                                stdout=so, stderr=se, env=env)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - t0
    rss_mb = usage.ru_maxrss / 1024
    stdout = (work / "stdout").read_text()
    stderr = (work / "stderr").read_text()
    if proc.returncode != 0 or not stdout.strip():
        err = "killed (timeout?)" if proc.returncode < 0 else (stderr.strip().splitlines() or ["?"])[-1]
        return {"wall": None, "ok": False, "error": err}
    data = json.loads(stdout.strip().splitlines()[-1])
    data.update(total=total, rss_mb=rss_mb, cpu=usage.ru_utime + usage.ru_stime)
    shutil.rmtree(work, ignore_errors=True)
    return data


def main() -> None:
    global OUT_BASE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1k-step shapes (and 10k for the big fan-in)")
    ap.add_argument("--skip-luigi", action="store_true", help="run trun only")
    ap.add_argument("--luigi-max", type=int, default=10_000, help="largest size to run Luigi on")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--luigi-workers", default="1", help="worker counts to run Luigi with (Luigi forks a "
                    "process per task with workers>1, which is very slow at 10k)")
    ap.add_argument("--timeout", type=float, default=1800, help="per-run timeout in seconds")
    ap.add_argument("--shapes", default="chain,fanin,grid,fanin-big")
    ap.add_argument("--out-dir", default=None, help="where steps write their files (default: /dev/shm)")
    args = ap.parse_args()
    if args.out_dir:
        OUT_BASE = Path(args.out_dir)
    print(f"# files under {OUT_BASE}; cpu = user+sys seconds of the run's process tree", flush=True)

    n = 1_000 if args.quick else 10_000
    big = 10_000 if args.quick else 100_000
    plan = []
    for shape in args.shapes.split(","):
        size = big if shape == "fanin-big" else n
        real = "fanin" if shape == "fanin-big" else shape
        plan.append((shape, real, size))
    workers = [int(w) for w in args.workers.split(",")]
    luigi_workers = {int(w) for w in args.luigi_workers.split(",")}
    lpy = luigi_python(args.skip_luigi)

    rows = []
    header = f"{'shape':<10} {'steps':>7} {'wrk':>3} {'trun s':>8} {'luigi s':>9} {'ratio':>7} " \
             f"{'trun MB':>8} {'luigi MB':>9} {'trun cpu':>9} {'luigi cpu':>10}"
    print(header)
    print("-" * len(header))
    for label, shape, size in plan:
        for w in workers:
            t = run_child(sys.executable, "trun", shape, size, w, args.timeout)
            lu = None
            if lpy and label != "fanin-big" and size <= args.luigi_max and w in luigi_workers:
                lu = run_child(lpy, "luigi", shape, size, w, args.timeout)
            row = _row(label, size, w, t, lu)
            rows.append(row)
            print(row, flush=True)


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _row(label: str, size: int, w: int, t: dict, lu: dict | None) -> str:
    tw = t.get("wall")
    lw = lu.get("wall") if lu else None
    ratio = lw / tw if (tw and lw) else None
    note = ""
    if not t.get("ok"):
        note += f"  trun FAILED {t.get('error', '')}"
    if lu is not None and not lu.get("ok"):
        note += f"  luigi FAILED {lu.get('error', '')}"
    return (f"{label:<10} {size:>7} {w:>3} {_fmt(tw, '8.2f')} {_fmt(lw, '9.2f')} {_fmt(ratio, '6.0f')}x "
            f"{_fmt(t.get('rss_mb'), '8.0f')} {_fmt(lu.get('rss_mb') if lu else None, '9.0f')} "
            f"{_fmt(t.get('cpu'), '9.2f')} {_fmt(lu.get('cpu') if lu else None, '10.2f')}{note}")


if __name__ == "__main__":
    main()
