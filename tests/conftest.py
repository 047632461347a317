"""Shared fixtures of the project's own tests: app → client, as in Flask's tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx  # noqa: F401 - see below
import numpy  # noqa: F401 - see below
import pytest
import schemathesis.core.schema_analysis
import schemathesis.engine.events
import schemathesis.engine.summary
import schemathesis.reporting.html.writer
import schemathesis.reporting.junitxml
import schemathesis.reporting.recorders  # noqa: F401 - see below
from flask import Flask
from flask.testing import FlaskClient

from mockserver import create_app

# pytester's in-process runs drop from sys.modules whatever they imported; a module
# imported there first and again later exists twice (numpy refuses outright; two copies
# of Schemathesis' event classes made the contract suite see no verdicts at all). Loading
# them here, before any such run, keeps one copy for the whole session.

TRANSACTIONS = "/api/v1/me/billing/transactions"


@pytest.fixture(scope="session")
def app() -> Flask:
    return create_app()


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


def bearer(key: str = "bsk_test_default") -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
