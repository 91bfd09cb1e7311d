"""REST for the hall's managers: complaints from acceptance to closing, follow-ups of bad
ratings, flagged one-time notices and the dashboard's reports. Each view turns into a
hall-loop request of ``handlers/complaint.py``, ``followup.py``, ``case.py`` or ``report.py`` (the handlers check the finer rules, e.g. that only the named clerk answers a complaint);
``manage_paths()`` is their part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from .. import inputs
from .auth import requires
from .common import call, json_body, request_actor
from .docs import (
    BLANK,
    COMPLAINT_CATEGORY,
    MASKED_PHONE,
    OBJ,
    code_schema,
    operation,
    path_param,
    query_param,
)

manage_api = Blueprint("manage", __name__)


def _args(*names: str) -> dict[str, Any]:
    return {n: request.args.get(n) for n in names if request.args.get(n) is not None}


def _with(name: str, value: str) -> dict[str, Any]:
    body = json_body()
    body[name] = value
    return body


# ------------------------------------------------------------------ complaints
@manage_api.get("/complaints")
@requires("manager")
def complaint_list():  # type: ignore[no-untyped-def]
    return call("complaint.list", _args("state", "overdue", "limit"), request_actor())


@manage_api.get("/complaints/<complaint_id>")
@requires("clerk")
def complaint_get(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.get", {"complaint": complaint_id}, request_actor())


@manage_api.post("/complaints/<complaint_id>/accept")
@requires("manager")
def complaint_accept(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.accept", _with("complaint", complaint_id), request_actor())


@manage_api.post("/complaints/<complaint_id>/answer")
@requires("clerk")
def complaint_answer(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.answer", _with("complaint", complaint_id), request_actor())


@manage_api.post("/complaints/<complaint_id>/close")
@requires("manager")
def complaint_close(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.close", _with("complaint", complaint_id), request_actor())


# ------------------------------------------------------------------ follow-ups
@manage_api.get("/follow-ups")
@requires("manager")
def followup_list():  # type: ignore[no-untyped-def]
    return call("followup.list", _args("state", "overdue", "limit"), request_actor())


@manage_api.post("/follow-ups/<evaluation_id>/answer")
@requires("manager")
def followup_answer(evaluation_id: str):  # type: ignore[no-untyped-def]
    return call("followup.answer", _with("evaluation", evaluation_id), request_actor())


# ------------------------------------------------------------------ notices and reports
@manage_api.get("/cases/flagged-notices")
@requires("manager")
def flagged_notices():  # type: ignore[no-untyped-def]
    return call("case.flagged_notices", _args("limit"), request_actor())


@manage_api.get("/reports/dashboard")
@requires("manager")
def report_dashboard():  # type: ignore[no-untyped-def]
    return call("report.dashboard", _args("since", "until"), request_actor())


# ------------------------------------------------------------------ the hall floor
@manage_api.get("/help-calls")
@requires("manager")
def help_calls():  # type: ignore[no-untyped-def]
    return call("hall.help_calls", {}, request_actor())


@manage_api.post("/help-calls/<int(min=1):help_id>/answer")
@requires("manager")
def help_call_answer(help_id: int):  # type: ignore[no-untyped-def]
    return call("hall.help_answered", {"help_id": help_id}, request_actor())


@manage_api.get("/devices/health")
@requires("manager")
def devices_health():  # type: ignore[no-untyped-def]
    return call("device.health_table", {}, request_actor())


# ------------------------------------------------------------------ OpenAPI
def manage_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) of the manager endpoints for ``openapi_document()``. ``/complaints``
    also has the public POST of ``case_paths()``: the caller merges per method."""
    complaint = {"$ref": "#/components/schemas/Complaint"}
    follow_up = {"$ref": "#/components/schemas/FollowUp"}
    label = {"$ref": "#/components/schemas/Label"}
    help_call = {
        "type": "object",
        "required": ["id", "kiosk", "at"],
        "properties": {
            "id": {"type": "integer"},
            "kiosk": {"type": "string"},
            "reason": {"type": "string"},
            "screen": {"type": "string"},
            "at": {"type": "number"},
            "at_local": {"type": "string", "format": "date-time"},
        },
    }
    day = {"type": ["string", "null"], "format": "date"}
    complaint_id = path_param("complaint_id", code_schema(inputs.COMPLAINT_ID, examples=["TS-20261126-1A2B3C4D"]))
    limit = query_param("limit", {"type": "integer", "minimum": 1, "maximum": 500})
    overdue = query_param("overdue", {"type": "boolean", "description": "only those past their deadline"})
    answer = {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"type": "string", "maxLength": 4000}},
    }
    deadline = {
        "due": {**day, "description": "the deadline running now (none once answered)"},
        "overdue": {"type": "boolean"},
        "days_late": {"type": "integer", "description": "working days past the deadline"},
    }
    staff = {
        "type": ["object", "null"],
        "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]}},
    }
    schemas = {
        "Label": {
            "type": "object",
            "required": ["zh", "en"],
            "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
        },
        "Complaint": {
            "type": "object",
            "required": [
                "id", "state", "state_label", "category", "category_label", "text", "phone", "accept_due", "due",
                "overdue", "history",
            ],
            "properties": {
                "id": {"type": "string"},
                "state": {"type": "string", "enum": ["filed", "accepted", "answered", "closed"]},
                "state_label": label,
                "category": COMPLAINT_CATEGORY,
                "category_label": label,
                "text": {"type": "string"},
                "phone": {**MASKED_PHONE, "description": "the number to answer on, masked: 138****5678"},
                "source": {"type": "string", "enum": ["kiosk", "keypad", "web"]},
                "case": {"type": ["string", "null"]},
                "ticket": {"type": ["string", "null"]},
                "filed_on": {"type": "string", "format": "date"},
                "accept_due": {"type": "string", "format": "date"},
                "handler": staff,
                "answer_due": day,
                "answer": {"type": ["string", "null"]},
                "answered_on": day,
                **deadline,
                "history": {"type": "array", "items": OBJ},
            },
        },
        "FollowUp": {
            "type": "object",
            "required": ["evaluation", "level", "level_label", "follow_up_due", "answered", "overdue"],
            "properties": {
                "evaluation": {"type": "string"},
                "case": {"type": ["string", "null"]},
                "ticket": {"type": ["string", "null"]},
                "level": {"type": "integer", "enum": [1, 2]},
                "level_label": label,
                "comment": {"type": "string"},
                "hall": {"type": ["string", "null"]},
                "window": {"type": ["integer", "null"]},
                "clerk": staff,
                "follow_up_due": {"type": "string", "format": "date"},
                "answered": {"type": "boolean"},
                "answer": {"type": ["string", "null"]},
                "overdue": {"type": "boolean"},
                "days_late": {"type": "integer"},
            },
        },
    }
    manager_list_errors = (400, 503)
    paths: dict[str, Any] = {
        "/complaints": {
            "get": operation(
                "Complaints (manager): by state (open = not closed), overdue ones marked, oldest first",
                {
                    "type": "object",
                    "properties": {
                        "today": {"type": "string", "format": "date"},
                        "complaints": {"type": "array", "items": complaint},
                        "total": {"type": "integer"},
                        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    },
                },
                auth=True,
                errors=manager_list_errors,
                params=[
                    query_param(
                        "state",
                        {
                            "type": "string",
                            "enum": ["filed", "accepted", "answered", "closed", "open", "all"],
                        },
                    ),
                    overdue,
                    limit,
                ],
            )
        },
        "/complaints/{complaint_id}": {
            "get": operation(
                "One complaint with its deadlines (manager, or the clerk named to handle it)",
                complaint,
                auth=True,
                params=[complaint_id],
            )
        },
        "/complaints/{complaint_id}/accept": {
            "post": operation(
                "Accept a filed complaint (受理, manager), naming the clerk who answers; the answer deadline starts",
                complaint,
                auth=True,
                params=[complaint_id],
                idempotent=True,
                body={
                    "type": "object",
                    "required": ["handler"],
                    "properties": {"handler": {"type": "string", "description": "a clerk id of this hall"}},
                },
            )
        },
        "/complaints/{complaint_id}/answer": {
            "post": operation(
                "Answer an accepted complaint (答复): the named clerk or a manager",
                complaint,
                auth=True,
                params=[complaint_id],
                idempotent=True,
                body=answer,
            )
        },
        "/complaints/{complaint_id}/close": {
            "post": operation(
                "Close an answered complaint (办结, manager)",
                complaint,
                auth=True,
                params=[complaint_id],
                idempotent=True,
                body=OBJ,
            )
        },
        "/follow-ups": {
            "get": operation(
                "Follow-ups of bad ratings (差评整改, manager): open by default, earliest deadline first",
                {
                    "type": "object",
                    "properties": {
                        "today": {"type": "string", "format": "date"},
                        "follow_ups": {"type": "array", "items": follow_up},
                        "total": {"type": "integer"},
                    },
                },
                auth=True,
                errors=manager_list_errors,
                params=[
                    query_param("state", {"type": "string", "enum": ["open", "answered", "all"]}),
                    overdue,
                    limit,
                ],
            )
        },
        "/follow-ups/{evaluation_id}/answer": {
            "post": operation(
                "Answer the follow-up of a bad rating (manager; once)",
                follow_up,
                auth=True,
                params=[path_param("evaluation_id", code_schema(inputs.EVALUATION_ID))],
                idempotent=True,
                body=answer,
            )
        },
        "/cases/flagged-notices": {
            "get": operation(
                "Later one-time notices that asked for materials the first did not list (manager), newest first",
                {
                    "type": "object",
                    "properties": {
                        "notices": {"type": "array", "items": OBJ},
                        "total": {"type": "integer"},
                        "label": label,
                    },
                },
                auth=True,
                errors=manager_list_errors,
                params=[limit],
            )
        },
        "/reports/dashboard": {
            "get": operation(
                "The manager dashboard: 三四三/五三二 of the catalogue and of closed cases, visit shares, "
                "cards by department, ratings by window and clerk, with Chinese and English labels",
                {
                    "type": "object",
                    "required": [
                        "tiers",
                        "visits",
                        "cards_by_department",
                        "ratings_by_window",
                        "ratings_by_clerk",
                    ],
                    "properties": {
                        "today": {"type": "string", "format": "date"},
                        "period": OBJ,
                        "tiers": OBJ,
                        "visits": OBJ,
                        "cards_by_department": {"type": "array", "items": OBJ},
                        "ratings_by_window": {"type": "array", "items": OBJ},
                        "ratings_by_clerk": {"type": "array", "items": OBJ},
                        "labels": OBJ,
                    },
                },
                auth=True,
                errors=manager_list_errors,
                params=[
                    query_param(
                        "since",
                        {"anyOf": [{"type": "string", "format": "date"}, BLANK], "description": "first day, included"},
                    ),
                    query_param(
                        "until",
                        {"anyOf": [{"type": "string", "format": "date"}, BLANK], "description": "last day, included"},
                    ),
                ],
            )
        },
        "/help-calls": {
            "get": operation(
                "Open help calls from the kiosks (呼叫工作人员), oldest first (manager)",
                {"type": "object", "required": ["help_calls"], "properties": {"help_calls": {"type": "array", "items": help_call}}},
                auth=True,
                errors=manager_list_errors,
            )
        },
        "/help-calls/{help_id}/answer": {
            "post": operation(
                "A manager went to the kiosk: the help call ends (manager)",
                {
                    "type": "object",
                    "required": ["id", "kiosk", "state"],
                    "properties": {
                        "id": {"type": "integer"},
                        "kiosk": {"type": "string"},
                        "answered_by": {"type": "string"},
                        "state": {"const": "answered"},
                    },
                },
                auth=True,
                params=[path_param("help_id", {"type": "integer", "minimum": 1})],
                idempotent=True,
            )
        },
        "/devices/health": {
            "get": operation(
                "The newest health of every device the kiosks and displays reported, worst first (manager)",
                {"type": "object", "required": ["devices"], "properties": {"devices": {"type": "array", "items": OBJ}}},
                auth=True,
                errors=manager_list_errors,
            )
        },
    }
    return paths, schemas
