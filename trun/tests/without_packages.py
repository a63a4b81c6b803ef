"""Run Python code in a fresh interpreter where some packages cannot be imported, for the tests
of trun's optional dependencies (a contrib module must load without its driver, and say so)."""

import subprocess
import sys


def run_without(packages: list[str], code: str) -> subprocess.CompletedProcess:
    """Run ``code`` with ``packages`` unimportable and log records printed bare to stderr; the
    run must succeed (its stdout and stderr are returned to be checked)."""
    hide = "".join(f"sys.modules[{p!r}] = None\n" for p in packages)
    preamble = f"import sys, logging\n{hide}logging.basicConfig(format='%(message)s')\n"
    out = subprocess.run([sys.executable, "-c", preamble + code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out
