"""Scenario: the order of a batch's parameter values, as the scheduler ranks its members."""

import json

import luigi.scheduler

result = {}

sch = luigi.scheduler.Scheduler()
sch.add_task_batcher(worker="w", task_family="Load", batched_args=["day", "shard"])
for i, (day, shard) in enumerate([("1", "a"), ("1", "b"), ("2", "a"), ("2", "b"), ("3", "a")]):
    sch.add_task(worker="w", task_id=f"Load_{day}{shard}", family="Load",
                 params={"day": day, "shard": shard}, priority=[1, 5, 3, 5, 0][i], batchable=True)
reply = sch.get_work(worker="w")
result["by priority, then first added"] = reply["task_params"]

sch = luigi.scheduler.Scheduler()
sch.add_task_batcher(worker="batcher", task_family="Load", batched_args=["day"])
for i in range(5):
    sch.add_task(worker="solo", task_id=f"Load_{i}", family="Load", params={"day": str(i)}, priority=i,
                 batchable=False)
    sch.add_task(worker="batcher", task_id=f"Load_{i}", family="Load", params={"day": str(i)}, priority=i,
                 batchable=True)
result["solo takes"] = sch.get_work(worker="solo")["task_id"]
result["the batch of the rest"] = sch.get_work(worker="batcher")["task_params"]
print(json.dumps(result))
