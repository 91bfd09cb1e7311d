"""Shared helpers for the case core tests: one calendar, local timestamps, places to act from."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from queue_server.cases import CaseBook, CaseItem, Channel, Party, Role, Where, WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()

APPLICANT = Party("a" * 64, "张*")
AGENT = Party("b" * 64, "李*")

SIMPLE = CaseItem(
    "C-SB-002",
    "hrss",
    statutory_days=10,
    promised_days=3,
    commitment=True,
    materials=("id_card", "photo", "form"),
)
PARALLEL = CaseItem(
    "E-DJ-001",
    "market",
    statutory_days=15,
    promised_days=5,
    co_departments=("tax", "public_security"),
    materials=("licence_form", "id_card", "premises_proof"),
)
NO_COMMITMENT = CaseItem("C-WJ-002", "health", statutory_days=20, promised_days=5)


def ts(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> float:
    """POSIX seconds of a local (Beijing) time."""
    return datetime(y, m, d, hour, minute, tzinfo=TZ).timestamp()


def day_ts(d: date, hour: int = 10) -> float:
    return ts(d.year, d.month, d.day, hour)


def window(clerk: str = "c1", hall: str = "H01", number: int = 3) -> Where:
    return Where(clerk, Role.CLERK, Channel.WINDOW, hall, number)


def kiosk(hall: str = "H01", who: Role = Role.APPLICANT) -> Where:
    return Where("applicant", who, Channel.KIOSK, hall)


def online(who: Role = Role.APPLICANT) -> Where:
    return Where("applicant", who, Channel.ONLINE)


def back(officer: str = "d1", role: Role = Role.DEPARTMENT) -> Where:
    return Where(officer, role, Channel.BACK_OFFICE)


def new_book(**kw: object) -> CaseBook:
    return CaseBook(CAL, **kw)  # type: ignore[arg-type]


def do(book: CaseBook, events: list) -> list:
    book.apply_all(events)
    return events
