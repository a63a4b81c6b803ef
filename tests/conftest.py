"""Shared fixtures of the cross-language tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def require_services() -> None:
    """Fails, never skips, when the C++ service binaries are missing: `make test` builds them."""
    from services_env import services_built

    if not services_built():
        pytest.fail("C++ services not built: run `make build`")
