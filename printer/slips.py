"""What goes on each slip: plain dataclasses that the queue server and the kiosk fill in.

They carry values only (no layout, no language): the layouts in :mod:`printer.layouts` turn
them into documents in Chinese, English or both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TicketSlip:
    """A queue ticket (排队号), printed at the kiosk when a ticket is issued."""

    hall_name: str
    number: str  # "A012"
    item_name: str  # service item, "不动产登记"
    people_ahead: int
    estimated_wait_min: int | None  # None when the server cannot estimate
    issued_at: dt.datetime
    url: str  # the ticket's live page (position, calls), opened from the QR code
    advice: str = ""  # one line, "请留意叫号，过号需重新取号"
    # The ticket's lane as the server gives it (``Priority``: "green" 绿色通道, "appointment"
    # 预约); None for the walk-in lane. Printed as a band the visitor and the clerk see at once.
    priority: str | None = None
    # Today's service may end before this turn (``beyond_closing``): no minutes are promised.
    beyond_closing: bool = False
    # (Chinese, English): the server's word on the wait (past closing, a lunch break on the way)
    wait_notice: tuple[str, str] | None = None

    @classmethod
    def from_reply(
        cls, ticket: Mapping[str, Any], hall_name: str, url: str, tz: ZoneInfo, advice: str = ""
    ) -> TicketSlip:
        """A ``ticket.issue`` (or check-in) reply as the server gives it: the kiosk prints
        this, and ``python -m printer ticket --json`` prints the same from a saved reply.
        ``issued_at`` is seconds since the epoch, printed in the hall's time zone ``tz``."""
        wait = ticket.get("estimated_wait_s")
        name = ticket.get("item_name") or {}
        return cls(
            hall_name=hall_name,
            number=str(ticket["number"]),
            item_name=name.get("zh") or str(ticket.get("item_code", "")),
            people_ahead=int(ticket.get("position", 0)),
            estimated_wait_min=None if wait is None else round(wait / 60),
            issued_at=dt.datetime.fromtimestamp(float(ticket["issued_at"]), tz).replace(tzinfo=None),
            url=url,
            advice=advice,
            priority=ticket.get("priority"),  # green / appointment: the slip marks the lane
            beyond_closing=bool(ticket.get("beyond_closing")),
            wait_notice=(notice["zh"], notice.get("en") or "") if (notice := ticket.get("wait_notice")) else None,
        )


@dataclass(frozen=True)
class OneTimeNoticeSlip:
    """一次性告知: every missing material at once, where and by when to bring them."""

    case_number: str
    missing_materials: Sequence[tuple[str, str]]  # (material name, note: "原件及复印件各一份")
    where: str  # "3号综合窗口" or an address
    deadline: dt.date
    officer_name: str
    officer_phone: str
    issued_at: dt.datetime | None = None
    item_name: str = ""  # the service item the materials are for; "" when the server gives none
    check_code: str = ""  # 查询码: with the case number, opens the case's progress


@dataclass(frozen=True)
class AcceptanceReceipt:
    """受理回执: the case was accepted; when it will be done and how to follow it."""

    case_number: str
    item_name: str
    promised_date: dt.date
    progress_url: str
    check_code: str  # 查询码, typed on the progress page together with the case number


@dataclass(frozen=True)
class MaterialsChecklist:
    """A service guide's materials as a checklist the visitor takes home."""

    item_name: str
    materials: Sequence[str | tuple[str, str]] = field(default_factory=tuple)  # name or (name, note)
