"""Find steps on a running trund by name prefix or by status, with their dependencies grouped by
status (Luigi's ``luigi.tools.luigi_grep``).

    python -m trun.tools.trun_grep [--scheduler-host H] [--scheduler-port P] (--prefix P | --status S)
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.request import urlopen


class TrunGrep:
    """Searches the step graph trund serves at ``http://host:port/api/graph``."""

    def __init__(self, host: str, port: int | str) -> None:
        self._host = host
        self._port = port

    @property
    def graph_url(self) -> str:
        return f"http://{self._host}:{self._port}/api/graph"

    def _fetch_json(self) -> dict[str, Any]:
        print("Fetching from url: " + self.graph_url)
        with urlopen(self.graph_url) as reply:
            return json.loads(reply.read().decode("utf-8"))

    @staticmethod
    def _build_results(steps: dict[str, Any], step_id: str) -> dict[str, Any]:
        by_status: dict[str, list[str]] = defaultdict(list)
        for dep in steps[step_id]["deps"]:
            by_status[steps[dep]["status"] if dep in steps else "UNKNOWN"].append(dep)
        return {"name": step_id, "status": steps[step_id]["status"], "deps_by_status": by_status}

    def prefix_search(self, job_name_prefix: str) -> Iterator[dict[str, Any]]:
        """The steps whose id starts with ``job_name_prefix``."""
        steps = self._fetch_json()["response"]
        for step_id in steps:
            if step_id.startswith(job_name_prefix):
                yield self._build_results(steps, step_id)

    def status_search(self, status: str) -> Iterator[dict[str, Any]]:
        """The steps with ``status`` (any case)."""
        steps = self._fetch_json()["response"]
        for step_id, info in steps.items():
            if info["status"].lower() == status.lower():
                yield self._build_results(steps, step_id)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser("trun-grep", description="Search the steps of a running trund")
    parser.add_argument("--scheduler-host", default="localhost", help="trund's host")
    parser.add_argument("--scheduler-port", default="8082", help="trund's port")
    parser.add_argument("--prefix", default=None, help="find the steps whose id starts with this")
    parser.add_argument("--status", default=None, help="find the steps with this status")
    args = parser.parse_args(argv)
    grep = TrunGrep(args.scheduler_host, args.scheduler_port)
    results: Iterator[dict[str, Any]] = iter(())
    if args.prefix:
        results = grep.prefix_search(args.prefix)
    elif args.status:
        results = grep.status_search(args.status)
    for step in results:
        print(f"{step['name']}: {step['status']}, Dependencies:")
        for status, deps in step["deps_by_status"].items():
            print(f"  status={status}")
            for dep in deps:
                print(f"    {dep}")


if __name__ == "__main__":
    main()
