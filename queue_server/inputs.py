"""The checks of :mod:`protocol.fields` as the queue server answers them: a refused field
is a ``bad_request`` naming it, in English and Chinese, never quoting the value.

Request bodies are checked by their models (:mod:`protocol.models`); these functions are
for what arrives outside one (path segments the HTTP views read) and for the parts of a body
a model leaves to its handler (captured pages, application fields, review limits).
"""

from __future__ import annotations

from typing import Any

from protocol import fields
from protocol.fields import (
    APPOINTMENT_CODE,
    CASE_ID,
    CERTIFICATE_NUMBER,
    CHECK_CODE,
    CLERK_ID,
    COMPLAINT_ID,
    DAY,
    DEPARTMENT,
    EVALUATION_ID,
    INT_MAX,
    ITEM_CODE,
    MATERIAL,
    MAX_INT_DIGITS,
    MIME,
    PHONE,
    SHA256,
    SLOT,
    TICKET_ID,
    TOKEN,
    WINDOW_MAX,
    WINDOW_MIN,
    WORD,
    FieldError,
    Pattern,
    absent,
    pattern,
)

from .engine.errors import EngineError, bad_request


def refusal(e: FieldError) -> EngineError:
    """The ``bad_request`` of a refused field."""
    return bad_request(e.message, e.message_zh, field=e.field, **e.details)


def checked_text(value: str, name: str, *, multiline: bool = False) -> str:
    try:
        return fields.checked_text(value, name, multiline=multiline)
    except FieldError as e:
        raise refusal(e) from None


def checked_code(value: object, name: str, pattern: Pattern) -> str:
    try:
        return fields.checked_code(value, name, pattern)
    except FieldError as e:
        raise refusal(e) from None


def checked_int(v: object, name: str, *, min: int = 0, max: int = INT_MAX) -> int:
    try:
        return fields.checked_int(v, name, min=min, max=max)
    except FieldError as e:
        raise refusal(e) from None



def code(body: dict[str, Any], name: str, pattern: Pattern, *, required: bool = True) -> str | None:
    v = body.get(name)
    if absent(v):
        if required:
            raise refusal(fields.required(name))
        return None
    return checked_code(v, name, pattern)





__all__ = [
    "APPOINTMENT_CODE",
    "CASE_ID",
    "CERTIFICATE_NUMBER",
    "CHECK_CODE",
    "CLERK_ID",
    "COMPLAINT_ID",
    "DAY",
    "DEPARTMENT",
    "EVALUATION_ID",
    "INT_MAX",
    "ITEM_CODE",
    "MATERIAL",
    "MAX_INT_DIGITS",
    "MIME",
    "PHONE",
    "SHA256",
    "SLOT",
    "TICKET_ID",
    "TOKEN",
    "WINDOW_MAX",
    "WINDOW_MIN",
    "WORD",
    "Pattern",
    "checked_code",
    "checked_int",
    "checked_text",
    "code",
    "pattern",
    "refusal",
]
