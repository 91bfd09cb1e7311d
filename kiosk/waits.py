"""The wait shown on the ticket screen and printed on the slip, as a range, not a minute count.

The server's ``estimated_wait_s`` is people ahead × average service time ÷ open windows: a
mean, and a visitor reads "12 分钟" as a promise. A range rounded to 5 minutes says what the
number really is. Its width comes from how service times vary: one visitor ahead can take half
as long or twice as long as the average, while over many visitors the differences even out,
so the spread shrinks with the square root of the people ahead, down to a floor of ±20 %.
Waits beyond an hour and a half read better in half hours; beyond four hours the kiosk only
says "more than 4 hours" (the hall may well close first, and that is for the clerk to say).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STEP_MIN = 5
"""Minutes are rounded to this."""
HOURS_FROM_MIN = 90
"""From this upper end of the range on, the range is said in hours."""
MAX_MIN = 240
"""A range starting at or beyond this is only "more than 4 hours"."""
SPREAD_ONE = 0.5
"""Relative spread for one person ahead (half to one and a half times the estimate)."""
SPREAD_MIN = 0.2
"""The spread never gets narrower than this, however many are ahead."""


@dataclass(frozen=True, slots=True)
class WaitRange:
    """A wait for display: the bounds in minutes (None when not a range) and the two texts."""

    ahead: int
    low_min: int | None
    high_min: int | None
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        """The text in ``lang`` ("zh" or "en"; anything starting with "en" gives English)."""
        return self.en if lang.lower().startswith("en") else self.zh


def _hours(value: float) -> str:
    """1.0 -> '1', 1.5 -> '1.5'."""
    return f"{value:g}"


def wait_range(ahead: int, estimated_wait_s: float | None) -> WaitRange:
    """The wait of a visitor with ``ahead`` people before them and the server's estimate."""
    ahead = max(0, int(ahead))
    if ahead == 0:
        return WaitRange(0, None, None, "马上就到您", "you are next")
    if estimated_wait_s is None or not math.isfinite(estimated_wait_s) or estimated_wait_s <= 0:
        # no service times yet (first visitors of the day on a fresh server): say nothing false
        return WaitRange(ahead, None, None, "等候时间暂无法估计", "wait time not known yet")
    minutes = estimated_wait_s / 60
    spread = max(SPREAD_MIN, SPREAD_ONE / math.sqrt(ahead))
    low = STEP_MIN * math.floor(minutes * (1 - spread) / STEP_MIN)
    high = max(STEP_MIN * math.ceil(minutes * (1 + spread) / STEP_MIN), low + STEP_MIN)
    if low >= MAX_MIN:
        return WaitRange(ahead, MAX_MIN, None, f"{MAX_MIN // 60} 小时以上", f"more than {MAX_MIN // 60} h")
    if high >= HOURS_FROM_MIN:
        # the lower end to the nearest half hour, the upper end up: the range never shrinks
        low_h = round(low / 30) / 2
        high_h = max(math.ceil(high / 30) / 2, low_h + 0.5)
        if low_h == 0:
            return WaitRange(ahead, 0, int(high_h * 60), f"{_hours(high_h)} 小时以内", f"within {_hours(high_h)} h")
        return WaitRange(
            ahead, int(low_h * 60), int(high_h * 60),
            f"约 {_hours(low_h)}–{_hours(high_h)} 小时", f"about {_hours(low_h)}–{_hours(high_h)} h",
        )
    if low == 0:
        return WaitRange(ahead, 0, high, f"{high} 分钟以内", f"within {high} min")
    return WaitRange(ahead, low, high, f"约 {low}–{high} 分钟", f"about {low}–{high} min")
