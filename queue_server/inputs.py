"""The checks of :mod:`protocol.fields` as the queue server answers them: a refused field
is a ``bad_request`` naming it, in English and Chinese, never quoting the value.

Request bodies are checked by their models (:mod:`protocol.models`); these functions are
for what arrives outside a body: path segments and query parameters the HTTP views read.
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


def text(
    body: dict[str, Any], name: str, *, required: bool = True, max_len: int = 200, multiline: bool = False
) -> str | None:
    """A text field: a string of at most ``max_len`` characters (code points), checked."""
    v = body.get(name)
    try:
        if absent(v):
            if required:
                raise fields.required(name)
            return None
        return fields.text_value(v, name, max_len=max_len, multiline=multiline)
    except FieldError as e:
        raise refusal(e) from None


def code(body: dict[str, Any], name: str, pattern: Pattern, *, required: bool = True) -> str | None:
    v = body.get(name)
    if absent(v):
        if required:
            raise refusal(fields.required(name))
        return None
    return checked_code(v, name, pattern)


def codes(body: dict[str, Any], name: str, pattern: Pattern, *, required: bool = False, max_items: int = 100) -> list[str]:
    """A list of codes (material codes of a guide)."""
    v = body.get(name)
    if v is None or v == []:
        if required:
            raise bad_request(f"{name} is required (a list of {pattern.en})", f"缺少必填项 {name}", field=name)
        return []
    try:
        return fields.codes_value(v, name, pattern, max_items=max_items)
    except FieldError as e:
        raise refusal(e) from None


def integer(
    body: dict[str, Any], name: str, *, required: bool = True, min: int = 0, max: int = INT_MAX
) -> int | None:
    v = body.get(name)
    if v is None:
        if required:
            raise refusal(fields.required(name))
        return None
    return checked_int(v, name, min=min, max=max)


def flag(body: dict[str, Any], name: str, *, default: bool = False) -> bool:
    """true or false: a JSON boolean, or (from a query string) "true"/"false"/"1"/"0"."""
    v = body.get(name)
    if absent(v):
        return default
    try:
        return fields.checked_flag(v, name)
    except FieldError as e:
        raise refusal(e) from None


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
    "codes",
    "flag",
    "integer",
    "pattern",
    "refusal",
    "text",
]
