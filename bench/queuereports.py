"""Part ``reports`` of bench/web.py: a month's queue report (``report.queue``) over a year of
history, 1,000,000 tickets, on SQLite and on PostgreSQL. Target: under 500 ms.

The ``tickets`` projection is filled straight away (no event log): ``--tickets`` tickets over
the 365 days up to TODAY, the demo catalogue's citizen items and their wait targets, ten
clerks, served / no-show / cancelled / transferred in the shares of a busy hall. SQLite:
executemany in chunks; PostgreSQL: COPY into a throwaway server (``tests/support/postgres.py``,
or ``HALL_TEST_PG_URL``). Secondary indexes are dropped for the fill and built after it; then
ANALYZE. The day counts (``ticket_stat_days``) are made as the server makes them, by
``QueueStats.make_days`` (timed: what a hall pays once, as its days end).

Timed (median and p99 of ``--report-runs`` runs, after one warm-up), each as a multiple of the
baseline:
    baseline             SELECT 1 on an open connection
    raw tickets, SQL     one GROUP BY item over the month's tickets (the least a report without
                         day counts reads: the reason for the day counts)
    raw tickets, report  the month's report counted from its tickets (QueueStats._counted + figures)
    month report         the month's report as report.queue makes it (QueueStats.period +
                         queue_figures), a month that is over: day counts only
    this month           the same for the month up to today, today's ~2,700 tickets counted raw
The handler's own work around it (names, the reply's JSON) is the same for any period and left out.

    .venv/bin/python bench/web.py --only reports [--tickets 1000000] [--report-runs 15] [--db sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from queue_server.catalogue import DEMO_CATALOGUE_PATH, load_catalogue
from queue_server.engine.queuestats import queue_figures, rollup
from queue_server.store import make_engine, migrate
from queue_server.store.models import TicketRow
from queue_server.store.queuestats import QueueStats

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)
HALL = "H01"
TARGET_MS = 500.0
CHUNK = 50_000
COLS = ("id", "hall", "day", "number", "item_code", "stream", "state", "token", "issued_at", "called_at",
        "started_at", "ended_at", "window", "clerk", "recalls", "transfers")  # fmt: skip


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def targets() -> dict[str, int]:
    cat = load_catalogue(DEMO_CATALOGUE_PATH)
    return {code: item.wait_target_s for code, item in cat.items.items()}


def rows(n: int, items: list[str], seed: int = 16):  # type: ignore[no-untyped-def]
    """``n`` tickets over the 365 days up to TODAY (today's as if its queue were over), in
    chunks of tuples in COLS order."""
    rnd = random.Random(seed)
    per_day = n // 365
    chunk: list[tuple[Any, ...]] = []
    clerks = [f"c{i:02d}" for i in range(1, 11)]
    made = 0
    for back in range(364, -1, -1):
        d = TODAY - timedelta(days=back)
        day = d.isoformat()
        opens = datetime(d.year, d.month, d.day, 8, 30, tzinfo=TZ).timestamp()
        count = per_day if back > 0 else n - made
        for i in range(count):
            issued = opens + rnd.random() * 8.5 * 3600
            r = rnd.random()
            state = "done" if r < 0.84 else "no_show" if r < 0.92 else "cancelled"
            called = issued + rnd.expovariate(1 / 1200) if state != "cancelled" else None
            started = called + 40 if called is not None and state == "done" else None
            ended = (started + rnd.expovariate(1 / 600)) if started is not None else (called or issued) + 180
            chunk.append((
                f"{day}-{i}", HALL, day, f"A{i % 1000:03d}", items[int(rnd.random() ** 2 * len(items))], "citizen",
                state, f"t{made}", issued, called, started, ended, 1 + i % 8 if called else None,
                clerks[i % 10] if called else None, 0, 1 if rnd.random() < 0.05 else 0,
            ))  # fmt: skip
            made += 1
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def fill(engine: Engine, n: int, items: list[str]) -> None:
    pg = engine.dialect.name == "postgresql"
    indexes = list(TicketRow.__table__.indexes)
    with engine.begin() as c:
        for idx in indexes:
            idx.drop(c)
    raw = engine.raw_connection()
    t0 = time.perf_counter()
    written = 0
    try:
        cur = raw.cursor()
        if not pg:
            cur.execute("PRAGMA synchronous=OFF")
        marks = ",".join("?" * len(COLS))
        names = ",".join(f'"{c}"' for c in COLS)  # "window" is a reserved word
        for chunk in rows(n, items):
            if pg:
                with cur.copy(f"COPY tickets ({names}) FROM STDIN") as cp:  # type: ignore[attr-defined]
                    for row in chunk:
                        cp.write_row(row)
            else:
                cur.executemany(f"INSERT INTO tickets ({names}) VALUES ({marks})", chunk)
            raw.commit()
            written += len(chunk)
            if written % 250_000 < CHUNK:
                log(f"  {written:,} tickets ({time.perf_counter() - t0:.0f} s)")
    finally:
        raw.close()
    t1 = time.perf_counter()
    with engine.begin() as c:
        for idx in indexes:
            idx.create(c)
    log(f"  indexes built ({time.perf_counter() - t1:.0f} s)")
    with engine.connect() as c:
        if pg:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            c.exec_driver_sql("ANALYZE")
            c.commit()


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def run(name: str, url: str, args: argparse.Namespace) -> None:
    log(f"== {name}")
    engine = make_engine(url)
    try:
        migrate(engine)
        goals = targets()
        items = sorted(goals)
        log(f"filling {args.tickets:,} tickets over 365 days, {len(items)} items")
        t0 = time.perf_counter()
        fill(engine, args.tickets, items)
        log(f"fill took {time.perf_counter() - t0:.1f} s")
        stats = QueueStats(engine, HALL)
        year = (TODAY - timedelta(days=364), TODAY - timedelta(days=1))
        t0 = time.perf_counter()
        made = stats.make_days(*year, TZ, goals)
        log(f"day counts made for {made} days in {time.perf_counter() - t0:.1f} s "
            f"({(time.perf_counter() - t0) / max(made, 1) * 1000:.0f} ms a day, once, as each day ends)")  # fmt: skip
        with engine.connect() as c:
            n_rows = c.execute(text("SELECT count(*) FROM ticket_stat_days")).scalar_one()
        log(f"  {n_rows:,} day-count rows for {args.tickets:,} tickets")

        month = (date(2026, 10, 1), date(2026, 10, 31))
        days = [month[0] + timedelta(days=i) for i in range(31)]
        this_month = (date(2026, 11, 1), TODAY)
        with engine.connect() as c:
            c.execute(text("SELECT 1"))

            def baseline() -> None:
                c.execute(text("SELECT 1")).scalar_one()

            raw_sql = text(
                "SELECT item_code, count(*), sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END),"
                " sum(called_at - issued_at), sum(ended_at - started_at) FROM tickets"
                " WHERE hall = :h AND day >= :s AND day <= :u GROUP BY item_code"
            )

            def raw_group() -> None:
                c.execute(raw_sql, {"h": HALL, "s": month[0].isoformat(), "u": month[1].isoformat()}).all()

            base = timed(baseline, 200)
            raw1 = timed(raw_group, max(3, args.report_runs // 3))

        def shown(kind: str, code: str) -> Any:
            return {"zh": code, "en": code} if kind == "item" else {"id": code, "name": None}

        def raw_report() -> None:
            with engine.connect() as c:
                counts = rollup(stats._counted(c, month[0].isoformat(), month[1].isoformat(), TZ, goals))
            queue_figures(counts, days, shown)

        def report(period: tuple[date, date]) -> Callable[[], None]:
            ds = [period[0] + timedelta(days=i) for i in range((period[1] - period[0]).days + 1)]

            def go() -> None:
                queue_figures(stats.period(period[0], period[1], TODAY, TZ, goals), ds, shown)

            return go

        raw2 = timed(raw_report, 3)
        full = timed(report(month), args.report_runs)
        now = timed(report(this_month), args.report_runs)
        b = statistics.median(base)
        print(f"{name}, {args.tickets:,} tickets over a year; baseline SELECT 1: p50 {ms(b)}  p99 {ms(pct(base, 0.99))}")
        for what, values in (
            ("raw tickets, SQL GROUP BY (a month)", raw1),
            ("raw tickets, report (a month)", raw2),
            ("month report, day counts (Oct)", full),
            ("this month, today raw (Nov 1-30)", now),
        ):
            p50, p99 = statistics.median(values), pct(values, 0.99)
            verdict = "pass" if p50 * 1000 < TARGET_MS and p99 * 1000 < TARGET_MS else "MISS"
            print(f"  {what:<38} p50 {ms(p50):>10} ({p50 / b:,.0f}x)  p99 {ms(p99):>10} ({p99 / b:,.0f}x)"
                  f"  target < {TARGET_MS:.0f} ms: {verdict}")  # fmt: skip
    finally:
        engine.dispose()


def main_part(args: argparse.Namespace) -> None:
    dbs = args.db.split(",")
    print(f"# queue reports benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    if "sqlite" in dbs:
        with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp:
            run("SQLite", f"sqlite:///{os.path.join(tmp, 'reports.db')}", args)
    if "postgres" in dbs:
        from tests.support.postgres import postgres_server, temporary_database

        with postgres_server() as server, temporary_database(server, "hall_bench_reports") as url:
            run("PostgreSQL", url, args)
