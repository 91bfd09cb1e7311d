"""The OpenAPI document is generated from the URL map and the models: every route is in it,
every body and answer has a real schema, and it is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from sqlalchemy import create_engine

from protocol.models import REQUESTS
from queue_server.http import create_app
from queue_server.http.document import openapi_document, openapi_path


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(None, create_engine("sqlite://"))  # type: ignore[arg-type]  # the document needs no loop


@pytest.fixture(scope="module")
def doc(app: Any) -> dict[str, Any]:
    return openapi_document(app)


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def is_real(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """A schema that says something: an object with its properties, a union of such, an array
    of such, or a scalar type; never a bare ``{"type": "object"}``."""
    s = resolve(doc, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in s:
            return all(is_real(doc, b) for b in s[key])
    if s.get("type") == "array":
        return is_real(doc, s.get("items", {}))
    if s.get("type") == "object" or "properties" in s:
        return bool(s.get("properties")) or isinstance(s.get("additionalProperties"), dict)
    return "type" in s or "const" in s or "enum" in s


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"] == "3.1.0"


def test_every_route_is_documented(app: Any, doc: dict[str, Any]) -> None:
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(("web.", "phone.")):  # the pages: HTML, not the API
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in doc["paths"].get(openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without @documented: " + ", ".join(sorted(missing))


def test_every_body_and_answer_has_a_real_schema(doc: dict[str, Any]) -> None:
    vague = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and not is_real(doc, body["schema"]):
                vague.append(f"{method} {path} body")
            for status, answer in op["responses"].items():
                content = answer.get("content", {}).get("application/json")
                if content is not None and not is_real(doc, content["schema"]):
                    vague.append(f"{method} {path} {status}")
    assert not vague, vague


def test_each_operation_names_a_request_type_with_models(doc: dict[str, Any]) -> None:
    served = {op["x-request-type"] for ops in doc["paths"].values() for op in ops.values() if "x-request-type" in op}
    assert served <= REQUESTS.keys()
    # Requests of devices only (ZeroMQ): the kiosk's, the displays' and the call pads'.
    assert len(served) >= 50, sorted(REQUESTS.keys() - served)


def test_path_parameters_carry_the_checks_of_their_fields(doc: dict[str, Any]) -> None:
    ticket = {p["name"]: p for p in doc["paths"]["/tickets/{ticket}"]["get"]["parameters"] if "name" in p}
    assert re.search(r"\[0-9\]\{8\}", ticket["ticket"]["schema"]["pattern"])  # the ticket id's own pattern
    assert ticket["token"]["in"] == "query" and ticket["token"]["schema"]["type"] == "string"
    window = doc["paths"]["/windows/{number}/call-next"]["post"]["parameters"][0]
    assert window["schema"]["type"] == "integer" and window["schema"]["maximum"] == 999
