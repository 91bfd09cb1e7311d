"""Reports for the manager dashboard: 三四三/五三二, visits, cards, ratings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from queue_server.cases import Feedback, Role, Subject
from queue_server.cases.reports import (
    ClosedCaseFact,
    case_tier,
    catalogue_tiers,
    closed_case_tiers,
    fact,
    ratings_by_clerk,
    ratings_by_window,
    tiers_from_counts,
    visit_shares,
)
from queue_server.catalogue import DEMO_CATALOGUE_PATH, load_catalogue

from . import APPLICANT, CAL, SIMPLE, back, do, kiosk, new_book, online, ts, window


def fake_catalogue(tiers: list[str]) -> SimpleNamespace:
    items = {
        str(i): SimpleNamespace(limits=SimpleNamespace(tier=SimpleNamespace(value=t)))
        for i, t in enumerate(tiers)
    }
    return SimpleNamespace(items=items)


def test_the_demo_catalogue_misses_343_by_one_item_on_the_spot() -> None:
    cat = load_catalogue(DEMO_CATALOGUE_PATH)
    report = catalogue_tiers(cat)
    assert report.count == 37
    assert report.shares == pytest.approx(cat.tier_shares())
    assert report.shares["on_the_spot"] == pytest.approx(11 / 37)  # 29.7 % < 30 %
    assert not report.meets_343 and not report.meets_532


def test_catalogue_targets() -> None:
    spot, five, half = "on_the_spot", "within_5_days", "halved"
    assert catalogue_tiers(fake_catalogue([spot] * 3 + [five] * 4 + [half] * 3)).meets_343
    # more on the spot than asked still meets 三四三
    r = catalogue_tiers(fake_catalogue([spot] * 5 + [five] * 3 + [half] * 2))
    assert r.meets_343 and r.meets_532
    assert not catalogue_tiers(fake_catalogue([spot] * 3 + [five] * 3 + [half] * 4)).meets_343
    assert not catalogue_tiers(fake_catalogue([])).meets_343


def test_real_cases_are_tiered_by_working_days_used_against_the_statutory_limit() -> None:
    assert [case_tier(20, d) for d in (0, 1, 5, 6, 10, 11, 25)] == [
        "on_the_spot", "within_5_days", "within_5_days", "halved", "halved", "slow", "slow"
    ]  # fmt: skip
    facts = [ClosedCaseFact("X", "hrss", 20, d, 1) for d in (0, 0, 0, 2, 2, 2, 2, 8, 9, 10)]
    r = closed_case_tiers(facts)
    assert r.count == 10 and r.meets_343 and not r.meets_532
    assert r.shares == {"on_the_spot": 0.3, "within_5_days": 0.4, "halved": 0.3, "slow": 0.0}
    slow = closed_case_tiers([*facts, ClosedCaseFact("X", "hrss", 20, 15, 1)])
    assert slow.shares["slow"] == pytest.approx(1 / 11) and not slow.meets_343


def test_visit_shares() -> None:
    r = visit_shares([0, 1, 1, 2, 0, 3, 1, 0])
    assert (r.count, r.at_most_one, r.zero) == (8, 6 / 8, 3 / 8)
    assert visit_shares([]).at_most_one == 0.0


def test_a_real_case_becomes_a_report_row_with_its_working_days_and_visits() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, online(), ts(2025, 9, 26)))
    assert fact(book.case("K1"), CAL) is None  # not decided yet
    do(book, book.accept("K1", back("c1", Role.CLERK), ts(2025, 9, 26)))
    do(book, book.start_review("K1", back(), ts(2025, 9, 26)))
    do(book, book.decide_task("K1", "hrss", "approved", back(), ts(2025, 10, 9)))
    do(book, book.result_ready("K1", back(), ts(2025, 10, 9)))
    do(book, book.hand_out("K1", kiosk("H02"), ts(2025, 10, 10)))
    row = fact(book.case("K1"), CAL)
    assert row == ClosedCaseFact("C-SB-002", "hrss", 10, 4, 1)  # 9-28, 9-29, 9-30, 10-9


def test_ratings_by_window_and_clerk() -> None:
    fb = Feedback(CAL)
    rows = [
        ("E1", "H01", 3, "c1", 5),
        ("E2", "H01", 3, "c1", 4),
        ("E3", "H01", 3, "c2", 1),
        ("E4", "H02", 3, "c2", 2),
        ("E5", None, None, None, 5),  # web, no window
    ]
    for eid, hall, win, clerk, level in rows:
        fb.apply_all(
            fb.rate(
                eid,
                Subject("case", eid),
                "s",
                level,
                "keypad",
                ts(2025, 3, 3),
                hall=hall,
                window=win,
                clerk=clerk,
            )
        )
    by_window = ratings_by_window(fb.evaluations.values())
    assert list(by_window) == [("H01", 3), ("H02", 3)]
    h01 = by_window[("H01", 3)]
    assert (h01.count, h01.mean, h01.bad, h01.satisfied) == (3, 10 / 3, 1, 2 / 3)
    assert h01.levels == {5: 1, 4: 1, 3: 0, 2: 0, 1: 1}
    by_clerk = ratings_by_clerk(fb.evaluations.values())
    assert {k: (v.count, v.bad) for k, v in by_clerk.items()} == {"c1": (2, 0), "c2": (2, 2)}


def test_refused_cases_are_not_counted_as_handled() -> None:
    book = new_book()
    do(book, book.submit("K1", SIMPLE, APPLICANT, window(), ts(2025, 3, 3)))
    do(book, book.refuse("K1", window(), ts(2025, 3, 3), "不属于本机关职权范围"))
    assert fact(book.case("K1"), CAL) is None


def test_counts_from_a_store_give_the_same_report() -> None:
    facts = [ClosedCaseFact("X", "hrss", 20, d, 1) for d in (0, 0, 0, 2, 2, 2, 2, 8, 9, 30)]
    counts: dict[str, int] = {}
    for f in facts:
        tier = case_tier(f.statutory_days, f.working_days)
        counts[tier] = counts.get(tier, 0) + 1
    assert tiers_from_counts(counts) == closed_case_tiers(facts)
    assert tiers_from_counts(counts).shares["slow"] == 0.1
