"""REST API under /api/v1. The paths and shapes here are a contract with the online hall and
other systems: extend, do not change."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from protocol.models.catalogue import CatalogueDocument

from ..inputs import ITEM_CODE, checked_code
from ..service import ANONYMOUS
from ..storefault import StoreFault, classify
from .answers import CatalogueAnswer, Health, ItemWithVersion
from .auth import current_actor, requires
from .common import call, hall_loop, json_body, request_actor
from .document import ErrorReply, documented, openapi_document
from .errors import ApiError, outcome_response

api = Blueprint("api", __name__)


# ------------------------------------------------------------------ public
@api.get("/health")
@documented(
    "200 when the hall answers and its database can be read and written; 503 saying what is wrong "
    "(error.details.problem: database_unreachable, disk_full, disk_error, read_only, database_busy, "
    "database_error; since, recovery_attempts)",
    "hall.ping",
    reply=Health,
    errors=(503,),
)
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
@documented("This document (OpenAPI 3.1), generated from the views and the request and reply models", errors=())
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(_document())


@functools.cache
def _document_of(app: Any) -> dict[str, Any]:
    return openapi_document(app)


def _document() -> dict[str, Any]:
    return _document_of(current_app._get_current_object())  # type: ignore[attr-defined]


@api.get("/hall")
@documented(
    "The hall for a kiosk's first screen: name, today's opening hours, open now, next opening (ISO, null "
    "when open or always open), and the walk-in numbers left today of items with a daily cap",
    "hall.info",
    errors=(503,),
)
def hall_info():  # type: ignore[no-untyped-def]
    """The hall's name, today's hours, open now, next opening, numbers left of capped items."""
    return call("hall.info", {}, ANONYMOUS)


@api.get("/catalogue")
@documented(
    "The published catalogue (ETag = version; have_version returns unchanged)",
    "catalogue.get",
    query=("have_version",),
    reply=CatalogueAnswer,
    responses={304: "not modified (If-None-Match has the current ETag)"},
    errors=(400,),
)
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
@documented("One service item with its guide", "catalogue.get", path={"code": "item_code"}, reply=ItemWithVersion, errors=(400, 404))
def catalogue_item(code: str):  # type: ignore[no-untyped-def]
    code = checked_code(code, "item_code", ITEM_CODE)  # refused without quoting it (anything may be typed into a URL)
    outcome = hall_loop().call("catalogue.get", {}, ANONYMOUS)
    assert outcome.ok and outcome.body is not None
    for item in outcome.body["catalogue"]["items"]:
        if item["code"] == code:
            return jsonify({"version": outcome.body["version"], **item})
    raise ApiError(404, "not_found", f"no service item {code}", f"没有找到事项 {code}")


#: The catalogue is the one large body: the demo district's is about 280 KB of JSON, a city's
#: may be ten times that. Every other request stays under the app's 64 KiB
#: (``http.MAX_BODY_BYTES``), so a stray large body cannot tie up a worker.
MAX_CATALOGUE_BYTES = 4 * 1024 * 1024


@api.post("/catalogue")
@requires("admin")
@documented(
    "Publish a new catalogue version of this hall (admin: the hall's own or a city admin); 200 when "
    "its content is the newest version's already",
    "catalogue.publish",
    status=201,
    body_model=CatalogueDocument,
    responses={
        200: "same content as the newest version",
        413: (f"the catalogue is larger than {MAX_CATALOGUE_BYTES // (1024 * 1024)} MiB", ErrorReply),
    },
    errors=(400,),
    description=f"The body may be up to {MAX_CATALOGUE_BYTES // (1024 * 1024)} MiB (every other request: 64 KiB).",
)
def catalogue_publish():  # type: ignore[no-untyped-def]
    request.max_content_length = MAX_CATALOGUE_BYTES
    resp, status = call("catalogue.publish", {"document": json_body()}, request_actor())
    if status == 200 and resp.get_json().get("created"):
        return resp, 201
    return resp, status


@api.post("/tickets")
@documented(
    "Issue a ticket (public, like the kiosk). 409 hall_closed outside opening hours (details: next_open, "
    "hours_today); 409 cap_reached when the item's numbers for today are taken (details: item, cap, "
    "next_slot {day, start, end, available} or null)",
    "ticket.issue",
    status=201,
)
def ticket_issue():  # type: ignore[no-untyped-def]
    return call("ticket.issue", json_body(), current_actor(), status=201)


@api.get("/tickets/<ticket>")
@documented(
    "A live ticket's position (needs the token from the slip, or a clerk)",
    "ticket.status",
    query=("token",),
    errors=(400, 404, 429),
)
def ticket_status(ticket: str):  # type: ignore[no-untyped-def]
    return call("ticket.status", {"ticket": ticket, "token": request.args.get("token")}, current_actor())


@api.post("/tickets/<ticket>/cancel")
@documented(
    "Cancel a waiting ticket: its holder with the slip's token, a manager, or a clerk for a ticket waiting "
    "for their own window",
    "ticket.cancel",
    errors=(400, 403, 404, 409, 429, 503),
)
def ticket_cancel(ticket: str):  # type: ignore[no-untyped-def]
    body = json_body()
    body["ticket"] = ticket
    return call("ticket.cancel", body, current_actor())


@api.get("/queue")
@documented("The live queue: windows and the head of the waiting line", "queue.state", query=("limit",), errors=(400,))
def queue_state():  # type: ignore[no-untyped-def]
    # The handler reads the number: ASCII digits, at most 10 of them, in range.
    return call("queue.state", {"limit": request.args.get("limit", "200")}, current_actor())


@api.get("/appointments/slots")
@documented(
    "Appointment slots of an item on a day, with what is left",
    "appointment.slots",
    query=("item_code", "day"),
    errors=(400, 404),
)
def appointment_slots():  # type: ignore[no-untyped-def]
    return call(
        "appointment.slots",
        {"item_code": request.args.get("item_code"), "day": request.args.get("day")},
        current_actor(),
    )


@api.post("/appointments")
@documented("Book an appointment", "appointment.book", status=201)
def appointment_book():  # type: ignore[no-untyped-def]
    return call("appointment.book", json_body(), current_actor(), status=201)


@api.post("/appointments/<code>/check-in")
@documented(
    "Check in on the day: issues a ticket (priority when on time)",
    "appointment.check_in",
    status=201,
    body=False,
    errors=(400, 404, 409, 429, 503),
)
def appointment_check_in(code: str):  # type: ignore[no-untyped-def]
    return call("appointment.check_in", {"code": code}, current_actor(), status=201)


@api.post("/appointments/<code>/cancel")
@documented(
    "Cancel an appointment (with the applicant's id_number, or a clerk)",
    "appointment.cancel",
    errors=(400, 404, 409, 429, 503),
)
def appointment_cancel(code: str):  # type: ignore[no-untyped-def]
    body = json_body()
    body["code"] = code
    return call("appointment.cancel", body, current_actor())


@api.post("/notices")
@requires("manager")
@documented("Set the hall board's scrolling notices (manager)", "hall.set_notices", errors=(400,))
def notices():  # type: ignore[no-untyped-def]
    return call("hall.set_notices", json_body(), request_actor())


# ------------------------------------------------------------------- clerks
@api.post("/windows/<int:number>/call-next")
@requires("clerk")
@documented(
    "Call the next visitor at a window",
    "window.call_next",
    path={"number": "window"},
    body=False,
    responses={204: "nobody is waiting for this window"},
)
def window_call_next(number: int):  # type: ignore[no-untyped-def]
    resp, status = call("window.call_next", {"window": number}, request_actor())
    if status == 200 and resp.get_json().get("ticket") is None:
        return Response(status=204)
    return resp, status


def _window_action(type_: str, summary: str):  # type: ignore[no-untyped-def]
    @documented(summary, type_, path={"number": "window"})
    def view(number: int):  # type: ignore[no-untyped-def]
        body = json_body()
        body["window"] = number
        return call(type_, body, request_actor())

    return view


for _path, _type, _summary in (
    ("pause", "window.pause", "Pause a window, with a reason"),
    ("resume", "window.resume", "Resume a paused window"),
    ("sign-in", "window.sign_in", "Sign a clerk in at a window"),
    ("sign-out", "window.sign_out", "Sign the clerk out"),
):
    api.add_url_rule(
        f"/windows/<int:number>/{_path}",
        endpoint=f"window_{_path}",
        view_func=requires("clerk")(_window_action(_type, _summary)),
        methods=["POST"],
    )


@api.post("/windows/<int:number>/print")
@requires("clerk")
@documented(
    "Print a case's slip (its latest one-time notice) on the window's printer; the job is kept "
    "until the window's agent prints it (paper out: printed when paper is back)",
    "window.print",
    path={"number": "window"},
)
def window_print(number: int):  # type: ignore[no-untyped-def]
    body = json_body()
    body["window"] = number
    return call("window.print", body, request_actor())


@api.get("/windows/<int:number>/print")
@requires("clerk")
@documented(
    "The window's print jobs not yet printed (pending, or kept for paper), oldest first",
    "window.print_pending",
    path={"number": "window"},
    body=False,
)
def window_print_pending(number: int):  # type: ignore[no-untyped-def]
    return call("window.print_pending", {"window": number}, request_actor())


def _ticket_action(type_: str, summary: str):  # type: ignore[no-untyped-def]
    @documented(summary, type_)
    def view(ticket: str):  # type: ignore[no-untyped-def]
        body = json_body()
        body["ticket"] = ticket
        return call(type_, body, request_actor())

    return view


for _path, _type, _summary in (
    ("recall", "ticket.recall", "Recall the called visitor (after the configured recalls: no-show)"),
    ("start", "ticket.start", "The visitor arrived at the window"),
    ("no-show", "ticket.no_show", "Mark the called visitor as not present"),
    ("complete", "ticket.complete", "Finish serving, with an outcome"),
    ("transfer", "ticket.transfer", "Transfer to a window or an item, with a note (转办); the first-inquiry clerk is kept"),
):
    api.add_url_rule(
        f"/tickets/<ticket>/{_path}",
        endpoint=f"ticket_{_path}",
        view_func=requires("clerk")(_ticket_action(_type, _summary)),
        methods=["POST"],
    )
