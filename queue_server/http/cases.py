"""REST for cases (办件): clerks and departments, managers, the online hall and the public
progress page. Each view turns into a hall-loop request of ``queue_server/handlers/case.py``
(or ``certificate.py``, ``complaint.py``, ``ticket.py``); ``case_paths()`` is their part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from .. import inputs
from ..auth import AccessRole
from .auth import current_actor, requires
from .common import call, json_body, request_actor
from .docs import (
    COMPLAINT_CATEGORY,
    ID_NUMBER,
    ITEM,
    MASKED_PHONE,
    OBJ,
    WINDOW,
    code_schema,
    operation,
    path_param,
    query_param,
)

cases_api = Blueprint("cases", __name__)

#: REST action -> hall request type (clerk token needed)
CLERK_ACTIONS = {
    "accept": "case.accept",
    "refuse": "case.refuse",
    "notice": "case.notice",
    "review": "case.review",
    "decide": "case.decide",
    "result-ready": "case.result_ready",
    "hand-out": "case.hand_out",
    "close": "case.close",
    "verify": "case.verify",
}


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
def case_submit():  # type: ignore[no-untyped-def]
    return call("case.submit", json_body(), request_actor(), status=201)


@cases_api.get("/cases/mine")
@requires("clerk")
def case_mine():  # type: ignore[no-untyped-def]
    body = {"clerk": request.args.get("clerk"), "include_closed": request.args.get("include_closed")}
    return call("case.mine", body, request_actor())


@cases_api.get("/cases/tasks")
@requires("clerk")
def case_tasks():  # type: ignore[no-untyped-def]
    return call("case.tasks", {"department": request.args.get("department")}, request_actor())


@cases_api.get("/cases/supervision")
@requires("manager")
def case_supervision():  # type: ignore[no-untyped-def]
    return call("case.supervision", {"limit": _limit()}, request_actor())


@cases_api.get("/cases/<case_id>")
@requires("clerk")
def case_get(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.get", {"case": case_id}, request_actor())


def _clerk_action(type_: str):  # type: ignore[no-untyped-def]
    def view(case_id: str):  # type: ignore[no-untyped-def]
        return call(type_, _with("case", case_id), request_actor())

    return view


for _path, _type in CLERK_ACTIONS.items():
    cases_api.add_url_rule(
        f"/cases/<case_id>/{_path}",
        endpoint=f"case_{_path}",
        view_func=requires("clerk")(_clerk_action(_type)),
        methods=["POST"],
    )


@cases_api.post("/cases/<case_id>/supplement")
def case_supplement(case_id: str):  # type: ignore[no-untyped-def]
    """A clerk at the window (token), or the applicant online (check code)."""
    actor = current_actor()
    type_ = "case.supplement" if actor.at_least(AccessRole.CLERK) else "case.supplement_online"
    return call(type_, _with("case", case_id), actor)


@cases_api.post("/cases/<case_id>/withdraw")
def case_withdraw(case_id: str):  # type: ignore[no-untyped-def]
    """A clerk at the window for the applicant (token), or the applicant online (check code)."""
    actor = current_actor()
    type_ = "case.withdraw" if actor.at_least(AccessRole.CLERK) else "case.withdraw_online"
    return call(type_, _with("case", case_id), actor)


@cases_api.get("/cases/<case_id>/notice-slip")
def case_notice_slip(case_id: str):  # type: ignore[no-untyped-def]
    """The one-time notice as printed: staff, or the applicant with the check code."""
    body: dict[str, Any] = {"case": case_id, "code": request.args.get("code")}
    if request.args.get("notice"):
        body["notice"] = request.args["notice"]
    return call("case.notice_slip", body, current_actor())


# ------------------------------------------------------------------ the public
@cases_api.post("/cases/online")
def case_submit_online():  # type: ignore[no-untyped-def]
    return call("case.submit_online", json_body(), current_actor(), status=201)


@cases_api.get("/cases/<case_id>/progress")
def case_progress(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.progress", {"case": case_id, "code": request.args.get("code")}, current_actor())


@cases_api.post("/cases/<case_id>/rate")
def case_rate(case_id: str):  # type: ignore[no-untyped-def]
    return call("case.rate", _with("case", case_id), current_actor(), status=201)


@cases_api.post("/tickets/<ticket>/rate")
def ticket_rate(ticket: str):  # type: ignore[no-untyped-def]
    return call("ticket.rate", _with("ticket", ticket), current_actor(), status=201)


@cases_api.post("/complaints")
def complaint_file():  # type: ignore[no-untyped-def]
    return call("complaint.file", json_body(), current_actor(), status=201)


@cases_api.get("/certificates/<number>")
def certificate_verify(number: str):  # type: ignore[no-untyped-def]
    return call("certificate.verify", {"number": number, "code": request.args.get("code")}, current_actor())


# ------------------------------------------------------------------ OpenAPI
def case_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the case endpoints for ``openapi_document()``."""
    case = {"$ref": "#/components/schemas/Case"}
    progress = {"$ref": "#/components/schemas/CaseProgress"}
    # Checked against a code or token: a client with too many wrong ones gets 429 (``throttle``).
    gated = (400, 403, 404, 409, 429, 503)  # 403: a staff token where only the visitor may act
    case_id = path_param("case_id", code_schema(inputs.CASE_ID, examples=["NS-20261126-000001"]))
    check = code_schema(inputs.CHECK_CODE)
    code = query_param("code", check, required=True)
    materials = {
        "type": "array",
        "items": code_schema(inputs.MATERIAL),
        "maxItems": 100,
        "description": "material codes of the item's guide",
    }
    where = {
        "window": {**WINDOW, "description": "default: the window the clerk is signed in at"},
        "channel": {"type": "string", "enum": ["window", "back_office", "online"]},
    }
    person = {
        "type": "object",
        "required": ["id_number"],
        "properties": {"id_number": ID_NUMBER, "name": {"type": "string", "maxLength": 50}},
    }
    submit = {
        "type": "object",
        "required": ["item_code", "id_number"],
        "properties": {
            "item_code": ITEM,
            "id_number": {**ID_NUMBER, "description": "applicant's resident ID number: stored as a keyed hash, shown masked"},
            "name": {"type": "string", "maxLength": 50},
            "agent": {**person, "description": "委托代办: the agent, recorded beside the applicant"},
            "materials": materials,
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "the item's application_fields as {code: value}: required ones present, each of its type; "
                "a refusal names details.field = fields.<code>",
            },
            **where,
        },
    }
    schemas = {
        "Case": {
            "type": "object",
            "required": ["id", "check_code", "item_code", "state", "steps"],
            "properties": {
                "id": {"type": "string", "examples": ["NS-20261126-000001"]},
                "check_code": {"type": "string", "description": "查询码 for the public progress page"},
                "item_code": {"type": "string"},
                "state": {
                    "type": "string",
                    "enum": [
                        "submitted",
                        "accepted",
                        "refused",
                        "waiting_materials",
                        "supplemented",
                        "in_review",
                        "approved",
                        "rejected",
                        "result_ready",
                        "handed_out",
                        "closed",
                    ],
                },
                "state_zh": {"type": "string"},
                "first_inquiry_clerk": {"type": ["string", "null"]},
                "handling_officer": {"type": ["object", "null"]},
                "visits": {"type": "integer"},
                "notices": {"type": "array", "items": OBJ},
                "tasks": {"type": "array", "items": OBJ},
                "steps": {"type": "array", "items": OBJ},
                "due": {"type": ["string", "null"], "format": "date"},
                "card": {"type": ["string", "null"], "enum": ["green", "yellow", "red", None]},
                "certificate": OBJ,
                "fields": {
                    "type": "array",
                    "items": OBJ,
                    "description": "the application's typed fields: code, label {zh,en}, type, value (phones masked)",
                },
            },
        },
        "CaseProgress": {
            "type": "object",
            "required": ["case", "state", "steps"],
            "description": "the public progress page: no ID data",
            "properties": {
                "case": {"type": "string"},
                "item": {"type": "string"},
                "state": {"type": "string"},
                "state_zh": {"type": "string"},
                "handling_officer": {
                    "type": ["object", "null"],
                    "properties": {
                        "name": {"type": "string"},
                        "phone": {"type": "string"},
                        "window": {"type": ["integer", "null"], "description": "where they sit now, if signed in"},
                    },
                },
                "steps": {"type": "array", "items": OBJ},
                "missing_materials": {"type": "array", "items": {"type": "string"}},
                "materials_owed": {
                    "type": "array",
                    "items": OBJ,
                    "description": "the missing materials named as the one-time notice names them: code, name {zh,en}, note",
                },
                "one_time_notice": {
                    "type": ["object", "null"],
                    "description": "the latest 一次性告知: number, issued_at, deadline (date to bring them), materials, where",
                },
                "statutory_days": {"type": ["integer", "null"]},
                "promised_days": {"type": "integer"},
                "due": {"type": ["string", "null"], "format": "date"},
                "card": {"type": ["string", "null"]},
                "visits": {"type": "integer"},
            },
        },
    }
    action_bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "accept": (
            "Accept (受理); commitment=true for 告知承诺 items (approved at once)",
            {"type": "object", "properties": {"commitment": {"type": "boolean"}, **where}},
        ),
        "refuse": (
            "Refuse (不予受理) with the legal reason",
            {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}, **where}},
        ),
        "notice": (
            "Issue a one-time notice (一次性告知) listing every missing material; the clock stops",
            {"type": "object", "required": ["materials"], "properties": {"materials": materials, **where}},
        ),
        "review": (
            "Send to review: one task per department (并联办理), optional limits in working days",
            {
                "type": "object",
                "properties": {
                    "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
                    **where,
                },
            },
        ),
        "decide": (
            "A department decides its task (default: the lead department); rejections need a reason",
            {
                "type": "object",
                "required": ["decision"],
                "properties": {
                    "department": {"type": "string"},
                    "decision": {"type": "string", "enum": ["approved", "rejected"]},
                    "reason": {"type": "string"},
                    **where,
                },
            },
        ),
        "result-ready": ("The result is ready for pick-up", {"type": "object", "properties": where}),
        "hand-out": (
            "Hand the result out (any hall of the city: 同城通办; channel=online for e-delivery)",
            {"type": "object", "properties": where},
        ),
        "close": (
            "Close (办结) a handed-out, refused or rejected case",
            {"type": "object", "properties": where},
        ),
        "verify": (
            "Record the later check (核查) of a commitment-based approval (告知承诺); a failed check needs a note",
            {
                "type": "object",
                "required": ["ok"],
                "properties": {"ok": {"type": "boolean"}, "note": {"type": "string"}, **where},
            },
        ),
    }
    paths: dict[str, Any] = {
        "/cases": {
            "post": operation(
                "Submit a case at a window (clerk; becomes the first-inquiry officer)",
                case,
                status=201,
                body=submit,
                auth=True,
                idempotent=True,
            )
        },
        "/cases/online": {
            "post": operation(
                "Submit a case from the online hall (no visit)",
                case,
                status=201,
                body=submit,
                idempotent=True,
            )
        },
        "/cases/mine": {
            "get": operation(
                "The signed-in clerk's cases (首问负责; a manager gives clerk=)",
                OBJ,
                auth=True,
                params=[query_param("clerk", code_schema(inputs.CLERK_ID)), query_param("include_closed", {"type": "boolean"})],
            )
        },
        "/cases/tasks": {
            "get": operation(
                "A department's tasks waiting for its decision (并联办理), earliest due first, with cards: "
                "the reviewer's own department (a manager gives department=)",
                OBJ,
                auth=True,
                params=[query_param("department", code_schema(inputs.DEPARTMENT))],
            )
        },
        "/cases/supervision": {
            "get": operation(
                "Supervision list: yellow and red cards of cases and department tasks (manager)",
                OBJ,
                auth=True,
                params=[query_param("limit", {"type": "integer", "minimum": 1, "maximum": 1000})],
            )
        },
        "/cases/{case_id}": {"get": operation("The full case (clerk)", case, auth=True, params=[case_id])},
        "/cases/{case_id}/progress": {
            "get": operation(
                "Public progress page: steps, handling officer's name and phone, deadline, card; "
                "a wrong check code answers 404",
                progress,
                errors=gated,
                params=[case_id, code],
            )
        },
        "/cases/{case_id}/supplement": {
            "post": operation(
                "Supplement materials (补正): a clerk with a token, or the applicant online with the check code",
                progress,
                errors=gated,
                params=[case_id],
                idempotent=True,
                body={
                    "type": "object",
                    "required": ["materials"],
                    "properties": {"materials": materials, "code": {"type": "string"}, **where},
                },
            )
        },
        "/cases/{case_id}/rate": {
            "post": operation(
                "Rate the latest service of the case (好差评, 1-5; 1-2 open a follow-up)",
                OBJ,
                errors=gated,
                status=201,
                params=[case_id],
                idempotent=True,
                body={
                    "type": "object",
                    "required": ["code", "level"],
                    "properties": {
                        "code": {"type": "string"},
                        "level": {"type": "integer", "minimum": 1, "maximum": 5},
                        "comment": {"type": "string"},
                    },
                },
            )
        },
        "/tickets/{ticket}/rate": {
            "post": operation(
                "Rate a window's service where no case exists (好差评 keyed to the ticket; 1-2 open a follow-up); "
                "with the token printed on the slip",
                OBJ,
                errors=gated,
                status=201,
                params=[path_param("ticket", code_schema(inputs.TICKET_ID))],
                idempotent=True,
                body={
                    "type": "object",
                    "required": ["token", "level"],
                    "properties": {
                        "token": {"type": "string"},
                        "level": {"type": "integer", "minimum": 1, "maximum": 5},
                        "comment": {"type": "string"},
                    },
                },
            )
        },
        "/complaints": {
            "post": operation(
                "File a complaint (about a case with its number and check code), with its category "
                "and the phone number to answer on (required from a kiosk; stored encrypted, shown masked)",
                {
                    "type": "object",
                    "required": ["id", "state", "accept_due", "case", "category", "category_label", "phone"],
                    "properties": {
                        "id": {"type": "string", "examples": ["TS-20261126-1A2B3C4D"]},
                        "state": {"type": "string", "enum": ["filed"]},
                        "accept_due": {"type": "string", "format": "date"},
                        "case": {"type": ["string", "null"]},
                        "category": COMPLAINT_CATEGORY,
                        "category_label": {"$ref": "#/components/schemas/Label"},
                        "phone": MASKED_PHONE,
                    },
                },
                errors=gated,
                status=201,
                idempotent=True,
                body={
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {"type": "string", "minLength": 1, "maxLength": 2000},
                        "category": {**COMPLAINT_CATEGORY, "default": "other"},
                        "phone": code_schema(inputs.PHONE, examples=["13812345678", "0755-26010101"]),
                        "case": {"type": "string"},
                        "code": {"type": "string"},
                    },
                },
            )
        },
        "/cases/{case_id}/withdraw": {
            "post": operation(
                "Withdraw the application (撤回): a clerk for the applicant, or the applicant online with the check code",
                OBJ,
                errors=gated,
                params=[case_id],
                idempotent=True,
                body={"type": "object", "properties": {"code": {"type": "string"}, **where}},
            )
        },
        "/cases/{case_id}/notice-slip": {
            "get": operation(
                "A one-time notice (一次性告知) as printed: materials with names and notes, where, by when, "
                "the officer (staff, or the check code)",
                OBJ,
                errors=gated,
                params=[
                    case_id,
                    query_param("code", check),
                    query_param("notice", {"type": "integer", "minimum": 1, "maximum": inputs.INT_MAX}),
                ],
            )
        },
        "/certificates/{number}": {
            "get": operation(
                "Verify a certificate (the page its QR code opens)",
                OBJ,
                errors=gated,
                params=[
                    path_param("number", code_schema(inputs.CERTIFICATE_NUMBER)),
                    query_param("code", check, required=True),
                ],
            )
        },
    }
    for action, (summary, body) in action_bodies.items():
        paths[f"/cases/{{case_id}}/{action}"] = {
            "post": operation(summary, case, auth=True, params=[case_id], body=body, idempotent=True)
        }
    return paths, schemas
