"""The statuses a step has in the scheduler (as ``luigi.task_status``); defined in ``scheduler_api``."""

from trun.scheduler_api import DISABLED, DONE, FAILED, PENDING, RUNNING, UNKNOWN  # noqa: F401

# Luigi's batch and pause statuses: trun's scheduler never gives them, they exist so that code that
# compares with them works.
BATCH_RUNNING = "BATCH_RUNNING"
SUSPENDED = "SUSPENDED"
