"""The manager's reports page over a generated week of tickets: every chart is drawn (its
canvas has pixels of more than one colour), the queue tables show the figures of the week as
counted here from the generated tickets, and each table's CSV has exactly the cells of the
table on the page. A clerk is refused; a period that ends before it starts is said so, in
both languages."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, insert

from queue_server.store.models import EvaluationRow, TicketRow
from tests.support.hall import HallProcess
from tests.web.support import CLERK_PASSWORD, MANAGER_PASSWORD, SCREENSHOTS, new_hall, sign_in

TZ = ZoneInfo("Asia/Shanghai")  # the demo hall's (config/hall.yaml)
WAIT_EDGES = [5, 10, 15, 20, 30, 45, 60]
CLERKS = {"c01": "陈晓梅", "c02": "王建国"}
WINDOWS = {"c01": 1, "c02": 2}
#: Read back from every chart's canvas: how many distinct colours a sample of its pixels has.
COLOURS = """(name) => {
  const c = document.querySelector('#chart-' + name + ' canvas');
  if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]);
  return seen.size;
}"""


def last_week() -> list[date]:
    today = datetime.now(TZ).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return [monday + timedelta(days=i) for i in range(7)]


def generate(items: dict[str, int], days: list[date]) -> list[dict[str, Any]]:
    """A few hundred tickets over the week: served, no-shows, cancelled, some transferred."""
    rnd = random.Random(16)
    rows = []
    for d in days:
        for n in range(rnd.randint(30, 70) if d.weekday() < 5 else rnd.randint(5, 15)):
            issued = datetime(d.year, d.month, d.day, rnd.randint(8, 16), rnd.randint(0, 59), rnd.randint(0, 59),
                              tzinfo=TZ).timestamp()  # fmt: skip
            state = rnd.choices(["done", "no_show", "cancelled"], [8, 1, 1])[0]
            called = issued + rnd.randint(30, 80 * 60) if state != "cancelled" else None
            started = called + rnd.randint(10, 90) if state == "done" and called else None
            ended = (started + rnd.randint(60, 40 * 60)) if started else (called or issued) + 120
            rows.append({
                "id": f"gen-{d.isoformat()}-{n}", "hall": "H01", "day": d.isoformat(), "number": f"A{n + 1:03d}",
                "item_code": rnd.choice(sorted(items)), "stream": "citizen", "state": state, "token": f"gen{d}{n}",
                "issued_at": issued, "called_at": called, "started_at": started, "ended_at": ended,
                "clerk": None, "window": None, "recalls": 0, "transfers": 1 if rnd.random() < 0.1 else 0,
            })  # fmt: skip
            if called:
                clerk = rnd.choice(sorted(CLERKS))
                rows[-1].update(clerk=clerk, window=WINDOWS[clerk])
    return rows


def ratings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """好差评 of most served tickets, as the kiosk records them."""
    rnd = random.Random(5)
    return [
        {"id": f"ev-{r['id']}", "subject_kind": "ticket", "subject_id": r["id"], "service_event": f"{r['id']}:1",
         "level": rnd.choices([5, 4, 3, 2, 1], [6, 3, 1, 1, 1])[0], "source": "kiosk", "at": r["ended_at"] + 30,
         "hall": "H01", "window": r["window"], "clerk": r["clerk"], "comment": ""}
        for r in rows if r["state"] == "done" and rnd.random() < 0.7
    ]  # fmt: skip


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("hall"))
    yield h
    h.stop()


@pytest.fixture(scope="module")
def week(hall: HallProcess) -> dict[str, Any]:
    """Last week's tickets, written straight into the hall's tables (past days are only there:
    the server keeps today's queue in memory, not last week's)."""
    catalogue = requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()["items"]
    items = {i["code"]: i["wait_target_min"] * 60 for i in catalogue if i["stream"] == "citizen"}
    items = dict(sorted(items.items())[:3])
    days = last_week()
    rows = generate(items, days)
    rated = ratings(rows)
    db = create_engine(hall.db)
    try:
        with db.begin() as c:
            c.execute(insert(TicketRow), rows)
            c.execute(insert(EvaluationRow), rated)
    finally:
        db.dispose()
    names = {i["code"]: f"{i['name']['zh']} {i['name']['en']}" for i in catalogue}
    return {"days": days, "rows": rows, "ratings": rated, "targets": items, "names": names}


def pct(part: int, whole: int) -> str:
    return f"{round(part / whole, 4) * 100:.2f}%" if whole else "0.00%"


def cells(page: Page, name: str) -> tuple[list[str], list[list[str]]]:
    table = page.locator(f"#table-{name}")
    head = [" ".join(t.split()) for t in table.locator("thead th").all_inner_texts()]
    rows = [[" ".join(t.split()) for t in r.locator("td").all_inner_texts()]
            for r in table.locator("tbody tr:not(.empty-row)").all()]  # fmt: skip
    return head, rows


def test_a_week_s_report_draws_its_charts_and_its_tables_and_csv_have_the_week_s_figures(
    hall: HallProcess, week: dict[str, Any], page: Page
) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    expect(page.locator("#nav-reports")).to_be_visible()
    page.click("#nav-reports")
    this_monday = datetime.now(TZ).date() - timedelta(days=datetime.now(TZ).date().weekday())
    expect(page.locator("#report-period")).to_have_text(f"{this_monday} — {this_monday + timedelta(days=6)}")  # the default

    days: list[date] = week["days"]
    page.locator("#on").fill(days[2].isoformat())  # any day of last week
    page.check("#span-week")
    page.click("#show-report")
    expect(page.locator("#report-period")).to_have_text(f"{days[0]} — {days[-1]}")

    # ---- every chart drawn
    names = page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.dataset.chart)")
    assert len(names) == 11
    page.wait_for_function("() => document.querySelectorAll('[data-chart] canvas').length === 11")
    for name in names:
        assert page.evaluate(COLOURS, name) > 2, f"the chart {name} is blank"
    # drawn once: no animation keeps the page's CPU busy
    assert page.evaluate(
        "() => [...document.querySelectorAll('[data-chart]')].every(el => echarts.getInstanceByDom(el).getOption().animation === false)"
    )

    # ---- the figures, counted here from the tickets
    rows: list[dict[str, Any]] = week["rows"]
    targets: dict[str, int] = week["targets"]
    called = [r for r in rows if r["called_at"] is not None]
    done = [r for r in rows if r["state"] == "done"]
    within = sum(r["called_at"] - r["issued_at"] <= targets[r["item_code"]] for r in done)
    _, summary = cells(page, "totals")
    shown = dict((k, v) for k, v in summary)
    assert shown["到达人数 Arrivals"] == str(len(rows))
    assert shown["已办理 Served"] == str(len(done))
    assert shown["过号 No-shows"] == str(sum(r["state"] == "no_show" for r in rows))
    assert shown["过号率（占已叫号） No-show share (of called)"] == pct(sum(r["state"] == "no_show" for r in rows), len(called))
    assert shown["转办票数 Tickets transferred"] == str(sum(r["transfers"] > 0 for r in rows))
    assert shown["按时办理率（等候不超过事项目标） Served within the item's wait target"] == pct(within, len(done))
    mean_wait = sum(r["called_at"] - r["issued_at"] for r in called) / len(called) / 60
    assert shown["平均等候（分钟） Mean wait (min)"] == f"{mean_wait:.1f}"

    by_hour = Counter(datetime.fromtimestamp(r["issued_at"], TZ).hour for r in rows)
    _, hours = cells(page, "arrivals_by_hour")
    assert {h: int(n) for h, n in hours if int(n)} == {f"{h:02d}:00": n for h, n in by_hour.items()}
    by_day = Counter(date.fromisoformat(r["day"]).weekday() for r in rows)
    _, weekdays = cells(page, "arrivals_by_weekday")
    assert [int(n) for _, _, n in weekdays] == [by_day[i] for i in range(7)]
    assert [int(d) for _, d, _ in weekdays] == [1] * 7

    waits = Counter(next((i for i, e in enumerate(WAIT_EDGES) if r["called_at"] - r["issued_at"] < e * 60), 7) for r in called)
    _, wait_rows = cells(page, "wait_distribution")
    assert [int(n) for _, n, _ in wait_rows] == [waits[i] for i in range(8)]

    _, item_rows = cells(page, "service_by_item")
    for code in targets:
        mine = [r for r in rows if r["item_code"] == code]
        served = [r for r in mine if r["state"] == "done"]
        row = next(r for r in item_rows if r[0] == week["names"][code])
        service = sum(r["ended_at"] - r["started_at"] for r in served) / len(served) / 60
        assert row[1:3] == [str(len(mine)), str(len(served))]
        assert row[6] == f"{service:.1f}"
    _, clerk_rows = cells(page, "service_by_clerk")
    assert {r[0]: int(r[2]) for r in clerk_rows} == {
        CLERKS[c]: sum(r["clerk"] == c for r in done) for c in CLERKS
    }

    rated: list[dict[str, Any]] = week["ratings"]
    _, by_clerk = cells(page, "ratings_by_clerk")
    for clerk, name in CLERKS.items():
        mine = [e["level"] for e in rated if e["clerk"] == clerk]
        row = next(r for r in by_clerk if r[0] == name)
        assert row[1] == str(len(mine))
        assert row[3] == pct(sum(level >= 3 for level in mine), len(mine))
        assert row[5:] == [str(mine.count(level)) for level in (5, 4, 3, 2, 1)]
    _, by_window = cells(page, "ratings_by_window")
    assert {r[0].split()[0]: int(r[1]) for r in by_window} == {
        f"{w}号窗口": sum(e["window"] == w for e in rated) for w in WINDOWS.values()
    }

    # ---- each table's CSV: the same cells
    for name in names:
        head, body = cells(page, name)
        href = page.get_attribute(f"#csv-{name}", "href")
        got = page.request.get(hall.http + str(href))
        assert got.status == 200
        assert got.headers["content-type"].startswith("text/csv")
        raw = got.body()
        assert raw.startswith("\ufeff".encode())  # Excel reads the Chinese as UTF-8
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert table[0] == head, name
        assert table[1:] == body, name

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=True)


def test_the_printed_page_keeps_charts_and_tables_and_leaves_the_controls_out(
    hall: HallProcess, week: dict[str, Any], page: Page
) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    page.goto(f"{hall.http}/reports?span=week&on={week['days'][0]}")
    page.emulate_media(media="print")
    expect(page.locator("#report-controls")).to_be_hidden()
    expect(page.locator("#nav-reports")).to_be_hidden()
    expect(page.locator("#csv-totals")).to_be_hidden()
    expect(page.locator("#chart-arrivals_by_hour canvas")).to_be_visible()
    expect(page.locator("#table-service_by_item")).to_be_visible()
    assert len(page.pdf()) > 10_000  # Chromium prints it


def test_a_day_a_month_and_a_chosen_period(hall: HallProcess, week: dict[str, Any], page: Page) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    wednesday = week["days"][2]
    page.goto(f"{hall.http}/reports?span=day&on={wednesday}")
    expect(page.locator("#report-period")).to_have_text(f"{wednesday} — {wednesday}")
    arrivals = sum(r["day"] == str(wednesday) for r in week["rows"])
    expect(page.locator("#table-totals tbody tr").first).to_contain_text(str(arrivals))
    page.goto(f"{hall.http}/reports?span=month&on=2026-02-11")
    expect(page.locator("#report-period")).to_have_text("2026-02-01 — 2026-02-28")
    page.check("#span-custom")
    expect(page.locator("#on")).to_be_disabled()  # a chosen period has its own two dates
    page.locator("#since").fill(str(week["days"][1]))
    page.locator("#until").fill(str(week["days"][3]))
    page.click("#show-report")
    expect(page.locator("#report-period")).to_have_text(f"{week['days'][1]} — {week['days'][3]}")
    three = sum(str(week["days"][1]) <= r["day"] <= str(week["days"][3]) for r in week["rows"])
    expect(page.locator("#table-totals tbody tr").first).to_contain_text(str(three))


def test_the_rest_api_gives_the_same_queue_report(hall: HallProcess, week: dict[str, Any]) -> None:
    days: list[date] = week["days"]
    r = requests.get(f"{hall.http}/api/v1/reports/queue", params={"since": str(days[0]), "until": str(days[-1])},
                     headers={"Authorization": f"Bearer {hall.token('manager')}"}, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totals"]["arrivals"] == len(week["rows"])
    assert sum(h["arrivals"] for h in body["arrivals_by_hour"]) == len(week["rows"])
    assert body["labels"]["figures"]["arrivals"] == {"zh": "到达人数", "en": "Arrivals"}
    for since, until in (("9999-12-31", "9999-12-31"), ("2025-01-01", "2026-12-31")):  # the calendar's end; too long
        r = requests.get(f"{hall.http}/api/v1/reports/queue", params={"since": since, "until": until},
                         headers={"Authorization": f"Bearer {hall.token('manager')}"}, timeout=30)  # fmt: skip
        assert r.status_code == 400, r.text


def test_a_clerk_is_refused_and_a_period_ending_before_it_starts_is_said_so(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "chen", CLERK_PASSWORD)
    r = page.goto(f"{hall.http}/reports")
    assert r is not None and r.status == 403
    expect(page.locator("h1")).to_contain_text("无权访问")
    assert page.request.get(f"{hall.http}/reports/totals.csv").status == 403

    page.context.clear_cookies()
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    r = page.goto(f"{hall.http}/reports?span=custom&since=2026-11-10&until=2026-11-01")
    assert r is not None and r.status == 400
    expect(page.locator("#report-refused")).to_contain_text("开始日期晚于结束日期")
    expect(page.locator("#report-refused")).to_contain_text("since is after until")
