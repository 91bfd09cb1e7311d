"""REST for cases (办件): clerks and departments, managers, the online hall and the public
progress page. Each view turns into a hall-loop request of ``queue_server/handlers/case.py``
(or ``certificate.py``, ``complaint.py``, ``ticket.py``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from ..auth import AccessRole
from .auth import current_actor, requires
from .common import call, json_body, request_actor
from .document import documented

cases_api = Blueprint("cases", __name__)

#: REST action -> hall request type (clerk token needed), and what it does
CLERK_ACTIONS = {
    "accept": (
        "case.accept",
        "Accept (受理): every required material given, handed in now (materials) or replaced by an e-certificate "
        "on file, else 409 naming them; commitment=true for 告知承诺 items (approved at once)",
    ),
    "refuse": ("case.refuse", "Refuse (不予受理) with the legal reason"),
    "notice": (
        "case.notice",
        "Issue a one-time notice (一次性告知) listing every missing material; the clock stops",
    ),
    "review": (
        "case.review",
        "Send to review: one task per department (并联办理), optional limits in working days",
    ),
    "decide": (
        "case.decide",
        "A department's reviewer decides its task (default: the reviewer's own department's); rejections need a reason",
    ),
    "result-ready": ("case.result_ready", "The result is ready for pick-up"),
    "hand-out": (
        "case.hand_out",
        "Hand the result out (any hall of the city: 同城通办; channel=online for e-delivery)",
    ),
    "close": ("case.close", "Close (办结) a handed-out, refused or rejected case"),
    "verify": (
        "case.verify",
        "Record the later check (核查) of a commitment-based approval (告知承诺); a failed check needs a note",
    ),
}
#: Checked against a code or token: a client with too many wrong ones gets 429 (``throttle``);
#: 403: a staff token where only the visitor may act.
GATED = (400, 403, 404, 409, 429, 503)


def _with(name: str, value: Any) -> dict[str, Any]:
    body = json_body()
    body[name] = value
    return body


def _limit() -> str | None:
    """``?limit=`` as given: the handler reads the number (ASCII digits, in range)."""
    return request.args.get("limit") or None


# ------------------------------------------------------------------ clerks
@cases_api.post("/cases")
@requires("clerk")
@documented("Submit a case at a window (clerk; becomes the first-inquiry officer)", "case.submit", status=201)
def case_submit():  # type: ignore[no-untyped-def]
    return call("case.submit", json_body(), request_actor(), status=201)


@cases_api.get("/cases/mine")
@requires("clerk")
@documented(
    "The signed-in clerk's cases (首问负责; a manager gives clerk=)",
    "case.mine",
    query=("clerk", "include_closed"),
)
def case_mine():  # type: ignore[no-untyped-def]
    body = {"clerk": request.args.get("clerk"), "include_closed": request.args.get("include_closed")}
    return call("case.mine", body, request_actor())


@cases_api.get("/cases/tasks")
@requires("clerk")
@documented(
    "A department's tasks waiting for its decision (并联办理), earliest due first, with cards: the reviewer's "
    "own department (a manager gives department=)",
    "case.tasks",
    query=("department",),
)
def case_tasks():  # type: ignore[no-untyped-def]
    return call("case.tasks", {"department": request.args.get("department")}, request_actor())


@cases_api.get("/cases/supervision")
@requires("manager")
@documented(
    "Supervision list: yellow and red cards of cases and department tasks (manager)",
    "case.supervision",
    query=("limit",),
)
def case_supervision():  # type: ignore[no-untyped-def]
    return call("case.supervision", {"limit": _limit()}, request_actor())


@cases_api.get("/cases/<case_id>")
@requires("clerk")
@documented("The full case (clerk)", "case.get", path={"case_id": "case"})
def case_get(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.get", {"case": case_id}, request_actor())


def _clerk_action(type_: str, summary: str):  # type: ignore[no-untyped-def]
    @documented(summary, type_, path={"case_id": "case"})
    def view(case_id: str):  # type: ignore[no-untyped-def]
        return call(type_, _with("case", case_id), request_actor())

    return view


for _path, (_type, _summary) in CLERK_ACTIONS.items():
    cases_api.add_url_rule(
        f"/cases/<case_id>/{_path}",
        endpoint=f"case_{_path}",
        view_func=requires("clerk")(_clerk_action(_type, _summary)),
        methods=["POST"],
    )


@cases_api.post("/cases/<case_id>/supplement")
@documented(
    "Supplement materials (补正): a clerk with a token, or the applicant online with the check code",
    "case.supplement_online",
    also=("case.supplement",),
    path={"case_id": "case"},
    errors=GATED,
)
def case_supplement(case_id: str):  # type: ignore[no-untyped-def]
    """A clerk at the window (token), or the applicant online (check code)."""
    actor = current_actor()
    type_ = "case.supplement" if actor.at_least(AccessRole.CLERK) else "case.supplement_online"
    return call(type_, _with("case", case_id), actor)


@cases_api.post("/cases/<case_id>/withdraw")
@documented(
    "Withdraw the application (撤回): a clerk for the applicant, or the applicant online with the check code",
    "case.withdraw_online",
    also=("case.withdraw",),
    path={"case_id": "case"},
    errors=GATED,
)
def case_withdraw(case_id: str):  # type: ignore[no-untyped-def]
    """A clerk at the window for the applicant (token), or the applicant online (check code)."""
    actor = current_actor()
    type_ = "case.withdraw" if actor.at_least(AccessRole.CLERK) else "case.withdraw_online"
    return call(type_, _with("case", case_id), actor)


@cases_api.get("/cases/<case_id>/notice-slip")
@documented(
    "A one-time notice (一次性告知) as printed: materials with names and notes, where, by when, the officer "
    "(staff, or the check code)",
    "case.notice_slip",
    path={"case_id": "case"},
    query=("code", "notice"),
    errors=GATED,
)
def case_notice_slip(case_id: str):  # type: ignore[no-untyped-def]
    """The one-time notice as printed: staff, or the applicant with the check code."""
    body: dict[str, Any] = {"case": case_id, "code": request.args.get("code")}
    if request.args.get("notice"):
        body["notice"] = request.args["notice"]
    return call("case.notice_slip", body, current_actor())


# ------------------------------------------------------------------ the public
@cases_api.post("/cases/online")
@documented("Submit a case from the online hall (no visit)", "case.submit_online", status=201)
def case_submit_online():  # type: ignore[no-untyped-def]
    return call("case.submit_online", json_body(), current_actor(), status=201)


@cases_api.get("/cases/<case_id>/progress")
@documented(
    "Public progress page: steps, handling officer's name and phone, deadline, card; a wrong check code "
    "answers 404",
    "case.progress",
    path={"case_id": "case"},
    query=("code",),
    required_query=("code",),
    errors=GATED,
)
def case_progress(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.progress", {"case": case_id, "code": request.args.get("code")}, current_actor())


@cases_api.post("/cases/<case_id>/rate")
@documented(
    "Rate the latest service of the case (好差评, 1-5; 1-2 open a follow-up)",
    "case.rate",
    path={"case_id": "case"},
    status=201,
    errors=GATED,
)
def case_rate(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.rate", _with("case", case_id), current_actor(), status=201)


@cases_api.post("/tickets/<ticket>/rate")
@documented(
    "Rate a window's service where no case exists (好差评 keyed to the ticket; 1-2 open a follow-up); with the "
    "token printed on the slip",
    "ticket.rate",
    status=201,
    errors=GATED,
)
def ticket_rate(ticket: str):  # type: ignore[no-untyped-def]
    return call("ticket.rate", _with("ticket", ticket), current_actor(), status=201)


@cases_api.post("/complaints")
@documented(
    "File a complaint (about a case with its number and check code), with its category and the phone number "
    "to answer on (required from a kiosk; stored encrypted, shown masked)",
    "complaint.file",
    status=201,
    errors=GATED,
)
def complaint_file():  # type: ignore[no-untyped-def]
    return call("complaint.file", json_body(), current_actor(), status=201)


@cases_api.get("/complaints/<complaint_id>/progress")
@documented(
    "The citizen's view of their complaint: its state, the deadline running and the answer, with the check "
    "code given when it was filed (a wrong code answers 404)",
    "complaint.progress",
    path={"complaint_id": "complaint"},
    query=("code",),
    required_query=("code",),
    errors=GATED,
)
def complaint_progress(complaint_id: str):  # type: ignore[no-untyped-def]
    body = {"complaint": complaint_id, "code": request.args.get("code")}
    return call("complaint.progress", body, current_actor())


@cases_api.get("/certificates/<number>")
@documented(
    "Verify a certificate (the page its QR code opens)",
    "certificate.verify",
    query=("code",),
    required_query=("code",),
    errors=GATED,
)
def certificate_verify(number: str):  # type: ignore[no-untyped-def]
    return call("certificate.verify", {"number": number, "code": request.args.get("code")}, current_actor())
