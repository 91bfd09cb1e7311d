"""A ``case.notice_slip`` answer as the printer's :class:`OneTimeNoticeSlip`, a
``case.receipt_slip`` answer as its :class:`AcceptanceReceipt`: the kiosk and a window's agent
print the one-time notice (一次性告知书) and the acceptance receipt (受理回执) with the same
code and layouts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from printer.slips import AcceptanceReceipt, OneTimeNoticeSlip

Lang = Literal["zh", "en", "zh+en"]


def _text(t: dict[str, str] | None, lang: Lang) -> str:
    if not t:
        return ""
    if lang == "zh+en":
        return t["zh"] if t["zh"] == t["en"] else f"{t['zh']} {t['en']}"
    return t["en"] if lang == "en" else t["zh"]


def notice_slip(answer: dict[str, Any], lang: Lang = "zh") -> OneTimeNoticeSlip:
    """The printer's slip from a ``case.notice_slip`` answer."""
    officer = answer.get("officer") or {}
    issued = dt.datetime.fromisoformat(answer["issued_at"]).replace(tzinfo=None)  # hall's local time
    return OneTimeNoticeSlip(
        case_number=answer["case"],
        missing_materials=[(_text(m["name"], lang), _text(m.get("note"), lang)) for m in answer["materials"]],
        where=_text(answer["where"], lang),
        deadline=dt.date.fromisoformat(answer["deadline"]),
        officer_name=officer.get("name", ""),
        officer_phone=officer.get("phone", ""),
        issued_at=issued,
        # Optional: a server that does not send them yet gives a slip without them.
        item_name=_text(answer.get("item_name"), lang),
        check_code=str(answer.get("check_code") or ""),
    )


def receipt_slip(answer: dict[str, Any], lang: Lang = "zh") -> AcceptanceReceipt:
    """The printer's acceptance receipt from a ``case.receipt_slip`` answer; its QR code opens
    the answer's ``progress_url`` as given (the server builds every public link from the
    hall's public address, so a moved hall changes one setting, not every printer)."""
    return AcceptanceReceipt(
        case_number=answer["case"],
        item_name=_text(answer.get("item_name"), lang) or str(answer.get("item_code") or ""),
        promised_date=dt.date.fromisoformat(answer["promised_date"]),
        progress_url=str(answer["progress_url"]),
        check_code=str(answer.get("check_code") or ""),
    )
