"""Fixtures for the core's tests."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from tests.plugins import acme, wpcompat


@pytest.fixture
def compat_app(make_app: Callable[..., Any]) -> Any:
    """An app with routes registered as WordPress plugins register them (``compat/v1``),
    and the acme plugin (its routes, and callers by ``X-Test-User``)."""
    wpcompat.ASKED.clear()
    return make_app(plugins=["system", acme, wpcompat])


@pytest.fixture
def compat(compat_app: Any) -> Client:
    return Client(compat_app)
