"""A graph run with ``executor="dask"`` on a LocalCluster of several worker processes, scheduled by a
real trund process: trund sees it like any worker's run."""

import os

import dask.distributed as distributed  # trun[test] installs it: missing fails, not skips
from trun_helpers import read_events
from trund_helpers import Tree, TrundProcess

import trun


def test_dask_run_is_reported_to_trund(tmp_path):
    server = TrundProcess(tmp_path / "state.sqlite").start()
    try:
        with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            result = trun.build([Tree(root=str(tmp_path), depth=3)], workers=3, executor="dask",
                                dask_address=cluster.scheduler_address, scheduler_url=server.url,
                                detailed_summary=True)
        assert result.status == trun.TrunStatusCode.SUCCESS
        assert server.api("status_counts") == {"DONE": 15}
        (worker,) = server.api("worker_list")  # one trun worker, however many dask processes
        history = server.api("step_history")
        assert len(history) == 15 and {run["worker"] for run in history} == {worker["name"]}
        pids = {pid for _, pid, _, _ in read_events(str(tmp_path))}
        assert os.getpid() not in pids and len(pids) >= 2  # run() ran in the cluster's processes
    finally:
        server.stop()
