"""The files in ``schemas/``: valid, offline, self-consistent, and as strict as CONTRACT.md says.

``full`` must reject every body that breaks a rule of the contract, documented or [decided];
``documented`` must reject only the bodies that break what the documentation page promises.
Each bad body is checked with python-jsonschema on the standalone files and with Schemathesis
(jsonschema_rs) on the OpenAPI documents, since the two engines differ.

Run as a script (``python tests/contract/test_schemas.py``) to rewrite
``components.schemas`` of both OpenAPI documents from the standalone files after
editing them.
"""

from __future__ import annotations

import copy
import http
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
import schemathesis
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.errors import FailureGroup
from werkzeug.test import Client, TestResponse

from tests.docs_page import docs_example_body

Json = Any
Mutation = Callable[[Json], None]

BASE = "https://schemas.bytespike.dev/ledger"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
STRENGTHS = ("full", "documented")
COMPONENTS = {"entry": "Entry", "page": "Page", "error": "Error"}
# The error envelope narrowed to one status: components no standalone file holds.
OPENAPI_ONLY = ("InvalidRequestError", "AuthenticationError")
PATH = "/me/billing/transactions"
KINDS = ["topup", "refund", "admin_credit", "admin_debit", "subscription_renew"]

REPO_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

# The response example of the documentation page, read from the page itself.
DOCS_EXAMPLE: Json = docs_example_body()
ERROR_400: Json = {
    "error": {
        "type": "invalid_request_error",
        "message": "page_size must be an integer between 1 and 200",
        "param": "page_size",
    }
}


def schema_dir(strength: str) -> Path:
    """The checkout's ``schemas/``: the files the mock and the suite read in a source tree."""
    return REPO_SCHEMAS / strength


def load(strength: str, name: str) -> Json:
    return json.loads((schema_dir(strength) / f"{name}.json").read_text(encoding="utf-8"))


def registry(strength: str) -> Registry[Json]:
    """The folder's JSON Schemas, and nothing else: an unknown URI raises, never fetches."""
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema))
        for schema in (load(strength, name) for name in COMPONENTS)
    )


def validator(strength: str, name: str) -> Draft202012Validator:
    return Draft202012Validator(load(strength, name), registry=registry(strength))


def walk(node: Json) -> Iterator[dict[str, Json]]:
    """Every object inside a JSON document, the document included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The innermost errors: those under a failed ``oneOf``/``anyOf`` rather than the wrapper."""
    for error in errors:
        if error.context:
            yield from leaves(error.context)
        else:
            yield error


def hoist(strength: str) -> dict[str, Json]:
    """The standalone files as flat OpenAPI components, the way every OpenAPI tool reads them.

    Each file becomes a component named by its title (``Entry``, ``Page``, ``Error``) and
    each of its ``$defs`` a component of its own: tools such as openapi-python-client
    cannot follow a ``$ref`` into a component's nested ``$defs``.  ``$schema``, ``$id``
    and ``$defs`` are dropped and every ``$ref`` points into ``#/components/schemas``.
    """
    flat: dict[str, Json] = {}

    def ref(target: str, own: str) -> str:
        base, _, fragment = target.partition("#")
        name = (
            COMPONENTS[base.removeprefix(f"{BASE}/{strength}/").removesuffix(".json")]
            if base
            else own
        )
        if fragment.startswith("/$defs/"):
            name = fragment.removeprefix("/$defs/")
        elif fragment:
            raise ValueError(f"a $ref OpenAPI tools cannot follow: {target}")
        return f"#/components/schemas/{name}"

    def rewrite(node: Json, own: str) -> Json:
        if isinstance(node, dict):
            return {
                key: ref(value, own) if key == "$ref" else rewrite(value, own)
                for key, value in node.items()
                if key not in ("$schema", "$id", "$defs")
            }
        if isinstance(node, list):
            return [rewrite(value, own) for value in node]
        return node

    for name, component in COMPONENTS.items():
        schema = load(strength, name)
        assert schema["title"] == component, f"{strength}/{name}.json: title {component!r}"
        for key, value in [(component, schema), *schema.get("$defs", {}).items()]:
            assert key not in flat, f"{strength}: two components named {key}"
            flat[key] = rewrite(value, component)
    return flat


# --------------------------------------------------------------------------- files


def test_folder_holds_data_only() -> None:
    files = sorted(p.relative_to(REPO_SCHEMAS).as_posix() for p in REPO_SCHEMAS.rglob("*"))
    assert files == sorted(
        list(STRENGTHS) + [f"{s}/{n}.json" for s in STRENGTHS for n in [*COMPONENTS, "openapi"]]
    ), "schemas/ is data only: no __init__.py, no Python, nothing unlisted"


@pytest.mark.parametrize("strength", STRENGTHS)
@pytest.mark.parametrize("name", list(COMPONENTS))
def test_schema_is_valid_2020_12(strength: str, name: str) -> None:
    schema = load(strength, name)
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == f"{BASE}/{strength}/{name}.json"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("strength", STRENGTHS)
def test_every_ref_resolves_offline(strength: str) -> None:
    reg = registry(strength)
    for name in COMPONENTS:
        schema = load(strength, name)
        for node in walk(schema):
            if "$ref" in node:
                reg.resolver(base_uri=schema["$id"]).lookup(node["$ref"])


@pytest.mark.parametrize("strength", STRENGTHS)
def test_no_multiple_of_on_money(strength: str) -> None:
    for name in [*COMPONENTS, "openapi"]:
        assert not any("multipleOf" in node for node in walk(load(strength, name))), name
    assert "Decimal" in load(strength, "entry")["$comment"]


@pytest.mark.parametrize("strength", STRENGTHS)
def test_no_format_keyword(strength: str) -> None:
    """python-jsonschema ignores ``format`` by default and Schemathesis checks it."""
    for name in [*COMPONENTS, "openapi"]:
        assert not any("format" in node for node in walk(load(strength, name))), name


# --------------------------------------------------------------------------- good bodies


def realistic_page() -> Json:
    """One item of every kind and source shape, with awkward but valid values."""
    items = [
        ("topup", 50.0, {"provider": "stripe", "receipt_id": "ch_1", "method": "card_amex_0005"}),
        ("topup", 500, {"provider": "wire", "receipt_id": "wire_0042", "method": "wire_transfer"}),
        ("refund", 0.07, {"request_id": "req_01HZX", "model": "doubao-pro-32k"}),
        ("admin_debit", -19.99, {"actor": "ops@bytespike.ai"}),
        (
            "subscription_renew",
            -4.35,
            {"plan": "team", "period_start": "2024-02-29", "period_end": "2024-03-29"},
        ),
    ]
    return {
        "items": [
            {
                "id": 10 - i,
                "created_at": "2024-02-29T23:59:59Z",
                "kind": kind,
                "amount_usd": amount,
                "balance_after_usd": 0,
                "source": source,
                "note": "ticket #9" if kind.startswith("admin") else None,
            }
            for i, (kind, amount, source) in enumerate(items)
        ],
        "total": 5,
        "page": 2147483647,
        "page_size": 200,
    }


GOOD_PAGES = {"docs example": DOCS_EXAMPLE, "every kind": realistic_page()}


@pytest.mark.parametrize("strength", STRENGTHS)
@pytest.mark.parametrize("body", GOOD_PAGES.values(), ids=GOOD_PAGES)
def test_good_page_is_valid(strength: str, body: Json) -> None:
    validator(strength, "page").validate(body)


@pytest.mark.parametrize("strength", STRENGTHS)
def test_error_example_is_valid(strength: str) -> None:
    validator(strength, "error").validate(ERROR_400)
    validator(strength, "error").validate(
        {"error": {"type": "authentication_error", "message": "Invalid API key", "param": None}}
    )


# --------------------------------------------------------------------------- bad bodies


@dataclass(frozen=True)
class Bad:
    """A body that breaks the contract. ``decided``: it breaks only [decided] points."""

    id: str
    schema: str  # "page" or "error"
    at: str  # where in the body the full schema must find the fault
    decided: bool
    mutate: Mutation
    reason: str

    def body(self) -> Json:
        body = copy.deepcopy(DOCS_EXAMPLE if self.schema == "page" else ERROR_400)
        self.mutate(body)
        return body


def item(index: int, **changes: Json) -> Mutation:
    return lambda body: body["items"][index].update(changes)


def source(index: int, **changes: Json) -> Mutation:
    return lambda body: body["items"][index]["source"].update(changes)


def drop(*keys: str | int) -> Mutation:
    def mutate(body: Json) -> None:
        *parents, last = keys
        for key in parents:
            body = body[key]
        del body[last]

    return mutate


SUB = {"plan": "pro", "period_start": "2026-05-01", "period_end": "2026-06-01"}

BAD = [
    # source shapes
    Bad("card-with-wire-method", "page", "items/0/source", True,
        source(0, method="wire_transfer"),
        "a Stripe top-up is paid by card_<brand>_<last4>"),
    Bad("card-unknown-brand", "page", "items/0/source", True,
        source(0, method="card_discover_1111"),
        "card brands are visa, mastercard, amex"),
    Bad("wire-with-card-receipt", "page", "items/0/source", True,
        source(0, provider="wire", receipt_id="ch_1", method="wire_transfer"),
        "a wire receipt_id starts with wire_"),
    Bad("topup-without-method", "page", "items/0/source", True,
        drop("items", 0, "source", "method"),
        "a top-up source has exactly provider, receipt_id, method"),
    Bad("topup-with-admin-source", "page", "items/0/source", False,
        item(0, source={"actor": "ops@bytespike.ai"}),
        "the docs promise provider + receipt_id on a top-up"),
    Bad("refund-with-topup-source", "page", "items/0/source", True,
        item(0, kind="refund", source={"provider": "stripe", "receipt_id": "ch_1"}),
        "a refund source is {request_id, model}"),
    Bad("refund-empty-model", "page", "items/0/source/model", True,
        item(0, kind="refund", source={"request_id": "req_1", "model": ""}),
        "a refund names the model of the failed call"),
    Bad("admin-source-extra-key", "page", "items/1/source", True,
        source(1, ticket=312),
        "an admin source is exactly {actor}"),
    Bad("admin-actor-not-email", "page", "items/1/source/actor", True,
        source(1, actor="ops"),
        "the actor is an e-mail address"),
    Bad("admin-without-actor", "page", "items/1/source", False,
        item(1, source={}),
        "the docs promise an actor on admin entries"),
    Bad("subscription-unknown-plan", "page", "items/0/source/plan", True,
        item(0, kind="subscription_renew", amount_usd=-20, source={**SUB, "plan": "enterprise"}),
        "plans are starter, pro, team"),
    Bad("subscription-loose-date", "page", "items/0/source/period_end", True,
        item(0, kind="subscription_renew", amount_usd=-20,
             source={**SUB, "period_end": "2026-6-1"}),
        "periods are YYYY-MM-DD"),
    # amount sign
    Bad("topup-negative", "page", "items/0/amount_usd", False,
        item(0, amount_usd=-50.0),
        "the docs: positive for credits"),
    Bad("subscription-positive", "page", "items/0/amount_usd", False,
        item(0, kind="subscription_renew", amount_usd=20.0, source=SUB),
        "the docs: negative for debits"),
    Bad("topup-zero", "page", "items/0/amount_usd", True,
        item(0, amount_usd=0.0),
        "an amount is never 0"),
    Bad("refund-zero", "page", "items/0/amount_usd", True,
        item(0, kind="refund", amount_usd=0, source={"request_id": "req_1", "model": "m"}),
        "an amount is never 0"),
    Bad("subscription-zero", "page", "items/0/amount_usd", True,
        item(0, kind="subscription_renew", amount_usd=0, source=SUB),
        "an amount is never 0"),
    Bad("admin-credit-zero", "page", "items/1/amount_usd", True,
        item(1, amount_usd=0),
        "an amount is never 0"),
    Bad("admin-debit-zero", "page", "items/1/amount_usd", True,
        item(1, kind="admin_debit", amount_usd=0.0),
        "an amount is never 0"),
    Bad("negative-balance", "page", "items/1/balance_after_usd", True,
        item(1, balance_after_usd=-0.01),
        "the mock never lets the balance go below 0"),
    # exact key sets
    Bad("extra-key-on-item", "page", "items/0", True,
        item(0, currency="USD"),
        "an item carries exactly the 7 fields"),
    Bad("extra-key-on-page", "page", "", True,
        lambda b: b.update(has_more=False),
        "a page carries exactly items, total, page, page_size"),
    Bad("item-without-note", "page", "items/0", False,
        drop("items", 0, "note"),
        "all 7 fields are present on every item"),
    # note
    Bad("note-on-topup", "page", "items/0/note", False,
        item(0, note="paid by card"),
        "only admin entries carry a note"),
    # created_at
    Bad("created-at-fraction", "page", "items/0/created_at", True,
        item(0, created_at="2026-05-21T14:08:11.5Z"),
        "created_at has second precision"),
    Bad("created-at-offset", "page", "items/0/created_at", True,
        item(0, created_at="2026-05-21T14:08:11+00:00"),
        "created_at is written with Z"),
    Bad("created-at-space", "page", "items/0/created_at", True,
        item(0, created_at="2026-05-21 14:08:11Z"),
        "created_at uses T"),
    Bad("created-at-not-a-day", "page", "items/0/created_at", True,
        item(0, created_at="2026-02-30T14:08:11Z"),
        "created_at is a real calendar date"),
    Bad("created-at-newline", "page", "items/0/created_at", True,
        item(0, created_at="2026-05-21T14:08:11Z\n"),
        "python's re lets $ match before a final newline; maxLength closes that"),
    # scalars of the page and item
    Bad("page-size-201", "page", "page_size", False,
        lambda b: b.update(page_size=201),
        "page_size is at most 200"),
    Bad("page-over-int32", "page", "page", True,
        lambda b: b.update(page=2147483648),
        "page is at most 2147483647"),
    Bad("page-zero", "page", "page", False,
        lambda b: b.update(page=0),
        "page is at least 1"),
    Bad("total-negative", "page", "total", False,
        lambda b: b.update(total=-1),
        "total is a count"),
    Bad("id-zero", "page", "items/0/id", False,
        item(0, id=0),
        "id >= 1"),
    Bad("unknown-kind", "page", "items/0/kind", False,
        item(0, kind="usage"),
        "kind is one of five"),
    Bad("amount-as-string", "page", "items/0/amount_usd", False,
        item(0, amount_usd="50.00"),
        "amount_usd is a number"),
    # error envelope
    Bad("error-without-param", "error", "error", True,
        drop("error", "param"),
        "param is always present"),
    Bad("error-without-message", "error", "error", True,
        drop("error", "message"),
        "message is always present"),
    Bad("error-param-not-string", "error", "error/param", True,
        lambda b: b["error"].update(param=1),
        "param is a name or null"),
    Bad("error-extra-key", "error", "error", True,
        lambda b: b["error"].update(code="bad_page_size"),
        "the error object is exactly {type, message, param}"),
    Bad("error-envelope-extra-key", "error", "", True,
        lambda b: b.update(request_id="req_1"),
        "the envelope is exactly {error}"),
    Bad("error-unknown-type", "error", "error/type", True,
        lambda b: b["error"].update(type="bad_request"),
        "five error types"),
    Bad("error-without-type", "error", "error", False,
        drop("error", "type"),
        "the docs promise error.type"),
    # the source union and the flat components (the OpenAPI documents' structure)
    Bad("source-not-an-object", "page", "items/0/source", False,
        item(0, source="ch_1"),
        "the docs: source is an object"),
    Bad("subscription-with-admin-source", "page", "items/0/source", True,
        item(0, kind="subscription_renew", amount_usd=-20, note=None,
             source={"actor": "ops@bytespike.ai"}),
        "a shape of another kind is no subscription source"),
    Bad("refund-source-extra-key", "page", "items/0/source", True,
        item(0, kind="refund", source={"request_id": "req_1", "model": "m", "provider": "x"}),
        "a refund source is exactly {request_id, model}"),
    Bad("error-detail-not-an-object", "error", "error", False,
        lambda b: b.update(error="page_size must be an integer"),
        "the docs: error.type, so error is an object"),
]  # fmt: skip
BAD_IDS = [bad.id for bad in BAD]


def test_bad_ids_are_unique() -> None:
    assert len(set(BAD_IDS)) == len(BAD_IDS)


def through_source_union(error: ValidationError) -> bool:
    """Whether ``error`` comes from ``source``'s union of shapes, rather than the rules by kind.

    That union (``oneOf`` in full) exists so generated clients type each source; when a
    source is wrong it fails as a whole at the source object (no shape fits), while the
    ``if``/``then`` rules by kind say which field of the kind's own shape is wrong.
    """
    path = list(error.relative_schema_path)  # a $ref leaves no trace in it
    return any(
        path[i : i + 3] in (["properties", "source", "oneOf"], ["properties", "source", "anyOf"])
        and path[i - 1] != "then"
        for i in range(1, len(path))
    )


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_full_rejects(bad: Bad) -> None:
    errors = list(validator("full", bad.schema).iter_errors(bad.body()))
    assert errors, f"full accepted a body that breaks: {bad.reason}"
    located = [error for error in errors if not through_source_union(error)]
    assert located, f"only the union of source shapes caught: {bad.reason}"
    where = {"/".join(map(str, error.absolute_path)) for error in leaves(located)}
    assert all(bad.at in ("", path) or path.startswith(f"{bad.at}/") for path in where), (
        f"expected the fault at {bad.at!r} only, found {sorted(where)}"
    )
    union = {"/".join(map(str, e.absolute_path)) for e in errors if through_source_union(e)}
    assert all(path.endswith("/source") for path in union), (
        f"the union of source shapes failed elsewhere than a source: {sorted(union)}"
    )


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_documented_rejects_only_documented_breaks(bad: Bad) -> None:
    errors = list(validator("documented", bad.schema).iter_errors(bad.body()))
    if bad.decided:
        assert not errors, f"documented must not check the [decided] point: {bad.reason}"
    else:
        assert errors, f"documented accepted a body that breaks the docs: {bad.reason}"


# --------------------------------------------------------------------------- OpenAPI


def openapi_path(strength: str) -> Path:
    return schema_dir(strength) / "openapi.json"


@pytest.fixture(scope="module", params=STRENGTHS)
def openapi(request: pytest.FixtureRequest) -> tuple[str, Json]:
    return request.param, load(request.param, "openapi")


def operation(doc: Json, method: str = "get") -> Json:
    return doc["paths"][PATH][method]


def deref(doc: Json, node: Json) -> Json:
    """``node``, or what its local ``$ref`` points to in ``doc``."""
    while isinstance(node, dict) and "$ref" in node:
        target = node["$ref"]
        assert target.startswith("#/"), f"not a local $ref: {target}"
        node = doc
        for part in target[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def parameters(doc: Json, method: str = "get") -> dict[str, Json]:
    return {p["name"]: p for p in (deref(doc, p) for p in operation(doc, method)["parameters"])}


def test_openapi_is_valid(openapi: tuple[str, Json]) -> None:
    _, doc = openapi
    assert doc["openapi"] == "3.1.0"
    validate_openapi(doc)


def test_openapi_components_match_standalone_files(openapi: tuple[str, Json]) -> None:
    strength, doc = openapi
    schemas = doc["components"]["schemas"]
    for name, component in hoist(strength).items():
        assert schemas.get(name) == component, (
            f"component {name} differs from {strength}/*.json: "
            "run `python tests/contract/test_schemas.py`"
        )
    assert set(schemas) == set(hoist(strength)) | set(OPENAPI_ONLY)


def test_openapi_refs_are_flat(openapi: tuple[str, Json]) -> None:
    """Every ``$ref`` names one component: no pointer into a component's insides.

    openapi-python-client could not resolve ``#/components/schemas/Entry/$defs/kind``
    and generated a client whose pages parsed to ``None``.
    """
    _, doc = openapi
    refs = [node["$ref"] for node in walk(doc) if "$ref" in node]
    assert refs
    for target in refs:
        section, _, name = target.removeprefix("#/components/").partition("/")
        assert target.startswith("#/components/") and name and "/" not in name, target
        assert name in doc["components"][section], target
    assert not any(key in node for node in walk(doc) for key in ("$defs", "$id", "$schema"))


def test_openapi_metadata_for_tools(openapi: tuple[str, Json]) -> None:
    """What linters and generators look for: licence, contact, tags, operation ids."""
    _, doc = openapi
    assert doc["info"]["license"] == {"name": "MIT", "identifier": "MIT"}
    assert doc["info"]["contact"]["name"]
    tags = [tag["name"] for tag in doc["tags"]]
    operations = [operation(doc, method) for method in ("get", "head")]
    assert all(op["tags"] and set(op["tags"]) <= set(tags) for op in operations)
    assert [op["operationId"] for op in operations] == [
        "listBillingTransactions",
        "headBillingTransactions",
    ]


def test_openapi_declares_the_endpoint(openapi: tuple[str, Json]) -> None:
    strength, doc = openapi
    assert [s["url"] for s in doc["servers"]] == [
        "http://127.0.0.1:8080/api/v1",
        "https://llm.bytespike.ai/api/v1",
    ]
    assert list(doc["paths"]) == [PATH]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <API key>",
    }
    assert doc["security"] == [{"bearerAuth": []}]
    op = operation(doc)
    assert op["operationId"] == "listBillingTransactions"
    params = parameters(doc)
    assert list(params) == ["page", "page_size", "kind", "since", "until"]
    assert all(p["in"] == "query" and not p["required"] for p in params.values())
    assert params["page"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 2147483647, "default": 1
    }  # fmt: skip
    assert params["page_size"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 200, "default": 50
    }  # fmt: skip
    assert params["kind"]["schema"] == {"type": "string", "enum": KINDS}
    assert set(op["responses"]) == {"200", "400", "401"}
    headers = op["responses"]["401"].get("headers", {})
    assert ("WWW-Authenticate" in headers) == (strength == "full")


def test_openapi_declares_head(openapi: tuple[str, Json]) -> None:
    """HEAD is GET without a body: the same parameters, security, statuses and headers."""
    strength, doc = openapi
    get, head = operation(doc, "get"), operation(doc, "head")
    methods = {"get", "head"} | ({"x-ledger-other-methods"} if strength == "full" else set())
    assert set(doc["paths"][PATH]) == methods
    assert head["parameters"] == get["parameters"]
    assert "security" not in head and "security" not in get  # both use the document's
    assert set(head["responses"]) == set(get["responses"])
    for status, response in head["responses"].items():
        assert "content" not in response, f"HEAD {status} declares a body"
        assert response["headers"]["Content-Length"] == {
            "$ref": "#/components/headers/Content-Length"
        }
        expected = {**get["responses"][status].get("headers", {}), "Content-Length": ANY}
        assert response["headers"] == expected, status
    content_length = doc["components"]["headers"]["Content-Length"]
    assert content_length["schema"] == {"type": "integer", "minimum": 0}
    assert content_length["required"] is False  # HTTP lets a HEAD answer leave it out


def test_openapi_200_example_is_the_docs_example(openapi: tuple[str, Json]) -> None:
    _, doc = openapi
    examples = operation(doc)["responses"]["200"]["content"]["application/json"]["examples"]
    assert examples["docs"]["value"] == DOCS_EXAMPLE


def response_examples(doc: Json) -> Iterator[tuple[str, Json]]:
    for status, response in operation(doc)["responses"].items():
        for example in response["content"]["application/json"]["examples"].values():
            yield status, example["value"]


def test_openapi_examples_match_their_response_schema(openapi: tuple[str, Json]) -> None:
    """Checked with python-jsonschema through the document's own ``#/components`` refs."""
    _, doc = openapi
    uri = "urn:ledger:openapi"
    reg: Registry[Json] = Registry().with_resource(uri, DRAFT202012.create_resource(doc))
    for status, value in response_examples(doc):
        pointer = f"{uri}#/paths/~1me~1billing~1transactions/get/responses/{status}"
        check = Draft202012Validator(
            {"$ref": f"{pointer}/content/application~1json/schema"}, registry=reg
        )
        check.validate(value)


# --------------------------------------------------------------------------- Schemathesis


@pytest.fixture(scope="module")
def loaded() -> dict[str, Any]:
    return {s: schemathesis.openapi.from_path(str(openapi_path(s))) for s in STRENGTHS}


def served(body: Json, status: int, headers: dict[str, str] | None = None) -> TestResponse:
    """A response as a server would send it, for ``APIOperation.validate_response``."""
    payload = json.dumps(body).encode()

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response(
            f"{status} {http.HTTPStatus(status).phrase}",
            [("Content-Type", "application/json"), *(headers or {}).items()],
        )
        return [payload]

    return Client(app).get(f"/api/v1{PATH}")


def schemathesis_accepts(schema: Any, response: TestResponse) -> bool:
    try:
        schema[PATH]["GET"].validate_response(response)
    except (AssertionError, FailureGroup):
        return False
    return True


@pytest.mark.parametrize("strength", STRENGTHS)
def test_schemathesis_loads_get_and_head(loaded: dict[str, Any], strength: str) -> None:
    labels = [result.ok().label for result in loaded[strength].get_all_operations()]
    assert labels == [f"GET {PATH}", f"HEAD {PATH}"]


@pytest.mark.parametrize("strength", STRENGTHS)
def test_schemathesis_accepts_the_examples(loaded: dict[str, Any], strength: str) -> None:
    challenge = {"WWW-Authenticate": 'Bearer realm="bytespike"'}
    for status, value in response_examples(load(strength, "openapi")):
        response = served(value, int(status), challenge if status == "401" else None)
        assert schemathesis_accepts(loaded[strength], response), status
    for body in GOOD_PAGES.values():
        assert schemathesis_accepts(loaded[strength], served(body, 200))


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_schemathesis_full_rejects(loaded: dict[str, Any], bad: Bad) -> None:
    status = 200 if bad.schema == "page" else 400
    assert not schemathesis_accepts(loaded["full"], served(bad.body(), status)), bad.reason


@pytest.mark.parametrize("bad", [b for b in BAD if b.schema == "page"], ids=lambda b: b.id)
def test_schemathesis_documented_rejects_only_documented_breaks(
    loaded: dict[str, Any], bad: Bad
) -> None:
    accepted = schemathesis_accepts(loaded["documented"], served(bad.body(), 200))
    assert accepted == bad.decided, bad.reason


@pytest.mark.parametrize(
    ("status", "body", "full_ok"),
    [
        (400, ERROR_400, True),
        (400, {"error": {"type": "invalid_request_error", "message": "m", "param": None}}, False),
        (400, {"error": {"type": "authentication_error", "message": "m", "param": "page"}}, False),
        (401, {"error": {"type": "authentication_error", "message": "m", "param": None}}, True),
        (401, {"error": {"type": "authentication_error", "message": "m", "param": "page"}}, False),
        (401, {"error": {"type": "invalid_request_error", "message": "m", "param": None}}, False),
    ],
)
def test_schemathesis_ties_error_type_to_status(
    loaded: dict[str, Any], status: int, body: Json, full_ok: bool
) -> None:
    """The docs tie 400/401 to their types; full also ties ``param`` to the status."""
    response = served(body, status, {"WWW-Authenticate": 'Bearer realm="bytespike"'})
    assert schemathesis_accepts(loaded["full"], response) == full_ok
    documented_ok = body["error"]["type"] == {400: "invalid_request_error"}.get(
        status, "authentication_error"
    )
    assert schemathesis_accepts(loaded["documented"], response) == documented_ok


# --------------------------------------------------------------------------- since / until

ACCEPTED_TIMESTAMPS = [
    "2026-05-01",
    "2024-02-29",
    "2000-02-29T00:00:00Z",
    "2026-05-01T08:00:00Z",
    "2026-05-01t08:00:00z",
    "2026-05-01T08:00:00",
    "2026-05-01T08:00:00.5+08:00",
    "2026-05-01T08:00:00.123456789012-00:00",
    "2026-12-31T23:59:59-23:59",
]
REJECTED_TIMESTAMPS = [
    "2026-05-01 08:00:00Z",  # space instead of T (also what an unencoded + becomes)
    "2026-05-01T08:00Z",  # no seconds
    "2026-05-01T08:00:00+0800",  # offset without a colon
    "2026-05-01T08:00:00.Z",  # empty fraction
    "2026-W18-5",  # ISO week
    "20260501T080000Z",  # basic form
    "1777622400",  # epoch
    "2023-02-29",  # not a day
    "1900-02-29",  # not a leap year
    "2026-05-01T24:00:00Z",
    "2026-05-01T08:60:00Z",
    "2026-05-01T08:00:00+24:00",
    "",
]


@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize(
    ("value", "accepted"),
    [(v, True) for v in ACCEPTED_TIMESTAMPS] + [(v, False) for v in REJECTED_TIMESTAMPS],
)
def test_full_timestamp_grammar(parameter: str, value: str, accepted: bool) -> None:
    assert timestamp_check("full", parameter).is_valid(value) == accepted


@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize(
    "value", [*ACCEPTED_TIMESTAMPS, *REJECTED_TIMESTAMPS, "2026-05-21T14:08:11Z"]
)
def test_documented_timestamp_pattern_is_the_docs_form(parameter: str, value: str) -> None:
    """Documented generates only the form the docs show, a subset of what full accepts."""
    accepted = timestamp_check("documented", parameter).is_valid(value)
    assert accepted == (
        value in ("2000-02-29T00:00:00Z", "2026-05-01T08:00:00Z", "2026-05-21T14:08:11Z")
    )
    assert not accepted or timestamp_check("full", parameter).is_valid(value)


def timestamp_check(strength: str, parameter: str) -> Draft202012Validator:
    params = parameters(load(strength, "openapi"))
    return Draft202012Validator(params[parameter]["schema"])


# --------------------------------------------------------------------------- docs/schemas.md


def test_docs_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python block of docs/schemas.md runs, from the repository root."""
    text = (REPO_SCHEMAS.parent / "docs" / "schemas.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]
    assert len(blocks) == 3
    monkeypatch.chdir(REPO_SCHEMAS.parent)
    for block in blocks:
        exec(compile(block, "docs/schemas.md", "exec"), {})


# --------------------------------------------------------------------------- maintenance


def _sync_components() -> None:
    """Rewrite ``components.schemas`` of both OpenAPI documents from the standalone files.

    The components only an OpenAPI document has (``OPENAPI_ONLY``) are kept as they are.
    """
    for strength in STRENGTHS:
        path = REPO_SCHEMAS / strength / "openapi.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        kept = {name: doc["components"]["schemas"][name] for name in OPENAPI_ONLY}
        doc["components"]["schemas"] = {**hoist(strength), **kept}
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _sync_components()


def with_extra_keys(body: Json) -> Json:
    """``body`` with an unknown key added to every object in it."""
    body = copy.deepcopy(body)
    for node in walk(body):
        node["x_extra"] = 1
    return body


def test_documented_allows_extra_keys_everywhere(loaded: dict[str, Any]) -> None:
    """The docs forbid no key: page, items, every source shape, error and its detail."""
    page, error = with_extra_keys(realistic_page()), with_extra_keys(ERROR_400)
    validator("documented", "page").validate(page)
    validator("documented", "error").validate(error)
    assert schemathesis_accepts(loaded["documented"], served(page, 200))
    assert schemathesis_accepts(loaded["documented"], served(error, 400))
    # full: exact key sets, so every object of the page is at fault (sources by their shape)
    faults = {
        ("/".join(map(str, e.absolute_path)), e.validator)
        for e in validator("full", "page").iter_errors(page)
    }
    items = range(len(page["items"]))
    assert {("", "additionalProperties")} | {
        (f"items/{i}", "additionalProperties") for i in items
    } | {(f"items/{i}/source", "oneOf") for i in items} <= faults
    assert not validator("full", "error").is_valid(error)
    assert not schemathesis_accepts(loaded["full"], served(page, 200))
    assert not schemathesis_accepts(loaded["full"], served(error, 400))


@pytest.mark.parametrize("strength", STRENGTHS)
def test_admin_entry_may_have_a_null_note(strength: str) -> None:
    """CONTRACT §4: an admin entry may have ``null`` too (the mock always writes one)."""
    body = realistic_page()
    admin = next(i for i, e in enumerate(body["items"]) if e["kind"].startswith("admin"))
    body["items"][admin]["note"] = None
    assert not list(validator(strength, "page").iter_errors(body))
