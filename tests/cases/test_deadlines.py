"""Yellow and red cards appear on the right day: the tests drive the clock with dates."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.cases import Card, CardRule, Clock, Pause, Role, supervision_list
from queue_server.cases.deadlines import DEFAULT_RULE, Watch
from queue_server.cases.reports import cards_by_department

from . import APPLICANT, CAL, PARALLEL, SIMPLE, back, do, new_book, ts, window


def cards(clock: Clock, days: list[date], rule: CardRule = DEFAULT_RULE) -> list[str]:
    return [clock.card(CAL, d, rule).value for d in days]


def test_cards_turn_yellow_then_red_on_working_days() -> None:
    clock = Clock(date(2025, 3, 3), 9)  # Mon; due Fri 3-14
    assert clock.due(CAL, date(2025, 3, 3)) == date(2025, 3, 14)
    days = [date(2025, 3, d) for d in (3, 11, 12, 14, 15, 16, 17)]
    # left: 9, 3, 2 (< 9/3: yellow), 0 on the due day, 0 over the weekend, -1 on Monday
    assert [clock.remaining(CAL, d) for d in days] == [9, 3, 2, 0, 0, 0, -1]
    assert cards(clock, days) == ["green", "green", "yellow", "yellow", "yellow", "yellow", "red"]


def test_the_national_day_holiday_does_not_make_a_case_overdue() -> None:
    clock = Clock(date(2025, 9, 26), 3)  # Fri; 9-28 (worked Sunday), 9-29, 9-30
    assert clock.due(CAL, date(2025, 9, 26)) == date(2025, 9, 30)
    assert cards(clock, [date(2025, 9, 29), date(2025, 10, 5), date(2025, 10, 8), date(2025, 10, 9)]) == [
        "yellow",
        "yellow",
        "yellow",
        "red",
    ]


def test_one_working_day_left_is_yellow_even_for_long_limits_and_the_share_is_configurable() -> None:
    clock = Clock(date(2025, 3, 3), 30)
    day_before_due = CAL.add_workdays(date(2025, 3, 3), 29)
    assert clock.remaining(CAL, day_before_due) == 1
    assert clock.card(CAL, day_before_due) is Card.YELLOW
    ten_left = CAL.add_workdays(date(2025, 3, 3), 20)
    assert clock.card(CAL, ten_left) is Card.GREEN  # 10 of 30 left: not under a third
    assert clock.card(CAL, ten_left, CardRule(yellow_share=Fraction(1, 2))) is Card.YELLOW
    assert clock.card(CAL, day_before_due, CardRule(yellow_share=Fraction(0), yellow_days=0)) is Card.GREEN


def test_an_on_the_spot_item_is_yellow_on_its_day_and_red_the_next_working_day() -> None:
    clock = Clock(date(2025, 3, 7), 0)  # Fri
    assert cards(clock, [date(2025, 3, 7), date(2025, 3, 8), date(2025, 3, 10)]) == [
        "yellow",
        "yellow",
        "red",
    ]


def test_a_pause_holds_the_card_where_it_was() -> None:
    clock = Clock(date(2025, 3, 3), 5, (Pause(date(2025, 3, 4)),))
    assert clock.remaining(CAL, date(2025, 6, 30)) == 4
    assert clock.card(CAL, date(2025, 6, 30)) is Card.GREEN


def test_supervision_list_puts_the_most_urgent_first_and_hides_green() -> None:
    def w(case: str, card: Card, remaining: int) -> Watch:
        return Watch(case, "C-X-001", "hrss", False, 5, remaining, date(2025, 3, 10), card, False)

    watches = [
        w("A", Card.YELLOW, 1),
        w("B", Card.RED, -1),
        w("C", Card.GREEN, 4),
        w("D", Card.RED, -5),
        w("E", Card.YELLOW, 0),
    ]
    assert [x.case for x in supervision_list(watches)] == ["D", "B", "E", "A"]
    assert [x.case for x in supervision_list(watches, include_green=True)][-1] == "C"


def test_case_and_department_task_cards_through_the_case_book() -> None:
    book = new_book()
    # a parallel case submitted Mon 3-3: the tax office has 1 working day, the others 5
    do(book, book.submit("P1", PARALLEL, APPLICANT, window(), ts(2025, 3, 3)))
    do(book, book.accept("P1", window(), ts(2025, 3, 3)))
    do(book, book.start_review("P1", back("c1", Role.CLERK), ts(2025, 3, 3), limits={"tax": 1}))
    do(book, book.decide_task("P1", "public_security", "approved", back(), ts(2025, 3, 4)))
    # a simple case with promised 3 days, waiting for materials since Wed 3-5 (2 days used)
    do(book, book.submit("S1", SIMPLE, APPLICANT, window(), ts(2025, 3, 3)))
    do(book, book.issue_notice("S1", window(), ts(2025, 3, 5), ["photo"]))

    on_5th = {(x.case, x.department, x.task): x.card for x in book.watches(date(2025, 3, 5))}
    assert on_5th == {
        ("P1", "market", False): Card.GREEN,  # the case: 3 of 5 days left
        ("P1", "market", True): Card.GREEN,
        ("P1", "tax", True): Card.RED,  # was due 3-4
        ("S1", "hrss", False): Card.YELLOW,  # 1 day left, paused
    }
    listed = supervision_list(book.watches(date(2025, 3, 5)))
    assert [(x.case, x.department) for x in listed] == [("P1", "tax"), ("S1", "hrss")]
    assert listed[1].paused and listed[0].due == date(2025, 3, 4)
    assert cards_by_department(book.watches(date(2025, 3, 5))) == {
        "hrss": {"yellow": 1, "red": 0},
        "tax": {"yellow": 0, "red": 1},
    }
    # a week later the paused case has not moved; the parallel case is now red too
    later = {(x.case, x.department, x.task): x.card for x in book.watches(date(2025, 3, 12))}
    assert later[("S1", "hrss", False)] is Card.YELLOW
    assert later[("P1", "market", False)] is Card.RED
    # decided cases leave the list
    do(book, book.decide_task("P1", "tax", "approved", back(), ts(2025, 3, 12)))
    do(book, book.decide_task("P1", "market", "approved", back(), ts(2025, 3, 12)))
    assert {x.case for x in book.watches(date(2025, 3, 12))} == {"S1"}


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.dates(date(2024, 12, 1), date(2026, 6, 30)),
    st.integers(0, 30),
    st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=2),
    st.booleans(),
    st.integers(0, 60),
    st.sampled_from([Fraction(1, 3), Fraction(1, 2), Fraction(0), Fraction(1, 4)]),
    st.integers(0, 2),
)
def test_milestones_give_the_same_cards_as_counting_day_by_day(
    start: date, limit: int, gaps: list, still_paused: bool, later: int, share: Fraction, days: int
) -> None:
    rule = CardRule(share, days)
    pauses, at = [], start
    for before, length in gaps:
        begin = at + timedelta(before)
        pauses.append(Pause(begin, begin + timedelta(length)))
        at = begin + timedelta(length)
    if still_paused:
        pauses.append(Pause(at + timedelta(1)))
        at += timedelta(1)
    clock = Clock(start, limit, tuple(pauses))
    m = clock.milestones(CAL, rule)
    today = at + timedelta(later)
    assert m.card(today) is clock.card(CAL, today, rule)
    assert m.remaining(CAL.ordinal(today)) == clock.remaining(CAL, today)
    if not still_paused:
        assert m.due == clock.due(CAL, today)
    else:
        assert m.held_card is not None and m.yellow_on is None
