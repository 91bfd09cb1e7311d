"""The hall's clock: every time a display shows is in the hall's time zone (``hall.info``'s
``timezone``, from ``rules.timezone`` of the hall's configuration), whatever zone the display's
machine runs in; a display box set to UTC must not show 08:52 while the slips say 16:52.

Until the server has named its zone the displays assume China Standard Time: the halls this
system serves are in China, and a board that shows a guess for a second beats one that waits.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def zone(name: str | None) -> dt.tzinfo:
    """The zone called ``name``; China Standard Time for an unknown or missing name."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def hall_now(tz: dt.tzinfo, now: float | dt.datetime | None = None) -> dt.datetime:
    """``now`` (a timestamp or an aware time; default the present) in the hall's zone."""
    if now is None:
        return dt.datetime.now(tz)
    if isinstance(now, dt.datetime):
        return now.astimezone(tz)
    return dt.datetime.fromtimestamp(now, tz)


def date_text(t: dt.datetime) -> str:
    """2026年12月02日 星期三 Wed: the weekday in Chinese, as halls post it."""
    return f"{t:%Y年%m月%d日} 星期{WEEKDAYS_ZH[t.weekday()]} {WEEKDAYS_EN[t.weekday()]}"


def time_text(t: dt.datetime) -> str:
    """Hours and minutes: a clock that shows seconds redraws the whole board every second."""
    return f"{t:%H:%M}"
