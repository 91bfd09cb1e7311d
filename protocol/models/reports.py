"""Request and reply models: the manager dashboard (``report.dashboard``), the queue report
(``report.queue``) and the list of flagged one-time notices (``case.flagged_notices``).

Every text a dashboard shows comes with a Chinese and an English label; clerks appear with
their names (shown on the window screens anyway), visitors not at all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.fields import Bilingual, Day, OptDay
from protocol.models.base import Answer, Body, Part, Spec
from protocol.models.feedback import Limit, Staff

Tier = Literal["on_the_spot", "within_5_days", "halved", "slow"]
LevelKey = Literal["5", "4", "3", "2", "1"]


# ------------------------------------------------------------------ report.dashboard
class ReportDashboard(Body):
    """Everything the manager dashboard charts, for an optional period of local dates, both
    included (closed cases by the day they closed, ratings by the day they were given; the
    catalogue and the cards are as of now)."""

    since: OptDay = Field(None, description="first day, included (not after until)")
    until: OptDay = Field(None, description="last day, included")


class ReportPeriod(Part):
    """The period asked for (null: open-ended)."""

    since: str | None
    until: str | None


class TierTargets(Part):
    """A target's shares per tier."""

    on_the_spot: float
    within_5_days: float
    halved: float


class TierShares(TierTargets):
    """Shares per tier, rounded to 4 places; ``slow`` (no tier met) only for closed cases."""

    slow: float | None = None


class TierReport(Part):
    """三四三/五三二 of a set of items or cases."""

    count: int
    shares: TierShares
    meets_343: bool
    meets_532: bool


class CatalogueTiers(TierReport):
    """Of the published catalogue (each item's declared tier)."""

    version: int = Field(description="the catalogue's version")


class Tiers(Part):
    """三四三/五三二: the targets, and the shares of the catalogue and of the closed cases."""

    order: list[Tier] = Field(
        description="the tiers in the order charted: on_the_spot, within_5_days, halved, slow"
    )
    targets: dict[Literal["343", "532"], TierTargets]
    catalogue: CatalogueTiers
    closed_cases: TierReport


class Visits(Part):
    """Closed (not withdrawn) cases: how many, and the shares with at most one visit and with none."""

    count: int
    at_most_one: float
    zero: float


class DepartmentCards(Part):
    """Yellow and red cards over a department's open cases and undecided tasks today."""

    department: str = Field(examples=["hrss"])
    name: Bilingual | None = Field(description="null for a department the catalogue no longer lists")
    yellow: int
    red: int


class Ratings(Part):
    """好差评 counted: the mean, the count per level, the share satisfied (3 or better) and the bad ones."""

    count: int
    mean: float
    levels: dict[LevelKey, int]
    satisfied: float
    bad: int


class WindowRatings(Ratings):
    """The ratings of the service at one window."""

    hall: str | None
    window: int
    name: str | None = Field(description="the window's name (this hall's windows only)")


class ClerkRatings(Ratings):
    """The ratings of one clerk's service."""

    clerk: Staff | None


class DashboardLabels(Part):
    """The Chinese and English labels of everything charted."""

    tiers: dict[Tier, Bilingual]
    targets: dict[Literal["343", "532"], Bilingual]
    catalogue: Bilingual
    closed_cases: Bilingual
    at_most_one: Bilingual
    zero: Bilingual
    yellow: Bilingual
    red: Bilingual
    levels: dict[LevelKey, Bilingual]
    satisfied: Bilingual
    mean: Bilingual
    bad: Bilingual


class CalendarStatus(Part):
    """Whether the working-day calendar knows the days deadlines will fall on (today + 60 days):
    the State Council publishes each year's holidays in November, the package follows later."""

    covered: bool
    horizon: str = Field(description="today + 60 days (YYYY-MM-DD)")
    covered_until: str | None = Field(description="the last day known without a gap from today")
    missing_years: list[int] = Field(description="years up to the horizon it does not know")
    warning: Bilingual | None = Field(description="what to do, while not covered")
    year_ahead_missing: list[int] = Field(
        description="years of the coming 365 days it does not know: the dashboard's early notice, "
        "before deadlines are at stake"
    )


class Dashboard(Answer):
    """The manager dashboard's figures, and whether the working-day calendar is current."""

    today: str
    calendar: CalendarStatus
    period: ReportPeriod
    tiers: Tiers
    visits: Visits
    cards_by_department: list[DepartmentCards]
    ratings_by_window: list[WindowRatings]
    ratings_by_clerk: list[ClerkRatings]
    labels: DashboardLabels


# ------------------------------------------------------------------ report.queue
class ReportQueue(Body):
    """Queue statistics of a period of local dates, both included, from the recorded tickets:
    a ticket counts on the day and hour it was issued."""

    since: Day = Field(description="first day, included (not after until)")
    until: Day = Field(description="last day, included")


class QueueTotals(Part):
    """The period's tickets: arrivals, called, served, no-shows (share of those called),
    cancelled, transferred (share of arrivals), served within their item's wait target (share of
    the served whose item has a target), waiting time (mean; median and 90% as bucket edges)."""

    arrivals: int
    called: int
    served: int
    no_shows: int
    no_show_share: float
    cancelled: int
    transferred: int
    transfers: int
    transferred_share: float
    timed: int = Field(description="served tickets whose item has a wait target")
    within_target: int
    within_target_share: float
    wait_mean_min: float
    wait_median_within_min: int | None = Field(description="half waited less than this (minutes); null: an hour or more")
    wait_p90_within_min: int | None = Field(description="90% waited less than this (minutes); null: an hour or more")


class HourArrivals(Part):
    """Tickets issued in an hour of the day (local time), over the period."""

    hour: int = Field(ge=0, le=23)
    arrivals: int


class WeekdayArrivals(Part):
    """Tickets issued on a weekday (1 Monday … 7 Sunday), and how many such days the period has."""

    weekday: int = Field(ge=1, le=7)
    label: Bilingual
    days: int
    arrivals: int


class WaitBucket(Part):
    """Tickets called after waiting from ``from_min`` to under ``to_min`` minutes (null: no end)."""

    from_min: int
    to_min: int | None
    tickets: int
    share: float


class ServiceTime(Part):
    """Service time of the tickets served: count, mean and longest (minutes); the median and the
    90th percentile as the bucket edge they fall under (null: an hour or more, or none served)."""

    count: int
    mean_min: float
    max_min: float
    median_within_min: int | None
    p90_within_min: int | None


class QueueGroup(Part):
    """The tickets of one item or one clerk."""

    arrivals: int
    served: int
    no_shows: int
    transferred: int
    within_target_share: float
    service: ServiceTime


class ItemQueue(QueueGroup):
    """The tickets of an item (the one they ended with: a transfer may change it)."""

    item_code: str
    name: Bilingual | None = Field(description="null for an item the catalogue no longer lists")


class ClerkQueue(QueueGroup):
    """The tickets a clerk called last."""

    clerk: Staff


class QueueLabels(Part):
    """The Chinese and English labels of the figures."""

    figures: dict[str, Bilingual]


class QueueReport(Answer):
    """Queue statistics of a period: arrivals by hour and weekday, the waiting-time distribution,
    service time by item and by clerk, no-shows, transfers, the share served within target."""

    period: ReportPeriod
    today: str
    totals: QueueTotals
    arrivals_by_hour: list[HourArrivals]
    arrivals_by_weekday: list[WeekdayArrivals]
    wait_distribution: list[WaitBucket]
    service_by_item: list[ItemQueue]
    service_by_clerk: list[ClerkQueue]
    labels: QueueLabels


# ------------------------------------------------------------------ case.flagged_notices
class FlaggedNotices(Body):
    """Later one-time notices that asked for a material the first did not (一次性告知 not kept),
    newest first."""

    limit: Limit = 100


class NamedMaterial(Part):
    """A material code with its name from the item's guide."""

    code: str = Field(examples=["id_card"])
    name: Bilingual | None = Field(description="null when the item's guide no longer lists it")


class FlaggedNotice(Part):
    """A flagged notice, who issued it and which materials were new."""

    case: str = Field(examples=["NS-20261126-000001"])
    notice: int = Field(description="the notice's number in the case (2, 3, …: the first is never flagged)")
    item_code: str
    item_name: Bilingual | None
    department: str
    hall: str | None
    issued_at: float
    clerk: Staff | None
    materials: list[NamedMaterial] = Field(description="everything it asked for")
    new_materials: list[NamedMaterial] = Field(
        description="those the first notice did not list: why it is flagged"
    )


class FlaggedNoticeList(Answer):
    """A page of flagged notices, how many there are, and the list's label."""

    notices: list[FlaggedNotice]
    total: int
    label: Bilingual


REQUESTS: dict[str, Spec] = {
    "report.dashboard": Spec(ReportDashboard, Dashboard),
    "report.queue": Spec(ReportQueue, QueueReport),
    "case.flagged_notices": Spec(FlaggedNotices, FlaggedNoticeList),
}
