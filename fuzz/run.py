"""Runs every libFuzzer target of build-fuzz/ and prints executions, coverage and findings.

    python fuzz/run.py BUILD_FUZZ_DIR SEEDS_DIR [--runs N] [--seconds S] [--only NAME...]
    python fuzz/run.py BUILD_FUZZ_DIR SEEDS_DIR --report [--only NAME...]   # the last run's table

Each target runs until N executions or S seconds (whichever first) on its corpus
(BUILD_FUZZ_DIR/corpus/<target>, grown across runs) seeded from SEEDS_DIR/<target>. A crash, leak,
timeout or sanitizer report leaves its input in BUILD_FUZZ_DIR/crashes/<target>/ — copy it to
tests/fuzz-regressions/<target>/ once fixed. Exit 1 if any target found something. `--report`
prints the table of the last run from its logs (BUILD_FUZZ_DIR/logs/<target>.log) as Markdown, the
form docs/fuzzing.md records.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

TARGETS = ("csv_reader", "taq_reader", "lobster_reader", "dbn_reader", "tick_store", "feature_store",
           "config", "data_service", "indicators_service", "stats_service")


def run_target(build: Path, seeds: Path, target: str, runs: int, seconds: int) -> dict[str, str]:
    corpus = build / "corpus" / target
    crashes = build / "crashes" / target
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    cmd = [str(build / "bin" / f"fuzz_{target}"), f"-runs={runs}", f"-max_total_time={seconds}",
           "-timeout=20", "-rss_limit_mb=4096", "-print_final_stats=1", "-max_len=65536",
           f"-artifact_prefix={crashes}/", str(corpus), str(seeds / target)]
    if target.endswith("_service"):  # their JSON log lines would drown the fuzzer's; reports stay
        cmd.insert(1, "-close_fd_mask=2")
    log = build / "logs" / f"{target}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                            env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "print_stacktrace=1",
                                 "PATH": "/usr/bin:/bin"}).returncode
    return {**read_log(build, target), "rc": str(rc)}


def read_log(build: Path, target: str) -> dict[str, str]:
    """Executions, seconds, coverage and findings of a target's last run, from its log."""
    text = (build / "logs" / f"{target}.log").read_text(errors="replace")
    crashes = build / "crashes" / target
    execs = re.findall(r"stat::number_of_executed_units: (\d+)", text)
    cov = re.findall(r"\bcov: (\d+) ft: (\d+)", text)
    secs = re.findall(r"Done (\d+) runs in (\d+) second", text)
    return {"target": target, "rc": "0", "execs": execs[-1] if execs else "?",
            "cov": cov[-1][0] if cov else "?", "ft": cov[-1][1] if cov else "?",
            "seconds": secs[-1][1] if secs else "?",
            "findings": str(len(list(crashes.iterdir())) if crashes.is_dir() else 0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", type=Path)
    ap.add_argument("seeds", type=Path)
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--only", nargs="*", default=list(TARGETS))
    ap.add_argument("--report", action="store_true", help="print the last run's table (Markdown)")
    args = ap.parse_args()
    if args.report:
        print("| target | executions | seconds | cov (edges) | ft (features) | findings |")
        print("|---|---:|---:|---:|---:|---:|")
        for t in args.only:
            r = read_log(args.build, t)
            print(f"| `{t}` | {r['execs']} | {r['seconds']} | {r['cov']} | {r['ft']} | {r['findings']} |")
        return 0
    print(f"{'target':20} {'execs':>9} {'secs':>5} {'cov':>6} {'ft':>6} findings")
    bad = False
    for t in args.only:
        r = run_target(args.build, args.seeds, t, args.runs, args.seconds)
        print(f"{t:20} {r['execs']:>9} {r['seconds']:>5} {r['cov']:>6} {r['ft']:>6} {r['findings']}",
              flush=True)
        bad = bad or r["rc"] != "0" or r["findings"] != "0"
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
