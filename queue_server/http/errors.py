"""JSON errors with a clear message, in English and Chinese, for every failure."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..engine.errors import EngineError
from ..service import Outcome
from ..storefault import StoreFault, classify

log = logging.getLogger("queue_server.http")

STATUS = {
    "bad_request": 400,
    "too_large": 413,
    "unsupported_version": 400,
    "unknown_type": 404,
    "not_found": 404,
    "conflict": 409,
    "hall_closed": 409,  # the state of the hall (its hours) does not allow it now; later it will
    "cap_reached": 409,
    "forbidden": 403,
    "too_many_requests": 429,
    "unavailable": 503,
    "internal": 500,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, message_zh: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.details = details or {}


def error_body(code: str, message: str, message_zh: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "message_zh": message_zh, "details": details or {}}}


def outcome_response(outcome: Outcome) -> tuple[Response, int]:
    """A refused request's outcome as its JSON error reply and status."""
    resp = jsonify(error_body(outcome.code, outcome.message, outcome.message_zh, outcome.details))
    if outcome.code == "too_many_requests":
        # When the client's failure budget has a try again (``throttle``), in whole seconds.
        resp.headers["Retry-After"] = str(int(outcome.details.get("retry_after_s") or 1))
    return resp, STATUS.get(outcome.code, 400)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api(e: ApiError):  # type: ignore[no-untyped-def]
        return jsonify(error_body(e.code, e.message, e.message_zh, e.details)), e.status

    @app.errorhandler(EngineError)
    def _refused(e: EngineError):  # type: ignore[no-untyped-def]
        # A shared check or rule (inputs, handlers.access) run in a view beside the hall loop.
        return outcome_response(Outcome(False, code=e.code, message=e.message, message_zh=e.message_zh, details=dict(e.details)))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):  # type: ignore[no-untyped-def]
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(e.code or 500, "bad_request")
        zh = {404: "没有这个地址", 405: "不支持此请求方法", 413: "请求内容过大"}.get(e.code or 500, "请求有误")
        resp = jsonify(error_body(code, e.description or e.name, zh))
        # RFC 9110: a 405 says which methods the resource has.
        resp.headers.extend((k, v) for k, v in e.get_headers() if k.lower() == "allow")
        return resp, e.code or 500

    @app.errorhandler(SQLAlchemyError)
    def _store(e: SQLAlchemyError):  # type: ignore[no-untyped-def]
        # Read beside the hall loop (a token, a page image) while the database is away.
        log.warning("database error in %s: %s", request.path, e)
        return outcome_response(StoreFault(classify(e)).outcome())

    @app.errorhandler(Exception)
    def _any(e: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return jsonify(error_body("internal", "internal server error", "服务器内部错误")), 500
