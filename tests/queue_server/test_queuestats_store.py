"""The queue report's day counts in the database: a period read from ``ticket_stat_days`` plus
today's tickets gives the very counts the pure functions give over every ticket; a day is made
again when a ticket left open ends later; the migration fills ``started_at`` from the events.
Every scenario runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text, update

from queue_server.engine.queuestats import Rollup, TicketFacts, day_stats, rollup
from queue_server.store import make_engine, migrate
from queue_server.store.migrations import alembic_config
from queue_server.store.models import TicketRow, TicketStatBuilt
from queue_server.store.queuestats import QueueStats

TZ = ZoneInfo("Asia/Shanghai")
TARGETS = {"A": 600, "B": 1200}
TODAY = date(2026, 11, 30)


def at(d: date, hh: int, mm: int) -> float:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=TZ).timestamp()


def tickets(seed: int, days: list[date], hall: str = "H01") -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for d in days:
        for i in range(rnd.randint(20, 40)):
            issued = at(d, rnd.randint(8, 16), rnd.randint(0, 59))
            state = rnd.choice(["done", "done", "done", "no_show", "cancelled", "waiting"])
            called = issued + rnd.randint(0, 4000) if state in ("done", "no_show") else None
            started = called + 20 if called is not None and state == "done" and rnd.random() < 0.8 else None
            ended = (started or called or issued) + rnd.randint(60, 3000) if state != "waiting" else None
            out.append({
                "id": f"{hall}-{d.isoformat()}-{i}", "hall": hall, "day": d.isoformat(), "number": f"A{i:03d}",
                "item_code": rnd.choice("AB"), "stream": "citizen", "state": state, "token": f"t{i}",
                "issued_at": issued, "called_at": called, "started_at": started, "ended_at": ended,
                "clerk": rnd.choice(["c01", "c02"]) if called else None, "recalls": 0,
                "transfers": rnd.choice([0, 0, 0, 1]),
            })  # fmt: skip
    return out


def facts(rows: list[dict]) -> list[TicketFacts]:
    return [TicketFacts(r["day"], r["issued_at"], r["item_code"], r["state"], r["called_at"], r["started_at"],
                        r["ended_at"], r["clerk"], r["transfers"]) for r in rows]  # fmt: skip


def same(a: Rollup, b: Rollup) -> None:
    assert a.arrivals == b.arrivals
    for mine, theirs in ((a.by_item, b.by_item), (a.by_clerk, b.by_clerk)):
        assert mine.keys() == theirs.keys()
        for k in mine:
            got, want = mine[k].row(), theirs[k].row()
            for name in ("wait_sum", "service_sum", "service_max"):
                assert abs(got.pop(name) - want.pop(name)) < 1e-6
            assert got == want, k


def open_db(url: str, engines: list[Engine]) -> Engine:
    eng = make_engine(url)
    engines.append(eng)
    migrate(eng)
    return eng


def test_a_period_reads_the_made_days_and_counts_today_from_its_tickets(database_url: str, engines: list[Engine]) -> None:
    eng = open_db(database_url, engines)
    days = [TODAY - timedelta(days=i) for i in range(9, -1, -1)]
    rows = tickets(1, days) + tickets(2, days[:3], hall="H02")  # another hall's tickets stay out
    with eng.begin() as c:
        c.execute(insert(TicketRow), rows)
    stats = QueueStats(eng, "H01")
    since, until = days[2], TODAY
    got = stats.period(since, until, TODAY, TZ, TARGETS)
    mine = [r for r in rows if r["hall"] == "H01" and since.isoformat() <= r["day"] <= until.isoformat()]
    same(got, rollup(day_stats(facts(mine), TZ, TARGETS)))
    with eng.connect() as c:
        made = {d for (d,) in c.execute(select(TicketStatBuilt.day).where(TicketStatBuilt.hall == "H01"))}
    assert made == {d.isoformat() for d in days[2:-1]}  # every day over, not today
    assert stats.make_days(since, TODAY - timedelta(days=1), TZ, TARGETS) == 0  # made once
    same(stats.period(since, until, TODAY, TZ, TARGETS), got)


def test_a_ticket_ended_after_its_day_was_made_makes_the_day_again(database_url: str, engines: list[Engine]) -> None:
    eng = open_db(database_url, engines)
    day = TODAY - timedelta(days=1)
    rows = tickets(3, [day])
    left = next(r for r in rows if r["state"] == "waiting")
    with eng.begin() as c:
        c.execute(insert(TicketRow), rows)
    stats = QueueStats(eng, "H01")
    before = stats.period(day, day, TODAY, TZ, TARGETS)
    with eng.begin() as c:  # called and served this morning
        c.execute(update(TicketRow).where(TicketRow.id == left["id"]).values(
            state="done", called_at=left["issued_at"] + 300, started_at=left["issued_at"] + 320,
            ended_at=left["issued_at"] + 900, clerk="c01"))  # fmt: skip
    left.update(state="done", called_at=left["issued_at"] + 300, started_at=left["issued_at"] + 320,
                ended_at=left["issued_at"] + 900, clerk="c01")  # fmt: skip
    after = stats.period(day, day, TODAY, TZ, TARGETS)
    assert after.total.served == before.total.served + 1
    same(after, rollup(day_stats(facts(rows), TZ, TARGETS)))


def test_the_migration_fills_started_at_from_the_events(database_url: str, engines: list[Engine]) -> None:
    eng = make_engine(database_url)
    engines.append(eng)

    def upgrade(revision: str) -> None:
        with eng.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    upgrade("0011")
    with eng.begin() as c:
        c.execute(text(
            "INSERT INTO tickets (id, hall, day, number, item_code, stream, state, token, issued_at, called_at, ended_at,"
            " recalls, transfers) VALUES ('t1', 'H01', '2026-11-02', 'A001', 'A', 'citizen', 'done', 'x', 100, 200, 900, 0, 1),"
            " ('t2', 'H01', '2026-11-02', 'A002', 'A', 'citizen', 'no_show', 'y', 100, 200, 400, 0, 0)"))
        c.execute(text(
            "INSERT INTO hall_events (hall, seq, type, at, ticket, data) VALUES"
            " ('H01', 1, 'ticket.started', 230, 't1', '{}'), ('H01', 2, 'ticket.started', 500, 't1', '{}'),"
            " ('H02', 1, 'ticket.started', 700, 't1', '{}')"))  # fmt: skip
    upgrade("head")
    with eng.connect() as c:
        assert dict(c.execute(text("SELECT id, started_at FROM tickets ORDER BY id")).all()) == {"t1": 500, "t2": None}
    with eng.begin() as conn:  # and back
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011")
    tables = set(inspect(eng).get_table_names())
    assert not {"ticket_stat_days", "ticket_hour_days", "ticket_stat_built"} & tables
    assert "started_at" not in {col["name"] for col in inspect(eng).get_columns("tickets")}


def test_the_hall_s_own_events_record_when_service_started(database_url: str, engines: list[Engine]) -> None:
    """Service time counts from the visitor at the window (ticket.started), as the store records it."""
    from queue_server.engine import events as ev
    from queue_server.engine.events import Event
    from queue_server.store.hallstore import HallStore

    eng = open_db(database_url, engines)
    day = TODAY - timedelta(days=1)
    t0 = at(day, 9, 0)
    issued = {"ticket": "T1", "day": day.isoformat(), "number": "A001", "item": "A", "stream": "citizen",
              "token": "tok", "prefix": "A", "counter": 1}  # fmt: skip
    store = HallStore(eng, "H01")
    store.commit_batch([
        Event(ev.TICKET_ISSUED, t0, issued, seq=1),
        Event(ev.TICKET_CALLED, t0 + 300, {"ticket": "T1", "window": 1, "clerk": "c01"}, seq=2),
        Event(ev.TICKET_STARTED, t0 + 360, {"ticket": "T1", "window": 1}, seq=3),
        Event(ev.TICKET_COMPLETED, t0 + 960, {"ticket": "T1", "outcome": "done"}, seq=4),
    ], [])  # fmt: skip
    with eng.connect() as c:
        assert c.execute(select(TicketRow.started_at).where(TicketRow.id == "T1")).scalar_one() == t0 + 360
    counts = QueueStats(eng, "H01").period(day, day, TODAY, TZ, TARGETS)
    a = counts.by_item["A"]
    assert (a.served, a.wait_sum, a.service_sum, a.within_target) == (1, 300, 600, 1)
    assert counts.arrivals == {(day.isoformat(), 9): 1}
