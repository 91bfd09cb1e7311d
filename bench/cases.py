"""Case reports benchmark: the supervision list, 三四三 of real closed cases and the
open-case cards by department over a city's history, on SQLite and on PostgreSQL.

The projection tables (``cases``, ``case_tasks``) are filled straight away (no event log):
``--closed`` closed cases spread over three years and ``--open`` open ones submitted in the
last six weeks, with the demo catalogue's items (popular ones more often), their departments
and parallel co-departments, working days used, visits, and for open cases the card dates the
store would write (``Clock.milestones`` on the State Council calendar), some paused by a
one-time notice with a held card. SQLite: executemany in chunks into a temp file; PostgreSQL:
COPY into a throwaway server (``tests/support/postgres.py``, or ``HALL_TEST_PG_URL``). The
secondary indexes are dropped for the fill and built after it, and the 三四三 day counts
(``case_tier_days``, which the store keeps as cases close) are counted from the filled cases in
one statement (``casereports.recount_tier_days``); both are part of the fill time; then ANALYZE.
Before timing, the day counts are checked against a count over ``cases`` alone.

Timed (median and p99 of ``--runs`` runs, after one warm-up):
    baseline           SELECT count(*) FROM cases
    supervision 200    CaseStore.supervision_list(today, limit=200)
    supervision all    CaseStore.supervision_list(today)
    343 all closed     CaseReports.closed_case_tiers()            (every closed case)
    343 last year      CaseReports.closed_case_tiers(since, until) (local midnights: day counts only)
    343 year 14:30     the same from 14:30 to 14:30 (two partial days read from ``cases``)
    visits last year   CaseReports.visit_shares(since, until)
    cards              CaseReports.cards_by_department(today)
each also as a multiple of the baseline, with its target (reports under 300 ms, cards under
50 ms) and "pass" or "MISS" by the median ("p99 over" when only the p99 is above the target).

    .venv/bin/python bench/cases.py [--closed 1000000] [--open 50000] [--runs 20] [--db sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

from queue_server.cases import Card, WorkCalendar  # noqa: E402
from queue_server.cases.deadlines import Clock, Pause  # noqa: E402
from queue_server.catalogue import DEMO_CATALOGUE_PATH, load_catalogue  # noqa: E402
from queue_server.store import make_engine, migrate  # noqa: E402
from queue_server.store.casereports import CaseReports, recount_tier_days  # noqa: E402
from queue_server.store.casestore import CaseStore  # noqa: E402
from queue_server.store.models import CaseRow, CaseTaskRow  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 12, 10)  # a Wednesday
CAL = WorkCalendar()
CHUNK = 20_000

CASE_COLS = [c.name for c in CaseRow.__table__.columns]
TASK_COLS = [c.name for c in CaseTaskRow.__table__.columns]
HALLS = ["H01", "H02", "H03", "T01", "T02", "T03", "T04", "V01", "V02", "V03"]
HALL_W = [30, 12, 10, 6, 6, 5, 5, 2, 2, 2]
CLERKS = [f"c{i:03d}" for i in range(120)]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def ts(d: date, rng: random.Random) -> float:
    return datetime(d.year, d.month, d.day, rng.randint(9, 17), rng.randint(0, 59), tzinfo=TZ).timestamp()


# ------------------------------------------------------------------ data
class Gen:
    """Rows for the projection tables, in the column order of the models."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        cat = load_catalogue(DEMO_CATALOGUE_PATH)
        self.items = list(cat.items.values())
        self.item_w = [1.0 / (i + 1) ** 0.8 for i in range(len(self.items))]  # some items much busier
        self.rng.shuffle(self.item_w)
        start = TODAY - timedelta(days=3 * 365)
        self.workdays = [
            start + timedelta(days=i)
            for i in range((TODAY - start).days + 1)
            if CAL.is_workday(start + timedelta(days=i))
        ]
        self.ms_cache: dict[tuple[date, int, date | None], Any] = {}

    def milestones(self, start: date, limit: int, pause: date | None = None) -> Any:
        key = (start, limit, pause)
        m = self.ms_cache.get(key)
        if m is None:
            pauses = (Pause(pause),) if pause else ()
            m = self.ms_cache[key] = Clock(start, limit, pauses).milestones(CAL)
        return m

    def base(self, i: int, item: Any, state: str, sub_ts: float, visits: int) -> dict[str, Any]:
        r = self.rng
        hall = r.choices(HALLS, HALL_W)[0]
        online = r.random() < 0.35
        return {
            "id": f"K{i:09d}",
            "version": 1,
            "item_code": item.code,
            "lead_department": item.department,
            "state": state,
            "outcome": None,
            "applicant_hash": r.randbytes(32).hex(),
            "agent_hash": r.randbytes(32).hex() if r.random() < 0.08 else None,
            "channel": "online" if online else r.choice(("window", "window", "kiosk")),
            "first_inquiry_clerk": r.choice(CLERKS),
            "hall_submitted": None if online else hall,
            "hall_accepted": hall,
            "hall_handed_out": None,
            "submitted_at": sub_ts,
            "completed_on": None,
            "closed_at": None,
            "visits": visits,
            "notices": 0,
            "flagged_notices": 0,
            "commitment": False,
            "statutory_days": item.limits.statutory_days,
            "promised_days": item.limits.promised_days,
            "used_days": None,
            "due": None,
            "due_ordinal": None,
            "yellow_on": None,
            "red_on": None,
            "card": None,
            "held_remaining": None,
            "verify_due": None,  # 告知承诺 checks: not part of these reports
            "verified": None,
        }

    def tasks(self, case_id: str, item: Any, opened: date, limit: int, decided: bool) -> list[tuple]:
        out = []
        for k, dept in enumerate((item.department, *item.co_departments)):
            lim = max(1, limit - self.rng.randint(0, 2)) if k else max(1, limit)
            m = self.milestones(opened, lim)
            undecided = not decided and self.rng.random() < 0.6
            row = {
                "case_id": case_id,
                "department": dept,
                "lead": k == 0,
                "opened_on": opened,
                "limit_days": lim,
                "decision": None if undecided else "approved",
                "reason": "",
                "decided_at": None if undecided else 0.0,
                "decided_by": None if undecided else "d1",
                "due": m.due,
                "due_ordinal": m.base,
                "yellow_on": m.yellow_on,
                "red_on": m.red_on,
            }
            out.append(tuple(row[c] for c in TASK_COLS))
        return out

    def closed(self, n: int, first_id: int = 0) -> Iterator[tuple[list[tuple], list[tuple]]]:
        r, wd = self.rng, self.workdays
        last = len(wd) - 45  # closed cases were submitted before the open ones
        cases: list[tuple] = []
        tasks: list[tuple] = []
        for i in range(first_id, first_id + n):
            item = r.choices(self.items, self.item_w)[0]
            lim = item.limits
            k = r.randrange(0, last)
            if lim.promised_days == 0:
                used = 0 if r.random() < 0.85 else r.randint(1, 3)
            else:
                used = min(int(r.expovariate(1 / (0.7 * lim.promised_days + 0.3))), 2 * lim.statutory_days)
            done = wd[min(k + used, len(wd) - 1)]
            visits = r.choices((0, 1, 2, 3, 4), (30, 45, 17, 6, 2))[0]
            row = self.base(i, item, "closed", ts(wd[k], r), visits)
            outcome = r.choices(("handed_out", "rejected", "refused", "withdrawn"), (88, 4, 4, 4))[0]
            row["outcome"] = outcome
            row["closed_at"] = ts(done + timedelta(days=r.choice((0, 0, 1, 2, 5))), r)
            if outcome != "withdrawn":
                row["completed_on"] = done
                row["used_days"] = used
            if outcome in ("handed_out", "rejected") and item.co_departments:
                tasks += self.tasks(row["id"], item, wd[k], lim.promised_days or 1, decided=True)
            if outcome == "handed_out":
                row["hall_handed_out"] = r.choices(HALLS, HALL_W)[0]
            cases.append(tuple(row[c] for c in CASE_COLS))
            if len(cases) >= CHUNK:
                yield cases, tasks
                cases, tasks = [], []
        if cases:
            yield cases, tasks

    def open(self, n: int, first_id: int) -> Iterator[tuple[list[tuple], list[tuple]]]:
        r, wd = self.rng, self.workdays
        today_k = len(wd) - 1
        while wd[today_k] > TODAY:
            today_k -= 1
        cases: list[tuple] = []
        tasks: list[tuple] = []
        for i in range(first_id, first_id + n):
            item = r.choices(self.items, self.item_w)[0]
            while item.limits.promised_days == 0 and r.random() < 0.95:  # on-the-spot items rarely stay open
                item = r.choices(self.items, self.item_w)[0]
            lim = item.limits
            # working days since submission: within the promised limit, some beyond it
            # (most cases are decided early, so open ones are mostly young)
            age = min(int(r.expovariate(1 / (0.35 * max(lim.promised_days, 1)))), 40)
            sub = wd[today_k - age]
            state = r.choices(
                ("submitted", "accepted", "waiting_materials", "supplemented", "in_review"),
                (10, 25, 10, 5, 50),
            )[0]
            row = self.base(i, item, state, ts(sub, r), r.choice((0, 1, 1, 2)))
            if state == "waiting_materials":
                pause = wd[today_k - r.randint(0, age)]
                m = self.milestones(sub, lim.promised_days, pause)
                if m.held_remaining < 1:  # a held red would need the case's log to date it
                    m = self.milestones(sub, lim.promised_days, sub)
                if m.held_remaining < 1:
                    state = row["state"] = "accepted"
                else:
                    row["card"] = m.held_card.value
                    row["held_remaining"] = m.held_remaining
                    row["notices"] = 1
            if state != "waiting_materials":
                m = self.milestones(sub, lim.promised_days)
                row.update(due=m.due, due_ordinal=m.base, yellow_on=m.yellow_on, red_on=m.red_on)
            if state == "in_review":
                opened = wd[today_k - r.randint(0, age)]
                tasks += self.tasks(row["id"], item, opened, lim.promised_days or 1, decided=False)
            cases.append(tuple(row[c] for c in CASE_COLS))
            if len(cases) >= CHUNK:
                yield cases, tasks
                cases, tasks = [], []
        if cases:
            yield cases, tasks


# ------------------------------------------------------------------ fill
def secondary_indexes() -> list[Any]:
    return [*CaseRow.__table__.indexes, *CaseTaskRow.__table__.indexes]


def fill(engine: Engine, n_closed: int, n_open: int, seed: int) -> tuple[int, int]:
    """Fill the projections; returns (cases, tasks)."""
    gen = Gen(seed)
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        for idx in secondary_indexes():
            idx.drop(c)
    n_cases = n_tasks = 0
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if not pg:
            cur.execute("PRAGMA synchronous=OFF")
        ph_c = ",".join("?" * len(CASE_COLS))
        ph_t = ",".join("?" * len(TASK_COLS))

        def write(cases: list[tuple], tasks: list[tuple]) -> None:
            if pg:
                with cur.copy(f"COPY cases ({','.join(CASE_COLS)}) FROM STDIN") as cp:
                    for row in cases:
                        cp.write_row(row)
                if tasks:
                    with cur.copy(f"COPY case_tasks ({','.join(TASK_COLS)}) FROM STDIN") as cp:
                        for row in tasks:
                            cp.write_row(row)
            else:
                cur.executemany(f"INSERT INTO cases VALUES ({ph_c})", cases)
                cur.executemany(f"INSERT INTO case_tasks VALUES ({ph_t})", tasks)
            raw.commit()

        for cases, tasks in gen.closed(n_closed):
            write(cases, tasks)
            n_cases += len(cases)
            n_tasks += len(tasks)
            if n_cases % 200_000 < CHUNK:
                log(f"  {n_cases:,} cases, {n_tasks:,} tasks ({time.perf_counter() - t0:.0f} s)")
        for cases, tasks in gen.open(n_open, n_closed):
            write(cases, tasks)
            n_cases += len(cases)
            n_tasks += len(tasks)
        log(f"  rows written: {n_cases:,} cases, {n_tasks:,} tasks ({time.perf_counter() - t0:.0f} s)")
    finally:
        raw.close()
    t1 = time.perf_counter()
    with engine.begin() as c:
        for idx in secondary_indexes():
            idx.create(c)
    log(f"  indexes built ({time.perf_counter() - t1:.0f} s)")
    t2 = time.perf_counter()
    with engine.begin() as c:
        recount_tier_days(c)  # as the store would have kept them, had the cases gone through it
    log(f"  三四三 day counts built ({time.perf_counter() - t2:.1f} s)")
    t2 = time.perf_counter()
    analyze(engine)
    log(f"  analyzed ({time.perf_counter() - t2:.0f} s)")
    return n_cases, n_tasks


# ------------------------------------------------------------------ timing
def measure(cases: list[tuple[str, Callable[[], Any], float]], runs: int) -> None:
    base_med = None
    print(f"{'':20} {'median ms':>10} {'p99 ms':>9} {'x base':>8} {'target':>7}  {'':13} result")
    for label, fn, target in cases:
        times, result = timed(fn, runs)
        med, p99 = statistics.median(times), pct(times, 0.99)
        base_med = base_med or med
        verdict = ""
        if target == target:  # NaN: no target (the baseline)
            verdict = "pass" if med < target else "MISS"
            if med < target <= p99:
                verdict += " (p99 over)"
        print(
            f"{label:20} {med:10.1f} {p99:9.1f} {med / base_med:8.1f} "
            f"{'' if target != target else f'<{target:.0f}':>7}  {verdict:13} {summarize(result)}",
            flush=True,
        )


def check_day_counts(reports: CaseReports, periods: list[tuple[float | None, float | None]]) -> None:
    """The day counts answer as a count over ``cases`` alone does (the bench filled them in bulk)."""
    for since, until in periods:
        got, want = reports.tier_counts(since, until), reports.tier_counts_from_cases(since, until)
        if got != want:
            raise SystemExit(
                f"三四三 day counts disagree with the cases for {since}..{until}: {got} != {want}"
            )
    log(f"三四三 day counts agree with the cases over {len(periods)} periods")


def analyze(engine: Engine) -> None:
    with engine.connect() as c:
        if engine.dialect.name == "postgresql":
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            c.exec_driver_sql("ANALYZE")
            c.commit()


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    result = fn()  # warm-up
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, result


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def run(name: str, url: str, args: argparse.Namespace) -> None:
    log(f"== {name}: {url.split('@')[-1]}")
    engine = make_engine(url)
    try:
        migrate(engine)
        log(f"filling {args.closed:,} closed + {args.open:,} open cases")
        t0 = time.perf_counter()
        n_cases, n_tasks = fill(engine, args.closed, args.open, args.seed)
        log(f"fill took {time.perf_counter() - t0:.1f} s ({n_cases:,} cases, {n_tasks:,} tasks)")
        store = CaseStore(engine, CAL)
        reports = CaseReports(engine)
        year_ago = datetime(TODAY.year - 1, TODAY.month, TODAY.day, tzinfo=TZ).timestamp()
        now = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=TZ).timestamp()

        def baseline() -> int:
            with engine.connect() as c:
                return c.execute(text("SELECT count(*) FROM cases")).scalar_one()

        half = 14.5 * 3600  # 14:30: the period starts and ends within a day
        check_day_counts(reports, [(None, None), (year_ago, now), (year_ago + half, now + half)])
        cases: list[tuple[str, Callable[[], Any], float]] = [
            ("baseline count(*)", baseline, float("nan")),
            ("supervision 200", lambda: store.supervision_list(TODAY, limit=200), 300),
            ("supervision all", lambda: store.supervision_list(TODAY), 300),
            ("343 all closed", reports.closed_case_tiers, 300),
            ("343 last year", lambda: reports.closed_case_tiers(year_ago, now), 300),
            ("343 year 14:30", lambda: reports.closed_case_tiers(year_ago + half, now + half), 300),
            ("visits last year", lambda: reports.visit_shares(year_ago, now), 300),
            ("cards by dept", lambda: reports.cards_by_department(TODAY), 50),
        ]
        log("schema as migrated (report indexes of 0003, day counts and open-case index of 0006):")
        measure(cases, args.runs)
        if args.explain:
            explain(engine, store, reports)
    finally:
        engine.dispose()


def summarize(result: Any) -> str:
    if isinstance(result, list):
        cards: dict[str, int] = {}
        for w in result:
            cards[w.card.value] = cards.get(w.card.value, 0) + 1
        return f"{len(result)} lines {cards}"
    if isinstance(result, dict):
        red = sum(v.get(Card.RED.value, 0) for v in result.values())
        yellow = sum(v.get(Card.YELLOW.value, 0) for v in result.values())
        return f"{len(result)} departments, {red} red, {yellow} yellow"
    if hasattr(result, "shares"):
        return f"n={result.count} " + " ".join(f"{k}={v:.3f}" for k, v in result.shares.items())
    if hasattr(result, "at_most_one"):
        return f"n={result.count} <=1: {result.at_most_one:.3f} zero: {result.zero:.3f}"
    return str(result)


def explain(engine: Engine, store: CaseStore, reports: CaseReports) -> None:
    """The plans of the report queries (captured from the statements they run)."""
    from sqlalchemy import event

    stmts: list[tuple[str, Any]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        stmts.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        store.supervision_list(TODAY, limit=200)
        store.supervision_list(TODAY)
        reports.closed_case_tiers()
        reports.closed_case_tiers(1.7e9 + 3600, 1.75e9 + 3600)  # whole days and two partial ones
        reports.cards_by_department(TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, params in stmts:
            print("--", " ".join(statement.split())[:300])
            cur.execute(prefix + statement, params)
            for row in cur.fetchall():
                print("   ", " | ".join(str(x) for x in row))
    finally:
        raw.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--closed", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (comma-separated)")
    ap.add_argument("--explain", action="store_true", help="print the query plans")
    args = ap.parse_args()
    dbs = args.db.split(",")
    if "sqlite" in dbs:
        with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp:
            run("SQLite", f"sqlite:///{os.path.join(tmp, 'cases.db')}", args)
    if "postgres" in dbs:
        from tests.support.postgres import postgres_server, temporary_database

        with postgres_server() as server, temporary_database(server, "hall_bench") as url:
            run("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
