"""Typed clients generated from the OpenAPI documents parse what the mock serves.

Teams read the documents with their own tools, not only with Schemathesis. From the full
document openapi-python-client once generated a client with no model for the `200` (it
cannot follow a `$ref` into a component's `$defs`), so every page parsed to `None`. Here
openapi-python-client (a whole client) and datamodel-code-generator (pydantic models) run
on both documents, and the generated code reads real answers of every built-in account:
pages into typed entries, each `source` into the class of its shape, and the `400`/`401`
error envelopes into their narrowed types. Each parse must also be lossless (the typed
value dumps back to the JSON that was served).

The generators are the `openapi-tools` extra. Without them these tests fail, saying so:
a skip would hide exactly the regression they exist for.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from flask import Flask

from mockserver import builtin_config
from tests.conftest import TRANSACTIONS

REPO = Path(__file__).resolve().parents[2]
STRENGTHS = ("full", "documented")
KINDS = ("topup", "refund", "admin_credit", "admin_debit", "subscription_renew")
ACTIVE_KEYS = [key for account in builtin_config().accounts for key in account.keys]
GENERATORS = {
    "openapi_python_client": "openapi-python-client",
    "datamodel_code_generator": "datamodel-code-generator",
}
INSTALL_HINT = "pip install -e '.[openapi-tools]'"
BASE_URL = "http://ledger.test/api/v1"

# Two generator runs in subprocesses (~5 s each on 2 cores) and every account's pages.
pytestmark = pytest.mark.slow

# The class each source shape must parse into.
SOURCE_CLASSES = {
    "full": {
        "TopupCardSource",
        "TopupWireSource",
        "RefundSource",
        "AdminSource",
        "SubscriptionSource",
    },
    "documented": {"TopupSource", "AdminSource", "OtherSource"},
}


def expected_source(strength: str, item: dict[str, Any]) -> str:
    """The generated class an item's `source` must become."""
    kind = item["kind"]
    if strength == "documented":  # the docs promise shapes for top-ups and admin entries only
        admin = {"admin_credit": "AdminSource", "admin_debit": "AdminSource"}
        return {"topup": "TopupSource", **admin}.get(kind, "OtherSource")
    if kind == "topup":
        return "TopupCardSource" if item["source"]["provider"] == "stripe" else "TopupWireSource"
    return {
        "refund": "RefundSource",
        "admin_credit": "AdminSource",
        "admin_debit": "AdminSource",
        "subscription_renew": "SubscriptionSource",
    }[kind]


def queries() -> Iterator[tuple[str, dict[str, Any]]]:
    """(key, query) for every active built-in key: its first page, and one page per kind.

    A page per kind makes every source shape an account holds appear, also in the large
    accounts whose first page is a few weeks of top-ups and renewals.
    """
    for key in ACTIVE_KEYS:
        yield key, {"page": 1, "page_size": 200}
        for kind in KINDS:
            yield key, {"page": 1, "page_size": 20, "kind": kind}


def query_string(query: dict[str, Any]) -> str:
    return "&".join(f"{name}={value}" for name, value in query.items())


# --------------------------------------------------------------------------- generating


def missing_generators() -> list[str]:
    return [dist for module, dist in GENERATORS.items() if not importlib.util.find_spec(module)]


def ready(tools: Generated | None) -> Generated:
    """The generated code, or the test FAILS (never skips) naming what to install.

    Called in the test body, not in the fixture: a failing fixture reports an error.
    """
    if tools is None:
        pytest.fail(
            f"{', '.join(missing_generators())} not installed: the typed-client tests need "
            f"the openapi-tools extra ({INSTALL_HINT})",
            pytrace=False,
        )
    return tools


def run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command[:3])} failed:\n{output}"
    return output


def import_package(folder: Path, name: str) -> ModuleType:
    """Import the generated package in `folder` under the (unique) name `name`."""
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Generated:
    strength: str
    client: ModuleType  # openapi-python-client's package
    models: ModuleType  # datamodel-code-generator's module

    def client_module(self, dotted: str) -> Any:
        return importlib.import_module(f"{self.client.__name__}.{dotted}")


@pytest.fixture(scope="module", params=STRENGTHS)
def tools(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Generated | None]:
    """The generated code of one document; None without the generators (`ready` fails)."""
    if missing_generators():
        yield None
        return
    strength: str = request.param
    document = REPO / "schemas" / strength / "openapi.json"
    where = tmp_path_factory.mktemp(f"generated_{strength}")
    config = where / "openapi-python-client.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no ruff on the output
    package = where / f"ledger_client_{strength}"
    output = run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document),
         "--output-path", str(package), "--meta", "none", "--config", str(config)]
    )  # fmt: skip
    # It generates what it can and warns about the rest ("some pieces may be missing").
    assert "warning" not in output.lower(), output
    models = where / f"ledger_models_{strength}.py"
    run(
        [sys.executable, "-m", "datamodel_code_generator", "--input", str(document),
         "--input-file-type", "openapi", "--output", str(models),
         "--output-model-type", "pydantic_v2.BaseModel", "--target-python-version", "3.11"]
    )  # fmt: skip
    names = (package.name, models.stem)
    try:
        yield Generated(strength, import_package(package, names[0]), import_file(models, names[1]))
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] in names]:
            del sys.modules[name]


# ---------------------------------------------------------------------- openapi-python-client


def opc_client(generated: Generated, app: Flask, key: str | None) -> Any:
    """The generated client, sending its requests to the app in process (WSGI)."""
    transport = {"transport": httpx.WSGITransport(app=app)}
    if key is None:
        return generated.client.Client(base_url=BASE_URL, httpx_args=transport)
    return generated.client.AuthenticatedClient(base_url=BASE_URL, token=key, httpx_args=transport)


def test_openapi_python_client_parses_every_account(tools: Generated | None, app: Flask) -> None:
    generated = ready(tools)
    listing = generated.client_module("api.billing.list_billing_transactions")
    models = generated.client_module("models")
    seen_kinds, seen_sources = set(), set()
    for key, query in queries():
        arguments = dict(query)
        if "kind" in arguments:
            arguments["kind"] = models.ListBillingTransactionsKind(arguments["kind"])
        with opc_client(generated, app, key) as client:
            response = listing.sync_detailed(client=client, **arguments)
        where = f"{key} {query_string(query)}"
        assert response.status_code == 200, where
        page, body = response.parsed, json.loads(response.content)
        assert isinstance(page, models.Page), f"{where}: parsed to {page!r}"
        assert page.to_dict() == body, f"{where}: the typed page lost or changed something"
        for entry, item in zip(page.items, body["items"], strict=True):
            assert isinstance(entry, models.Entry)
            assert isinstance(entry.kind, models.Kind) and entry.kind.value == item["kind"]
            assert type(entry.source).__name__ == expected_source(generated.strength, item), item
            seen_kinds.add(item["kind"])
            seen_sources.add(type(entry.source).__name__)
    assert seen_kinds == set(KINDS)
    assert seen_sources == SOURCE_CLASSES[generated.strength]


@pytest.mark.parametrize(
    ("key", "query", "status", "type_", "param"),
    [
        ("bsk_test_default", {"page": 0}, 400, "InvalidRequestError", "page"),
        ("bsk_test_default", {"page_size": 201}, 400, "InvalidRequestError", "page_size"),
        ("bsk_test_revoked", {}, 401, "AuthenticationError", None),
        (None, {}, 401, "AuthenticationError", None),
    ],
)
def test_openapi_python_client_parses_errors(
    tools: Generated | None,
    app: Flask,
    key: str | None,
    query: dict[str, Any],
    status: int,
    type_: str,
    param: str | None,
) -> None:
    generated = ready(tools)
    listing = generated.client_module("api.billing.list_billing_transactions")
    models = generated.client_module("models")
    with opc_client(generated, app, key) as client:
        response = listing.sync_detailed(client=client, **query)
    assert response.status_code == status
    error = response.parsed
    assert type(error).__name__ == type_, f"parsed to {error!r}"
    assert error.to_dict() == json.loads(response.content)
    assert isinstance(error, getattr(models, type_))
    # openapi-python-client keeps the first definition of `error` in an allOf: the detail
    # is the shared ErrorDetail (`type` renamed `type_`), typed but not narrowed.
    detail = error.error
    assert isinstance(detail, models.ErrorDetail)
    kind = getattr(detail.type_, "value", detail.type_)  # full: the ErrorType enum
    assert kind == {400: "invalid_request_error"}.get(status, "authentication_error")
    if generated.strength == "full":
        assert isinstance(detail.type_, models.ErrorType)
        assert detail.param == param  # the documented strength promises `type` only


def test_openapi_python_client_head_has_no_body(tools: Generated | None, app: Flask) -> None:
    generated = ready(tools)
    head = generated.client_module("api.billing.head_billing_transactions")
    with opc_client(generated, app, "bsk_test_docs") as client:
        response = head.sync_detailed(client=client, page_size=2)
    with opc_client(generated, app, None) as client:
        unauthorized = head.sync_detailed(client=client)
    assert (response.status_code, response.content, response.parsed) == (200, b"", None)
    assert int(response.headers["Content-Length"]) > 0
    assert unauthorized.status_code == 401 and unauthorized.content == b""


# ------------------------------------------------------------------- datamodel-code-generator


def test_datamodel_code_generator_parses_every_account(tools: Generated | None, app: Flask) -> None:
    generated = ready(tools)
    models = generated.models
    seen_sources = set()
    with app.test_client() as client:
        for key, query in queries():
            answer = client.get(
                f"{TRANSACTIONS}?{query_string(query)}", headers={"Authorization": f"Bearer {key}"}
            )
            where = f"{key} {query_string(query)}"
            assert answer.status_code == 200, where
            page = models.Page.model_validate_json(answer.data)
            body = json.loads(answer.data)
            assert page.model_dump(mode="json") == body, f"{where}: lost or changed something"
            for entry, item in zip(page.items, body["items"], strict=True):
                assert isinstance(entry, models.Entry)
                assert entry.kind is models.Kind(item["kind"])
                source = type(entry.source).__name__
                assert source == expected_source(generated.strength, item), (where, item)
                seen_sources.add(source)
    assert seen_sources == SOURCE_CLASSES[generated.strength]


def test_datamodel_code_generator_parses_errors(tools: Generated | None, app: Flask) -> None:
    """Each status' error parses into its narrowed model, and not into the other one."""
    generated = ready(tools)
    models = generated.models
    from pydantic import ValidationError  # the openapi-tools extra brings pydantic

    with app.test_client() as client:
        bad_page = client.get(f"{TRANSACTIONS}?page=0", headers={"Authorization": "Bearer x"})
        revoked = client.get(TRANSACTIONS, headers={"Authorization": "Bearer bsk_test_revoked"})
        bad_size = client.get(
            f"{TRANSACTIONS}?page_size=0", headers={"Authorization": "Bearer bsk_test_default"}
        )
    assert (bad_page.status_code, revoked.status_code, bad_size.status_code) == (401, 401, 400)
    for answer, model, other in [
        (bad_page, models.AuthenticationError, models.InvalidRequestError),
        (revoked, models.AuthenticationError, models.InvalidRequestError),
        (bad_size, models.InvalidRequestError, models.AuthenticationError),
    ]:
        error = model.model_validate_json(answer.data)
        assert error.model_dump(mode="json") == json.loads(answer.data)
        generic = models.Error.model_validate_json(answer.data)
        assert generic.model_dump(mode="json") == json.loads(answer.data)
        with pytest.raises(ValidationError):
            other.model_validate_json(answer.data)
