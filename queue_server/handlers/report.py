"""``report.*``: the manager dashboard.

``report.dashboard`` gathers in one reply what the dashboard charts: 三四三/五三二 of the
published catalogue (pure, ``cases.reports.catalogue_tiers``) and of real closed cases, the
visit shares, yellow and red cards by department, ratings by window and by clerk (SQL,
``store.casereports.CaseReports``, which returns the pure reports' own objects). A period is
given as local dates, both included. Every text a dashboard shows comes with a Chinese and an
English label; clerks appear with their names (shown on the window screens anyway), visitors
not at all.

``report.queue``: the queue statistics of a period (``engine.queuestats`` counts, over the day
counts of ``store.queuestats``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from protocol.models.reports import ReportDashboard, ReportQueue

from ..auth import AccessRole
from ..cases import Level
from ..cases.reports import SLOW, TIER_ORDER, RatingStats, TierReport, catalogue_tiers
from ..cases.workdays import calendar_coverage
from ..catalogue.model import TIER_TARGET_343, TIER_TARGET_532
from ..engine.errors import bad_request
from ..engine.queuestats import queue_figures
from .registry import handler
from .views import LEVEL_EN, clerk_name, item_name

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

#: The dashboard says early when the coming year is not known yet (the State Council publishes
#: it in November), before the 60 days at which deadlines go wrong (``calendar.warning``).
YEAR_AHEAD_DAYS = 365

TIER_LABEL = {
    "on_the_spot": {"zh": "即办", "en": "On the spot"},
    "within_5_days": {"zh": "5个工作日内办结", "en": "Within 5 working days"},
    "halved": {"zh": "比法定时限提速50%以上", "en": "At least 50% faster than the statutory limit"},
    SLOW: {"zh": "未达提速要求", "en": "Slower than every tier"},
}
TARGET_LABEL = {
    "343": {"zh": "三四三（即办30%、5日内40%、提速一半30%）", "en": "3-4-3 (30% / 40% / 30%)"},
    "532": {"zh": "五三二（即办50%、5日内30%、提速一半20%）", "en": "5-3-2 (50% / 30% / 20%)"},
}
LABELS = {
    "tiers": TIER_LABEL,
    "targets": TARGET_LABEL,
    "catalogue": {"zh": "事项目录", "en": "Service catalogue"},
    "closed_cases": {"zh": "已办结办件", "en": "Closed cases"},
    "at_most_one": {"zh": "最多跑一次", "en": "At most one visit"},
    "zero": {"zh": "零跑动", "en": "No visit"},
    "yellow": {"zh": "黄牌", "en": "Yellow card"},
    "red": {"zh": "红牌", "en": "Red card"},
    "levels": {str(int(lvl)): {"zh": lvl.zh, "en": LEVEL_EN[int(lvl)]} for lvl in Level},
    "satisfied": {"zh": "满意率（基本满意及以上）", "en": "Satisfied (basically satisfied or better)"},
    "mean": {"zh": "平均分", "en": "Mean rating"},
    "bad": {"zh": "差评数", "en": "Bad ratings"},
}


# ------------------------------------------------------------------ views
def _tiers(r: TierReport) -> dict[str, Any]:
    return {
        "count": r.count,
        "shares": {k: round(v, 4) for k, v in r.shares.items()},
        "meets_343": r.meets_343,
        "meets_532": r.meets_532,
    }


def _rating(s: RatingStats) -> dict[str, Any]:
    return {
        "count": s.count,
        "mean": round(s.mean, 2),
        "levels": {str(k): v for k, v in s.levels.items()},
        "satisfied": round(s.satisfied, 4),
        "bad": s.bad,
    }


def _department(ctx: HallContext, code: str) -> dict[str, str] | None:
    d = ctx.catalogue.departments.get(code)
    return {"zh": d.name.zh, "en": d.name.en} if d else None


def _window_name(ctx: HallContext, hall: str | None, number: int) -> str | None:
    """This hall's window names (another hall's windows are not configured here)."""
    if hall != ctx.hall:
        return None
    w = ctx.engine.windows.get(number)
    return (w.defn.name or None) if w else None


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw is not None else None


def _period(
    ctx: HallContext, req: ReportDashboard | ReportQueue
) -> tuple[date | None, date | None, float | None, float | None]:
    """(since, until, since_s, until_s): local dates, both included, as POSIX seconds
    [start of since, start of the day after until) for the SQL reports."""
    since, until = _date(req.since), _date(req.until)
    if since and until and since > until:
        raise bad_request("since is after until", "开始日期晚于结束日期", field="since")
    tz = ctx.engine.tz
    since_s = datetime.combine(since, time(), tz).timestamp() if since else None
    until_s = datetime.combine(until + timedelta(days=1), time(), tz).timestamp() if until else None
    return since, until, since_s, until_s


# ------------------------------------------------------------------ requests
@handler("report.dashboard", role=AccessRole.MANAGER, desk=True)
def report_dashboard(ctx: HallContext, req: ReportDashboard, actor: Actor, now: float) -> dict[str, Any]:
    """Everything the manager dashboard charts, for an optional period (closed cases by the
    day they closed, ratings by the day they were given; the catalogue and cards are as of now)."""
    today = ctx.today(now)
    since, until, since_s, until_s = _period(ctx, req)
    reports = ctx.reports
    visits = reports.visit_shares(since_s, until_s)
    cover = calendar_coverage(ctx.cases.calendar, today)
    words = cover.warning()
    return {
        "today": today.isoformat(),
        # deadlines counted on a year the calendar does not know are wrong: say so, and what to do
        "calendar": {
            "covered": cover.covered,
            "horizon": cover.horizon.isoformat(),
            "covered_until": cover.covered_until.isoformat() if cover.covered_until else None,
            "missing_years": list(cover.missing_years),
            "warning": {"zh": words[0], "en": words[1]} if words else None,
            "year_ahead_missing": list(calendar_coverage(ctx.cases.calendar, today, YEAR_AHEAD_DAYS).missing_years),
        },
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "tiers": {
            "order": [*TIER_ORDER, SLOW],
            "targets": {"343": dict(TIER_TARGET_343), "532": dict(TIER_TARGET_532)},
            "catalogue": {**_tiers(catalogue_tiers(ctx.catalogue)), "version": ctx.service.catalogue_version},
            "closed_cases": _tiers(reports.closed_case_tiers(since_s, until_s)),
        },
        "visits": {
            "count": visits.count,
            "at_most_one": round(visits.at_most_one, 4),
            "zero": round(visits.zero, 4),
        },
        "cards_by_department": [
            {"department": dept, "name": _department(ctx, dept), **cards}
            for dept, cards in reports.cards_by_department(today).items()
        ],
        "ratings_by_window": [
            {"hall": hall, "window": window, "name": _window_name(ctx, hall, window), **_rating(s)}
            for (hall, window), s in reports.ratings_by_window(since_s, until_s).items()
        ],
        "ratings_by_clerk": [
            {"clerk": clerk_name(ctx, clerk), **_rating(s)}
            for clerk, s in reports.ratings_by_clerk(since_s, until_s).items()
        ],
        "labels": LABELS,
    }


#: The longest period a queue report covers: a year and a bit (the days are made as it reads them).
MAX_QUEUE_DAYS = 400
MIN_DAY, MAX_DAY = date(1970, 1, 1), date(9998, 12, 31)

QUEUE_LABELS = {
    "arrivals": {"zh": "到达人数", "en": "Arrivals"},
    "called": {"zh": "已叫号", "en": "Called"},
    "served": {"zh": "已办理", "en": "Served"},
    "no_shows": {"zh": "过号", "en": "No-shows"},
    "no_show_share": {"zh": "过号率（占已叫号）", "en": "No-show share (of called)"},
    "cancelled": {"zh": "已取消", "en": "Cancelled"},
    "transferred": {"zh": "转办票数", "en": "Tickets transferred"},
    "transfers": {"zh": "转办次数", "en": "Transfers"},
    "transferred_share": {"zh": "转办率", "en": "Transferred share"},
    "within_target": {"zh": "目标时间内办理", "en": "Served within target"},
    "within_target_share": {"zh": "按时办理率（等候不超过事项目标）", "en": "Served within the item's wait target"},
    "wait_mean_min": {"zh": "平均等候（分钟）", "en": "Mean wait (min)"},
    "wait_median_within_min": {"zh": "半数等候少于（分钟）", "en": "Half waited under (min)"},
    "wait_p90_within_min": {"zh": "九成等候少于（分钟）", "en": "90% waited under (min)"},
    "hour": {"zh": "时段", "en": "Hour"},
    "weekday": {"zh": "星期", "en": "Weekday"},
    "days": {"zh": "天数", "en": "Days"},
    "wait": {"zh": "等候时间（分钟）", "en": "Waiting time (min)"},
    "tickets": {"zh": "票数", "en": "Tickets"},
    "share": {"zh": "占比", "en": "Share"},
    "item": {"zh": "事项", "en": "Service item"},
    "clerk": {"zh": "工作人员", "en": "Clerk"},
    "service_count": {"zh": "办理数", "en": "Served"},
    "service_mean_min": {"zh": "平均办理（分钟）", "en": "Mean service (min)"},
    "service_max_min": {"zh": "最长办理（分钟）", "en": "Longest service (min)"},
    "service_median_within_min": {"zh": "半数办理少于（分钟）", "en": "Half served under (min)"},
    "service_p90_within_min": {"zh": "九成办理少于（分钟）", "en": "90% served under (min)"},
}


@handler("report.queue", role=AccessRole.MANAGER, desk=True)
def report_queue(ctx: HallContext, req: ReportQueue, actor: Actor, now: float) -> dict[str, Any]:
    """Queue statistics of a period: a day that is over is read from its day counts (made the
    first time a report covers it), today from its tickets."""
    for raw in (req.since, req.until):
        # the calendar's ends: the day after 9999-12-31 does not exist, and nobody has tickets then
        if not MIN_DAY <= date.fromisoformat(raw) <= MAX_DAY:
            raise bad_request(
                f"a queue report covers days from {MIN_DAY} to {MAX_DAY}",
                f"排队报表的日期须在{MIN_DAY}至{MAX_DAY}之间",
                field="since" if raw == req.since else "until",
            )
    since, until, _, _ = _period(ctx, req)
    assert since is not None and until is not None  # both required by the model
    if (until - since).days + 1 > MAX_QUEUE_DAYS:
        raise bad_request(
            f"a queue report covers at most {MAX_QUEUE_DAYS} days", f"排队报表最长覆盖{MAX_QUEUE_DAYS}天", field="until"
        )
    today = ctx.today(now)
    targets = {code: item.wait_target_s for code, item in ctx.catalogue.items.items()}
    counts = ctx.queue_stats.period(since, until, today, ctx.engine.tz, targets)
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]

    def name(kind: str, code: str) -> Any:
        return item_name(ctx, code) if kind == "item" else clerk_name(ctx, code)

    return {
        "period": {"since": since.isoformat(), "until": until.isoformat()},
        "today": today.isoformat(),
        **queue_figures(counts, days, name),
        "labels": {"figures": QUEUE_LABELS},
    }
