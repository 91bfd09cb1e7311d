"""Reports of the manager dashboard computed in the database.

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
  They are read from ``case_tier_days`` (migration 0006): counts per closing day (China
  Standard Time) and tier that ``CaseStore._project`` moves in the transaction closing a case,
  so three years of history are a few thousand rows; a period's partial first and last days
  are counted from ``cases``, so any ``since``/``until`` gives the same counts as ``cases`` alone
  (``tier_counts_from_cases``).
- visits (``visit_shares``): closed cases except withdrawn ones (a refused case still cost
  the visitor the trips it shows).
- a period is ``since <= closed_at < until`` (POSIX seconds; either end may be left open), for
  ratings ``since <= at < until``.
- cards (``cards_by_department``): as ``reports.cards_by_department`` over the supervision
  lines of ``today`` — open cases (no decision yet, not closed) under their lead department,
  and the undecided department tasks of those cases; a paused case keeps its held card.

Indexes (``bench/cases.py`` measures them; migration 0003 made the first three, 0006 the last):

    DROP INDEX ix_cases_supervision;
    CREATE INDEX ix_cases_supervision ON cases (state, red_on, yellow_on, card, completed_on, lead_department);
    CREATE INDEX ix_case_tasks_cards ON case_tasks (decision, yellow_on, department);
    CREATE INDEX ix_cases_closed_report ON cases (outcome, closed_at, statutory_days, used_days, visits);
    CREATE INDEX ix_cases_open ON cases (state, yellow_on, red_on, card, held_remaining, due_ordinal, due,
        promised_days, item_code, lead_department, first_inquiry_clerk, id, completed_on)
        WHERE completed_on IS NULL;  -- the supervision list's case lines (CaseStore.supervision_list)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Engine,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from ..cases import CaseState
from ..cases.deadlines import Card
from ..cases.reports import (
    SLOW,
    TIER_ORDER,
    RatingStats,
    TierReport,
    VisitReport,
    case_tier,
    tiers_from_counts,
)
from ..catalogue.model import Tier
from .models import CaseRow, CaseTaskRow, CaseTierDay, EvaluationRow

_C = CaseRow.__table__
_T = CaseTaskRow.__table__
_TD = CaseTierDay.__table__
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


def open_case() -> ColumnElement[bool]:
    """A case with no decision yet that is not closed: where cards still count."""
    return and_(_C.c.state.in_(OPEN_STATES), _C.c.completed_on.is_(None))


def red_card(today: date) -> ColumnElement[bool]:
    """An open case's card is red on ``today``. A running clock has yellow_on <= red_on; a
    paused one has NULL dates and its held card in ``card`` (SQL reads NULL as false)."""
    return or_(_C.c.card == Card.RED.value, and_(_C.c.card.is_(None), _C.c.red_on <= literal(today)))


def yellow_or_red_card(today: date) -> ColumnElement[bool]:
    """An open case's card is yellow or red on ``today`` (yellow_on <= today finds both lines)."""
    return or_(_C.c.card.in_((Card.RED.value, Card.YELLOW.value)), _C.c.yellow_on <= literal(today))


def raw_date(col: Any) -> ColumnElement[Any]:
    """A date column as the driver returns it, without SQLAlchemy's conversion per row: ISO
    text on SQLite, a ``date`` on PostgreSQL. For lists of thousands of rows whose dates repeat
    (the supervision list), the caller converts each distinct value once."""
    return type_coerce(col, String)


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


# ------------------------------------------------------------ 三四三 by closing day
# ``case_tier_days`` counts closed, handled cases per closing day and tier. Days are those of
# China Standard Time (UTC+8, the Asia/Shanghai dates since 1992), numbered from 1970-01-01, so a
# report over whole local days reads the table alone; a period starting or ending within a day
# adds the cases of those partial days, read from ``cases``: the counts stay exact for any
# ``since``/``until``.
DAY_SECONDS = 86_400
DAY_SHIFT = 8 * 3600


def day_start(day: int) -> float:
    """The instant (POSIX seconds) ``day`` begins; exact in a float."""
    return float(day * DAY_SECONDS - DAY_SHIFT)


def closing_day(at: float) -> int:
    """The day ``at`` falls on: ``day_start(d) <= at < day_start(d + 1)``."""
    d = math.floor((at + DAY_SHIFT) / DAY_SECONDS)
    # The division can round an instant a hair before midnight up to the next day; the bounds
    # decide, as they do in ``closing_day_sql``.
    if at < day_start(d):
        return d - 1
    if at >= day_start(d + 1):
        return d + 1
    return d


def closing_day_sql(at: Any) -> ColumnElement[int]:
    """``closing_day`` in SQL (both databases)."""
    # CAST truncates on SQLite and rounds on PostgreSQL: either way off by one at most, which
    # the comparisons with the day's bounds put right.
    raw = cast((at + DAY_SHIFT) / DAY_SECONDS, BigInteger)
    return case(
        (at < raw * DAY_SECONDS - DAY_SHIFT, raw - 1),
        (at >= (raw + 1) * DAY_SECONDS - DAY_SHIFT, raw + 1),
        else_=raw,
    )


TierDay = tuple[int, str]
"""(closing day, tier): the ``case_tier_days`` row a closed, handled case counts in."""


def tier_day(
    outcome: str | None, closed_at: float | None, statutory_days: int, used_days: int | None
) -> TierDay | None:
    """Where a case's row counts in ``case_tier_days``; None when it counts nowhere (open,
    refused at the desk, withdrawn): the same cases as ``tier_counts`` reads from ``cases``."""
    if outcome not in HANDLED_OUTCOMES or closed_at is None or used_days is None:
        return None
    return closing_day(closed_at), case_tier(statutory_days, used_days)


def move_tier_day(c: Connection, old: TierDay | None, new: TierDay | None) -> None:
    """Keep ``case_tier_days`` in step with one case whose row went from ``old`` to ``new``,
    inside the transaction that writes the row. A case closes once, so in practice this is
    a single increment; a count falling to zero deletes its row."""
    if old == new:
        return
    # Rows in a fixed order, so that two writers moving cases between the same two rows
    # cannot lock them in opposite orders (PostgreSQL).
    moves = sorted((key, step) for key, step in ((old, -1), (new, 1)) if key is not None)
    for (day, tier), step in moves:
        if step > 0:
            _count_in(c, day, tier)
            continue
        where = (_TD.c.closed_day == day, _TD.c.tier == tier)
        c.execute(update(_TD).where(*where).values(cases=_TD.c.cases - 1))
        c.execute(delete(_TD).where(*where, _TD.c.cases <= 0))


def _count_in(c: Connection, day: int, tier: str) -> None:
    values = {"closed_day": day, "tier": tier, "cases": 1}
    dialect = c.dialect.name
    if dialect in ("postgresql", "sqlite"):
        # one atomic statement: two halls closing cases on the same day do not race to insert
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_TD).values(values)
        c.execute(
            ins.on_conflict_do_update(
                index_elements=[_TD.c.closed_day, _TD.c.tier], set_={"cases": _TD.c.cases + 1}
            )
        )
        return
    done = c.execute(
        update(_TD).where(_TD.c.closed_day == day, _TD.c.tier == tier).values(cases=_TD.c.cases + 1)
    )
    if done.rowcount == 0:
        c.execute(insert(_TD).values(values))


def recount_tier_days(c: Connection) -> None:
    """Rebuild ``case_tier_days`` from ``cases`` in one statement: after rows were loaded
    around the store (bench/cases.py), and in tests as the reference for the running counts."""
    inner = (
        select(
            closing_day_sql(_C.c.closed_at).label("closed_day"),
            tier_case(_C.c.statutory_days, _C.c.used_days).label("tier"),
        )
        .where(_C.c.outcome.in_(HANDLED_OUTCOMES), _C.c.closed_at.is_not(None), _C.c.used_days.is_not(None))
        .subquery()
    )
    c.execute(delete(_TD))
    c.execute(
        insert(_TD).from_select(
            ["closed_day", "tier", "cases"],
            select(inner.c.closed_day, inner.c.tier, func.count()).group_by(inner.c.closed_day, inner.c.tier),
        )
    )


def tier_days(c: Connection) -> dict[TierDay, int]:
    """The rows of ``case_tier_days`` (for tests and checks)."""
    return {(r.closed_day, r.tier): r.cases for r in c.execute(select(_TD))}


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
        """Closed, handled cases per ``case_tier`` value (on_the_spot, within_5_days, halved, slow):
        the whole days of the period from ``case_tier_days``, its partial days from ``cases``."""
        first = end = None  # the whole days of the period: first <= closed_day < end
        if since is not None:
            first = closing_day(since)
            if day_start(first) < since:
                first += 1
        if until is not None:
            end = closing_day(until)
        parts: list[Any] = []
        if first is not None and end is not None and first >= end:
            parts.append(self._tiers_of_cases(since, until))  # no whole day in it
        else:
            days = []
            if first is not None:
                days.append(_TD.c.closed_day >= first)
                if since is not None and since < day_start(first):
                    parts.append(self._tiers_of_cases(since, day_start(first)))
            if end is not None:
                days.append(_TD.c.closed_day < end)
                if until is not None and day_start(end) < until:
                    parts.append(self._tiers_of_cases(day_start(end), until))
            parts.append(select(_TD.c.tier, func.sum(_TD.c.cases)).where(*days).group_by(_TD.c.tier))
        counts = dict.fromkeys((*TIER_ORDER, SLOW), 0)
        with self.engine.connect() as c:
            for name, n in c.execute(parts[0] if len(parts) == 1 else union_all(*parts)).all():
                counts[name] += int(n)
        return counts

    def tier_counts_from_cases(
        self, since: float | None = None, until: float | None = None
    ) -> dict[str, int]:
        """``tier_counts`` read from ``cases`` alone, without the day counts: the reference the
        bench and the tests hold them to (over years of history, hundreds of milliseconds)."""
        counts = dict.fromkeys((*TIER_ORDER, SLOW), 0)
        with self.engine.connect() as c:
            for name, n in c.execute(self._tiers_of_cases(since, until)).all():
                counts[name] = int(n)
        return counts

    @staticmethod
    def _tiers_of_cases(since: float | None, until: float | None) -> Any:
        tier = tier_case(_C.c.statutory_days, _C.c.used_days).label("tier")
        return (
            select(tier, func.count())
            .where(
                _C.c.outcome.in_(HANDLED_OUTCOMES),  # an outcome is set when the case closes
                _C.c.used_days.is_not(None),
                *_period(_C.c.closed_at, since, until),
            )
            .group_by(literal_column("tier"))
        )

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
        # The card is a rank (0 red, 1 yellow, 2 green) by CASE, which reads NULL as false.
        c_yellow = or_(_C.c.card == yellow, and_(_C.c.card.is_(None), _C.c.yellow_on <= t))
        c_rank = case((red_card(today), 0), (c_yellow, 1), else_=2)
        cases_q = (
            select(_C.c.lead_department, _count_if(c_rank == 0), _count_if(c_rank == 1))
            .where(open_case(), yellow_or_red_card(today))
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
