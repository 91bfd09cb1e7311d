"""The OpenAPI 3.1 document of /api/v1, generated from the Flask URL map and the request
and reply models of :mod:`protocol.models`.

Each view says what it serves with :func:`documented`: the request type it sends to the
hall loop (whose :class:`~protocol.models.Spec` gives the body's and the reply's schemas),
which body fields come from the path or the query string, and what else it may answer. The
role a view needs comes from :func:`queue_server.http.auth.requires`. So the document says
what the server checks, because it is made from the very models that check, and a view
that is not documented is found by the tests rather than by a reader.

Why not a library (spectree, flask-openapi3): both want to own validation and the views'
signatures, while here the hall loop validates (ZeroMQ and HTTP share one path) and the
views stay thin; what is left is this walk over the URL map and ``model_json_schema``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from protocol.models import REQUESTS

PREFIX = "/api/v1"
F = TypeVar("F", bound=Callable[..., Any])

#: What each error status means, said once for every operation that may answer it.
ERROR_WORDS = {
    400: "bad input: error.details.field names the field",
    401: "no or unknown token",
    403: "role not allowed",
    404: "not found",
    409: "the state does not allow it",
    413: "the body is larger than the server takes",
    429: "too many wrong codes from this client: wait Retry-After seconds",
    503: "the hall cannot take requests now (busy, or its database failing: error.details.problem says "
    "why); retry with the same Idempotency-Key",
}
DEFAULT_ERRORS = (400, 404, 409, 503)


@dataclass(frozen=True, slots=True)
class Operation:
    """What a view serves, for the document."""

    summary: str
    #: The request type the view sends; its models give the body's and the reply's schemas.
    request: str | None = None
    #: Other request types the same view sends for other callers (a clerk's supplement, the
    #: applicant's online one): the body takes the fields of all, the answer is any of theirs.
    also: tuple[str, ...] = ()
    status: int = 200
    #: Path parameters by the body field they fill (``{"number": "window"}``); a parameter
    #: named like its field needs no entry.
    path: Mapping[str, str] = field(default_factory=dict)
    #: Body fields the view reads from the query string.
    query: tuple[str, ...] = ()
    #: Query parameters required here though the request's model leaves them optional (a
    #: kiosk proves itself by the ID card instead; over HTTP only the code can).
    required_query: tuple[str, ...] = ()
    #: Whether the view reads a JSON body (by default: a POST with a request type).
    body: bool | None = None
    #: The body when the view wraps it into the request (``catalogue.publish``'s document).
    body_model: type[BaseModel] | None = None
    #: The answer when it is not the request's reply model (HTTP reshapes a few).
    reply: type[BaseModel] | None = None
    #: The answer's media types when it is not JSON (a page's image).
    media: tuple[str, ...] = ()
    #: Further answers: status → description, or (description, model).
    responses: Mapping[int, str | tuple[str, type[BaseModel]]] = field(default_factory=dict)
    errors: tuple[int, ...] = DEFAULT_ERRORS
    description: str = ""


def documented(summary: str, request: str | None = None, **kw: Any) -> Callable[[F], F]:
    """Say what a view serves (see :class:`Operation`). Put it under the route and
    ``requires`` decorators, which carry it along (``functools.wraps``)."""
    op = Operation(summary, request, **kw)

    def mark(view: F) -> F:
        view.operation = op  # type: ignore[attr-defined]
        return view

    return mark


class _Schema(GenerateJsonSchema):
    """Pydantic's JSON schema without a title on every field (the field's name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


class ErrorBody(BaseModel):
    code: str
    message: str
    message_zh: str
    details: dict[str, Any] | None = None


class ErrorReply(BaseModel):
    """Every error answer: a code, an English and a Chinese message, and details that name the
    field or the state that refused it."""

    error: ErrorBody


_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-z_]+)>")


def openapi_path(rule: str) -> str:
    """``/tickets/{ticket}`` from the Flask rule ``/api/v1/tickets/<ticket>``."""
    return _CONVERTER.sub(lambda m: "{" + m["name"] + "}", rule.removeprefix(PREFIX))


def _converter_schema(conv: str | None, args: str | None) -> dict[str, Any]:
    if conv == "int":
        schema: dict[str, Any] = {"type": "integer", "minimum": 0}
        for arg in (args or "").split(","):
            key, _, value = arg.partition("=")
            if key.strip() in ("min", "max") and value.strip().isdigit():
                schema["minimum" if key.strip() == "min" else "maximum"] = int(value)
        return schema
    return {"type": "string"}


def _allows_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind is None and not any(k in schema for k in ("anyOf", "oneOf", "enum", "const", "$ref")):
        return True  # no type: anything goes
    return kind == "null" or (isinstance(kind, list) and "null" in kind) or any(
        b.get("type") == "null" for b in schema.get("anyOf", schema.get("oneOf", []))
    )


def _tidy(node: Any) -> Any:
    """Drop ``"default": null`` where the schema takes no null (a field the model checks itself
    with the handler's words, given as ``loose``): a document's defaults must fit their schema."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None and not _allows_null(node):
            node = {k: v for k, v in node.items() if k != "default"}
        return {k: _tidy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A path segment or query parameter is never null: the non-null branch, no default."""
    branches = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    return {k: v for k, v in branches[0].items() if k != "default"} if len(branches) == 1 else schema


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@dataclass
class _Builder:
    schemas: dict[str, Any]
    refs: dict[type[BaseModel], dict[str, Any]]

    def model(self, model: type[BaseModel]) -> dict[str, Any]:
        return self.refs[model]

    def definition(self, model: type[BaseModel]) -> dict[str, Any]:
        name = self.refs[model]["$ref"].rsplit("/", 1)[-1]
        return self.schemas[name]


def _models(ops: list[Operation]) -> list[type[BaseModel]]:
    seen: dict[type[BaseModel], None] = {ErrorReply: None}
    for op in ops:
        for type_ in (op.request, *op.also) if op.request else ():
            spec = REQUESTS.get(type_)
            if spec is None:
                raise LookupError(f"{type_} has no models in protocol.models")
            seen[spec.request] = seen[spec.reply] = None
        for m in (op.reply, op.body_model):
            if m is not None:
                seen[m] = None
        for extra in op.responses.values():
            if isinstance(extra, tuple):
                seen[extra[1]] = None
    return list(seen)


def _operation(b: _Builder, method: str, rule: Any, op: Operation, role: str | None) -> dict[str, Any]:
    specs = [REQUESTS[t] for t in (op.request, *op.also)] if op.request else []
    spec = specs[0] if specs else None
    props: dict[str, Any] = {}
    required: set[str] | None = None
    for one in specs:
        definition = b.definition(one.request)
        props.update(definition.get("properties", {}))
        mine = set(definition.get("required", []))
        required = mine if required is None else required & mine
    required = required or set()
    request = b.definition(spec.request) if spec else {}
    params: list[dict[str, Any]] = []
    taken: set[str] = set()
    for m in _CONVERTER.finditer(rule.rule):
        name = m["name"]
        field_name = op.path.get(name, name)
        taken.add(field_name)
        schema = props.get(field_name) or _converter_schema(m["conv"], m["args"])
        params.append({"name": name, "in": "path", "required": True, "schema": _not_null(schema)})
    for name in op.query:
        if name not in props:
            raise LookupError(f"{rule.rule}: query parameter {name} is not a field of {op.request}")
        taken.add(name)
        needed = name in required or name in op.required_query
        params.append({"name": name, "in": "query", "required": needed, "schema": _not_null(props[name])})
    out: dict[str, Any] = {"summary": op.summary, "operationId": rule.endpoint.replace(".", "_")}
    if op.description:
        out["description"] = op.description
    if op.request:
        out["x-request-type"] = op.request
        if op.also:
            out["x-also-request-types"] = list(op.also)
    reads_body = op.body if op.body is not None else (method == "post" and spec is not None)
    if op.body_model is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": b.model(op.body_model)}}}
    elif reads_body and spec is not None:
        rest = {k: v for k, v in props.items() if k not in taken}
        if rest:
            if not taken and not op.also:
                schema = b.model(spec.request)
            else:
                schema = {k: v for k, v in request.items() if k not in ("properties", "required")}
                schema["properties"] = rest
                if need := sorted(required - taken):
                    schema["required"] = need
            # A body with no required field may be left out altogether.
            out["requestBody"] = {
                "required": bool(required - taken),
                "content": {"application/json": {"schema": schema}},
            }
    if method == "post":
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if params:
        out["parameters"] = params
    replies = list(dict.fromkeys(one.reply for one in specs))
    reply = op.reply or (replies[0] if len(replies) == 1 else None)
    if op.media:
        binary = {"type": "string", "contentMediaType": "application/octet-stream"}
        ok = {"description": "success", "content": {m: {"schema": binary} for m in op.media}}
    elif reply is not None:
        ok = _json(b.model(reply), "success")
    elif replies:
        ok = _json({"anyOf": [b.model(r) for r in replies]}, "success (the answer of the caller's request type)")
    else:
        ok = {"description": "success"}
    responses: dict[str, Any] = {str(op.status): ok}
    for status, extra in op.responses.items():
        responses[str(status)] = (
            {"description": extra} if isinstance(extra, str) else _json(b.model(extra[1]), extra[0])
        )
    errors = set(op.errors)
    if "requestBody" in out:
        errors.add(413)  # any body past the server's limit (MAX_BODY_BYTES)
    if role is not None:
        out["security"] = [{"bearer": []}]
        errors |= {401, 403}
    for status in sorted(errors):
        responses.setdefault(str(status), _json(b.model(ErrorReply), ERROR_WORDS[status]))
    out["responses"] = responses
    return out


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document of every documented view of ``app`` under /api/v1."""
    views: list[tuple[str, Any, Operation, str | None]] = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "operation", None)
        if op is None or not rule.rule.startswith(PREFIX):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            views.append((method.lower(), rule, op, getattr(view, "required_role", None)))
    keys, defs = models_json_schema(
        [(m, "validation") for m in _models([v[2] for v in views])],
        ref_template="#/components/schemas/{model}",
        schema_generator=_Schema,
    )
    b = _Builder(_tidy(defs.get("$defs", {})), {m: ref for (m, _), ref in keys.items()})
    paths: dict[str, dict[str, Any]] = {}
    for method, rule, op, role in sorted(views, key=lambda v: (openapi_path(v[1].rule), v[0])):
        paths.setdefault(openapi_path(rule.rule), {})[method] = _operation(b, method, rule, op, role)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Government service hall queue server",
            "version": "1.0.0",
            "description": "政务服务大厅排队叫号与办件系统 REST API. Generated from the request and reply models "
            "(protocol.models) that the server checks every request and reply with. Errors carry an English "
            "and a Chinese message.",
        },
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "schemas": b.schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "a repeat with the same key returns the first answer",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                }
            },
        },
    }
