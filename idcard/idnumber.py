"""Citizen ID numbers (公民身份号码, GB 11643-1999) for the card reader: check character,
dates, masking.

The rules live in :mod:`protocol.idnumber`, shared with the printer and the queue server;
this module re-exports them and raises the card package's own
:class:`idcard.errors.InvalidIdNumber` (a subclass of the shared one), so that card callers
keep catching the :class:`~idcard.errors.IdCardError` family.
"""

from __future__ import annotations

import datetime as dt

from idcard.errors import InvalidIdNumber
from protocol import idnumber as _rules
from protocol.idnumber import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    PERMIT_REGIONS,
    PROVINCES,
    WEIGHTS,
    IdNumberInfo,
    mask,
    mask_short,
    normalise,
)


def _card_error(e: _rules.InvalidIdNumber) -> InvalidIdNumber:
    return InvalidIdNumber(str(e), reason=e.reason, message=e.message, message_zh=e.message_zh)


def check_char(first17: str) -> str:
    try:
        return _rules.check_char(first17)
    except _rules.InvalidIdNumber as e:
        raise _card_error(e) from None


def validate(number: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Check format, province, birth date and check character; raise :class:`InvalidIdNumber`
    saying which check failed."""
    try:
        return _rules.validate(number, today=today)
    except _rules.InvalidIdNumber as e:
        raise _card_error(e) from None


def is_valid(number: str, *, today: dt.date | None = None) -> bool:
    return _rules.is_valid(number, today=today)


__all__ = [
    "CHECK_CHARS",
    "EARLIEST_BIRTH",
    "PERMIT_REGIONS",
    "PROVINCES",
    "WEIGHTS",
    "IdNumberInfo",
    "InvalidIdNumber",
    "check_char",
    "is_valid",
    "mask",
    "mask_short",
    "normalise",
    "validate",
]
