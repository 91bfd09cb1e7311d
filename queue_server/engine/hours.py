"""Opening hours (营业时间) and daily ticket caps (放号上限), pure.

A hall without hours is always open (the demo and the tests take numbers at any hour). With
hours, each weekday has zero or more open periods of local time; a day in ``closed_days``
(the hall's own, and public holidays when the configuration follows the work calendar) has
none. Times are "HH:MM"; "24:00" may end the last period of a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: How far ahead the next opening is looked for: a hall closed for longer has none.
LOOKAHEAD_DAYS = 400

Period = tuple[str, str]


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Periods per weekday (Monday first) and the days the hall stays closed."""

    week: tuple[tuple[Period, ...], ...]  # 7 entries
    closed_days: frozenset[str] = frozenset()  # ISO dates

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day.isoformat() in self.closed_days:
            return ()
        return self.week[day.weekday()]

    @staticmethod
    def _at(day: date, hhmm: str, tz: ZoneInfo) -> float:
        # Midnight plus minutes, so "24:00" needs no special case (halls keep no DST).
        return datetime.combine(day, time(0, 0), tz).timestamp() + minutes(hhmm) * 60

    def is_open(self, now: float, tz: ZoneInfo) -> bool:
        local = datetime.fromtimestamp(now, tz)
        m = local.hour * 60 + local.minute
        return any(minutes(a) <= m < minutes(b) for a, b in self.periods_on(local.date()))

    def next_opening(self, now: float, tz: ZoneInfo) -> float | None:
        """The start of the next open period after ``now`` (now itself when a period starts
        this minute is not "next": the hall is open then)."""
        today = datetime.fromtimestamp(now, tz).date()
        for i in range(LOOKAHEAD_DAYS):
            day = today + timedelta(days=i)
            for a, _ in self.periods_on(day):
                at = self._at(day, a, tz)
                if at > now:
                    return at
        return None


__all__ = ["LOOKAHEAD_DAYS", "OpeningHours", "Period", "hhmm", "minutes"]
