"""trun.contrib.docker_runner, .ecs, .batch and .kubernetes without their client libraries, and
ECS without an AWS region: each module loads and says what is missing; where trun differs from
Luigi 3.8.1 (an ECS import with no region fails there; a DockerStep without docker fails there
with an AttributeError on ``None``), the difference is checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from luigi_pair import luigi_python
from without_packages import run_without

import trun


def test_modules_load_without_their_client_packages():
    out = run_without(["docker", "boto3", "pykube"], (
        "import trun.contrib.docker_runner as d, trun.contrib.ecs, trun.contrib.batch\n"
        "import trun.contrib.kubernetes\n"
        "try:\n    d.DockerStep()\nexcept ImportError as e:\n    print(e)\n"))
    assert "pip install 'trun[docker_runner]'" in out.stdout
    for extra in ("docker_runner", "ecs", "batch", "kubernetes"):
        assert f"pip install 'trun[{extra}]'" in out.stderr, extra


def _without_region(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "absent")
    return env


def test_ecs_without_a_region_fails_at_first_use_not_at_import(tmp_path):
    env = _without_region(tmp_path)
    luigi = subprocess.run([luigi_python(), "-c", "import luigi.contrib.ecs"], capture_output=True,
                           text=True, env=env, timeout=60)
    assert luigi.returncode != 0 and "NoRegionError" in luigi.stderr
    code = ("import trun.contrib.ecs as ecs\nfrom botocore.exceptions import NoRegionError\n"
            "assert ecs.client is None\n"
            "try:\n    ecs._get_step_statuses(['arn'], 'default')\n"
            "except NoRegionError:\n    print('no region')\n")
    env["PYTHONPATH"] = str(Path(trun.__file__).resolve().parents[1])
    ours = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.strip() == "no region"
