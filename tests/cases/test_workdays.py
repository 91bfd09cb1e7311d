"""Working days against the State Council holiday notices for 2025 and 2026 (国办发明电)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.cases import Clock, Pause, WorkCalendar
from queue_server.cases.workdays import OFFICIAL_YEARS, calendar_coverage, calendar_warning
from queue_server.engine.errors import EngineError

from . import CAL


def days(a: date, b: date) -> list[date]:
    return [a + timedelta(n) for n in range((b - a).days + 1)]


# --- 2025 (国办发明电〔2024〕12号) -------------------------------------------------
def test_2025_spring_festival_holiday_and_swapped_weekends() -> None:
    assert all(not CAL.is_workday(d) for d in days(date(2025, 1, 28), date(2025, 2, 4)))
    assert CAL.is_workday(date(2025, 1, 26))  # Sunday, worked
    assert CAL.is_workday(date(2025, 2, 8))  # Saturday, worked
    assert not CAL.is_workday(date(2025, 1, 25))  # ordinary Saturday
    assert CAL.is_workday(date(2025, 1, 27)) and CAL.is_workday(date(2025, 2, 5))


def test_2025_national_day_holiday_and_swapped_weekends() -> None:
    assert all(not CAL.is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert CAL.is_workday(date(2025, 9, 28))  # Sunday, worked
    assert CAL.is_workday(date(2025, 10, 11))  # Saturday, worked
    assert CAL.is_workday(date(2025, 10, 9))


# --- 2026 (国办发明电〔2025〕7号) ---------------------------------------------------
def test_2026_spring_festival_holiday_and_swapped_weekends() -> None:
    assert all(not CAL.is_workday(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert CAL.is_workday(date(2026, 2, 14))  # Saturday, worked
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday, worked
    assert CAL.is_workday(date(2026, 2, 24))


def test_2026_national_day_and_new_year() -> None:
    assert all(not CAL.is_workday(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday, worked
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, worked
    assert CAL.is_workday(date(2026, 10, 8))
    assert not CAL.is_workday(date(2026, 1, 2)) and CAL.is_workday(date(2026, 1, 4))  # Sunday, worked


def test_adding_working_days_jumps_holidays_and_lands_on_swapped_weekends() -> None:
    assert CAL.add_workdays(date(2025, 1, 24), 1) == date(2025, 1, 26)  # Fri -> the worked Sunday
    assert CAL.add_workdays(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert CAL.add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert CAL.add_workdays(date(2025, 10, 10), 1) == date(2025, 10, 11)  # Fri -> the worked Saturday
    assert CAL.add_workdays(date(2026, 2, 13), 2) == date(
        2026, 2, 24
    )  # Fri -> Sat 14th, then after the holiday
    assert CAL.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_workdays(date(2025, 3, 3), 0) == date(2025, 3, 3)


def test_counting_working_days_over_a_holiday_month() -> None:
    # October 2025: 9, 10, 11 (Sat), then four full weeks 13-17, 20-24, 27-31.
    assert CAL.workdays_between(date(2025, 9, 30), date(2025, 10, 31)) == 18
    # February 2026: 2-6, 9-13, 14 (Sat), 24-27, 28 (Sat).
    assert CAL.workdays_between(date(2026, 1, 31), date(2026, 2, 28)) == 16
    assert CAL.workdays_between(date(2025, 10, 31), date(2025, 9, 30)) == -18


def test_a_hall_adds_its_own_closed_days() -> None:
    hall = WorkCalendar(closed_days=[date(2025, 3, 3)])
    assert not hall.is_workday(date(2025, 3, 3)) and CAL.is_workday(date(2025, 3, 3))
    assert hall.add_workdays(date(2025, 2, 28), 1) == date(2025, 3, 4)
    assert hall.workdays_between(date(2025, 2, 28), date(2025, 3, 7)) == 4


def test_a_year_without_published_calendar_counts_weekdays_until_the_hall_enters_it() -> None:
    plain = WorkCalendar()
    assert not plain.covers(date(2030, 1, 1))
    assert plain.is_workday(date(2030, 1, 1))  # a Tuesday, no notice known
    entered = WorkCalendar(extra_holidays=[date(2030, 1, 1)], extra_workdays=[date(2030, 1, 5)])
    assert entered.covers(date(2030, 6, 1))
    assert not entered.is_workday(date(2030, 1, 1))
    assert entered.is_workday(date(2030, 1, 5))  # a Saturday made a working day


def test_dates_outside_the_calendar_and_negative_counts_are_refused() -> None:
    with pytest.raises(EngineError) as err:
        CAL.is_workday(date(1999, 1, 1))
    assert err.value.code == "bad_request" and "1999" in err.value.message_zh
    with pytest.raises(EngineError) as err:
        CAL.add_workdays(date(2025, 1, 1), -1)
    assert err.value.code == "bad_request"


@settings(max_examples=200, deadline=None, database=None)
@given(st.dates(date(2024, 1, 1), date(2026, 12, 1)), st.integers(0, 40))
def test_add_and_count_agree_with_a_day_by_day_count(start: date, n: int) -> None:
    due = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, due) == n
    counted = sum(CAL.is_workday(d) for d in days(start + timedelta(1), due)) if due > start else 0
    assert counted == n
    if n:
        assert CAL.is_workday(due) and CAL.workdays_between(start, due - timedelta(1)) == n - 1


def test_the_clock_stands_still_while_the_applicant_owes_materials() -> None:
    # Started Mon 2025-01-20, 5 working days; notice Fri 1-24, materials brought Thu 2-6.
    running = Clock(date(2025, 1, 20), 5)
    paused = Clock(date(2025, 1, 20), 5, (Pause(date(2025, 1, 24), date(2025, 2, 6)),))
    assert running.due(CAL, date(2025, 1, 20)) == date(2025, 1, 26)  # the worked Sunday counts
    # paused days (1-26 Sun worked, 1-27, 2-5, 2-6) move the due date on by four working days
    assert paused.due(CAL, date(2025, 2, 6)) == date(2025, 2, 7)
    assert paused.remaining(CAL, date(2025, 2, 6)) == 1
    assert running.remaining(CAL, date(2025, 2, 6)) == -3
    # an open pause: the due date moves on day by day while nothing is brought
    open_pause = Clock(date(2025, 1, 20), 5, (Pause(date(2025, 1, 24)),))
    assert open_pause.remaining(CAL, date(2025, 3, 31)) == 1
    assert open_pause.is_paused()
    assert open_pause.due(CAL, date(2025, 3, 31)) == CAL.add_workdays(date(2025, 3, 31), 1)


# ------------------------------------------------------------------ is the calendar current?
def test_the_calendar_warns_60_days_before_a_year_it_does_not_know() -> None:
    last = max(OFFICIAL_YEARS)
    cal = WorkCalendar()
    assert calendar_warning(cal, date(last, 6, 1)) is None  # the next year is more than 60 days away
    warning = calendar_warning(cal, date(last, 12, 1))
    assert warning is not None and f"{last + 1}" in warning and "extra_holidays" in warning
    assert warning.index("工作日历") < warning.index("calendar")  # Chinese first
    cover = calendar_coverage(cal, date(last, 12, 1))
    assert cover.missing_years == (last + 1,) and cover.covered_until == date(last, 12, 31)
    # the hall entered the State Council notice's days: covered, no warning
    entered = WorkCalendar(extra_holidays=[date(last + 1, 1, 1)], extra_workdays=[])
    assert calendar_warning(entered, date(last, 12, 1)) is None
    assert calendar_coverage(entered, date(last, 12, 1)).covered_until == date(last + 1, 12, 31)
