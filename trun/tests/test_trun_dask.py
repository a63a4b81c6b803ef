"""The optional Dask executor: trun schedules, Dask workers run the steps."""

import os
import threading

import dask.distributed as distributed  # trun[test] installs it: missing fails, not skips

import trun


class DaskStep(trun.Step):
    root = trun.Parameter()
    i = trun.IntParameter()

    def requires(self):
        return [DaskStep(root=self.root, i=self.i - 1)] if self.i > 0 else []

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, f"d{self.i}"))

    def run(self):
        # Whether the requirement's output existed when this ran: Dask must run a step only
        # after its dependencies have finished.
        dep_done = self.i == 0 or os.path.exists(os.path.join(self.root, f"d{self.i - 1}"))
        with self.output().open("w") as f:
            f.write(f"{threading.current_thread().name}|{dep_done}")


class DaskFail(trun.Step):
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "never"))

    def run(self):
        raise RuntimeError("fails on dask")


def test_steps_run_on_dask_workers(tmp_path):
    with distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
        result = trun.build([DaskStep(root=str(tmp_path), i=4), DaskFail(root=str(tmp_path))], workers=2,
                            local_scheduler=True, executor="dask", dask_address=cluster.scheduler_address,
                            detailed_summary=True)
    assert result.status == trun.TrunStatusCode.FAILED
    assert sorted(result.worker.ran) == sorted(DaskStep(root=str(tmp_path), i=i).step_id for i in range(5))
    assert len(result.worker.failed) == 1
    runs = [(tmp_path / f"d{i}").read_text().split("|") for i in range(5)]
    assert threading.current_thread().name not in {name for name, _ in runs}  # run() on Dask's threads
    assert [dep_done for _, dep_done in runs] == ["True"] * 5  # each after its dependency
    assert not (tmp_path / "never").exists()


def test_dask_executor_from_config(tmp_path):
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        (tmp_path / "trun.toml").write_text(f'[worker]\nexecutor = "dask"\n'
                                            f'dask_address = "{cluster.scheduler_address}"\n')
        trun.configuration.reset_config()
        result = trun.build([DaskStep(root=str(tmp_path), i=1)], local_scheduler=True, detailed_summary=True)
    assert result.status == trun.TrunStatusCode.SUCCESS
    assert result.worker.executor_name == "dask"
    name, dep_done = (tmp_path / "d1").read_text().split("|")
    assert name != threading.current_thread().name and dep_done == "True"
