"""REST API under /api/v1. The paths and shapes here are a contract with the online hall and
other systems: extend, do not change."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from protocol.messages import MAX_NESTING, NotUtf8, is_valid_key, loads_strict

from ..endpoint import HallLoop
from ..inputs import ITEM_CODE, checked_code
from ..service import ANONYMOUS, Actor
from ..storefault import StoreFault, classify
from .auth import current_actor, requires
from .errors import ApiError, outcome_response
from .openapi import openapi_document

api = Blueprint("api", __name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _loop() -> HallLoop:
    return current_app.extensions["hall_loop"]


def _body() -> dict[str, Any]:
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


def _idempotency_key(actor: Actor) -> str | None:
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


def _call(type_: str, body: dict[str, Any], actor: Actor, *, status: int = 200) -> tuple[Response, int]:
    try:
        outcome = _loop().call(type_, body, actor, _idempotency_key(actor))
    except TimeoutError:
        raise ApiError(503, "unavailable", "the hall is busy; try again", "系统繁忙，请稍后重试") from None
    if not outcome.ok:
        return outcome_response(outcome)
    return jsonify(outcome.body), status


def _actor() -> Actor:
    return getattr(g, "actor", None) or current_actor()


# ------------------------------------------------------------------ public
@api.get("/health")
def health():  # type: ignore[no-untyped-def]
    """200 when the hall loop answers and the database can be reached; else 503 saying what
    is wrong (``details.problem``: database_unreachable, disk_full, read_only, ...)."""
    resp, status = _call("hall.ping", {}, ANONYMOUS)
    if status != 200:
        return resp, status
    fault = _loop().fault
    if fault is not None:  # on probation: taking requests again, no write proven yet
        return outcome_response(fault.outcome())
    try:  # the loop answers from memory: ask the database too, beside it
        _loop().service.store.probe()
    except Exception as e:
        return outcome_response(StoreFault(classify(e)).outcome())
    return jsonify({"status": "ok", **resp.get_json()}), 200


@api.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


@api.get("/hall")
def hall_info():  # type: ignore[no-untyped-def]
    """The hall's name, today's hours, open now, next opening, numbers left of capped items."""
    return _call("hall.info", {}, ANONYMOUS)


@api.get("/catalogue")
def catalogue():  # type: ignore[no-untyped-def]
    etag = request.headers.get("If-None-Match", "").strip('"')
    # The handler reads the number (ASCII digits, in range) and refuses anything else.
    outcome = _loop().call("catalogue.get", {"have_version": request.args.get("have_version") or None}, ANONYMOUS)
    if not outcome.ok or outcome.body is None:
        return outcome_response(outcome)
    version = outcome.body["version"]
    if etag == f"v{version}":
        return Response(status=304, headers={"ETag": f'"v{version}"'})
    if outcome.body.get("unchanged"):
        resp = jsonify({"version": version, "unchanged": True})
    else:
        doc = outcome.body["catalogue"]
        resp = jsonify({"version": version, "unchanged": False, **doc})
    resp.headers["ETag"] = f'"v{version}"'
    return resp


@api.get("/catalogue/items/<code>")
def catalogue_item(code: str):  # type: ignore[no-untyped-def]
    code = checked_code(code, "item_code", ITEM_CODE)  # refused without quoting it (anything may be typed into a URL)
    outcome = _loop().call("catalogue.get", {}, ANONYMOUS)
    assert outcome.ok and outcome.body is not None
    for item in outcome.body["catalogue"]["items"]:
        if item["code"] == code:
            return jsonify({"version": outcome.body["version"], **item})
    raise ApiError(404, "not_found", f"no service item {code}", f"没有找到事项 {code}")


@api.post("/catalogue")
@requires("admin")
def catalogue_publish():  # type: ignore[no-untyped-def]
    resp, status = _call("catalogue.publish", {"document": _body()}, _actor())
    if status == 200 and resp.get_json().get("created"):
        return resp, 201
    return resp, status


@api.post("/tickets")
def ticket_issue():  # type: ignore[no-untyped-def]
    return _call("ticket.issue", _body(), current_actor(), status=201)


@api.get("/tickets/<ticket>")
def ticket_status(ticket: str):  # type: ignore[no-untyped-def]
    return _call("ticket.status", {"ticket": ticket, "token": request.args.get("token")}, current_actor())


@api.post("/tickets/<ticket>/cancel")
def ticket_cancel(ticket: str):  # type: ignore[no-untyped-def]
    body = _body()
    body["ticket"] = ticket
    return _call("ticket.cancel", body, current_actor())


@api.get("/queue")
def queue_state():  # type: ignore[no-untyped-def]
    # The handler reads the number: ASCII digits, at most 10 of them, in range.
    return _call("queue.state", {"limit": request.args.get("limit", "200")}, current_actor())


@api.get("/appointments/slots")
def appointment_slots():  # type: ignore[no-untyped-def]
    return _call(
        "appointment.slots",
        {"item_code": request.args.get("item_code"), "day": request.args.get("day")},
        current_actor(),
    )


@api.post("/appointments")
def appointment_book():  # type: ignore[no-untyped-def]
    return _call("appointment.book", _body(), current_actor(), status=201)


@api.post("/appointments/<code>/check-in")
def appointment_check_in(code: str):  # type: ignore[no-untyped-def]
    return _call("appointment.check_in", {"code": code}, current_actor(), status=201)


@api.post("/appointments/<code>/cancel")
def appointment_cancel(code: str):  # type: ignore[no-untyped-def]
    body = _body()
    body["code"] = code
    return _call("appointment.cancel", body, current_actor())


@api.post("/notices")
@requires("manager")
def notices():  # type: ignore[no-untyped-def]
    return _call("hall.set_notices", _body(), _actor())


# ------------------------------------------------------------------- clerks
@api.post("/windows/<int:number>/call-next")
@requires("clerk")
def window_call_next(number: int):  # type: ignore[no-untyped-def]
    resp, status = _call("window.call_next", {"window": number}, _actor())
    if status == 200 and resp.get_json().get("ticket") is None:
        return Response(status=204)
    return resp, status


def _window_action(type_: str):  # type: ignore[no-untyped-def]
    def view(number: int):  # type: ignore[no-untyped-def]
        body = _body()
        body["window"] = number
        return _call(type_, body, _actor())

    return view


for _path, _type in (
    ("pause", "window.pause"),
    ("resume", "window.resume"),
    ("sign-in", "window.sign_in"),
    ("sign-out", "window.sign_out"),
):
    api.add_url_rule(
        f"/windows/<int:number>/{_path}",
        endpoint=f"window_{_path}",
        view_func=requires("clerk")(_window_action(_type)),
        methods=["POST"],
    )


def _ticket_action(type_: str):  # type: ignore[no-untyped-def]
    def view(ticket: str):  # type: ignore[no-untyped-def]
        body = _body()
        body["ticket"] = ticket
        return _call(type_, body, _actor())

    return view


for _path, _type in (
    ("recall", "ticket.recall"),
    ("start", "ticket.start"),
    ("no-show", "ticket.no_show"),
    ("complete", "ticket.complete"),
    ("transfer", "ticket.transfer"),
):
    api.add_url_rule(
        f"/tickets/<ticket>/{_path}",
        endpoint=f"ticket_{_path}",
        view_func=requires("clerk")(_ticket_action(_type)),
        methods=["POST"],
    )
