"""trun.contrib.prometheus_metric and trun.contrib.datadog_metric driven by a real scheduler: the
Prometheus labels [prometheus] chooses, and Datadog's StatsD packets and API events received by a
UDP socket and an HTTP server on loopback (Luigi's bench venv has neither client library, so the
expected texts are Luigi's, renamed)."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading

import pytest

import trun
from trun.metrics import MetricsCollectors
from trun.scheduler import Scheduler
from trun.scheduler_options import scheduler_from_config


def _drive(scheduler: Scheduler) -> None:
    """A(n=1) runs and is done; B() fails once and is disabled (retry_count = 1)."""
    scheduler.add_step("A(n=1)", family="A", params={"n": "1"}, worker="w")
    scheduler.add_step("B()", family="B", worker="w")
    for _ in range(2):
        step = scheduler.get_work(worker="w")["step_id"]
        scheduler.add_step(step, status="DONE" if step == "A(n=1)" else "FAILED", worker="w", expl="boom")


def _collector(scheduler: Scheduler):
    (hook,) = [h for h in scheduler._hooks if hasattr(h, "collector")]
    return hook.collector


def test_prometheus_labels_from_the_prometheus_section():
    pytest.importorskip("prometheus_client")
    cfg = trun.configuration.get_config()
    cfg.set("scheduler", "metrics_collector", "prometheus")
    cfg.set("prometheus", "step_parameters_to_use_in_labels", '["n"]')
    scheduler = Scheduler()
    _drive(scheduler)
    text = _collector(scheduler).generate_latest().decode()
    assert 'trun_step_started_total{family="A",n="1"} 1.0' in text
    assert 'trun_step_done_total{family="A",n="1"} 1.0' in text
    assert 'trun_step_failed_total{family="B",n="None"} 1.0' in text
    assert "# HELP trun_step_done_total number of done trun steps" in text
    assert 'trun_step_execution_time_seconds{family="A",n="1"}' in text
    cfg.set("prometheus", "use_step_family_in_labels", "false")
    cfg.set("prometheus", "step_parameters_to_use_in_labels", "[]")
    with pytest.raises(ValueError, match="Prometheus labels cannot be empty"):
        MetricsCollectors.get(MetricsCollectors.prometheus)


class _Events(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.events.append((self.path.split("?")[0], body))
        reply = json.dumps({"status": "ok"}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def datadog_sinks(monkeypatch):
    """A StatsD socket and a Datadog API server on loopback, named in [datadog] and DATADOG_HOST."""
    datadog = pytest.importorskip("datadog")
    statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    statsd.bind(("127.0.0.1", 0))
    statsd.settimeout(30)
    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Events)
    api.events = []
    threading.Thread(target=api.serve_forever, daemon=True).start()
    monkeypatch.setenv("DATADOG_HOST", f"http://127.0.0.1:{api.server_port}")
    monkeypatch.setattr(datadog.api, "_api_host", None)  # initialize() then reads DATADOG_HOST
    cfg = trun.configuration.get_config()
    cfg.set("scheduler", "metrics_collector", "datadog")
    cfg.set("datadog", "statsd_host", "127.0.0.1")
    cfg.set("datadog", "statsd_port", str(statsd.getsockname()[1]))
    cfg.set("datadog", "environment", "test")
    yield statsd, api
    api.shutdown()
    statsd.close()


def _received(statsd: socket.socket) -> list[str]:
    """Every packet sent so far: a sentinel sent last marks the end (loopback keeps the order)."""
    statsd.sendto(b"end", statsd.getsockname())
    packets = []
    while (packet := statsd.recv(4096).decode()) != "end":
        packets += packet.splitlines()
    # the client's own telemetry (datadog.dogstatsd.client.*, every 10 s) is not the collector's
    return sorted(p for p in packets if p.startswith("trun."))


def test_datadog_metrics_and_events(datadog_sinks):
    statsd, api = datadog_sinks
    cfg = trun.configuration.get_config()
    for key, value in (("retry_count", "1"), ("disable_window", "600"), ("disable_persist", "3600")):
        cfg.set("scheduler", key, value)
    _drive(scheduler_from_config())  # the scheduler the local scheduler and trund use
    # Luigi's scheduler reports a step disabled by its failure as disabled only; trun's reports it
    # failed, then disabled (a difference of trun.scheduler, not of the collector): failed aside
    packets = [p for p in _received(statsd) if not p.startswith("trun.step.failed")]
    a_tags = "step_name:A,n:1,environment:test,application:trun"
    b_tags = "step_name:B,environment:test,application:trun"
    assert packets[0] == f"trun.step.disabled:1|c|#{b_tags}"
    assert packets[1] == f"trun.step.done:1|c|#{a_tags}"
    assert packets[2].startswith("trun.step.execution_time:") and packets[2].endswith(f"|g|#{a_tags}")
    assert float(packets[2].split(":")[1].split("|")[0]) >= 0
    assert packets[3:] == [f"trun.step.started:1|c|#{a_tags}", f"trun.step.started:1|c|#{b_tags}"]
    events = {body["title"]: body for path, body in api.events if path == "/api/v1/events"}
    assert sorted(events) == ["Trun: A step has been completed!", "Trun: A step has been disabled!",
                              "Trun: A step has been started!", "Trun: A step has failed!"]
    done = events["Trun: A step has been completed!"]
    assert done["text"] == "A step has completed in the pipeline named: A"
    assert done["tags"] == ["step_name:A", "n:1", "step_state:DONE", "environment:test", "application:trun"]
    assert [done["alert_type"], done["priority"]] == ["info", "low"]
    disabled = events["Trun: A step has been disabled!"]
    # Luigi's [scheduler] disable_window and disable_persist are integers, trun.settings' floats
    assert re.fullmatch(r"A step has been disabled in the pipeline named: B\. The step has failed 1 times in "
                        r"the last 600(\.0)? seconds, so it is being disabled for 3600(\.0)? seconds\.",
                        disabled["text"])
    assert [disabled["alert_type"], disabled["priority"]] == ["error", "normal"]
