"""REST API under /api/v1. The paths and shapes here are a contract with the online hall and
other systems: extend, do not change."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..inputs import ITEM_CODE, checked_code
from ..service import ANONYMOUS
from ..storefault import StoreFault, classify
from .auth import current_actor, requires
from .common import call, hall_loop, json_body, request_actor
from .errors import ApiError, outcome_response
from .openapi import openapi_document

api = Blueprint("api", __name__)


# ------------------------------------------------------------------ public
@api.get("/health")
def health():  # type: ignore[no-untyped-def]
    """200 when the hall loop answers and the database can be reached; else 503 saying what
    is wrong (``details.problem``: database_unreachable, disk_full, read_only, ...)."""
    resp, status = call("hall.ping", {}, ANONYMOUS)
    if status != 200:
        return resp, status
    fault = hall_loop().fault
    if fault is not None:  # on probation: taking requests again, no write proven yet
        return outcome_response(fault.outcome())
    try:  # the loop answers from memory: ask the database too, beside it
        hall_loop().service.store.probe()
    except Exception as e:
        return outcome_response(StoreFault(classify(e)).outcome())
    return jsonify({"status": "ok", **resp.get_json()}), 200


@api.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


@api.get("/hall")
def hall_info():  # type: ignore[no-untyped-def]
    """The hall's name, today's hours, open now, next opening, numbers left of capped items."""
    return call("hall.info", {}, ANONYMOUS)


@api.get("/catalogue")
def catalogue():  # type: ignore[no-untyped-def]
    etag = request.headers.get("If-None-Match", "").strip('"')
    # The handler reads the number (ASCII digits, in range) and refuses anything else.
    outcome = hall_loop().call("catalogue.get", {"have_version": request.args.get("have_version") or None}, ANONYMOUS)
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
    outcome = hall_loop().call("catalogue.get", {}, ANONYMOUS)
    assert outcome.ok and outcome.body is not None
    for item in outcome.body["catalogue"]["items"]:
        if item["code"] == code:
            return jsonify({"version": outcome.body["version"], **item})
    raise ApiError(404, "not_found", f"no service item {code}", f"没有找到事项 {code}")


@api.post("/catalogue")
@requires("admin")
def catalogue_publish():  # type: ignore[no-untyped-def]
    resp, status = call("catalogue.publish", {"document": json_body()}, request_actor())
    if status == 200 and resp.get_json().get("created"):
        return resp, 201
    return resp, status


@api.post("/tickets")
def ticket_issue():  # type: ignore[no-untyped-def]
    return call("ticket.issue", json_body(), current_actor(), status=201)


@api.get("/tickets/<ticket>")
def ticket_status(ticket: str):  # type: ignore[no-untyped-def]
    return call("ticket.status", {"ticket": ticket, "token": request.args.get("token")}, current_actor())


@api.post("/tickets/<ticket>/cancel")
def ticket_cancel(ticket: str):  # type: ignore[no-untyped-def]
    body = json_body()
    body["ticket"] = ticket
    return call("ticket.cancel", body, current_actor())


@api.get("/queue")
def queue_state():  # type: ignore[no-untyped-def]
    # The handler reads the number: ASCII digits, at most 10 of them, in range.
    return call("queue.state", {"limit": request.args.get("limit", "200")}, current_actor())


@api.get("/appointments/slots")
def appointment_slots():  # type: ignore[no-untyped-def]
    return call(
        "appointment.slots",
        {"item_code": request.args.get("item_code"), "day": request.args.get("day")},
        current_actor(),
    )


@api.post("/appointments")
def appointment_book():  # type: ignore[no-untyped-def]
    return call("appointment.book", json_body(), current_actor(), status=201)


@api.post("/appointments/<code>/check-in")
def appointment_check_in(code: str):  # type: ignore[no-untyped-def]
    return call("appointment.check_in", {"code": code}, current_actor(), status=201)


@api.post("/appointments/<code>/cancel")
def appointment_cancel(code: str):  # type: ignore[no-untyped-def]
    body = json_body()
    body["code"] = code
    return call("appointment.cancel", body, current_actor())


@api.post("/notices")
@requires("manager")
def notices():  # type: ignore[no-untyped-def]
    return call("hall.set_notices", json_body(), request_actor())


# ------------------------------------------------------------------- clerks
@api.post("/windows/<int:number>/call-next")
@requires("clerk")
def window_call_next(number: int):  # type: ignore[no-untyped-def]
    resp, status = call("window.call_next", {"window": number}, request_actor())
    if status == 200 and resp.get_json().get("ticket") is None:
        return Response(status=204)
    return resp, status


def _window_action(type_: str):  # type: ignore[no-untyped-def]
    def view(number: int):  # type: ignore[no-untyped-def]
        body = json_body()
        body["window"] = number
        return call(type_, body, request_actor())

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
        body = json_body()
        body["ticket"] = ticket
        return call(type_, body, request_actor())

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
