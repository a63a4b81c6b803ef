"""The built-in config sections as Config classes: ``[core]``, ``[worker]``, ``[scheduler]``, ``[retcode]``.

Each is also settable from the command line, e.g. ``--worker-timeout 60`` or ``--scheduler-retry-delay 5``.
Every parameter here is read by trun and does what Luigi's setting of the same name does.  Luigi's
settings that trun does not implement are not parameters: a config file may still name them
(``configuration.IGNORED_LUIGI_KEYS``), and they are listed in README "Differences from Luigi".
"""

from __future__ import annotations

import datetime
import os
import tempfile
from typing import Any

from trun import parameter as p
from trun.configuration import KNOWN_KEYS
from trun.metrics import MetricsCollectors
from trun.step import Config


class core(Config):
    """General settings ([core])."""

    ignore_unconsumed = KNOWN_KEYS["core"]  # the other names of keys, and Luigi's that trun ignores

    local_scheduler = p.BoolParameter(default=False, description="Use an in-process scheduler",
                                      always_in_help=True)
    scheduler_host = p.Parameter(default="localhost", config_path={"section": "core",
                                                                     "name": "default-scheduler-host"})
    scheduler_port = p.IntParameter(default=8082, config_path={"section": "core",
                                                                "name": "default-scheduler-port"})
    scheduler_url = p.OptionalParameter(default=None, description="Full URL of the central scheduler",
                                        config_path={"section": "core", "name": "default-scheduler-url"})
    workers = p.IntParameter(default=1, description="Number of worker processes")
    assistant = p.BoolParameter(default=False, description="Run as an assistant: any step others added")
    module = p.OptionalParameter(default=None, description="Module to import before looking up steps",
                                always_in_help=True)
    log_level = p.ChoiceParameter(default="DEBUG", choices=("NOTSET", "DEBUG", "INFO", "WARNING",
                                                              "ERROR", "CRITICAL"))
    logging_conf_file = p.OptionalParameter(default=None)
    no_configure_logging = p.BoolParameter(default=False)
    parallel_scheduling = p.BoolParameter(default=False)
    parallel_scheduling_processes = p.IntParameter(default=0)
    step_log_dir = p.OptionalParameter(default=None, description="Write each step's log to <dir>/<id>.log")
    no_lock = p.BoolParameter(default=False, description="Run even if the same command is already running")
    lock_pid_dir = p.Parameter(default=os.path.join(tempfile.gettempdir(), "trun"),
                               description="Directory of the pid files that make one run per command line")
    lock_size = p.IntParameter(default=1, description="How many runs of the same command may run at once")
    take_lock = p.BoolParameter(default=False, description="Signal running instances to stop, then run")
    rpc_connect_timeout = p.FloatParameter(default=10.0, description="Seconds a request to trund may take")
    rpc_retry_attempts = p.IntParameter(default=3, description="Tries of a request trund does not answer")
    rpc_retry_wait = p.FloatParameter(default=30.0, description="Seconds between those tries")
    rpc_log_retries = p.BoolParameter(default=True, description="Log each retry of a request to trund")
    help = p.BoolParameter(default=False, description="Show the common options and the step's",
                          always_in_help=True)
    help_all = p.BoolParameter(default=False, description="Show every option of every section",
                              always_in_help=True)


class worker(Config):
    """Worker settings ([worker])."""

    ignore_unconsumed = KNOWN_KEYS["worker"]

    timeout = p.FloatParameter(default=0.0, description="Default per-step timeout in seconds (0: none)")
    wait_interval = p.FloatParameter(default=0.05)
    keep_alive = p.BoolParameter(default=False, description="When nothing can run now, wait while steps of "
                                 "this worker are pending (a retry after retry_delay, requirements run by "
                                 "other workers) instead of ending, as Luigi's")
    max_keep_alive_idle_duration = p.TimeDeltaParameter(
        default=datetime.timedelta(0), description="With keep_alive: end after idling this long (0: none)")
    step_limit = p.OptionalIntParameter(default=None)
    check_unfulfilled_deps = p.BoolParameter(default=True)
    check_complete_on_run = p.BoolParameter(default=False)
    force_multiprocessing = p.BoolParameter(default=False)
    cache_step_completion = p.BoolParameter(default=False, description="Remember which steps were "
                                            "found complete (or ran) and do not ask them again")
    no_install_shutdown_handler = p.BoolParameter(default=False, description="Do not stop asking for work "
                                                  "on SIGUSR1 (sent by a --take-lock run)")
    send_failure_email = p.BoolParameter(default=True, description="Mail [email] receiver when a step "
                                         "fails (if a receiver is set)")
    step_process_context = p.OptionalParameter(default=None, description="module.Class built with each "
                                               "step's StepProcess and entered around its run()")
    id = p.Parameter(default="", description="This worker's id (default: made from host, pid and processes)")
    ping_interval = p.FloatParameter(default=1.0, description="Seconds between heartbeats to the scheduler")
    count_uniques = p.BoolParameter(default=False, description="With keep_alive: wait only while a pending "
                                    "step is wanted by this worker alone")
    count_last_scheduled = p.BoolParameter(default=False, description="With keep_alive: wait only while a "
                                           "pending step was last scheduled by this worker")
    wait_jitter = p.FloatParameter(default=0.0, description="Up to this many seconds, at random, added to "
                                   "each keep_alive wait (Luigi's default is 5)")
    max_reschedules = p.IntParameter(default=1, description="Times a step that found its requirements "
                                     "incomplete at run time is scheduled again")
    retry_external_steps = p.BoolParameter(default=False, description="Re-check incomplete external steps "
                                           "while running (retried as failed steps are)")
    executor = p.ChoiceParameter(default="local", choices=("local", "dask"))
    dask_address = p.OptionalParameter(default=None)


class OptionalSecondsParameter(p.OptionalFloatParameter):
    """Seconds, or None: an int is as good as a float (Luigi's scheduler takes ints for these)."""

    expected_type = (int, float)


class scheduler(Config):
    """Scheduler settings ([scheduler])."""

    ignore_unconsumed = KNOWN_KEYS["scheduler"]

    retry_delay = p.FloatParameter(default=900.0, description="Seconds before a failed step is retried")
    retry_count = p.IntParameter(default=999_999_999, description="Failures within disable_window that "
                                 "disable a step")
    disable_window = p.FloatParameter(default=3600.0)
    disable_hard_timeout = OptionalSecondsParameter(default=None, description="Disable a step failing this "
                                                    "many seconds after its first failure")
    disable_persist = p.FloatParameter(default=86400.0, description="Seconds a step stays disabled")
    remove_delay = p.FloatParameter(default=600.0, description="Seconds before trund forgets abandoned steps")
    worker_disconnect_delay = p.FloatParameter(default=60.0, description="Seconds of silence before a "
                                               "worker is dropped and its running steps re-queued")
    prune_on_get_work = p.BoolParameter(default=False)
    record_step_history = p.BoolParameter(default=True, description="Keep each step's status changes")
    max_shown_steps = p.IntParameter(default=100000)
    max_graph_nodes = p.IntParameter(default=100000)
    state_path = p.OptionalParameter(default=None, description="trund's SQLite state file")
    batch_emails = p.BoolParameter(default=False, description="Mail failures and disables in batches "
                                   "([batch_email]) rather than one by one")
    metrics_collector = p.EnumParameter(enum=MetricsCollectors, default=MetricsCollectors.default,
                                        description="Where step metrics go: default (none), none, "
                                        "prometheus or custom")
    metrics_custom_import = p.OptionalStrParameter(default=None, description="module.Class of the "
                                                   "MetricsCollector when metrics_collector = custom")
    pause_enabled = p.BoolParameter(default=True, description="Whether pause() pauses the scheduler")
    send_messages = p.BoolParameter(default=True, description="Whether messages reach running steps")
    stable_done_cooldown_secs = OptionalSecondsParameter(
        default=None, description="If set: seconds a DONE step stays done when added as pending again "
        "(then it runs again; Luigi's default is 10)")

    def _get_retry_policy(self) -> Any:
        """Luigi's: the section's retry options as a ``RetryPolicy`` (no hard timeout: Luigi's 999999999)."""
        from trun.scheduler_records import RetryPolicy  # here: the records module imports settings users

        hard = 999_999_999 if self.disable_hard_timeout is None else self.disable_hard_timeout
        return RetryPolicy(self.retry_count, hard, self.disable_window)


class retcode(Config):
    """Process exit codes of the ``trun`` command, by outcome (the highest applicable one is used;
    see ``trun.retcodes``)."""

    # Luigi's defaults: only trun crashing is non-zero; set the others to tell outcomes apart.
    already_running = p.IntParameter(default=0)
    missing_data = p.IntParameter(default=0)
    not_run = p.IntParameter(default=0)
    step_failed = p.IntParameter(default=0)
    scheduling_error = p.IntParameter(default=0)
    unhandled_exception = p.IntParameter(default=4)
