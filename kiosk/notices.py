"""Printing a case's one-time notice (一次性告知书) at a kiosk or a window's slip printer.

The queue server keeps the notice and answers ``case.notice_slip`` with everything the slip
shows (material names and notes in both languages, where and by when to bring them, the
officer); this turns that answer into the printer's ``OneTimeNoticeSlip`` and prints it. A
window's printer agent and the future kiosk app print the same slip with the same code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from printer import EscPosPrinter, OneTimeNoticeSlip, one_time_notice
from protocol.client import HallClient

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


def print_notice(
    client: HallClient,
    printer: EscPosPrinter,
    case: str,
    *,
    code: str | None = None,
    id_number: str | None = None,
    notice: int | None = None,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """Fetch the notice (with the check code, or the ID card read at the kiosk) and print it.
    Returns the server's answer. Raises ``RequestFailed`` for a refusal (no such notice)."""
    body: dict[str, Any] = {"case": case}
    if code is not None:
        body["code"] = code
    if id_number is not None:
        body["id_number"] = id_number
    if notice is not None:
        body["notice"] = notice
    answer = client.request("case.notice_slip", body)
    printer.print_document(one_time_notice(notice_slip(answer, lang), lang=lang))
    return answer
