"""The manager's lists over ratings, complaints and one-time notices.

``CaseStore`` changes these rows one at a time; the manager needs them as lists: complaints by
state, bad ratings whose follow-up is still open, later notices that asked for something the
first did not. Every list is one indexed query (``ix_complaints_state``,
``ix_evaluations_follow_up``, the ``flagged`` index of ``case_notices``) and returns the pure
core's own objects (``Complaint``, ``Evaluation``), so deadlines and overdue days are computed
by the same rules as everywhere else.

"Overdue on a day" is the core's rule (``Feedback.overdue``): the current deadline (accepting
while filed, answering while accepted; the follow-up while unanswered) lies before that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..cases import Complaint, ComplaintState, Evaluation
from .casestore import complaint_from_row, evaluation_from_row
from .models import CaseNoticeRow, CaseRow, ComplaintRow, EvaluationRow

_CO = ComplaintRow.__table__
_EV = EvaluationRow.__table__
_N = CaseNoticeRow.__table__
_C = CaseRow.__table__


@dataclass(frozen=True, slots=True)
class FlaggedNotice:
    """A later one-time notice that asked for a material the first notice did not list."""

    case: str
    number: int  # 2, 3, … (the first notice is never flagged)
    at: float
    by: str  # the clerk who issued it
    hall: str | None
    item_code: str
    department: str
    materials: list[str]  # everything it asked for
    new: list[str]  # those that were not on the first notice: why it is flagged


class FeedbackStore:
    """Read-only lists for the manager; writes stay in ``CaseStore``."""

    def __init__(self, engine: Engine, *, timezone: str = "Asia/Shanghai") -> None:
        self.engine = engine
        self.tz = ZoneInfo(timezone)

    def _day(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.tz).date()

    # -------------------------------------------------------------- complaints
    def _complaint(self, r: Any) -> Complaint:
        return complaint_from_row(r, self.tz)

    @staticmethod
    def _complaint_overdue(today: date) -> ColumnElement[bool]:
        return or_(
            and_(_CO.c.state == ComplaintState.FILED.value, _CO.c.accept_due < today),
            and_(_CO.c.state == ComplaintState.ACCEPTED.value, _CO.c.answer_due < today),
        )

    def complaints(
        self,
        *,
        states: tuple[ComplaintState, ...] = (),
        overdue_on: date | None = None,
        limit: int | None = None,
    ) -> tuple[list[Complaint], int]:
        """(complaints, how many match) in the given states (all when empty), only those overdue
        on ``overdue_on`` when given; oldest first, since those wait longest."""
        where: list[ColumnElement[bool]] = []
        if states:
            where.append(_CO.c.state.in_([s.value for s in states]))
        if overdue_on is not None:
            where.append(self._complaint_overdue(overdue_on))
        q = select(_CO).where(*where).order_by(_CO.c.filed_at, _CO.c.id)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as c:
            rows = c.execute(q).all()
            total = c.execute(select(func.count()).select_from(_CO).where(*where)).scalar_one()
        return [self._complaint(r) for r in rows], int(total)

    def complaint_counts(self, today: date) -> dict[str, int]:
        """How many complaints are in each state, and how many of them are overdue ``today``."""
        counts = dict.fromkeys([s.value for s in ComplaintState], 0)
        with self.engine.connect() as c:
            for state, n in c.execute(select(_CO.c.state, func.count()).group_by(_CO.c.state)).all():
                counts[state] = int(n)
            overdue = c.execute(
                select(func.count()).select_from(_CO).where(self._complaint_overdue(today))
            ).scalar_one()
        return {**counts, "overdue": int(overdue)}

    # -------------------------------------------------------------- follow-ups
    def _evaluation(self, r: Any) -> Evaluation:
        return evaluation_from_row(r, self.tz)

    def follow_ups(
        self,
        *,
        answered: bool | None = False,
        overdue_on: date | None = None,
        limit: int | None = None,
    ) -> tuple[list[Evaluation], int]:
        """(bad ratings with a follow-up, how many match): open ones by default (``answered=None``
        for all), only those overdue on ``overdue_on`` when given; earliest deadline first."""
        where: list[ColumnElement[bool]] = [_EV.c.follow_up_due.is_not(None)]
        if answered is True:
            where.append(_EV.c.follow_up_answer.is_not(None))
        elif answered is False:
            where.append(_EV.c.follow_up_answer.is_(None))
        if overdue_on is not None:
            where += [_EV.c.follow_up_answer.is_(None), _EV.c.follow_up_due < overdue_on]
        q = select(_EV).where(*where).order_by(_EV.c.follow_up_due, _EV.c.at, _EV.c.id)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as c:
            rows = c.execute(q).all()
            total = c.execute(select(func.count()).select_from(_EV).where(*where)).scalar_one()
        return [self._evaluation(r) for r in rows], int(total)

    # -------------------------------------------------------- one-time notices
    def flagged_notices(self, *, limit: int | None = None) -> tuple[list[FlaggedNotice], int]:
        """(flagged notices, how many there are), newest first: the manager looks at the
        latest lapses of the one-time rule first."""
        q = (
            select(_N, _C.c.item_code, _C.c.lead_department)
            .select_from(_N.join(_C, _C.c.id == _N.c.case_id))
            .where(_N.c.flagged.is_(True))
            .order_by(_N.c.at.desc(), _N.c.case_id, _N.c.number)
        )
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as c:
            rows = c.execute(q).all()
            total = c.execute(select(func.count()).select_from(_N).where(_N.c.flagged.is_(True))).scalar_one()
        out = [
            FlaggedNotice(
                case=r.case_id,
                number=r.number,
                at=r.at,
                by=r.by,
                hall=r.hall,
                item_code=r.item_code,
                department=r.lead_department,
                materials=list(r.materials.get("materials", [])),
                new=list(r.materials.get("new", [])),
            )
            for r in rows
        ]
        return out, int(total)
