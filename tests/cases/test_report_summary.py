"""三四三 counts per closing day (``case_tier_days``): the case store keeps them equal to a
recount from the cases as cases close (and do not count while open, refused, withdrawn or
verified after closing), also with two halls closing at once; closing days are China Standard
Time days with exact bounds in Python and in SQL; the migration fills the table from the
cases already there. Every scenario runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, datetime, timedelta

from alembic import command
from sqlalchemy import Engine, Float, literal, select

from queue_server.cases import CaseBook, Role
from queue_server.cases.reports import case_tier, closed_case_tiers, fact
from queue_server.store import make_engine, migrate
from queue_server.store.casereports import (
    CaseReports,
    TierDay,
    closing_day,
    closing_day_sql,
    day_start,
    move_tier_day,
    recount_tier_days,
    tier_days,
)
from queue_server.store.casestore import CaseStore
from queue_server.store.migrations import alembic_config

from . import APPLICANT, CAL, PARALLEL, SIMPLE, TZ, back, new_book, online, ts, window
from .test_reports_sql import build_closed
from .test_store import build_cases, race

EPOCH = date(1970, 1, 1)


def open_store(url: str, engines: list[Engine], *, fresh: bool = True) -> CaseStore:
    eng = make_engine(url)
    engines.append(eng)
    if fresh:
        migrate(eng)
    return CaseStore(eng, CAL)


def stored(store: CaseStore) -> dict[TierDay, int]:
    with store.engine.connect() as c:
        return tier_days(c)


def recounted(store: CaseStore) -> dict[TierDay, int]:
    """A from-scratch recount, rolled back so the store's own counts stay in place."""
    with store.engine.connect() as c:
        tx = c.begin()
        recount_tier_days(c)
        out = tier_days(c)
        tx.rollback()
    return out


def expected(book: CaseBook) -> dict[TierDay, int]:
    """From the pure core: closed, handled cases by local closing date and ``case_tier``."""
    out: Counter[TierDay] = Counter()
    for k in book.cases.values():
        closed_at = next((s.at for s in k.steps if s.action == "close"), None)
        f = fact(k, CAL)
        if closed_at is None or f is None:
            continue
        local = datetime.fromtimestamp(closed_at, TZ).date()
        out[((local - EPOCH).days, case_tier(f.statutory_days, f.working_days))] += 1
    return dict(out)


# ------------------------------------------------------------------ closing days


def test_closing_day_is_the_china_standard_time_date() -> None:
    rng = random.Random(7)
    for _ in range(2000):  # UTC+8 all year since 1992 (China kept summer time 1986-1991)
        at = rng.uniform(ts(1992, 1, 1, 0), 4e9) + rng.random()
        assert EPOCH + timedelta(days=closing_day(at)) == datetime.fromtimestamp(at, TZ).date(), at
    d = (date(2025, 1, 6) - EPOCH).days
    assert day_start(d) == ts(2025, 1, 6, 0)
    assert closing_day(day_start(d)) == d
    assert closing_day(math.nextafter(day_start(d), -math.inf)) == d - 1
    # the last float before midnight of 6 January 1987: the division rounds it up to the next
    # day, the bounds do not
    d = (date(1987, 1, 6) - EPOCH).days
    just_before = math.nextafter(day_start(d), -math.inf)
    assert math.floor((just_before + 8 * 3600) / 86400) == d
    assert closing_day(just_before) == d - 1


def test_sql_closing_day(database_url: str, engines: list[Engine]) -> None:
    eng = make_engine(database_url)
    engines.append(eng)
    rng = random.Random(11)
    values = []
    for d in (-400, -1, 0, 1, 777, 3107, 6214, 20094, 20095, 24000):
        start = day_start(d)
        values += [start, math.nextafter(start, -math.inf), math.nextafter(start, math.inf), start + 43200]
    values += [rng.uniform(-1e9, 4e9) for _ in range(200)]
    with eng.connect() as c:
        for at in values:
            got = c.execute(select(closing_day_sql(literal(at, Float)))).scalar_one()
            assert got == closing_day(at), at


# ------------------------------------------------------------ kept by the store


def test_counts_follow_the_cases(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    book = new_book()
    assert stored(store) == {}

    def both(name: str, cid: str, *args: object, **kw: object) -> None:
        book.apply_all(getattr(book, name)(cid, *args, **kw))
        if name == "submit":
            store.submit(cid, *args, **kw)  # type: ignore[arg-type]
        else:
            store.act(cid, name, *args, **kw)

    def jan(day: int, hour: int = 10) -> float:
        return ts(2025, 1, day, hour)

    clerk = back("c1", Role.CLERK)
    jan6 = (date(2025, 1, 6) - EPOCH).days
    # open, then decided: nothing counts before the case closes
    both("submit", "K1", SIMPLE, APPLICANT, window("c1"), jan(6), materials=list(SIMPLE.materials))
    both("accept", "K1", window("c1"), jan(6, 11), commitment=True)
    both("result_ready", "K1", clerk, jan(6, 12))
    both("hand_out", "K1", window("c1"), jan(6, 15))
    assert stored(store) == {}
    both("close", "K1", clerk, jan(6, 16))
    assert stored(store) == {(jan6, "on_the_spot"): 1} == expected(book) == recounted(store)
    # verified after closing: the case's row does not change, nor do the counts
    both("verify", "K1", back("v1"), jan(7), ok=True)
    assert stored(store) == {(jan6, "on_the_spot"): 1}
    # refused at the desk, withdrawn: closed but never handled
    both("submit", "XR", SIMPLE, APPLICANT, window("c1"), jan(6))
    both("refuse", "XR", window("c1"), jan(6, 11), "不属于本机关职权范围")
    both("close", "XR", clerk, jan(6, 12))
    both("submit", "XW", SIMPLE, APPLICANT, window("c1"), jan(6))
    both("withdraw", "XW", online(), jan(6, 13))
    assert stored(store) == {(jan6, "on_the_spot"): 1}
    # a second case on the same day and tier adds to the row; closed a minute before midnight
    # it is still that day
    both("submit", "K2", SIMPLE, APPLICANT, window("c1"), jan(6), materials=list(SIMPLE.materials))
    both("accept", "K2", window("c1"), jan(6, 11), commitment=True)
    both("result_ready", "K2", clerk, jan(6, 12))
    both("hand_out", "K2", online(), jan(6, 13))
    both("close", "K2", clerk, ts(2025, 1, 6, 23, 59))
    assert stored(store) == {(jan6, "on_the_spot"): 2}
    # the rest of the report test's cases, and the supervision test's open ones
    build_closed(store, book)
    build_cases(store, book)
    assert stored(store) == expected(book) == recounted(store)
    assert (
        sum(stored(store).values())
        == closed_case_tiers(
            f for k in book.cases.values() if k.closed and (f := fact(k, CAL)) is not None
        ).count
    )


def test_two_halls_close_at_once(database_url: str, engines: list[Engine]) -> None:
    a = open_store(database_url, engines)
    b = open_store(database_url, engines, fresh=False)
    t0 = ts(2025, 1, 6)
    for cid in ("K1", "K2"):
        a.submit(cid, PARALLEL, APPLICANT, window("c1"), t0, materials=list(PARALLEL.materials))
        a.accept(cid, window("c1"), t0 + 600)
        a.start_review(cid, back("c1", role=Role.CLERK), t0 + 1200)
        for dept in ("market", "tax", "public_security"):
            a.decide_task(cid, dept, "approved", back("d1"), ts(2025, 1, 8))
        a.result_ready(cid, back("c1", role=Role.CLERK), ts(2025, 1, 8, 11))
        a.hand_out(cid, window("c1"), ts(2025, 1, 9))
    # both halls close a case each at the same moment: the first close of the day and tier
    # inserts the row while the other one does too
    got = race(
        [a, b],
        lambda s: s.close("K1", back("c1", role=Role.CLERK), ts(2025, 1, 9, 11)),
        lambda s: s.close("K2", back("c2", role=Role.CLERK), ts(2025, 1, 9, 11)),
    )
    assert all(isinstance(r, list) for r in got), got
    jan9 = (date(2025, 1, 9) - EPOCH).days
    assert stored(a) == {(jan9, "within_5_days"): 2} == recounted(a)


def test_a_moved_count_leaves_no_empty_row(sqlite_url: str, engines: list[Engine]) -> None:
    """The counts follow a case's row whatever it did before (no command reopens a closed case
    today; should one come, or a correction rewrite a closing day, the rows still add up)."""
    store = open_store(sqlite_url, engines)
    with store.engine.begin() as c:
        move_tier_day(c, None, (100, "slow"))
        move_tier_day(c, None, (100, "slow"))
        move_tier_day(c, (100, "slow"), (101, "halved"))
        assert tier_days(c) == {(100, "slow"): 1, (101, "halved"): 1}
        move_tier_day(c, (100, "slow"), None)
        move_tier_day(c, (101, "halved"), (101, "halved"))
        assert tier_days(c) == {(101, "halved"): 1}
        move_tier_day(c, (101, "halved"), None)
        assert tier_days(c) == {}


# ----------------------------------------------------------------- the migration


def test_migration_fills_the_table(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines)
    book = new_book()
    build_closed(store, book)
    kept = stored(store)
    assert kept and kept == expected(book)
    report = CaseReports(store.engine).tier_counts()
    # back to before the table, then up again: the migration counts the closed cases there
    with store.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    migrate(store.engine)
    assert stored(store) == kept
    assert CaseReports(store.engine).tier_counts() == report
