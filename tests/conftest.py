"""Shared fixtures of the project's own tests: app → client, as in Flask's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockserver import create_app

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
