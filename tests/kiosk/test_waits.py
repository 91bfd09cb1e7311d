"""The wait as a range for the ticket screen and slip."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.waits import WaitRange, wait_range


def test_nobody_ahead_is_next_whatever_the_estimate() -> None:
    for est in (0, 300, None):
        w = wait_range(0, est)
        assert (w.zh, w.en, w.low_min, w.high_min) == ("马上就到您", "you are next", None, None)


@pytest.mark.parametrize(
    ("ahead", "minutes", "zh", "en"),
    [
        (4, 15, "约 10–20 分钟", "about 10–20 min"),
        (10, 60, "约 45–75 分钟", "about 45–75 min"),
        (1, 5, "10 分钟以内", "within 10 min"),  # one person: from a moment to twice as long
        (2, 2, "5 分钟以内", "within 5 min"),
        (20, 100, "约 1.5–2 小时", "about 1.5–2 h"),
        (40, 150, "约 2–3 小时", "about 2–3 h"),
        (60, 300, "4 小时以上", "more than 4 h"),
    ],
)
def test_ranges(ahead: int, minutes: float, zh: str, en: str) -> None:
    w = wait_range(ahead, minutes * 60)
    assert (w.text("zh"), w.text("en")) == (zh, en)
    assert w.text() == zh and w.text("en-GB") == en


def test_bounds_in_minutes() -> None:
    assert wait_range(4, 900) == WaitRange(4, 10, 20, "约 10–20 分钟", "about 10–20 min")
    w = wait_range(20, 6000)
    assert (w.low_min, w.high_min) == (90, 120)


def test_unknown_estimate_says_so() -> None:
    for est in (None, 0, -5, math.nan, math.inf):
        w = wait_range(3, est)
        assert w.zh == "等候时间暂无法估计" and w.en == "wait time not known yet" and w.ahead == 3


def test_more_people_narrower_relative_range() -> None:
    few, many = wait_range(1, 1800), wait_range(16, 1800)
    assert few.low_min is not None and few.high_min is not None
    assert many.low_min is not None and many.high_min is not None
    assert many.high_min - many.low_min < few.high_min - few.low_min


@given(st.integers(1, 200), st.floats(1, 6 * 3600))
def test_range_holds_the_estimate_and_is_rounded(ahead: int, est: float) -> None:
    w = wait_range(ahead, est)
    assert w.zh and w.en and w.low_min is not None
    if w.high_min is None:  # more than 4 hours
        assert est / 60 * 1.2 >= 240
        return
    assert w.low_min <= est / 60 <= w.high_min
    assert w.low_min < w.high_min
    step = 30 if w.high_min >= 90 else 5
    assert w.low_min % step == 0 and w.high_min % step == 0
