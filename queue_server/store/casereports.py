"""Reports of the manager dashboard computed in the database (issue 5, item 11).

The pure functions of ``queue_server.cases.reports`` take every case or rating; over a city's
million closed cases the database does the counting and returns a handful of numbers, which
are turned into the very same report objects (``TierReport``, ``VisitReport``, ``RatingStats``)
so the dashboard does not care where they came from. Portable SQL (SQLite and PostgreSQL):
``SUM(CASE ...)`` aggregates over the ``cases``/``case_tasks``/``evaluations`` projections.

Which cases count:

- 三四三/五三二 of real cases (``closed_case_tiers``): closed cases that were handled to a
  decision — outcome ``handed_out`` or ``rejected`` — with the working days used to the
  decision (``used_days``). Cases refused at the front desk (不予受理) and withdrawn ones were
  never handled and are left out, as ``reports.fact`` leaves them out. The tier is
  ``reports.case_tier`` written as a SQL ``CASE``; the counts go to ``reports.tiers_from_counts``.
- visits (``visit_shares``): closed cases except withdrawn ones (a refused case still cost
  the visitor the trips it shows).
- a period is ``since <= closed_at < until`` (POSIX seconds; either end may be left open), for
  ratings ``since <= at < until``.
- cards (``cards_by_department``): as ``reports.cards_by_department`` over the supervision
  lines of ``today`` — open cases (no decision yet, not closed) under their lead department,
  and the undecided department tasks of those cases; a paused case keeps its held card.

Indexes (``bench/cases.py`` measures with and without them; migration 0002 has none of them):

    DROP INDEX ix_cases_supervision;
    CREATE INDEX ix_cases_supervision ON cases (state, red_on, yellow_on, card, completed_on, lead_department);
    CREATE INDEX ix_case_tasks_cards ON case_tasks (decision, yellow_on, department);
    CREATE INDEX ix_cases_closed_report ON cases (outcome, closed_at, statutory_days, used_days, visits);
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, case, func, literal, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..cases import CaseState
from ..cases.deadlines import Card
from ..cases.reports import SLOW, TIER_ORDER, RatingStats, TierReport, VisitReport, tiers_from_counts
from ..catalogue.model import Tier
from .models import CaseRow, CaseTaskRow, EvaluationRow

_C = CaseRow.__table__
_T = CaseTaskRow.__table__
_EV = EvaluationRow.__table__

# States of a case with no decision yet that is not closed (``completed_on IS NULL``): listing
# them lets the database use the ``state`` prefix of ``ix_cases_supervision``.
OPEN_STATES = (
    CaseState.SUBMITTED.value,
    CaseState.ACCEPTED.value,
    CaseState.WAITING_MATERIALS.value,
    CaseState.SUPPLEMENTED.value,
    CaseState.IN_REVIEW.value,
)
# ``cases.outcome`` is set when (and only when) a case closes; filtering on it rather than on
# ``state`` keeps these whole-history queries off the ``state`` indexes built for open cases.
HANDLED_OUTCOMES = ("handed_out", "rejected")
CLOSED_OUTCOMES = (*HANDLED_OUTCOMES, "refused")  # all but withdrawn


def _count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def tier_case(statutory: Any, used: Any) -> ColumnElement[str]:
    """``reports.case_tier(statutory, used)`` as a SQL expression."""
    return case(
        (used <= 0, literal(Tier.ON_THE_SPOT.value)),
        (used <= 5, literal(Tier.WITHIN_5_DAYS.value)),
        (2 * used <= statutory, literal(Tier.HALVED.value)),
        else_=literal(SLOW),
    )


def _period(col: Any, since: float | None, until: float | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if since is not None:
        out.append(col >= since)
    if until is not None:
        out.append(col < until)
    return out


class CaseReports:
    """The dashboard's numbers from the case projections, aggregated in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------ 三四三 / 五三二
    def tier_counts(self, since: float | None = None, until: float | None = None) -> dict[str, int]:
        """Closed, handled cases per ``case_tier`` value (on_the_spot, within_5_days, halved, slow)."""
        tier = tier_case(_C.c.statutory_days, _C.c.used_days).label("tier")
        q = (
            select(tier, func.count())
            .where(
                _C.c.outcome.in_(HANDLED_OUTCOMES),  # an outcome is set when the case closes
                _C.c.used_days.is_not(None),
                *_period(_C.c.closed_at, since, until),
            )
            .group_by(literal_column("tier"))
        )
        counts = dict.fromkeys((*TIER_ORDER, SLOW), 0)
        with self.engine.connect() as c:
            for name, n in c.execute(q).all():
                counts[name] = int(n)
        return counts

    def closed_case_tiers(self, since: float | None = None, until: float | None = None) -> TierReport:
        """三四三/五三二 of real closed cases: ``reports.tiers_from_counts`` of ``tier_counts``."""
        return tiers_from_counts(self.tier_counts(since, until))

    # ------------------------------------------------------------------ visits
    def visit_shares(self, since: float | None = None, until: float | None = None) -> VisitReport:
        """Share of closed (not withdrawn) cases with at most one visit and with none."""
        v = _C.c.visits
        q = select(func.count(), _count_if(v <= 1), _count_if(v == 0)).where(
            _C.c.outcome.in_(CLOSED_OUTCOMES),  # closed and not withdrawn
            *_period(_C.c.closed_at, since, until),
        )
        with self.engine.connect() as c:
            total, le1, zero = c.execute(q).one()
        total, le1, zero = int(total), int(le1 or 0), int(zero or 0)
        return VisitReport(total, le1 / total if total else 0.0, zero / total if total else 0.0)

    # ------------------------------------------------------------------- cards
    def cards_by_department(self, today: date) -> dict[str, dict[str, int]]:
        """{department: {"yellow": n, "red": n}} over open cases and their undecided tasks on
        ``today``; departments with neither card are left out (as in the pure report)."""
        t = literal(today)
        red, yellow = Card.RED.value, Card.YELLOW.value
        open_case = and_(_C.c.state.in_(OPEN_STATES), _C.c.completed_on.is_(None))
        # A running clock has yellow_on <= red_on, so "yellow_on <= today" finds its yellow and
        # red lines; a paused one has NULL dates and its held card in ``card``. The card is a
        # rank (0 red, 1 yellow, 2 green) by CASE, which reads NULL as false.
        c_red = or_(_C.c.card == red, and_(_C.c.card.is_(None), _C.c.red_on <= t))
        c_yellow = or_(_C.c.card == yellow, and_(_C.c.card.is_(None), _C.c.yellow_on <= t))
        c_rank = case((c_red, 0), (c_yellow, 1), else_=2)
        cases_q = (
            select(_C.c.lead_department, _count_if(c_rank == 0), _count_if(c_rank == 1))
            .where(open_case, or_(_C.c.card.in_((red, yellow)), _C.c.yellow_on <= t))
            .group_by(_C.c.lead_department)
        )
        t_rank = case((_T.c.red_on <= t, 0), (_T.c.yellow_on <= t, 1), else_=2)
        # An undecided task belongs to a case in review (the case is decided only when no task
        # is pending, and review cannot be withdrawn), so the tasks need no join to the cases.
        tasks_q = (
            select(_T.c.department, _count_if(t_rank == 0), _count_if(t_rank == 1))
            .where(_T.c.decision.is_(None), _T.c.yellow_on <= t)
            .group_by(_T.c.department)
        )
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as c:
            rows = [*c.execute(cases_q).all(), *c.execute(tasks_q).all()]
        for dept, n_red, n_yellow in rows:
            if not (n_red or n_yellow):
                continue
            d = out.setdefault(dept, {yellow: 0, red: 0})
            d[red] += int(n_red)
            d[yellow] += int(n_yellow)
        return dict(sorted(out.items()))

    # ----------------------------------------------------------------- ratings
    def _ratings(
        self, keys: Iterable[Any], since: float | None, until: float | None
    ) -> list[tuple[tuple[Any, ...], RatingStats]]:
        keys = list(keys)
        lv = _EV.c.level
        q = (
            select(
                *keys,
                func.count(),
                func.sum(lv),
                *(_count_if(lv == n) for n in (5, 4, 3, 2, 1)),
            )
            .where(*(k.is_not(None) for k in keys[-1:]), *_period(_EV.c.at, since, until))
            .group_by(*keys)
        )
        with self.engine.connect() as c:
            rows = c.execute(q).all()
        out = []
        nk = len(keys)
        for r in rows:
            n, total = int(r[nk]), int(r[nk + 1])
            levels = {lvl: int(x) for lvl, x in zip((5, 4, 3, 2, 1), r[nk + 2 :], strict=True)}
            bad = levels[2] + levels[1]
            out.append((tuple(r[:nk]), RatingStats(n, total / n, levels, (n - bad) / n, bad)))
        return out

    def ratings_by_window(
        self, since: float | None = None, until: float | None = None
    ) -> dict[tuple[str | None, int], RatingStats]:
        """As ``reports.ratings_by_window``: keyed by (hall, window); ratings without a window left out."""
        rows = self._ratings((_EV.c.hall, _EV.c.window), since, until)
        return dict(sorted((((k[0], k[1]), s) for k, s in rows), key=lambda kv: str(kv[0])))

    def ratings_by_clerk(
        self, since: float | None = None, until: float | None = None
    ) -> dict[str, RatingStats]:
        """As ``reports.ratings_by_clerk``; ratings without a clerk left out."""
        rows = self._ratings((_EV.c.clerk,), since, until)
        return dict(sorted(((k[0], s) for k, s in rows), key=lambda kv: str(kv[0])))
