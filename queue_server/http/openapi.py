"""The OpenAPI 3.1 document of /api/v1, assembled from the parts written beside the views
they describe (``docs.py`` holds the pieces they share)."""

from __future__ import annotations

from functools import cache
from typing import Any

from .. import inputs
from .cases import case_paths
from .docs import (
    APPT,
    ID_NUMBER,
    ITEM,
    OBJ,
    TICKET,
    TICKET_ID,
    WINDOW_N,
    code_schema,
    json_content,
    operation,
    path_param,
    query_param,
)
from .manage import manage_paths
from .pages import page_paths


@cache
def openapi_document() -> dict[str, Any]:
    text = {
        "type": "object",
        "required": ["zh", "en"],
        "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
    }
    schemas = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "message_zh"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "message_zh": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
        "Text": text,
        "Ticket": {
            "type": "object",
            "required": ["id", "number", "item_code", "state", "position", "estimated_wait_s"],
            "properties": {
                "id": {"type": "string", "examples": ["H01-20261126-A012"]},
                "number": {"type": "string", "examples": ["A012"]},
                "token": {"type": "string", "description": "secret of the visitor's live page; only in the issue reply"},
                "item_code": {"type": "string"},
                "item_name": {"anyOf": [text, {"type": "null"}]},
                "stream": {"type": "string", "enum": ["citizen", "enterprise"]},
                # A Ticket is a live one: an ended ticket (done, no-show, cancelled) is no longer
                # served at /tickets/{ticket}, and the actions that end one answer their own shape.
                "state": {"type": "string", "enum": ["waiting", "called", "serving"]},
                "priority": {"type": ["string", "null"], "enum": ["green", "appointment", None]},
                "position": {"type": "integer", "description": "people ahead (estimate)"},
                "estimated_wait_s": {"type": "integer"},
                "window": {"type": ["integer", "null"]},
                "issued_at": {"type": "number", "description": "POSIX seconds"},
                "id_masked": {"type": ["string", "null"], "examples": ["1101**********002X"]},
            },
        },
        "TicketCancelled": {
            "type": "object",
            "required": ["ticket", "state"],
            "properties": {"ticket": {"type": "string"}, "state": {"const": "cancelled"}},
        },
        "CatalogueUnchanged": {
            "type": "object",
            "required": ["version", "unchanged"],
            "description": "the caller has the newest version already (have_version)",
            "properties": {"version": {"type": "integer"}, "unchanged": {"const": True}},
        },
        "TicketRequest": {
            "type": "object",
            "required": ["item_code"],
            "properties": {
                "item_code": ITEM,
                "id_number": ID_NUMBER,
                "priority": {"type": "string", "enum": ["green"]},
            },
        },
        "Catalogue": {
            "type": "object",
            "required": ["version", "items"],
            "properties": {
                "version": {"type": "integer"},
                "unchanged": {"type": "boolean"},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "name", "stream"],
                        "properties": {
                            "code": {"type": "string"},
                            "name": text,
                            "stream": {"type": "string", "enum": ["citizen", "enterprise"]},
                            "theme": {"type": "string"},
                            "limits": {"type": "object"},
                            "flags": {"type": "object"},
                            "guide": {"type": "object"},
                        },
                    },
                },
            },
        },
        "Queue": {
            "type": "object",
            "required": ["hall", "windows", "waiting", "waiting_total"],
            "properties": {
                "hall": {"type": "string"},
                "seq": {"type": "integer"},
                "windows": {"type": "array", "items": {"type": "object"}},
                "waiting": {"type": "array", "items": {"type": "object"}},
                "waiting_total": {"type": "integer"},
                "waiting_by_stream": {"type": "object"},
            },
        },
        "Appointment": {
            "type": "object",
            "required": ["code", "item_code", "day", "slot", "state"],
            "properties": {
                "code": {"type": "string"},
                "item_code": {"type": "string"},
                "day": {"type": "string", "format": "date"},
                "slot": {"type": "string", "examples": ["09:30"]},
                "state": {"type": "string"},
            },
        },
    }
    ticket_actions = {
        "recall": ("Recall the called visitor (after the configured recalls: no-show)", None),
        "start": ("The visitor arrived at the window", None),
        "no-show": ("Mark the called visitor as not present", None),
        "complete": (
            "Finish serving, with an outcome",
            {
                "type": "object",
                "properties": {
                    "outcome": {
                        "type": "string",
                        "enum": ["handled", "consultation", "accepted", "one_time_notice", "refused", "left"],
                    }
                },
            },
        ),
        "transfer": (
            "Transfer to a window or an item, with a note (转办); the first-inquiry clerk is kept",
            {
                "type": "object",
                "required": ["note"],
                "properties": {
                    "to_window": {"type": "integer"},
                    "to_item": {"type": "string"},
                    "note": {"type": "string"},
                },
            },
        ),
    }
    paths: dict[str, Any] = {
        "/health": {
            "get": operation(
                "200 when the hall answers and its database can be read and written; 503 saying what is wrong "
                "(error.details.problem: database_unreachable, disk_full, disk_error, read_only, database_busy, "
                "database_error; since, recovery_attempts)",
                {"type": "object", "required": ["status", "hall", "seq"]},
                errors=(503,),
            )
        },
        "/openapi.json": {"get": operation("This document", OBJ, errors=())},
        "/hall": {
            "get": operation(
                "The hall for a kiosk's first screen: name, today's opening hours, open now, next opening "
                "(ISO, null when open or always open), and the walk-in numbers left today of items with a daily cap",
                {
                    "type": "object",
                    "required": ["hall", "name", "today", "always_open", "hours_today", "open_now", "next_open", "caps"],
                    "properties": {
                        "hall": {"type": "string"},
                        "name": {"$ref": "#/components/schemas/Text"},
                        "today": {"type": "string", "format": "date"},
                        "timezone": {"type": "string"},
                        "always_open": {"type": "boolean"},
                        "hours_today": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["start", "end"],
                                "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
                            },
                        },
                        "open_now": {"type": "boolean"},
                        "next_open": {"type": ["string", "null"], "format": "date-time"},
                        "caps": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["item_code", "cap", "left"],
                                "properties": {
                                    "item_code": {"type": "string"},
                                    "item_name": {"anyOf": [{"$ref": "#/components/schemas/Text"}, {"type": "null"}]},
                                    "cap": {"type": "integer"},
                                    "left": {"type": "integer"},
                                },
                            },
                        },
                    },
                },
                errors=(503,),
            )
        },
        "/catalogue": {
            "get": operation(
                "The published catalogue (ETag = version; have_version returns unchanged)",
                {"oneOf": [{"$ref": "#/components/schemas/Catalogue"}, {"$ref": "#/components/schemas/CatalogueUnchanged"}]},
                params=[query_param("have_version", {"type": "integer", "minimum": 0, "maximum": inputs.INT_MAX})],
                errors=(400,),
                extra={"304": {"description": "not modified"}},
            ),
            "post": operation(
                "Publish a new catalogue version (admin)",
                {"type": "object", "properties": {"version": {"type": "integer"}, "created": {"type": "boolean"}}},
                status=201,
                body=OBJ,
                auth=True,
                errors=(400,),
                extra={"200": json_content(OBJ, "same content as the newest version")},
            ),
        },
        "/catalogue/items/{code}": {
            "get": operation(
                "One service item with its guide", OBJ, params=[path_param("code", ITEM)], errors=(400, 404)
            )
        },
        "/tickets": {
            "post": operation(
                "Issue a ticket (public, like the kiosk). 409 hall_closed outside opening hours (details: "
                "next_open, hours_today); 409 cap_reached when the item's numbers for today are taken (details: "
                "item, cap, next_slot {day, start, end, available} or null)",
                TICKET,
                status=201,
                body={"$ref": "#/components/schemas/TicketRequest"},
                idempotent=True,
            )
        },
        "/tickets/{ticket}": {
            "get": operation(
                "A live ticket's position (needs the token from the slip, or a clerk)",
                TICKET,
                params=[TICKET_ID, query_param("token", code_schema(inputs.TOKEN))],
                errors=(400, 404, 429),
            )
        },
        "/tickets/{ticket}/cancel": {
            "post": operation(
                "Cancel a waiting ticket: its holder with the slip's token, a manager, or a clerk for a "
                "ticket waiting for their own window",
                {"$ref": "#/components/schemas/TicketCancelled"},
                params=[TICKET_ID],
                body={"type": "object", "properties": {"token": code_schema(inputs.TOKEN)}},
                idempotent=True,
                errors=(400, 403, 404, 409, 429, 503),
            )
        },
        "/queue": {
            "get": operation(
                "The live queue: windows and the head of the waiting line",
                {"$ref": "#/components/schemas/Queue"},
                params=[query_param("limit", {"type": "integer", "minimum": 0, "maximum": 5000})],
                errors=(400,),
            )
        },
        "/windows/{number}/call-next": {
            "post": operation(
                "Call the next visitor at a window",
                {"type": "object", "required": ["ticket"], "properties": {"ticket": TICKET, "window": {"type": "integer"}}},
                auth=True,
                params=[WINDOW_N],
                idempotent=True,
                extra={"204": {"description": "nobody is waiting for this window"}},
            )
        },
        "/notices": {
            "post": operation(
                "Set the hall board's scrolling notices (manager)",
                {"type": "object", "properties": {"notices": {"type": "array", "items": text}}},
                auth=True,
                body={"type": "object", "required": ["notices"], "properties": {"notices": {"type": "array", "items": text}}},
                errors=(400,),
                idempotent=True,
            )
        },
        "/appointments/slots": {
            "get": operation(
                "Appointment slots of an item on a day, with what is left",
                OBJ,
                params=[query_param("item_code", ITEM, True), query_param("day", {"type": "string", "format": "date"})],
                errors=(400, 404),
            )
        },
        "/appointments": {
            "post": operation(
                "Book an appointment",
                {"$ref": "#/components/schemas/Appointment"},
                status=201,
                body={
                    "type": "object",
                    "required": ["item_code", "day", "slot", "id_number"],
                    "properties": {
                        "item_code": ITEM,
                        "day": {"type": "string", "format": "date"},
                        "slot": code_schema(inputs.SLOT),
                        "id_number": ID_NUMBER,
                        "name": {"type": "string", "maxLength": 50},
                    },
                },
                idempotent=True,
            )
        },
        "/appointments/{code}/check-in": {
            "post": operation(
                "Check in on the day: issues a ticket (priority when on time)",
                TICKET,
                status=201,
                params=[APPT],
                idempotent=True,
                errors=(400, 404, 409, 429, 503),
            )
        },
        "/appointments/{code}/cancel": {
            "post": operation(
                "Cancel an appointment (with the applicant's id_number, or a clerk)",
                OBJ,
                params=[APPT],
                body={"type": "object", "properties": {"id_number": ID_NUMBER}},
                idempotent=True,
                errors=(400, 404, 409, 429, 503),
            )
        },
    }
    for action, summary in (
        ("pause", "Pause a window"),
        ("resume", "Resume a paused window"),
        ("sign-in", "Sign a clerk in at a window"),
        ("sign-out", "Sign the clerk out"),
    ):
        paths[f"/windows/{{number}}/{action}"] = {
            "post": operation(summary, OBJ, auth=True, params=[WINDOW_N], body=OBJ, idempotent=True)
        }
    for action, (summary, body) in ticket_actions.items():
        paths[f"/tickets/{{ticket}}/{action}"] = {
            "post": operation(summary, OBJ, auth=True, params=[TICKET_ID], body=body or OBJ, idempotent=True)
        }
    more_paths, more_schemas = case_paths()
    paths.update(more_paths)
    schemas.update(more_schemas)
    page_more, page_schemas = page_paths()
    paths.update(page_more)
    schemas.update(page_schemas)
    # The manager's; /complaints shares its path: merge by method.
    manager_paths, manager_schemas = manage_paths()
    for path, ops in manager_paths.items():
        paths.setdefault(path, {}).update(ops)
    schemas.update(manager_schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Government service hall queue server",
            "version": "1.0.0",
            "description": "政务服务大厅排队叫号与办件系统 REST API. Errors carry an English and a Chinese message.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
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
