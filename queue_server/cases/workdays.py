"""Working days on the Chinese calendar (工作日), plus a hall's own closed days.

Public holidays and the weekends that become working days (调休) come from the
``chinese_calendar`` package (State Council notices, 2004 up to its last published year).
A hall adds its own closed days (``closed_days``) and, for a year the package does not know
yet, the holidays and swapped working days of the new notice (``extra_holidays``,
``extra_workdays``); without them such a year counts Monday to Friday (``covers`` says so).

Counting convention (期间开始的当日不计入): ``workdays_between(a, b)`` counts the working days
after ``a`` up to and including ``b``; ``add_workdays(a, n)`` is the n-th working day after
``a``. Lookups are O(1) (a cumulative count per day) so deadlines for many cases stay cheap.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

import chinese_calendar
from chinese_calendar import constants as _cc

from queue_server.engine.errors import bad_request

FIRST_DAY = date(2004, 1, 1)
LAST_DAY = date(2045, 12, 31)
OFFICIAL_YEARS: frozenset[int] = frozenset(d.year for d in (*_cc.holidays, *_cc.workdays))


@lru_cache(maxsize=1)
def _official_flags() -> bytes:
    """1 for a working day, per day from FIRST_DAY to LAST_DAY, State Council calendar."""
    n = (LAST_DAY - FIRST_DAY).days + 1
    flags = bytearray(n)
    for i in range(n):
        d = FIRST_DAY + timedelta(days=i)
        if d.year in OFFICIAL_YEARS:
            flags[i] = chinese_calendar.is_workday(d)
        else:
            flags[i] = d.weekday() < 5
    return bytes(flags)


class WorkCalendar:
    """The working days of a hall. Immutable once built."""

    def __init__(
        self,
        closed_days: Iterable[date] = (),
        *,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        flags = bytearray(_official_flags())
        self.closed_days = frozenset(closed_days)
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        for d in self.extra_workdays:
            flags[self._index(d)] = 1
        for d in self.extra_holidays | self.closed_days:
            flags[self._index(d)] = 0
        self._flags = bytes(flags)
        # _cum[i] = working days among days 0..i inclusive
        self._cum = array("l", accumulate(self._flags))

    @staticmethod
    def _index(d: date) -> int:
        if not FIRST_DAY <= d <= LAST_DAY:
            raise bad_request(
                f"{d.isoformat()} is outside the working-day calendar ({FIRST_DAY.year}-{LAST_DAY.year})",
                f"日期 {d.isoformat()} 超出工作日历范围（{FIRST_DAY.year}—{LAST_DAY.year}年）",
                day=d.isoformat(),
            )
        return (d - FIRST_DAY).days

    def covers(self, d: date) -> bool:
        """True when the State Council calendar of d's year is known (or the hall gave it)."""
        return d.year in OFFICIAL_YEARS or any(x.year == d.year for x in self.extra_holidays)

    def is_workday(self, d: date) -> bool:
        return bool(self._flags[self._index(d)])

    def ordinal(self, d: date) -> int:
        """Working days from the calendar's first day up to and including d (for fast sums)."""
        return self._cum[self._index(d)]

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b is before a."""
        return self.ordinal(b) - self.ordinal(a)

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after start (start itself for n == 0)."""
        if n < 0:
            raise bad_request("cannot add a negative number of working days", "工作日数不能为负数", n=n)
        if n == 0:
            return start
        target = self.ordinal(start) + n
        i = bisect_left(self._cum, target)
        if i >= len(self._cum):
            raise bad_request(
                f"{n} working days after {start.isoformat()} is beyond {LAST_DAY.year}",
                f"{start.isoformat()} 后第 {n} 个工作日超出工作日历范围",
                start=start.isoformat(),
                n=n,
            )
        return FIRST_DAY + timedelta(days=i)

    def next_workday(self, d: date) -> date:
        """d itself when it is a working day, else the next one."""
        return d if self.is_workday(d) else self.add_workdays(d, 1)


# ------------------------------------------------------------------ is the calendar current?
#: How far ahead deadlines must be right: a case's promised limit is a few weeks of working
#: days, so a year the calendar does not know starts to matter this many days before it begins.
CALENDAR_HORIZON_DAYS = 60


@dataclass(frozen=True, slots=True)
class CalendarCoverage:
    """Whether the calendar knows the State Council's days from ``today`` to ``horizon``."""

    today: date
    horizon: date
    covered_until: date | None  # the last day of the years known without a gap from today's
    missing_years: tuple[int, ...]  # years up to the horizon with neither the package's nor the hall's days

    @property
    def covered(self) -> bool:
        return not self.missing_years

    def warning(self) -> tuple[str, str] | None:
        """(Chinese, English) for the manager and the start-up log; None when covered."""
        if self.covered:
            return None
        years = "、".join(str(y) for y in self.missing_years)
        years_en = ", ".join(str(y) for y in self.missing_years)
        return (
            f"工作日历未收录{years}年的法定节假日和调休上班日：该年按周一至周五计算工作日，"
            f"{self.horizon.isoformat()}前的办件期限可能算错。"
            f"请升级 chinese_calendar，或在大厅配置 cases.extra_holidays / extra_workdays 中填入国务院办公厅通知的日期。",
            f"The working-day calendar does not know the public holidays and swapped working days of {years_en}: "
            f"it counts Monday to Friday there, and deadlines up to {self.horizon.isoformat()} may be wrong. "
            "Upgrade chinese_calendar, or enter "
            "the State Council notice's days in the hall configuration (cases.extra_holidays / extra_workdays).",
        )


def calendar_coverage(cal: WorkCalendar, today: date, days: int = CALENDAR_HORIZON_DAYS) -> CalendarCoverage:
    """Whether ``cal`` (the package plus the hall's extra days) covers ``today`` + ``days``."""
    horizon = today + timedelta(days=days)
    missing = tuple(y for y in range(today.year, horizon.year + 1) if not cal.covers(date(y, 1, 1)))
    last = today.year - 1
    while last + 1 <= LAST_DAY.year and cal.covers(date(last + 1, 1, 1)):
        last += 1
    return CalendarCoverage(today, horizon, date(last, 12, 31) if last >= today.year else None, missing)


def calendar_warning(cal: WorkCalendar, today: date, days: int = CALENDAR_HORIZON_DAYS) -> str | None:
    """One line for the log when ``serve`` starts (Chinese, then English), or None when the
    calendar covers the next ``days`` days."""
    words = calendar_coverage(cal, today, days).warning()
    return f"{words[0]} / {words[1]}" if words else None
