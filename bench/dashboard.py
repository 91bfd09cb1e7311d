"""The manager dashboard's part of ``bench/web.py`` (``--only dashboard``): a hall of 200
windows with 10,000 visitors waiting and 50,000 open cases, timed through a real server.

Timed (p50 and p99 of ``runs`` each, after a warm-up), as multiples of the baseline measured in
the same run (``GET /api/v1/health`` on a keep-alive connection, as the other parts):

    hall.floor         GET /api/v1/floor          the waits against their targets (one pass)
    case.supervision   GET /api/v1/cases/supervision?limit=30   over the 50,000 open cases
    floor fragment     GET /dashboard/floor       windows, waits, help calls, devices: rendered
    desk fragment      GET /dashboard/desk        cards, supervision, follow-ups, complaints…
                       after a hall event (computed) and at the same seq (shared, web/dashboard.py)
    whole page         GET /dashboard             both, and the page around them

The hall is configured with 200 windows (190 comprehensive citizen, 10 enterprise), each with
a clerk signed in; the 10,000 tickets are issued over REST before timing. The open cases go
into the projection tables straight away, as ``bench/cases.py`` fills them (its ``fill``),
submitted over the six weeks before today (its ``TODAY`` set to the hall's date), so their
cards are the mix a hall has. With ``worst=True`` they keep that benchmark's own dates (before
2025-12-10): on the real clock every one is overdue, and the supervision list ranks 50,000 red
cards.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cases as case_bench  # noqa: E402  # bench/cases.py: the bulk fill of the case projections
from phonepages import ms, pct  # noqa: E402

from queue_server.hallconfig import DEFAULT_HALL_CONFIG  # noqa: E402
from queue_server.store import make_engine  # noqa: E402
from tests.support.hall import HallProcess, run_cli  # noqa: E402
from tests.web.support import MANAGER_PASSWORD, add_users  # noqa: E402

TARGET_MS = 100.0
WINDOWS = 200
ENTERPRISE_WINDOWS = 10


def hall_config(var: Path) -> Path:
    """The demo hall with 200 windows and a clerk signed in at each."""
    config = yaml.safe_load(DEFAULT_HALL_CONFIG.read_text(encoding="utf-8"))
    config["windows"] = [
        {"number": n, "kind": "enterprise" if n > WINDOWS - ENTERPRISE_WINDOWS else "comprehensive",
         "stream": "enterprise" if n > WINDOWS - ENTERPRISE_WINDOWS else "citizen", "name": f"窗口 Window {n}"}
        for n in range(1, WINDOWS + 1)
    ]
    departments = [c for c in config["clerks"] if c.get("department")]
    config["clerks"] = [
        {"id": f"c{n:03d}", "name": f"工作人员{n}", "staff_no": f"SF{n:04d}", "phone": f"0755-2601{n:04d}",
         "signed_in_at": n}
        for n in range(1, WINDOWS + 1)
    ] + departments
    config["rules"].pop("daily_caps", None)
    path = var / "hall.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def timed(fn: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None) -> list[float]:
    """``fn`` timed ``runs`` times after a warm-up; ``before`` runs untimed before each."""
    for _ in range(3):
        fn()
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run(
    tmp: Path,
    sign_in: Callable[[HallProcess, str, str], requests.Session],
    *,
    waiting: int = 10_000,
    open_cases: int = 50_000,
    runs: int = 50,
    worst: bool = False,
) -> None:
    """``sign_in``: bench/web.py's, a signed-in session with its cookie."""
    var = tmp / "dash-var"
    var.mkdir(parents=True)
    hall = HallProcess(var, f"sqlite:///{var}/hall.db")
    run_cli("init", "--config", str(hall_config(var)), var=var, db=hall.db)
    add_users(hall, ("boss", "manager", MANAGER_PASSWORD, None))
    t0 = time.perf_counter()
    if not worst:
        case_bench.TODAY = datetime.now(case_bench.TZ).date()
    db = make_engine(hall.db)
    try:
        case_bench.fill(db, 0, open_cases, seed=16)
    finally:
        db.dispose()
    print(f"(d) dashboard: {WINDOWS} windows, {open_cases:,} open cases filled in {time.perf_counter() - t0:.0f} s")
    hall.start()
    try:
        api = requests.Session()
        items = api.get(hall.http + "/api/v1/catalogue", timeout=10).json()["items"]
        codes = [i["code"] for i in items]
        t0 = time.perf_counter()
        for n in range(waiting):
            r = api.post(hall.http + "/api/v1/tickets", json={"item_code": codes[n % len(codes)]}, timeout=10)
            if r.status_code != 201:
                raise RuntimeError(f"ticket {n}: {r.status_code} {r.text}")
        print(f"  {waiting:,} tickets issued in {time.perf_counter() - t0:.0f} s")
        manager = {"Authorization": f"Bearer {hall.token('manager')}"}
        page = sign_in(hall, "boss", MANAGER_PASSWORD)
        queue = api.get(hall.http + "/api/v1/queue?limit=0", headers=manager, timeout=30).json()
        open_windows = sum(w["status"] == "open" for w in queue["windows"])
        print(f"  hall: {len(queue['windows'])} windows ({open_windows} open), {queue['waiting_total']:,} waiting")

        def get(session: requests.Session, path: str, headers: dict[str, str] | None = None) -> Callable[[], Any]:
            def once() -> None:
                r = session.get(hall.http + path, headers=headers, timeout=30)
                r.raise_for_status()

            return once

        base = timed(get(api, "/api/v1/health"), 300)
        base_p50 = statistics.median(base)
        print(f"  baseline GET /api/v1/health: p50 {ms(base_p50)}  p99 {ms(pct(base, 0.99))}")
        lines = api.get(hall.http + "/api/v1/cases/supervision?limit=30", headers=manager, timeout=30).json()["lines"]
        cards = api.get(hall.http + "/api/v1/cases/supervision?limit=1000", headers=manager, timeout=60).json()["lines"]
        print(f"  supervision list: {len(lines)} lines shown; of the first 1,000 "
              f"{sum(x['card'] == 'red' for x in cards)} red, {sum(x['card'] == 'yellow' for x in cards)} yellow")

        def event() -> None:  # a hall event: the desk's shared figures are computed again
            api.post(hall.http + "/api/v1/tickets", json={"item_code": codes[0]}, timeout=10).raise_for_status()

        for what, fn, before in (
            ("hall.floor (GET /api/v1/floor)", get(api, "/api/v1/floor", manager), None),
            ("case.supervision (limit 30)", get(api, "/api/v1/cases/supervision?limit=30", manager), None),
            ("floor fragment /dashboard/floor", get(page, "/dashboard/floor"), None),
            ("desk fragment, after an event", get(page, "/dashboard/desk"), event),
            ("desk fragment, shared", get(page, "/dashboard/desk"), None),
            ("whole page /dashboard, after one", get(page, "/dashboard"), event),
            ("whole page /dashboard", get(page, "/dashboard"), None),
        ):
            values = timed(fn, runs, before)
            p50, p99 = statistics.median(values), pct(values, 0.99)
            print(f"  {what:<34} p50 {ms(p50)} ({p50 / base_p50:.1f}x baseline)  p99 {ms(p99)} "
                  f"({p99 / base_p50:.1f}x baseline)  target < {TARGET_MS:.0f} ms: "
                  f"{'met' if p99 * 1000 < TARGET_MS else 'p50 met' if p50 * 1000 < TARGET_MS else 'NOT met'}")

        def fresh_after_event() -> float:
            """From a hall event to the desk's new figures (made in the background: the
            fragment says ``deskStale`` until they are there; a page asks again in 500 ms)."""
            event()
            t0 = time.perf_counter()
            while page.get(hall.http + "/dashboard/desk", timeout=30).headers.get("HX-Trigger-After-Settle"):
                time.sleep(0.005)
            return time.perf_counter() - t0

        made = [fresh_after_event() for _ in range(max(5, runs // 4))]
        print(f"  desk figures made again (background) p50 {ms(statistics.median(made))}  p99 {ms(pct(made, 0.99))}"
              "  (what a page waits for the newest, beside its 500 ms refetch)")
    finally:
        hall.stop()
