"""What every REST view does: read the JSON body, know the caller, hand the request to the
hall loop (with its idempotency key) and answer with the outcome."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, request

from protocol.messages import MAX_NESTING, NotUtf8, is_valid_key, loads_strict

from ..auth import Actor
from ..endpoint import HallLoop
from .auth import current_actor
from .errors import ApiError, outcome_response

IDEMPOTENCY_HEADER = "Idempotency-Key"


def hall_loop() -> HallLoop:
    return current_app.extensions["hall_loop"]


def json_body() -> dict[str, Any]:
    """The JSON object of the request, parsed by the wire's own strict parser (no NaN,
    Infinity, 1e999, lone surrogates or deep nesting), so HTTP and ZeroMQ accept the same."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if not request.is_json:
        raise ApiError(
            400,
            "bad_request",
            "the body must be JSON (Content-Type: application/json)",
            "请求内容须为 JSON（Content-Type: application/json）",
        )
    try:
        data = loads_strict(raw)
    except NotUtf8:
        raise ApiError(400, "bad_request", "the body is not valid UTF-8", "请求内容不是有效的 UTF-8 编码") from None
    except ValueError:
        # No parser detail: it may quote the body back.
        raise ApiError(
            400,
            "bad_request",
            "the body is not valid JSON (no NaN, Infinity, numbers out of range, lone surrogates "
            f"or nesting deeper than {MAX_NESTING})",
            f"请求内容不是有效的 JSON（不得含 NaN、Infinity、超出范围的数、孤立代理项或超过 {MAX_NESTING} 层的嵌套）",
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object", "请求内容须为 JSON 对象")
    return data


def idempotency_key(actor: Actor) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not is_valid_key(key):  # the wire's rule: ASCII only (str.isalnum takes any script's letters)
        raise ApiError(
            400,
            "bad_request",
            f"{IDEMPOTENCY_HEADER} must be 8-64 ASCII letters, digits, '-' or '_'",
            f"{IDEMPOTENCY_HEADER} 应为 8 至 64 位英文字母、数字、'-' 或 '_'",
        )
    return f"http:{actor.name}:{key}"


def call(type_: str, body: dict[str, Any], actor: Actor, *, status: int = 200) -> tuple[Response, int]:
    try:
        outcome = hall_loop().call(type_, body, actor, idempotency_key(actor))
    except TimeoutError:
        raise ApiError(503, "unavailable", "the hall is busy; try again", "系统繁忙，请稍后重试") from None
    if not outcome.ok:
        return outcome_response(outcome)
    return jsonify(outcome.body), status


def request_actor() -> Actor:
    return getattr(g, "actor", None) or current_actor()
