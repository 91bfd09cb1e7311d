"""``report.*``: the manager dashboard.

``report.dashboard`` gathers in one reply what the dashboard charts: 三四三/五三二 of the
published catalogue (pure, ``cases.reports.catalogue_tiers``) and of real closed cases, the
visit shares, yellow and red cards by department, ratings by window and by clerk (SQL,
``store.casereports.CaseReports``, which returns the pure reports' own objects). A period is
given as local dates, both included. Every text a dashboard shows comes with a Chinese and an
English label; clerks appear with their names (shown on the window screens anyway), visitors
not at all.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from protocol.models.reports import ReportDashboard

from ..auth import AccessRole
from ..cases import Level
from ..cases.reports import SLOW, TIER_ORDER, RatingStats, TierReport, catalogue_tiers
from ..cases.workdays import calendar_coverage
from ..catalogue.model import TIER_TARGET_343, TIER_TARGET_532
from ..engine.errors import bad_request
from .registry import handler
from .views import LEVEL_EN, clerk_name

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

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
    ctx: HallContext, req: ReportDashboard
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
