"""Reports a manager dashboard charts: pure functions over iterables (streamed rows or cases).

- 三四三 / 五三二: tier shares of the catalogue (``Catalogue.tier_shares``) and of real closed
  cases (working days actually used against the statutory limit);
- visits (跑动次数): share of cases with at most one and with zero visits;
- yellow and red cards by department (from ``Watch`` lines);
- ratings (好差评) by window and by clerk.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from queue_server.catalogue.model import TIER_TARGET_343, TIER_TARGET_532, Catalogue, Tier

from .deadlines import Card, Watch
from .evaluation import Evaluation
from .lifecycle import Case
from .workdays import WorkCalendar

SLOW = "slow"
"""Bucket of closed cases that met no tier (more than half the statutory limit, above 5 days)."""
TIER_ORDER = (Tier.ON_THE_SPOT.value, Tier.WITHIN_5_DAYS.value, Tier.HALVED.value)


@dataclass(frozen=True, slots=True)
class ClosedCaseFact:
    """What the reports need of a finished case (a row the store can stream)."""

    item: str
    department: str
    statutory_days: int
    working_days: int  # used from submission to decision, notice pauses left out
    visits: int


def fact(case: Case, cal: WorkCalendar) -> ClosedCaseFact | None:
    """The report row of a decided case (approved or rejected); None before the decision and
    for cases refused at the front desk (不予受理) or withdrawn, which were never handled."""
    used = case.working_days(cal)
    if used is None or case.refusal_reason:
        return None
    return ClosedCaseFact(case.item.code, case.item.department, case.item.statutory_days, used, case.visits)


@dataclass(frozen=True, slots=True)
class TierReport:
    count: int
    shares: dict[str, float]  # on_the_spot, within_5_days, halved (and slow for real cases)
    meets_343: bool
    meets_532: bool


def meets(shares: Mapping[str, float], target: Mapping[str, float]) -> bool:
    """On-the-spot share at least its target; on-the-spot plus within-5-days at least theirs;
    and every item (case) in some tier (the rest at least 50 % faster than the statutory limit)."""
    eps = 1e-9
    cum_share = cum_target = 0.0
    for tier in TIER_ORDER:
        cum_share += shares.get(tier, 0.0)
        cum_target += target[tier]
        if cum_share + eps < cum_target:
            return False
    return shares.get(SLOW, 0.0) <= eps


def _report(counts: Counter[str], total: int, with_slow: bool) -> TierReport:
    keys = (*TIER_ORDER, SLOW) if with_slow else TIER_ORDER
    shares = {k: (counts[k] / total if total else 0.0) for k in keys}
    ok = total > 0
    return TierReport(
        total, shares, ok and meets(shares, TIER_TARGET_343), ok and meets(shares, TIER_TARGET_532)
    )


def catalogue_tiers(catalogue: Catalogue) -> TierReport:
    """三四三/五三二 of the published catalogue (each item's declared tier)."""
    counts = Counter(item.limits.tier.value for item in catalogue.items.values())
    return _report(counts, len(catalogue.items), with_slow=False)


def case_tier(statutory_days: int, working_days: int) -> str:
    """The tier a real case reached: 0 working days on the spot, 1 to 5 within five days, more
    but at most half the statutory limit halved, anything longer slow."""
    if working_days <= 0:
        return Tier.ON_THE_SPOT.value
    if working_days <= 5:
        return Tier.WITHIN_5_DAYS.value
    if 2 * working_days <= statutory_days:
        return Tier.HALVED.value
    return SLOW


def tiers_from_counts(counts: Mapping[str, int]) -> TierReport:
    """The report from counts per tier (``case_tier`` values), e.g. a store's GROUP BY over
    millions of closed cases with the same rule written as a SQL CASE expression."""
    c = Counter({k: v for k, v in counts.items() if v})
    return _report(c, sum(c.values()), with_slow=True)


def closed_case_tiers(facts: Iterable[ClosedCaseFact]) -> TierReport:
    counts: Counter[str] = Counter()
    total = 0
    for f in facts:
        counts[case_tier(f.statutory_days, f.working_days)] += 1
        total += 1
    return _report(counts, total, with_slow=True)


@dataclass(frozen=True, slots=True)
class VisitReport:
    count: int
    at_most_one: float  # share of cases with ≤ 1 visit (最多跑一次)
    zero: float  # share with no visit (零跑动)


def visit_shares(visits: Iterable[int]) -> VisitReport:
    total = le1 = zero = 0
    for v in visits:
        total += 1
        le1 += v <= 1
        zero += v == 0
    return VisitReport(total, le1 / total if total else 0.0, zero / total if total else 0.0)


def cards_by_department(watches: Iterable[Watch]) -> dict[str, dict[str, int]]:
    """{department: {"yellow": n, "red": n}} counting case lines and task lines alike."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {Card.YELLOW.value: 0, Card.RED.value: 0})
    for w in watches:
        if w.card is not Card.GREEN:
            out[w.department][w.card.value] += 1
    return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class RatingStats:
    count: int
    mean: float
    levels: dict[int, int]  # 5..1 -> count
    satisfied: float  # share rated 3 or better
    bad: int  # ratings 2 and 1


def _ratings_by(
    evaluations: Iterable[Evaluation], key: Callable[[Evaluation], Any]
) -> dict[Any, RatingStats]:
    groups: dict[Any, list[int]] = defaultdict(list)
    for e in evaluations:
        k = key(e)
        if k is not None:
            groups[k].append(int(e.level))
    out = {}
    for k, levels in groups.items():
        c = Counter(levels)
        n = len(levels)
        out[k] = RatingStats(
            count=n,
            mean=sum(levels) / n,
            levels={lvl: c[lvl] for lvl in (5, 4, 3, 2, 1)},
            satisfied=sum(1 for v in levels if v >= 3) / n,
            bad=sum(1 for v in levels if v <= 2),
        )
    return dict(sorted(out.items(), key=lambda kv: str(kv[0])))


def ratings_by_window(evaluations: Iterable[Evaluation]) -> dict[tuple[str | None, int], RatingStats]:
    """Keyed by (hall, window); ratings from the web without a window are left out."""
    return _ratings_by(evaluations, lambda e: (e.hall, e.window) if e.window is not None else None)


def ratings_by_clerk(evaluations: Iterable[Evaluation]) -> dict[str, RatingStats]:
    return _ratings_by(evaluations, lambda e: e.clerk)
