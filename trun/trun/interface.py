"""Entry points for running steps from Python: ``trun.build([...])`` and ``trun.run(argv)``."""

from __future__ import annotations

import logging
import logging.config
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from trun import lock
from trun import scheduler as sch
from trun.execution_summary import TrunRunResult
from trun.scheduler_api import SchedulerAPI
from trun.scheduler_options import scheduler_from_config
from trun.settings import core
from trun.settings import worker as worker_config
from trun.setup_logging import configure_trun_loggers
from trun.step import Step
from trun.worker import Worker

logger = logging.getLogger("trun-interface")
_logging_configured = False


class PidLockAlreadyTakenExit(SystemExit):
    pass


class _WorkerSchedulerFactory:
    """Creates the scheduler and the worker for a run; replace it to plug in other implementations."""

    def create_local_scheduler(self) -> sch.Scheduler:
        # as Luigi's: the run's own scheduler keeps no history and prunes as it hands out work
        return scheduler_from_config(prune_on_get_work=True, record_step_history=False)

    def create_remote_scheduler(self, url: str) -> SchedulerAPI:
        from trun.rpc import RemoteScheduler

        return RemoteScheduler(url, queue_add_steps=True)  # add_step calls travel in batches

    def create_worker(self, scheduler: SchedulerAPI, worker_processes: int, assistant: bool = False,
                      **kwargs: Any) -> Worker:
        return Worker(scheduler=scheduler, worker_processes=worker_processes, assistant=assistant, **kwargs)


def setup_logging(level: str = "DEBUG", conf_file: str | None = None) -> None:
    """Configure the ``trun`` loggers once per process (like Luigi's interface does)."""
    global _logging_configured
    if _logging_configured:
        return
    _logging_configured = True
    if conf_file:
        logging.config.fileConfig(conf_file, disable_existing_loggers=False)
        return
    configure_trun_loggers(level)


# build()'s keyword arguments that are [worker] settings rather than [core] ones
_WORKER_KEYS = {name for name, _ in worker_config.get_params()}


def _schedule_and_run(steps: Iterable[Step], worker_scheduler_factory: Any = None,
                      override_defaults: dict[str, Any] | None = None) -> TrunRunResult:
    overrides = dict(override_defaults or {})
    worker_overrides = {k: overrides.pop(k) for k in list(overrides) if k in _WORKER_KEYS}
    env = core(**overrides)
    if not env.no_configure_logging:
        setup_logging(env.log_level, env.logging_conf_file)
    kill_signal = lock.TAKE_LOCK_SIGNAL if env.take_lock else None
    if not env.no_lock and not lock.acquire_for(env.lock_pid_dir, env.lock_size, kill_signal):
        raise PidLockAlreadyTakenExit()
    factory = worker_scheduler_factory or _WorkerSchedulerFactory()
    scheduler = _pick_scheduler(env, factory)
    # only the worker settings given, so that a user's factory written for Luigi's create_worker
    # (scheduler, worker_processes, assistant), as gokart's is, works when none are
    worker = factory.create_worker(scheduler=scheduler, worker_processes=env.workers, assistant=env.assistant,
                                   **worker_overrides)
    success = True
    with worker:
        for step in steps:
            success &= worker.add(step)
        success &= worker.run()
    result = TrunRunResult(worker, success)
    logger.info(result.summary_text)
    return result


def _pick_scheduler(env: core, factory: Any) -> SchedulerAPI:
    """The local scheduler, or trund: at ``scheduler_url`` or a configured scheduler_host:port (which
    must answer, as in Luigi); only at the default localhost:8082, if nothing listens there, the local
    scheduler, with a warning.  Something listening that does not answer in time (a busy or starting
    trund) is used as Luigi would: its calls are retried, never bypassed by a private local scheduler
    that would run steps the central one hands to other workers too."""
    if env.local_scheduler:
        return factory.create_local_scheduler()
    from trun.rpc import RemoteScheduler, RPCError

    url = env.scheduler_url or f"http://{env.scheduler_host}:{env.scheduler_port}"
    try:
        RemoteScheduler(url, connect_timeout=2.0, retry_attempts=1).ping()
    except RPCError as error:
        if env.scheduler_url or (env.scheduler_host, int(env.scheduler_port)) != ("localhost", 8082):
            raise
        if _nothing_listening(error):
            logger.warning("No trun scheduler (trund) at %s; using the local scheduler", url)
            return factory.create_local_scheduler()
        if not _timed_out(error):
            raise
    return factory.create_remote_scheduler(url)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``'s sub-exception (an RPCError's) and the exceptions it was raised from or during."""
    seen: set[int] = set()
    current: BaseException | None = getattr(error, "sub_exception", None) or error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _nothing_listening(error: BaseException) -> bool:
    """Whether the connection was refused: no process listens at the address."""
    return any(isinstance(e, ConnectionRefusedError) for e in _causes(error))


def _timed_out(error: BaseException) -> bool:
    """Whether a server accepted the connection but did not answer in time."""
    return any(isinstance(e, TimeoutError) for e in _causes(error))


def build(steps: Iterable[Step] | Any, worker_scheduler_factory: Any = None, detailed_summary: Any = False,
          **env_params: Any) -> Any:
    """Run ``steps`` and their dependencies.  Returns True/False (everything succeeded), or the
    TrunRunResult if ``detailed_summary``.  ``env_params`` are ``[core]`` settings (``workers``,
    ``local_scheduler``, ``log_level``...) or worker settings (``executor``, ``dask_address``...).
    Typed no stricter than Luigi's (untyped) ``build``: a call mypy accepts there passes here too."""
    env_params.setdefault("no_lock", True)  # as in Luigi, build() takes the lock only if asked to
    result = _schedule_and_run(list(steps), worker_scheduler_factory, env_params)
    return result if detailed_summary else result.scheduling_succeeded


def run(cmdline_args: list[str] | Any = None, main_step_cls: type | Any = None,
        worker_scheduler_factory: Any = None, use_dynamic_argparse: Any = None, local_scheduler: Any = False,
        detailed_summary: Any = False) -> Any:
    """Parse a command line (``StepName --param value --workers 2 ...``) and run it."""
    from trun.cmdline_parser import CmdlineParser

    if cmdline_args is not None and not isinstance(cmdline_args, (list, tuple)):
        raise TypeError(f"cmdline_args must be a list or tuple of strings, not {type(cmdline_args).__name__}")
    args = list(sys.argv[1:] if cmdline_args is None else cmdline_args)
    if main_step_cls is not None:
        args = [main_step_cls.get_step_family()] + args
    if local_scheduler:
        args.append("--local-scheduler")
    with CmdlineParser.global_instance(args) as cp:
        result = _schedule_and_run([cp.get_step_obj()], worker_scheduler_factory)
    return result if detailed_summary else result.scheduling_succeeded


def _run(cmdline_args: list[str] | Any = None, main_step_cls: type | Any = None,
         worker_scheduler_factory: Any = None, use_dynamic_argparse: Any = None, local_scheduler: Any = False,
         detailed_summary: Any = False) -> TrunRunResult:
    """``run`` giving the TrunRunResult whatever ``detailed_summary`` says, as Luigi's ``_run`` (which
    code with its own run_with_retcodes calls, gokart's among it, for ``.worker``)."""
    return run(cmdline_args, main_step_cls, worker_scheduler_factory, use_dynamic_argparse, local_scheduler,
               detailed_summary=True)

