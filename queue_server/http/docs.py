"""Pieces of the OpenAPI 3.1 document of /api/v1 that every part of it uses: operations,
parameters, error answers and the schemas several views share. Imports no view module, so
each view module can describe its own paths with these (``case_paths()``, ...)."""

from __future__ import annotations

from typing import Any

from .. import inputs
from ..cases.evaluation import COMPLAINT_CATEGORY_LABEL

ERROR = {"$ref": "#/components/schemas/Error"}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_responses(*codes: int) -> dict[str, Any]:
    words = {
        400: "bad input",
        401: "no or unknown token",
        403: "role not allowed",
        404: "not found",
        409: "the state does not allow it",
        429: "too many wrong codes from this client: wait Retry-After seconds",
        503: "the hall cannot take requests now (busy, or its database failing: error.details.problem says "
        "why); retry with the same Idempotency-Key",
    }
    return {str(c): json_content(ERROR, words[c]) for c in codes}


def operation(
    summary: str,
    ok: dict[str, Any],
    *,
    status: int = 200,
    body: dict[str, Any] | None = None,
    auth: bool = False,
    errors: tuple[int, ...] = (400, 404, 409, 503),
    params: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    idempotent: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {str(status): json_content(ok, "success"), **error_responses(*errors)}}
    if auth:
        op["security"] = [{"bearer": []}]
        op["responses"].update(error_responses(401, 403))
    if body is not None:
        # A body with no required field may be left out altogether.
        needed = bool(body.get("required")) or "$ref" in body
        op["requestBody"] = {"required": needed, "content": {"application/json": {"schema": body}}}
    parameters = list(params or [])
    if idempotent:
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if parameters:
        op["parameters"] = parameters
    if extra:
        op["responses"].update(extra)
    return op


def path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def query_param(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def code_schema(p: inputs.Pattern, **extra: Any) -> dict[str, Any]:
    """A code's schema from the pattern the handlers check it against (``inputs``), so the
    document says what is accepted (the handlers also take lower case where ``p.upper``)."""
    return {"type": "string", "pattern": f"^(?:{p.regex.pattern})$", "maxLength": p.max_len, **extra}


#: What an empty query parameter means (a form's blank field): as if it were not given.
BLANK = {"const": ""}

OBJ = {"type": "object"}
#: A complaint's category (``cases.ComplaintCategory``), and a phone number as replies show it.
COMPLAINT_CATEGORY = {
    "type": "string",
    "enum": [c.value for c in COMPLAINT_CATEGORY_LABEL],
    "description": ", ".join(f"{c.value}: {lb['zh']} ({lb['en']})" for c, lb in COMPLAINT_CATEGORY_LABEL.items()),
}
MASKED_PHONE = {"type": ["string", "null"], "description": "masked: 138****5678", "examples": ["138****5678"]}
TICKET = {"$ref": "#/components/schemas/Ticket"}
WINDOW = {"type": "integer", "minimum": inputs.WINDOW_MIN, "maximum": inputs.WINDOW_MAX}
WINDOW_N = path_param("number", WINDOW)
TICKET_ID = path_param("ticket", code_schema(inputs.TICKET_ID, examples=["H01-20261126-A012"]))
APPT = path_param("code", code_schema(inputs.APPOINTMENT_CODE))
ITEM = code_schema(inputs.ITEM_CODE, examples=["C-SB-001"])
ID_NUMBER = {
    "type": "string",
    # What a pattern can say of GB 11643: a region not starting 0, born 1880-2099 on a day that
    # can exist in some month; the real date, province and check character are checked too.
    "pattern": "^[1-9][0-9]{5}(18[89]|19[0-9]|20[0-9])[0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$",
    "description": "resident ID number (GB 11643: region, real birth date, check character); stored "
    "encrypted, shown masked",
}
