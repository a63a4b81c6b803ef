"""What a person sees from the CLI on bad input or nothing to do: a message and a documented exit
code (ticklab.commands.exit_codes), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import services_env

from ticklab.commands import exit_codes

pytestmark = pytest.mark.usefixtures("require_services")


def ticklab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ticklab.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env={**os.environ, "COLUMNS": "80"})


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text(services_env._config(tmp_path, "stats.sqlite", 2000))
    return cfg


def no_traceback(p: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in p.stderr + p.stdout, p.stderr


def test_ingest_of_an_unknown_stock_exits_3(config: Path) -> None:
    assert ticklab("generate", "--config", str(config)).returncode == 0
    p = ticklab("ingest", "--config", str(config), "--stocks", "ZZZZ")
    no_traceback(p)
    assert p.returncode == exit_codes.NOTHING_TO_DO, (p.stdout, p.stderr)
    assert "nothing to do" in p.stderr and "ZZZZ" in p.stderr
    ok = ticklab("ingest", "--config", str(config))
    assert ok.returncode == 0, ok.stderr
    partial = ticklab("ingest", "--config", str(config), "--stocks", "AAPL,ZZZZ")
    assert partial.returncode == exit_codes.PARTIAL and "ZZZZ" in partial.stderr, partial.stderr


def test_stats_run_with_nothing_to_do_exits_3(config: Path) -> None:
    p = ticklab("stats", "run", "--config", str(config))
    no_traceback(p)
    assert p.returncode == exit_codes.NOTHING_TO_DO, (p.stdout, p.stderr)
    assert "nothing to do" in p.stderr


def test_stats_show_on_a_file_that_is_not_a_database(config: Path, tmp_path: Path) -> None:
    (tmp_path / "stats.sqlite").write_text("this is not sqlite\n" * 100)
    p = ticklab("stats", "show", "--config", str(config))
    no_traceback(p)
    assert p.returncode == exit_codes.ERROR
    assert "stats.sqlite" in p.stderr and "not a ticklab stats database" in p.stderr


def test_generator_refuses_a_stock_name_that_is_a_path(tmp_path: Path) -> None:
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text(services_env._config(tmp_path, "stats.sqlite", 2000).replace('"AAPL"', '"A/B"'))
    p = ticklab("generate", "--config", str(cfg))
    no_traceback(p)
    assert p.returncode != 0 and "A/B" in p.stderr
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*B*"))


def test_pipeline_with_an_impossible_day(config: Path) -> None:
    p = ticklab("pipeline", "--config", str(config), "--day", "2024-02-30")
    no_traceback(p)
    assert p.returncode == exit_codes.USAGE and "2024-02-30" in p.stderr


def _free_ports(n: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_second_up_and_second_gateway_say_which_port_is_taken(tmp_path: Path) -> None:
    import re
    import signal

    ports = _free_ports(4)
    text = services_env._config(tmp_path, "stats.sqlite", 2000)
    for name, port in zip(("gateway", "data", "indicators", "stats"), ports, strict=True):
        text = re.sub(rf"^{name}_port = 0$", f"{name}_port = {port}", text, flags=re.M)
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text(text)
    first = subprocess.Popen([sys.executable, "-m", "ticklab.cli", "up", "--config", str(cfg),
                              "--refresh", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    try:
        assert first.stdout is not None
        for line in first.stdout:                  # until every service answers its health check
            if "all services SERVING" in line:
                break
        assert first.poll() is None
        second = ticklab("up", "--config", str(cfg))
        no_traceback(second)
        assert second.returncode == 1
        assert f"data: port {ports[1]} on 127.0.0.1 is in use" in second.stdout + second.stderr
        gateway = ticklab("gateway", "--config", str(cfg))
        no_traceback(gateway)
        assert gateway.returncode == 1
        assert f"gateway: port {ports[0]} on 127.0.0.1 is in use" in gateway.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(60)
