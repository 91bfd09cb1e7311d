"""The manager's reports page: queue statistics (``report.queue``) and the dashboard's case
figures (``report.dashboard``) for a day, a week, a month or a chosen period, each as a chart
(Apache ECharts, served from ``static/vendor``) with its table, and each table as CSV.

A table is built in one place (``TABLES``): the page shows its rows, its chart draws them and
its CSV carries them, cell for cell as the page shows them, so the three never disagree. The
charts' figures travel in the page itself (a JSON script tag): no second request, and a
printed or saved page has them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, abort, render_template, request

from ..engine.errors import EngineError
from ..users import UserRole
from .views import actor, hall_loop, signed_in, web

Bi = tuple[str, str]
Cell = str | int


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the report: its columns (Chinese, English), rows of cells as shown, and the
    chart drawn from them (``static/reports.js`` reads ``chart``)."""

    name: str
    title: Bi
    columns: list[Bi]
    rows: list[list[Cell]]
    chart: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ cells
def pct(share: float) -> str:
    return f"{share * 100:.2f}%"


def minutes(v: float) -> str:
    return f"{v:.1f}"


def under(edge: int | None) -> str:
    """A bucket edge (minutes) as shown: none means the open last bucket."""
    return "60+" if edge is None else str(edge)


def bi(name: dict[str, str] | None, fallback: str) -> str:
    return f"{name['zh']} {name['en']}" if name else fallback


# ------------------------------------------------------------------ periods
SPANS: dict[str, Bi] = {"day": ("日", "Day"), "week": ("周", "Week"), "month": ("月", "Month"), "custom": ("自选", "Chosen")}


def period_of(args: dict[str, str], today: date) -> tuple[str, date, date] | tuple[str, str, str]:
    """(span, since, until) from the form: a day, the week (Monday to Sunday) or the month around
    ``on`` (default today), or ``since``/``until`` as given; default: this week. Dates that do
    not parse come back as their text, for the hall to refuse in words."""
    span = args.get("span") or ("custom" if args.get("since") or args.get("until") else "week")
    if span not in SPANS:
        abort(400, "span is day, week, month or custom")
    if span == "custom":
        return span, args.get("since") or today.isoformat(), args.get("until") or today.isoformat()
    try:
        on = date.fromisoformat(args["on"]) if args.get("on") else today
    except ValueError:
        abort(400, "on is a date, YYYY-MM-DD")
    if span == "day":
        return span, on, on
    if span == "week":
        first = on - timedelta(days=on.weekday())
        return span, first, first + timedelta(days=6)
    first = on.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return span, first, nxt - timedelta(days=1)


# ------------------------------------------------------------------ tables
def _totals(q: dict[str, Any], d: dict[str, Any]) -> Table:
    t, labels = q["totals"], q["labels"]["figures"]
    shown = [
        ("arrivals", t["arrivals"]), ("called", t["called"]), ("served", t["served"]),
        ("no_shows", t["no_shows"]), ("no_show_share", pct(t["no_show_share"])), ("cancelled", t["cancelled"]),
        ("transferred", t["transferred"]), ("transfers", t["transfers"]),
        ("transferred_share", pct(t["transferred_share"])),
        ("within_target_share", pct(t["within_target_share"])),
        ("wait_mean_min", minutes(t["wait_mean_min"])),
        ("wait_median_within_min", under(t["wait_median_within_min"])),
        ("wait_p90_within_min", under(t["wait_p90_within_min"])),
    ]  # fmt: skip
    over = t["timed"] - t["within_target"]
    return Table(
        "totals",
        ("排队概况", "Queue summary"),
        [("指标", "Figure"), ("数值", "Value")],
        [[bi(labels[k], k), v] for k, v in shown],
        {
            "type": "pie",
            "title": "按时办理 Served within target",
            "colors": ["#1f7a3a", "#b3261e"],
            "data": [
                {"name": "目标时间内 Within target", "value": t["within_target"]},
                {"name": "超过目标 Over target", "value": over},
            ],
        },
    )


def _by_hour(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [[f"{r['hour']:02d}:00", r["arrivals"]] for r in q["arrivals_by_hour"]]
    return Table(
        "arrivals_by_hour",
        ("到达人数（按时段）", "Arrivals by hour"),
        [("时段", "Hour"), ("到达人数", "Arrivals")],
        rows,
        {"type": "bar", "categories": [r[0] for r in rows], "series": [{"name": "到达人数 Arrivals", "data": [r[1] for r in rows]}]},
    )


def _by_weekday(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [f"{r['label']['zh']} {r['label']['en']}", r["days"], r["arrivals"]] for r in q["arrivals_by_weekday"]
    ]
    return Table(
        "arrivals_by_weekday",
        ("到达人数（按星期）", "Arrivals by weekday"),
        [("星期", "Weekday"), ("天数", "Days"), ("到达人数", "Arrivals")],
        rows,
        {"type": "bar", "categories": [r[0] for r in rows], "series": [{"name": "到达人数 Arrivals", "data": [r[2] for r in rows]}]},
    )


def _waits(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [f"{r['from_min']}–{r['to_min']}" if r["to_min"] is not None else f"{r['from_min']}+", r["tickets"], pct(r["share"])]
        for r in q["wait_distribution"]
    ]
    return Table(
        "wait_distribution",
        ("等候时间分布", "Waiting-time distribution"),
        [("等候时间（分钟）", "Waiting time (min)"), ("票数", "Tickets"), ("占比", "Share")],
        rows,
        {"type": "bar", "categories": [r[0] for r in rows], "series": [{"name": "票数 Tickets", "data": [r[1] for r in rows]}]},
    )


SERVICE_COLUMNS: list[Bi] = [
    ("到达人数", "Arrivals"), ("办理数", "Served"), ("过号", "No-shows"), ("转办", "Transferred"),
    ("按时办理率", "Within target"), ("平均办理（分钟）", "Mean service (min)"),
    ("半数办理少于（分钟）", "Half served under (min)"), ("九成办理少于（分钟）", "90% served under (min)"),
    ("最长办理（分钟）", "Longest (min)"),
]  # fmt: skip


def _service_cells(r: dict[str, Any]) -> list[Cell]:
    s = r["service"]
    return [
        r["arrivals"], r["served"], r["no_shows"], r["transferred"], pct(r["within_target_share"]),
        minutes(s["mean_min"]), under(s["median_within_min"]) if s["count"] else "—",
        under(s["p90_within_min"]) if s["count"] else "—", minutes(s["max_min"]),
    ]  # fmt: skip


def _service_chart(rows: list[list[Cell]]) -> dict[str, Any]:
    return {
        "type": "bar",
        "horizontal": True,
        "categories": [r[0] for r in rows],
        "series": [{"name": "平均办理（分钟） Mean service (min)", "data": [float(r[6]) for r in rows]}],
    }


def _by_item(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows = [[bi(r["name"], r["item_code"]), *_service_cells(r)] for r in q["service_by_item"]]
    return Table("service_by_item", ("办理时长（按事项）", "Service time by item"),
                 [("事项", "Service item"), *SERVICE_COLUMNS], rows, _service_chart(rows))  # fmt: skip


def _by_clerk(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows = [[r["clerk"]["name"] or r["clerk"]["id"], *_service_cells(r)] for r in q["service_by_clerk"]]
    return Table("service_by_clerk", ("办理时长（按工作人员）", "Service time by clerk"),
                 [("工作人员", "Clerk"), *SERVICE_COLUMNS], rows, _service_chart(rows))  # fmt: skip


def _tiers(q: dict[str, Any], d: dict[str, Any]) -> Table:
    tiers, labels = d["tiers"], d["labels"]["tiers"]
    rows: list[list[Cell]] = []
    for tier in tiers["order"]:
        target = tiers["targets"]
        cat = tiers["catalogue"]["shares"].get(tier)
        closed = tiers["closed_cases"]["shares"].get(tier)
        rows.append([
            bi(labels[tier], tier),
            pct(target["343"][tier]) if tier in target["343"] else "—",
            pct(target["532"][tier]) if tier in target["532"] else "—",
            pct(cat) if cat is not None else "—",
            pct(closed) if closed is not None else "—",
        ])  # fmt: skip
    return Table(
        "tiers",
        ("三四三 / 五三二", "3-4-3 / 5-3-2"),
        [("时限档次", "Tier"), ("三四三目标", "3-4-3 target"), ("五三二目标", "5-3-2 target"),
         (f"事项目录（{tiers['catalogue']['count']}项）", f"Catalogue ({tiers['catalogue']['count']} items)"),
         (f"已办结办件（{tiers['closed_cases']['count']}件）", f"Closed cases ({tiers['closed_cases']['count']})")],
        rows,
        {"type": "bar", "categories": [r[0] for r in rows], "percent": True, "series": [
            {"name": "三四三目标 3-4-3 target", "data": [_share(r[1]) for r in rows]},
            {"name": "五三二目标 5-3-2 target", "data": [_share(r[2]) for r in rows]},
            {"name": "事项目录 Catalogue", "data": [_share(r[3]) for r in rows]},
            {"name": "已办结办件 Closed cases", "data": [_share(r[4]) for r in rows]},
        ]},
    )  # fmt: skip


def _share(cell: Cell) -> float:
    """A share cell back as a percentage for the chart ("—": nothing)."""
    return float(str(cell).rstrip("%")) if str(cell).endswith("%") else 0.0


def _visits(q: dict[str, Any], d: dict[str, Any]) -> Table:
    v = d["visits"]
    shares = [("零跑动", "No visit", v["zero"]), ("跑动一次", "One visit", v["at_most_one"] - v["zero"]),
              ("跑动多次", "More visits", 1 - v["at_most_one"] if v["count"] else 0.0)]  # fmt: skip
    rows: list[list[Cell]] = [[f"{zh} {en}", pct(round(s, 4))] for zh, en, s in shares]
    return Table(
        "visits",
        (f"跑动次数（已办结{v['count']}件）", f"Visits per case ({v['count']} closed)"),
        [("跑动次数", "Visits"), ("占比", "Share")],
        rows,
        {"type": "pie", "title": "跑动次数 Visits", "data": [{"name": r[0], "value": _share(r[1])} for r in rows]},
    )


RATING_COLUMNS: list[Bi] = [
    ("评价数", "Ratings"), ("平均分", "Mean"), ("满意率", "Satisfied"), ("差评数", "Bad"),
    ("非常满意", "5"), ("满意", "4"), ("基本满意", "3"), ("不满意", "2"), ("非常不满意", "1"),
]  # fmt: skip


def _rating_cells(r: dict[str, Any]) -> list[Cell]:
    return [r["count"], f"{r['mean']:.2f}", pct(r["satisfied"]), r["bad"], *(r["levels"].get(k, 0) for k in "54321")]


def _rating_chart(rows: list[list[Cell]]) -> dict[str, Any]:
    return {"type": "bar", "categories": [r[0] for r in rows], "percent": True,
            "series": [{"name": "满意率 Satisfied", "data": [_share(r[3]) for r in rows]}]}  # fmt: skip


def _ratings_window(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows = [[f"{r['window']}号窗口 Window {r['window']}" + (f" {r['name']}" if r["name"] else ""), *_rating_cells(r)]
            for r in d["ratings_by_window"]]  # fmt: skip
    return Table("ratings_by_window", ("好差评（按窗口）", "Ratings by window"),
                 [("窗口", "Window"), *RATING_COLUMNS], rows, _rating_chart(rows))  # fmt: skip


def _ratings_clerk(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows = [[(r["clerk"] or {}).get("name") or (r["clerk"] or {}).get("id") or "—", *_rating_cells(r)]
            for r in d["ratings_by_clerk"]]  # fmt: skip
    return Table("ratings_by_clerk", ("好差评（按工作人员）", "Ratings by clerk"),
                 [("工作人员", "Clerk"), *RATING_COLUMNS], rows, _rating_chart(rows))  # fmt: skip


def _cards(q: dict[str, Any], d: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [[bi(r["name"], r["department"]), r["yellow"], r["red"]] for r in d["cards_by_department"]]
    return Table(
        "cards_by_department",
        ("黄牌红牌（按部门，今日）", "Yellow and red cards by department (today)"),
        [("部门", "Department"), ("黄牌", "Yellow"), ("红牌", "Red")],
        rows,
        {"type": "bar", "categories": [r[0] for r in rows], "stack": True, "colors": ["#e0b000", "#b3261e"],
         "series": [{"name": "黄牌 Yellow", "data": [r[1] for r in rows]}, {"name": "红牌 Red", "data": [r[2] for r in rows]}]},
    )  # fmt: skip


#: Every table of the page, in its order: name → builder over (report.queue, report.dashboard).
TABLES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Table]] = {
    "totals": _totals,
    "arrivals_by_hour": _by_hour,
    "arrivals_by_weekday": _by_weekday,
    "wait_distribution": _waits,
    "service_by_item": _by_item,
    "service_by_clerk": _by_clerk,
    "tiers": _tiers,
    "visits": _visits,
    "ratings_by_window": _ratings_window,
    "ratings_by_clerk": _ratings_clerk,
    "cards_by_department": _cards,
}


# ------------------------------------------------------------------ the hall's figures
def _figures(since: str, until: str) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {"since": since, "until": until}
    out = []
    for type_ in ("report.queue", "report.dashboard"):
        outcome = hall_loop().call(type_, body, actor(), timeout=60)
        if not outcome.ok:
            raise EngineError(outcome.code, outcome.message, outcome.message_zh)
        assert outcome.body is not None
        out.append(outcome.body)
    return out[0], out[1]


def _today() -> date:
    """The hall's local date (its time zone, its clock)."""
    service = hall_loop().service
    return datetime.fromtimestamp(service.clock(), service.engine.tz).date()


@web.get("/reports")
@signed_in(UserRole.MANAGER, UserRole.ADMIN)
def reports():  # type: ignore[no-untyped-def]
    today = _today()
    span, since, until = period_of(request.args.to_dict(), today)
    shown = {"span": span, "since": str(since), "until": str(until), "on": request.args.get("on") or today.isoformat()}
    try:
        queue, dash = _figures(str(since), str(until))
    except EngineError as e:
        if e.code != "bad_request":
            raise
        return render_template("reports.html", spans=SPANS, period=shown, refused={"zh": e.message_zh, "en": str(e)},
                               tables=[], charts="{}"), 400  # fmt: skip
    tables = [build(queue, dash) for build in TABLES.values()]
    charts = json.dumps({t.name: t.chart for t in tables}, ensure_ascii=False)
    # A JSON text inside <script>: "</" would end the element early.
    charts = charts.replace("</", "<\\/")
    return render_template("reports.html", spans=SPANS, period=shown, refused=None, tables=tables, charts=charts,
                           calendar=dash["calendar"])  # fmt: skip


@web.get("/reports/<name>.csv")
@signed_in(UserRole.MANAGER, UserRole.ADMIN)
def report_csv(name: str):  # type: ignore[no-untyped-def]
    build = TABLES.get(name)
    if build is None:
        abort(404)
    today = _today()
    _, since, until = period_of(request.args.to_dict(), today)
    queue, dash = _figures(str(since), str(until))
    table = build(queue, dash)
    out = io.StringIO()
    # A BOM, so Excel opens the Chinese as UTF-8; CRLF as the CSV standard (RFC 4180) has it.
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([f"{zh} {en}" for zh, en in table.columns])
    w.writerows(table.rows)
    return Response(
        out.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{since}-{until}.csv"',
            "Cache-Control": "no-store",
        },
    )
