"""The dashboard reports computed in SQL (``queue_server.store.casereports``) equal the pure
reports of ``queue_server.cases.reports`` over the same cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from queue_server.cases import CaseBook, Evaluation, Role, Subject
from queue_server.cases.reports import (
    cards_by_department,
    closed_case_tiers,
    fact,
    ratings_by_clerk,
    ratings_by_window,
    visit_shares,
)
from queue_server.store import make_engine, migrate
from queue_server.store.casereports import CaseReports
from queue_server.store.casestore import CaseStore

from . import APPLICANT, CAL, PARALLEL, SIMPLE, back, kiosk, new_book, online, ts, window
from .test_store import build_cases


def jan(day: int, hour: int = 10) -> float:
    return ts(2025, 1, day, hour)  # January 2025: Mondays on the 6th, 13th, 20th


def build_closed(store: CaseStore, book: CaseBook) -> None:
    """Decided and closed cases of every tier, outcome and visit count (January 2025)."""

    def both(name: str, cid: str, *args: Any, **kw: Any) -> None:
        book.apply_all(getattr(book, name)(cid, *args, **kw))
        if name == "submit":
            store.submit(cid, *args, **kw)
        else:
            store.act(cid, name, *args, **kw)

    clerk = back("c1", Role.CLERK)
    # A1: commitment, approved on the spot, handed out at the window the same day: 0 days, 1 visit
    both("submit", "A1", SIMPLE, APPLICANT, window("c1"), jan(6), materials=list(SIMPLE.materials))
    both("accept", "A1", window("c1"), jan(6, 11), commitment=True)
    both("result_ready", "A1", clerk, jan(6, 12))
    both("hand_out", "A1", window("c1"), jan(6, 15))
    both("close", "A1", clerk, jan(6, 16))
    # A2: online throughout, decided after 2 working days: 0 visits
    both("submit", "A2", SIMPLE, APPLICANT, online(), jan(6), materials=list(SIMPLE.materials))
    both("accept", "A2", clerk, jan(6, 11))
    both("start_review", "A2", clerk, jan(6, 12))
    both("decide_task", "A2", "hrss", "approved", back("d1"), jan(8))
    both("result_ready", "A2", clerk, jan(8, 11))
    both("hand_out", "A2", online(), jan(9))
    both("close", "A2", clerk, jan(9, 11))
    # A3: parallel, decided after 7 working days (2 × 7 ≤ 15: halved), picked up at another hall
    both("submit", "A3", PARALLEL, APPLICANT, window("c2"), jan(6), materials=list(PARALLEL.materials))
    both("accept", "A3", window("c2"), jan(6, 11))
    both("start_review", "A3", clerk, jan(6, 12))
    for dept in ("market", "tax", "public_security"):
        both("decide_task", "A3", dept, "approved", back("d1"), jan(15))
    both("result_ready", "A3", clerk, jan(15, 11))
    both("hand_out", "A3", kiosk("H02"), jan(16))
    both("close", "A3", clerk, jan(16, 11))
    # A4: parallel, rejected after 10 working days (slow), closed as rejected
    both("submit", "A4", PARALLEL, APPLICANT, window("c2"), jan(6), materials=list(PARALLEL.materials))
    both("accept", "A4", window("c2"), jan(6, 11))
    both("start_review", "A4", clerk, jan(6, 12))
    both("decide_task", "A4", "tax", "rejected", back("t1"), jan(8), reason="欠税未清")
    for dept in ("market", "public_security"):
        both("decide_task", "A4", dept, "approved", back("d1"), jan(20))
    both("close", "A4", clerk, jan(21))
    # A5: a notice pauses the clock (6th–8th); decided on the 10th: 2 working days, 3 visits
    both("submit", "A5", SIMPLE, APPLICANT, window("c1"), jan(6))
    both("issue_notice", "A5", window("c1"), jan(6, 11), ["photo", "form"])
    both("supplement", "A5", window("c1"), jan(8), ["photo", "form"])
    both("accept", "A5", window("c1"), jan(8, 11))
    both("start_review", "A5", clerk, jan(8, 12))
    both("decide_task", "A5", "hrss", "approved", back("d1"), jan(10))
    both("result_ready", "A5", clerk, jan(10, 11))
    both("hand_out", "A5", window("c1"), jan(13))
    both("close", "A5", clerk, jan(13, 11))
    # R1: refused at the desk and closed: not handled (no tier), its visit counts
    both("submit", "R1", SIMPLE, APPLICANT, window("c1"), jan(7))
    both("refuse", "R1", window("c1"), jan(7, 11), "不属于本机关职权范围")
    both("close", "R1", clerk, jan(7, 12))
    # W1: withdrawn: in no report
    both("submit", "W1", SIMPLE, APPLICANT, window("c1"), jan(7))
    both("withdraw", "W1", online(), jan(8))
    # D1: approved but not closed yet: not in the closed-case reports
    both("submit", "D1", SIMPLE, APPLICANT, window("c1"), jan(7), materials=list(SIMPLE.materials))
    both("accept", "D1", window("c1"), jan(7, 11), commitment=True)


def rate_all(store: CaseStore) -> list[Evaluation]:
    rows = [
        ("E1", "A1", "H01", 3, "c1", 5, "keypad", jan(6, 15)),
        ("E2", "A5", "H01", 3, "c1", 4, "keypad", jan(13)),
        ("E3", "A3", "H01", 3, "c2", 1, "keypad", jan(6, 11)),
        ("E4", "A3", "H02", 1, "c2", 2, "kiosk", jan(16)),
        ("E5", "A2", None, None, None, 5, "web", jan(9)),
        ("E6", "A4", "H01", 4, "c2", 3, "keypad", jan(21)),
        ("E7", "R1", "H01", 3, "c1", 5, "keypad", jan(7, 11)),
        ("E8", "A2", None, None, "c1", 4, "web", jan(10)),
    ]
    return [
        store.rate(eid, Subject("case", cid), eid, level, source, at, hall=hall, window=win, clerk=clerk)
        for eid, cid, hall, win, clerk, level, source, at in rows
    ]


def test_sql_reports_agree_with_the_pure_reports(database_url: str, engines: list[Engine]) -> None:
    eng = make_engine(database_url)
    engines.append(eng)
    migrate(eng)
    store = CaseStore(eng, CAL)
    book = new_book()
    build_closed(store, book)
    build_cases(store, book)  # the open cases of the supervision-list test (March–April 2025)
    evaluations = rate_all(store)
    sql = CaseReports(eng)

    def handled(since: float | None = None, until: float | None = None) -> list:
        out = []
        for k in book.cases.values():
            closed_at = next((s.at for s in k.steps if s.action == "close"), None)
            if k.outcome not in ("handed_out", "rejected") or closed_at is None:
                continue
            if (since is None or closed_at >= since) and (until is None or closed_at < until):
                out.append(fact(k, CAL))
        return out

    # 三四三 / 五三二, by hand: A1 on the spot; A2, A5 within 5 days; A3 halved; A4 slow
    assert sql.tier_counts() == {"on_the_spot": 1, "within_5_days": 2, "halved": 1, "slow": 1}
    whole = sql.closed_case_tiers()
    assert whole == closed_case_tiers(handled())
    assert whole.count == 5 and whole.shares["slow"] == pytest.approx(0.2)
    assert not whole.meets_343
    since, until = jan(9, 0), jan(17, 0)  # closed from the 9th up to the 16th: A2, A5, A3
    period = sql.closed_case_tiers(since, until)
    assert period == closed_case_tiers(handled(since, until))
    assert period.count == 3 and period.shares["halved"] == pytest.approx(1 / 3)
    assert sql.closed_case_tiers(jan(22, 0)).count == 0

    # visits over closed cases except withdrawn ones: A1 1, A2 0, A3 2, A4 1, A5 3, R1 1
    closed = [k for k in book.cases.values() if k.closed and k.outcome != "withdrawn"]
    assert sql.visit_shares() == visit_shares(k.visits for k in closed)
    assert sql.visit_shares() == visit_shares([1, 0, 2, 1, 3, 1])
    in_period = [k for k in closed if since <= next(s.at for s in k.steps if s.action == "close") < until]
    assert sql.visit_shares(since, until) == visit_shares(k.visits for k in in_period)

    # cards by department on each day the supervision-list test looks at (and before/after)
    days = [date(2025, 1, 7), date(2025, 3, 3)]
    days += [date(2025, 3, d) for d in (4, 5, 6, 7, 10, 11, 12, 14, 20)]
    days += [date(2025, 4, d) for d in (3, 7, 9, 30)]
    seen: set[tuple[str, str]] = set()
    for today in days:
        pure = cards_by_department(book.watches(today))
        assert sql.cards_by_department(today) == pure, today
        seen |= {(d, card) for d, cards in pure.items() for card, n in cards.items() if n}
    assert {("hrss", "red"), ("hrss", "yellow"), ("public_security", "yellow")} <= seen
    # by hand on Wednesday 5 March: S1 running yellow, S2 held yellow, S3 held red, P1's
    # public-security task (2 days from the 4th) yellow
    assert sql.cards_by_department(date(2025, 3, 5)) == {
        "hrss": {"yellow": 2, "red": 1},
        "public_security": {"yellow": 1, "red": 0},
    }

    # ratings by window and clerk, all and in a period
    assert sql.ratings_by_window() == ratings_by_window(evaluations)
    assert sql.ratings_by_clerk() == ratings_by_clerk(evaluations)
    h01 = sql.ratings_by_window()[("H01", 3)]
    assert (h01.count, h01.mean, h01.bad, h01.levels[1]) == (4, 15 / 4, 1, 1)
    some = [e for e in evaluations if since <= e.at < until]
    assert sql.ratings_by_window(since, until) == ratings_by_window(some)
    assert sql.ratings_by_clerk(since, until) == ratings_by_clerk(some)


def test_empty_database(sqlite_url: str, engines: list[Engine]) -> None:
    eng = make_engine(sqlite_url)
    engines.append(eng)
    migrate(eng)
    sql = CaseReports(eng)
    tiers = sql.closed_case_tiers()
    assert tiers.count == 0 and not tiers.meets_343
    assert sql.visit_shares() == visit_shares([])
    assert sql.cards_by_department(date(2025, 3, 3)) == {}
    assert sql.ratings_by_window() == {} and sql.ratings_by_clerk() == {}


def handled_facts(book: CaseBook, since: float | None = None, until: float | None = None) -> list:
    """The pure report's rows: closed, handled cases closed within the period."""
    out = []
    for k in book.cases.values():
        closed_at = next((s.at for s in k.steps if s.action == "close"), None)
        if k.outcome not in ("handed_out", "rejected") or closed_at is None:
            continue
        if (since is None or closed_at >= since) and (until is None or closed_at < until):
            out.append(fact(k, CAL))
    return out


def test_tiers_over_any_period(database_url: str, engines: list[Engine]) -> None:
    """三四三 over any period, whole local days (read from the day counts) or not (their partial
    days read from the cases), equals the pure report: boundaries at midnight, at the very
    instant a case closed (closed_at == since counts, == until does not), a second after it."""
    eng = make_engine(database_url)
    engines.append(eng)
    migrate(eng)
    store = CaseStore(eng, CAL)
    book = new_book()
    build_closed(store, book)
    sql = CaseReports(eng)
    closes = [jan(6, 16), jan(9, 11), jan(13, 11), jan(16, 11), jan(21)]
    bounds: list[float | None] = [None, jan(5, 0), jan(6, 0), jan(9, 0), jan(16, 0), jan(22, 0), jan(9, 1)]
    bounds += closes + [at + 1 for at in closes]
    seen = set()
    for since in bounds:
        for until in bounds:
            want = handled_facts(book, since, until)
            assert sql.closed_case_tiers(since, until) == closed_case_tiers(want), (since, until)
            seen.add(len(want))
    assert seen == {0, 1, 2, 3, 4, 5}
