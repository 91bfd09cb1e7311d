"""Printing a case's one-time notice (一次性告知书) at a kiosk or a window's slip printer.

The queue server keeps the notice and answers ``case.notice_slip`` with everything the slip
shows (material names and notes in both languages, where and by when to bring them, the
officer); this turns that answer into the printer's ``OneTimeNoticeSlip`` and prints it. A
window's printer agent and the future kiosk app print the same slip with the same code.
"""

from __future__ import annotations

from typing import Any

from printer import EscPosPrinter, one_time_notice
from printer.notices import Lang, notice_slip
from protocol.client import HallClient

__all__ = ["Lang", "notice_slip", "print_notice"]


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
