"""`ticklab pipeline --scheduler-url`: the batch pipeline scheduled by a real trund process, visible in
its API and its visualiser (a PNG of the pipeline's graph, as `make demo` saves)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ticklab.testing import market_config
from trun.screenshot import ScreenshotError, find_chromium, save_screenshot

CONFIG = market_config(["AAA", "BBB"], seed=11, events_per_day=3000)


def api(url: str, method: str, **kwargs: object) -> object:
    query = urllib.parse.urlencode({"data": json.dumps(kwargs)})
    with urllib.request.urlopen(f"{url}/api/{method}?{query}", timeout=60) as reply:
        return json.loads(reply.read())["response"]


@pytest.fixture
def trund(tmp_path: Path):
    proc = subprocess.Popen([sys.executable, "-m", "trun.trund", "--port", "0", "--state-path",
                             str(tmp_path / "trund.sqlite"), "--log-level", "WARNING"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("trund listening on "), line
    yield line.split()[-1]
    proc.terminate()
    proc.wait(30)


def test_pipeline_runs_through_trund_and_shows_in_the_visualiser(tmp_path: Path, trund: str):
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text(CONFIG)
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)], check=True,
                   capture_output=True)
    done = subprocess.run([sys.executable, "-m", "ticklab.cli", "pipeline", "--config", str(cfg),
                           "--scheduler-url", trund], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    page = api(trund, "step_page", limit=100)
    # one ingest step per day, and one indicators / stats step per day covering both stocks
    assert page["families"] == {"IngestDay": 2, "Indicators": 2, "Pipeline": 1, "RawDay": 2, "Stats": 2}
    assert page["counts"]["DONE"] == 9 and page["total"] == 9
    (root,) = [s["step_id"] for s in page["steps"] if s["name"] == "Pipeline"]
    assert len(api(trund, "dep_graph", step_id=root)) == 9  # the whole graph hangs off the wrapper
    try:
        find_chromium()
    except ScreenshotError:
        pytest.fail("no chromium for the screenshot (make test installs it)")
    artifacts = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
    png = Path(save_screenshot(f"{trund}/#tab=graph&step={urllib.parse.quote(root)}",
                               str(artifacts / "trund-pipeline-graph.png")))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
