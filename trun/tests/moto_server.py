"""What the paired tests of trun.contrib.ecs and .batch share about moto's server (the one of
``s3_server``, which answers every AWS service): the environment that sends boto3 there, and a
``setup`` for run_pair that empties the server before each engine runs."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any


def aws_env(endpoint: str) -> dict[str, str]:
    """boto3's settings for a scenario: every service at ``endpoint``, dummy credentials."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing"}


def _post(url: str, body: dict[str, Any] | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=30).read()


def configure(endpoint: str, config: dict[str, Any]) -> None:
    """Set moto's own configuration (``{"batch": {"use_docker": False}}``, ...)."""
    _post(f"{endpoint}/moto-api/config", config)


def reset_before_each(endpoint: str):
    """A ``setup`` for run_pair: each engine starts from an empty server."""
    def setup(work: Path, engine: str) -> None:
        _post(f"{endpoint}/moto-api/reset")
    return setup
