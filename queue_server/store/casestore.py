"""Persistence of cases (办件), certificates, evaluations and complaints: city-wide (同城通办).

Several halls' servers share one database and may act on the same case, so a case is not
owned by one writer as a hall's tickets are. Each case has its own event log
(``case_events``: (case_id, n), n = 1, 2, 3… gap-free). A command:

1. reads the case's events (outside any write transaction) and replays them into a fresh
   ``CaseBook`` holding just that case;
2. runs the pure command, which checks the rules and returns events;
3. in one transaction inserts them as n+1, n+2… and rewrites the case's projection rows.

If another hall appended first, the insert hits the primary key (PostgreSQL waits for the
other transaction, then refuses; SQLite serialises writers) and the whole command is tried
again on the new state, up to ``retries`` times; after that ``EngineError("conflict")``.
Rule refusals found on the retry (say, both halls tried to hand the result out) are the
ordinary refusals of the pure core.

The projection ``cases`` carries the card dates of the case's clock (``Milestones``), and
``case_tasks`` those of each department task, so the supervision list is one indexed query
for any ``today`` and does not load cases.

Certificates, evaluations and complaints have no per-case log: their rows are the state.
Commands are checked by the pure ``CertificateRegistry``/``Feedback`` loaded with the rows
concerned; uniqueness (certificate number, one rating per service event) is the database's
constraint, state changes are conditional updates (``WHERE state = ...``).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, case, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from ..cases import (
    Card,
    CardRule,
    Case,
    CaseBook,
    CaseItem,
    CaseState,
    Certificate,
    CertificateRegistry,
    Complaint,
    ComplaintCategory,
    ComplaintState,
    Evaluation,
    Feedback,
    Level,
    MaterialsCheck,
    Party,
    Source,
    Subject,
    Verification,
    Watch,
    Where,
    WorkCalendar,
)
from ..cases.deadlines import DEFAULT_RULE, card_on
from ..cases.lifecycle import CASE_SUBMITTED, CASE_VERIFIED
from ..catalogue.model import ServiceItem
from ..engine.errors import EngineError, conflict, not_found
from ..engine.events import Event
from .casereports import OPEN_STATES, TierDay, move_tier_day, raw_date, tier_day
from .models import (
    CaseEventRow,
    CaseNoticeRow,
    CaseRow,
    CaseSubmission,
    CaseTaskRow,
    CertificateRow,
    ComplaintRow,
    EvaluationRow,
)

# The CaseBook commands ``act`` runs (``submit`` has its own method).
COMMANDS = frozenset(
    {
        "accept",
        "refuse",
        "issue_notice",
        "supplement",
        "start_review",
        "decide_task",
        "result_ready",
        "hand_out",
        "close",
        "withdraw",
        "verify",
    }
)

_CE = CaseEventRow.__table__
_C = CaseRow.__table__
_SUB = CaseSubmission.__table__
_T = CaseTaskRow.__table__
_N = CaseNoticeRow.__table__
_CERT = CertificateRow.__table__
_EV = EvaluationRow.__table__
_CO = ComplaintRow.__table__


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case as the projection has it: for lists ("my cases", a visitor's cases, reports)."""

    id: str
    item_code: str
    lead_department: str
    state: CaseState
    applicant_hash: str
    agent_hash: str | None
    first_inquiry_clerk: str | None
    hall_submitted: str | None
    hall_accepted: str | None
    hall_handed_out: str | None
    submitted_at: float
    closed_at: float | None
    visits: int
    statutory_days: int
    promised_days: int
    due: date | None
    yellow_on: date | None
    red_on: date | None
    version: int


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A department task waiting for its decision (the department's list)."""

    case: str
    item_code: str
    lead: bool
    opened_on: date
    limit_days: int
    due: date
    yellow_on: date
    red_on: date
    first_inquiry_clerk: str | None

    def card(self, today: date) -> Card:
        return card_on(self.yellow_on, self.red_on, today)


def evaluation_from_row(r: Any, tz: ZoneInfo) -> Evaluation:
    """An ``evaluations`` row as the pure core's object (days in the hall's time zone)."""
    return Evaluation(
        id=r.id,
        subject=Subject(r.subject_kind, r.subject_id),
        service_event=r.service_event,
        level=Level(r.level),
        source=Source(r.source),
        at=r.at,
        day=datetime.fromtimestamp(r.at, tz).date(),
        hall=r.hall,
        window=r.window,
        clerk=r.clerk,
        comment=r.comment,
        follow_up_due=r.follow_up_due,
        follow_up_answer=r.follow_up_answer,
        follow_up_by=r.follow_up_by,
    )


def complaint_from_row(r: Any, tz: ZoneInfo) -> Complaint:
    """A ``complaints`` row as the pure core's object (days in the hall's time zone)."""
    return Complaint(
        id=r.id,
        text=r.text,
        source=Source(r.source),
        filed_at=r.filed_at,
        filed_on=datetime.fromtimestamp(r.filed_at, tz).date(),
        accept_due=r.accept_due,
        subject=Subject(r.subject_kind, r.subject_id) if r.subject_kind else None,
        category=ComplaintCategory(r.category),
        phone_cipher=r.phone_cipher,
        state=ComplaintState(r.state),
        handler=r.handler,
        answer_due=r.answer_due,
        answer=r.answer,
        answered_on=datetime.fromtimestamp(r.answered_at, tz).date() if r.answered_at else None,
        history=[(ComplaintState(s), at, by) for s, at, by in r.history["steps"]],
    )


def _summary(r: Any) -> CaseSummary:
    return CaseSummary(
        r.id, r.item_code, r.lead_department, CaseState(r.state), r.applicant_hash, r.agent_hash,
        r.first_inquiry_clerk, r.hall_submitted, r.hall_accepted, r.hall_handed_out, r.submitted_at,
        r.closed_at, r.visits, r.statutory_days, r.promised_days, r.due, r.yellow_on, r.red_on, r.version,
    )  # fmt: skip


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _is_conflict(err: Exception) -> bool:
    """A duplicate key, or SQLite refusing a writer whose snapshot is stale."""
    if isinstance(err, IntegrityError):
        return True
    return isinstance(err, OperationalError) and "locked" in str(err).lower()


class CaseStore:
    """Cases, certificates, evaluations and complaints of a city in one database."""

    def __init__(
        self,
        engine: Engine,
        calendar: WorkCalendar,
        *,
        timezone: str = "Asia/Shanghai",
        verification_days: int = 20,
        card_rule: CardRule = DEFAULT_RULE,
        retries: int = 8,
    ) -> None:
        self.engine = engine
        self.calendar = calendar
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.verification_days = verification_days
        self.card_rule = card_rule
        self.retries = retries
        self.conflicts = 0  # appends that lost a race and were retried (for tests and metrics)
        # Test hook: called after a command has computed its events, before they are written.
        self.before_write: Callable[[str, int], None] | None = None

    # ------------------------------------------------------------------ reading
    def _book(self) -> CaseBook:
        return CaseBook(
            self.calendar,
            timezone=self.timezone,
            verification_days=self.verification_days,
            card_rule=self.card_rule,
        )

    def events(self, case_id: str) -> list[Event]:
        """The case's log in order (``seq`` is n)."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(_CE.c.n, _CE.c.type, _CE.c.at, _CE.c.data)
                .where(_CE.c.case_id == case_id)
                .order_by(_CE.c.n)
            ).all()
        return [Event(r.type, r.at, r.data, r.n) for r in rows]

    def _replay(self, case_id: str) -> tuple[CaseBook, int]:
        book = self._book()
        events = self.events(case_id)
        book.apply_all(events)
        return book, (events[-1].seq if events else 0)

    def load(self, case_id: str) -> Case:
        book, _ = self._replay(case_id)
        return book.case(case_id)

    def verification(self, case_id: str) -> Verification | None:
        book, _ = self._replay(case_id)
        return book.verifications.get(case_id)

    def progress(
        self, case_id: str, today: date, officers: dict[str, tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        book, _ = self._replay(case_id)
        return book.progress(case_id, today, officers)

    def summary(self, case_id: str) -> CaseSummary:
        with self.engine.connect() as c:
            r = c.execute(select(_C).where(_C.c.id == case_id)).first()
        if r is None:
            raise not_found("case", "办件", case_id)
        return _summary(r)

    def my_cases(self, clerk: str, *, include_closed: bool = False) -> list[CaseSummary]:
        """Cases the clerk is first-inquiry officer of (首问负责), oldest first."""
        q = select(_C).where(_C.c.first_inquiry_clerk == clerk)
        if not include_closed:
            q = q.where(_C.c.state != CaseState.CLOSED.value)
        with self.engine.connect() as c:
            rows = c.execute(q.order_by(_C.c.submitted_at, _C.c.id)).all()
        return [_summary(r) for r in rows]

    def cases_of(self, id_hash: str, *, include_closed: bool = False) -> list[CaseSummary]:
        """A visitor's cases as applicant or agent, newest first."""
        q = select(_C).where(or_(_C.c.applicant_hash == id_hash, _C.c.agent_hash == id_hash))
        if not include_closed:
            q = q.where(_C.c.state != CaseState.CLOSED.value)
        with self.engine.connect() as c:
            rows = c.execute(q.order_by(_C.c.submitted_at.desc(), _C.c.id.desc())).all()
        return [_summary(r) for r in rows]

    def flagged_notices(self) -> list[tuple[str, int, list[str]]]:
        """(case, notice number, materials) of later notices asking for something new (for the manager)."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(_N.c.case_id, _N.c.number, _N.c.materials)
                .where(_N.c.flagged.is_(True))
                .order_by(_N.c.at, _N.c.case_id)
            ).all()
        return [(r.case_id, r.number, list(r.materials["materials"])) for r in rows]

    # ------------------------------------------------------------ supervision
    def supervision_list(
        self, today: date, limit: int | None = None, *, include_green: bool = False
    ) -> list[Watch]:
        """The pure core's ``supervision_list(book.watches(today))`` from SQL on the card dates:
        red first, then yellow, fewest working days left first. Open cases (no decision yet)
        and undecided department tasks."""
        cal = self.calendar
        today_ord = cal.ordinal(today)
        t = literal(today)
        # the case lines: the open states and no decision, so that the database reads them from
        # the partial index ix_cases_open alone and never the closed cases (SQLite scanned them)
        c_red = or_(_C.c.card == Card.RED.value, and_(_C.c.card.is_(None), _C.c.red_on <= t))
        c_yellow = or_(_C.c.card == Card.YELLOW.value, and_(_C.c.card.is_(None), _C.c.yellow_on <= t))
        c_rank = case((c_red, 0), (c_yellow, 1), else_=2)
        c_left = case(
            (_C.c.held_remaining.is_not(None), _C.c.held_remaining), else_=_C.c.due_ordinal - today_ord
        )
        cases_q = select(
            _C.c.id.label("case_id"),
            _C.c.item_code,
            _C.c.lead_department.label("department"),
            literal(0).label("task"),
            _C.c.promised_days.label("limit_days"),
            c_left.label("remaining"),
            raw_date(_C.c.due).label("due"),
            c_rank.label("rank"),
            _C.c.card.label("held"),
            _C.c.first_inquiry_clerk.label("clerk"),
        ).where(_C.c.state.in_(OPEN_STATES), _C.c.completed_on.is_(None))
        if not include_green:
            cases_q = cases_q.where(or_(c_red, c_yellow))
        # the department task lines
        t_rank = case((_T.c.red_on <= t, 0), (_T.c.yellow_on <= t, 1), else_=2)
        tasks_q = (
            select(
                _T.c.case_id,
                _C.c.item_code,
                _T.c.department,
                literal(1).label("task"),
                _T.c.limit_days,
                (_T.c.due_ordinal - today_ord).label("remaining"),
                raw_date(_T.c.due).label("due"),
                t_rank.label("rank"),
                literal(None).label("held"),
                _C.c.first_inquiry_clerk.label("clerk"),
            )
            .select_from(_T.join(_C, _C.c.id == _T.c.case_id))
            .where(_T.c.decision.is_(None), _C.c.state.in_(OPEN_STATES), _C.c.completed_on.is_(None))
        )
        if not include_green:
            tasks_q = tasks_q.where(_T.c.yellow_on <= t)
        u = union_all(cases_q, tasks_q).subquery()
        case_id, department = u.c.case_id, u.c.department
        if self.engine.dialect.name == "postgresql":
            # byte order, which is Python's: the lines come in Python's order but for the rare
            # ties on days left with different due dates, and the sort below, on sorted input,
            # takes a millisecond
            case_id, department = case_id.collate("C"), department.collate("C")
        # not by due: a held line's is NULL here, and it would go before the others of its
        # days left that the limit must choose by case
        q = select(u).order_by(u.c.rank, u.c.remaining, case_id, u.c.task, department)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as c:
            rows = c.execute(q).all()
        return self._watch_lines(rows, today)

    def _watch_lines(self, rows: Sequence[Any], today: date) -> list[Watch]:
        """Watch lines in the pure core's order from the supervision rows. Thousands of lines:
        rows are unpacked as tuples, the dates parsed once per distinct value and held due dates
        computed once per number of days left, which together cost less than the query."""
        by_rank = (Card.RED, Card.YELLOW, Card.GREEN)
        dates: dict[Any, date] = {}
        held_dues: dict[int, date] = {}
        keyed = []
        for case_id, item, department, task, limit_days, left, raw_due, rank, held, clerk in rows:
            if held is None:
                due = dates.get(raw_due)
                if due is None:
                    due = dates[raw_due] = (
                        raw_due if isinstance(raw_due, date) else date.fromisoformat(raw_due)
                    )
                card = by_rank[rank]
            else:
                card = Card(held)  # the same rank as the SQL gave it
                due = held_dues.get(left) if left >= 1 else None
                if due is None:
                    due = self._held_due(case_id, today, left)
                    if left >= 1:  # then the due date depends on the days left only
                        held_dues[left] = due
            task = bool(task)
            w = Watch(case_id, item, department, task, limit_days, left, due, card, held is not None, clerk)
            keyed.append((rank, left, due, case_id, task, department, w))
        # Python's string order for ties (database collations may differ) and the held lines'
        # due dates; the SQL order and limit already chose the lines by card and days left.
        keyed.sort()
        return [k[-1] for k in keyed]

    def _held_due(self, case_id: str, today: date, left: int) -> date:
        """A paused clock's due date as known today, as the pure core has it: today plus the
        working days left; with none left (rare: held red or held on its last day) the case's
        own clock decides, so that case is read."""
        if left >= 1:
            return self.calendar.add_workdays(today, left)
        return self.load(case_id).clock().due(self.calendar, today)

    # ------------------------------------------------------------------ writing
    def submit(
        self,
        case_id: str,
        item: CaseItem,
        applicant: Party,
        where: Where,
        now: float,
        *,
        agent: Party | None = None,
        materials: Sequence[str] = (),
        request_key: str | None = None,
        fields_cipher: str | None = None,
    ) -> list[Event]:
        """A new case (at a window, a kiosk or online). A case id already used is a conflict.
        With ``request_key``, the key is stored with the case in the same transaction, and a
        second submit with that key is refused as ``duplicate`` naming the first case."""
        book = self._book()
        events = book.submit(
            case_id, item, applicant, where, now, agent=agent, materials=materials, fields_cipher=fields_cipher
        )
        book.apply_all(events)
        try:
            self._write(case_id, 0, events, book, request_key=request_key)
        except (IntegrityError, OperationalError) as err:
            if not _is_conflict(err):
                raise
            first = self.case_for_request(request_key) if request_key else None
            if first is not None:
                raise EngineError(
                    "duplicate",
                    f"this request already made case {first}",
                    f"该申请已提交，办件号 {first}",
                    case=first,
                ) from None
            if self._last_n(case_id):
                raise conflict(
                    f"case {case_id} exists already", f"办件号 {case_id} 已存在", case=case_id
                ) from None
            raise
        return events

    def act(self, case_id: str, command: str, *args: Any, **kwargs: Any) -> list[Event]:
        """Run a ``CaseBook`` command on the stored case, e.g.
        ``act("K1", "accept", where, now)``, ``act("K1", "decide_task", "tax", "approved", where, now)``.
        Retries from a fresh read when another hall appended first."""
        if command not in COMMANDS:
            raise EngineError(
                "bad_request", f"unknown case command {command!r}", f"未知的办件操作 {command!r}"
            )
        for attempt in range(self.retries + 1):
            book, last = self._replay(case_id)
            if case_id not in book.cases:
                raise not_found("case", "办件", case_id)
            events = getattr(book, command)(case_id, *args, **kwargs)
            book.apply_all(events)
            if self.before_write is not None:
                self.before_write(case_id, attempt)
            try:
                self._write(case_id, last, events, book)
                return events
            except (IntegrityError, OperationalError) as err:
                if not _is_conflict(err):
                    raise
                self.conflicts += 1
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise conflict(
            f"case {case_id} kept changing under {command}; try again",
            f"办件 {case_id} 正被其他窗口同时办理，请重试",
            case=case_id,
            command=command,
        )

    # one method per command, for readable callers and type checking
    def accept(
        self, case_id: str, where: Where, now: float, *, commitment: bool = False, materials: Sequence[str] = ()
    ) -> list[Event]:
        return self.act(case_id, "accept", where, now, commitment=commitment, materials=materials)

    def refuse(self, case_id: str, where: Where, now: float, reason: str) -> list[Event]:
        return self.act(case_id, "refuse", where, now, reason)

    def issue_notice(self, case_id: str, where: Where, now: float, materials: Sequence[str]) -> list[Event]:
        return self.act(case_id, "issue_notice", where, now, materials)

    def supplement(self, case_id: str, where: Where, now: float, materials: Sequence[str]) -> list[Event]:
        return self.act(case_id, "supplement", where, now, materials)

    def start_review(
        self, case_id: str, where: Where, now: float, *, limits: dict[str, int] | None = None
    ) -> list[Event]:
        return self.act(case_id, "start_review", where, now, limits=limits)

    def decide_task(
        self, case_id: str, department: str, decision: str, where: Where, now: float, *, reason: str = ""
    ) -> list[Event]:
        return self.act(case_id, "decide_task", department, decision, where, now, reason=reason)

    def result_ready(self, case_id: str, where: Where, now: float) -> list[Event]:
        return self.act(case_id, "result_ready", where, now)

    def hand_out(self, case_id: str, where: Where, now: float) -> list[Event]:
        return self.act(case_id, "hand_out", where, now)

    def close(self, case_id: str, where: Where, now: float) -> list[Event]:
        return self.act(case_id, "close", where, now)

    def withdraw(self, case_id: str, where: Where, now: float) -> list[Event]:
        return self.act(case_id, "withdraw", where, now)

    def verify(self, case_id: str, where: Where, now: float, *, ok: bool, note: str = "") -> list[Event]:
        return self.act(case_id, "verify", where, now, ok=ok, note=note)

    def department_tasks(self, department: str) -> list[TaskLine]:
        """A department's undecided tasks (its 待审批 list), earliest due first."""
        q = (
            select(
                _T.c.case_id,
                _C.c.item_code,
                _T.c.lead,
                _T.c.opened_on,
                _T.c.limit_days,
                _T.c.due,
                _T.c.yellow_on,
                _T.c.red_on,
                _C.c.first_inquiry_clerk,
            )
            .select_from(_T.join(_C, _C.c.id == _T.c.case_id))
            .where(_T.c.department == department, _T.c.decision.is_(None), _C.c.state == CaseState.IN_REVIEW.value)
            .order_by(_T.c.due, _T.c.case_id)
        )
        with self.engine.connect() as c:
            return [TaskLine(*r) for r in c.execute(q)]

    def verifications_due(self, department: str) -> list[tuple[str, str, date]]:
        """(case, item, due) of a department's commitment-based approvals not checked yet
        (告知承诺核查), earliest due first."""
        q = (
            select(_C.c.id, _C.c.item_code, _C.c.verify_due)
            .where(_C.c.lead_department == department, _C.c.verify_due.is_not(None), _C.c.verified.is_(None))
            .order_by(_C.c.verify_due, _C.c.id)
        )
        with self.engine.connect() as c:
            return [(r.id, r.item_code, r.verify_due) for r in c.execute(q)]

    def last_case_id(self, prefix: str) -> str | None:
        """The highest case number starting with ``prefix`` (a day's numbers: ``NS-YYYYMMDD-``)."""
        with self.engine.connect() as c:
            return c.execute(select(func.max(_C.c.id)).where(_C.c.id.like(prefix + "%"))).scalar_one()

    def case_for_request(self, request_key: str) -> str | None:
        """The case a submit request with this key made, if any."""
        with self.engine.connect() as c:
            return c.execute(select(_SUB.c.case_id).where(_SUB.c.request_key == request_key)).scalar()

    def _last_n(self, case_id: str) -> int:
        with self.engine.connect() as c:
            return c.execute(
                select(func.coalesce(func.max(_CE.c.n), 0)).where(_CE.c.case_id == case_id)
            ).scalar_one()

    def _write(
        self, case_id: str, last: int, events: list[Event], book: CaseBook, *, request_key: str | None = None
    ) -> None:
        """Append the events after ``last`` and rewrite the projection, in one transaction."""
        for i, e in enumerate(events, start=last + 1):
            e.seq = i
        with self.engine.begin() as c:
            if request_key is not None:
                c.execute(insert(CaseSubmission), {"request_key": request_key, "case_id": case_id, "at": events[0].at})
            c.execute(
                insert(CaseEventRow),
                [
                    {
                        "case_id": case_id,
                        "n": e.seq,
                        "type": e.type,
                        "at": e.at,
                        "hall": (e.data.get("where") or {}).get("hall"),
                        "data": e.data,
                    }
                    for e in events
                ],
            )
            v = book.verifications.get(case_id)
            if all(e.type == CASE_VERIFIED for e in events):
                # the case itself does not change: its version moves on and the check is recorded
                c.execute(
                    update(CaseRow)
                    .where(_C.c.id == case_id)
                    .values(version=events[-1].seq, verified=v.ok if v else None)
                )
                return
            self._project(
                c, book.case(case_id), events[-1].seq, first=events[0].type == CASE_SUBMITTED, verification=v
            )

    @staticmethod
    def _tier_day_of_row(c: Connection, case_id: str) -> TierDay | None:
        """Where the case's stored row counts in ``case_tier_days`` before it is rewritten (a
        closed case does not change, but the counts follow the row whatever it was)."""
        cols = (_C.c.outcome, _C.c.closed_at, _C.c.statutory_days, _C.c.used_days)
        r = c.execute(select(*cols).where(_C.c.id == case_id)).first()
        return None if r is None else tier_day(r.outcome, r.closed_at, r.statutory_days, r.used_days)

    def _project(
        self, c: Connection, k: Case, version: int, *, first: bool, verification: Verification | None = None
    ) -> None:
        cal, rule = self.calendar, self.card_rule
        accepted = next((s for s in k.steps if s.action in ("accept", "accept_commitment")), None)
        closed = next((s for s in k.steps if s.after is CaseState.CLOSED), None)
        running = k.completed_on is None and not k.closed
        m = k.milestones(cal, rule) if running else None
        row: dict[str, Any] = {
            "version": version,
            "state": k.state.value,
            "outcome": k.outcome,
            "first_inquiry_clerk": k.first_inquiry_clerk,
            "hall_accepted": accepted.where.hall if accepted else None,
            "hall_handed_out": k.handed_out_hall,
            "completed_on": k.completed_on,
            "closed_at": closed.at if closed else None,
            "visits": k.visits,
            "notices": len(k.notices),
            "flagged_notices": len(k.flagged_notices),
            "commitment": k.commitment,
            "used_days": k.working_days(cal),
            "due": m.due if m else None,
            "due_ordinal": m.base if m and m.due is not None else None,
            "yellow_on": m.yellow_on if m else None,
            "red_on": m.red_on if m else None,
            "card": m.held_card.value if m and m.held_card is not None else None,
            "held_remaining": m.held_remaining if m else None,
            "verify_due": verification.due if verification else None,
            "verified": verification.ok if verification else None,
        }
        if first:
            c.execute(
                insert(CaseRow).values(
                    id=k.id,
                    item_code=k.item.code,
                    lead_department=k.item.department,
                    applicant_hash=k.applicant.id_hash,
                    agent_hash=k.agent.id_hash if k.agent else None,
                    channel=k.channel.value,
                    hall_submitted=k.steps[0].where.hall,
                    submitted_at=k.submitted_at,
                    statutory_days=k.item.statutory_days,
                    promised_days=k.item.promised_days,
                    **row,
                )
            )
            was = None
        else:
            was = self._tier_day_of_row(c, k.id)
            done = c.execute(update(CaseRow).where(_C.c.id == k.id, _C.c.version < version).values(**row))
            if done.rowcount != 1:  # cannot happen while every writer goes through _write
                raise conflict(f"case {k.id} projection is ahead", f"办件 {k.id} 数据版本冲突", case=k.id)
        # 三四三 by closing day, in this transaction: the count moves when the case closes
        becomes = tier_day(row["outcome"], row["closed_at"], k.item.statutory_days, row["used_days"])
        move_tier_day(c, was, becomes)
        # tasks and notices: few rows per case, rewritten whole
        c.execute(delete(CaseTaskRow).where(_T.c.case_id == k.id))
        if k.tasks:
            tasks = []
            for task in k.tasks.values():
                tm = task.milestones(cal, rule)
                tasks.append(
                    {
                        "case_id": k.id,
                        "department": task.department,
                        "lead": task.lead,
                        "opened_on": task.opened_on,
                        "limit_days": task.limit_days,
                        "decision": task.decision.value if task.decision else None,
                        "reason": task.reason,
                        "decided_at": task.decided_at,
                        "decided_by": task.decided_by,
                        "due": tm.due,
                        "due_ordinal": tm.base,
                        "yellow_on": tm.yellow_on,
                        "red_on": tm.red_on,
                    }
                )
            c.execute(insert(CaseTaskRow), tasks)
        known = c.execute(select(func.count()).select_from(_N).where(_N.c.case_id == k.id)).scalar_one()
        new = k.notices[known:]
        if new:
            halls = {s.at: s.where.hall for s in k.steps if s.action == "issue_notice"}
            c.execute(
                insert(CaseNoticeRow),
                [
                    {
                        "case_id": k.id,
                        "number": n.number,
                        "at": n.at,
                        "by": n.by,
                        "hall": halls.get(n.at),
                        "materials": {
                            "materials": list(n.materials),
                            "new": list(n.new),
                            "asked_again": list(n.asked_again),
                        },
                        "flagged": n.flagged,
                    }
                    for n in new
                ],
            )

    # ------------------------------------------------------------ certificates
    def _certificate(self, r: Any) -> Certificate:
        return Certificate(
            number=r.number,
            type=r.type,
            holder_hash=r.holder_hash,
            holder_name_masked=r.holder_name_masked,
            department=r.department,
            item=r.item_code,
            case=r.case_id,
            issued_on=r.issued_on,
            valid_until=r.valid_until,
            verification_code="",  # kept only as a hash; recompute with verification_code(secret, number)
            revoked=r.revoked_at is not None,
            prints=r.prints,
        )

    def _registry(self, rows: Iterable[Any]) -> CertificateRegistry:
        reg = CertificateRegistry()
        for r in rows:
            cert = self._certificate(r)
            reg.certificates[cert.number] = cert
            reg.by_holder_index.setdefault(cert.holder_hash, []).append(cert.number)
        return reg

    def register_certificate(
        self,
        case_id: str,
        *,
        number: str,
        code: str,
        issued_on: date,
        now: float,
        valid_until: date | None = None,
    ) -> Certificate:
        """On approval of a case whose item yields a certificate: register it for the applicant
        (an enterprise's to the enterprise: its credit code's hash, its name in full)."""
        k = self.load(case_id)
        if not k.approved:
            raise conflict(
                f"case {case_id} is not approved: no certificate",
                f"办件 {case_id} 未批准，不能发证",
                case=case_id,
            )
        reg = CertificateRegistry()
        events = reg.register(
            k.item,
            case=k.id,
            number=number,
            holder_hash=k.applicant.id_hash,
            holder_name_masked=k.applicant.name_masked,
            issued_on=issued_on,
            code=code,
            now=now,
            valid_until=valid_until,
        )
        reg.apply_all(events)
        cert = reg.get(number)
        try:
            with self.engine.begin() as c:
                c.execute(
                    insert(CertificateRow).values(
                        number=cert.number,
                        type=cert.type,
                        holder_hash=cert.holder_hash,
                        holder_name_masked=cert.holder_name_masked,
                        department=cert.department,
                        item_code=cert.item,
                        case_id=cert.case,
                        issued_on=cert.issued_on,
                        valid_until=cert.valid_until,
                        code_hash=_code_hash(code),
                        registered_at=now,
                        prints=0,
                    )
                )
        except IntegrityError:
            raise conflict(
                f"certificate {number} is registered already", f"证照编号 {number} 已存在", number=number
            ) from None
        return cert

    def certificate_number_of(self, case_id: str) -> str | None:
        """The number of the certificate a case yielded, if it did."""
        with self.engine.connect() as c:
            return c.execute(select(_CERT.c.number).where(_CERT.c.case_id == case_id)).scalar()

    def certificates_of_case(self, case_id: str) -> list[Certificate]:
        """The certificates a case issued (one today: an item yields one type), by number."""
        with self.engine.connect() as c:
            rows = c.execute(select(_CERT).where(_CERT.c.case_id == case_id).order_by(_CERT.c.number)).all()
        return [self._certificate(r) for r in rows]

    def last_certificate_number(self, prefix: str) -> str | None:
        """The highest certificate number starting with ``prefix``."""
        with self.engine.connect() as c:
            return c.execute(select(func.max(_CERT.c.number)).where(_CERT.c.number.like(prefix + "%"))).scalar_one()

    def certificate(self, number: str) -> Certificate:
        with self.engine.connect() as c:
            r = c.execute(select(_CERT).where(_CERT.c.number == number)).first()
        if r is None:
            raise not_found("certificate", "电子证照", number)
        return self._certificate(r)

    def certificates_of(self, holder_hash: str, on: date | None = None) -> list[Certificate]:
        with self.engine.connect() as c:
            rows = c.execute(select(_CERT).where(_CERT.c.holder_hash == holder_hash)).all()
        return self._registry(rows).by_holder(holder_hash, on)

    def materials_needed(self, item: ServiceItem, holder_hash: str, on: date) -> MaterialsCheck:
        """The item's materials minus those a valid stored certificate of the holder replaces."""
        with self.engine.connect() as c:
            rows = c.execute(select(_CERT).where(_CERT.c.holder_hash == holder_hash)).all()
        return self._registry(rows).materials_needed(item, holder_hash, on)

    def verify_certificate(self, number: str, code: str) -> Certificate:
        """The QR page: the certificate when number and code match (a wrong code looks like none)."""
        with self.engine.connect() as c:
            r = c.execute(select(_CERT).where(_CERT.c.number == number)).first()
        if r is None or not hmac.compare_digest(r.code_hash, _code_hash(code)):
            raise not_found("certificate", "电子证照", number)
        return self._certificate(r)

    def record_print(self, number: str, *, hall: str, kiosk: str, now: float) -> int:
        """A self-print at a kiosk; returns the new count. Revoked certificates do not print."""
        cert = self.certificate(number)
        reg = CertificateRegistry(certificates={number: cert})
        reg.record_print(number, hall=hall, kiosk=kiosk, now=now)  # raises if revoked
        with self.engine.begin() as c:
            done = c.execute(
                update(CertificateRow)
                .where(_CERT.c.number == number, _CERT.c.revoked_at.is_(None))
                .values(prints=_CERT.c.prints + 1)
            )
            if done.rowcount != 1:
                raise conflict(
                    f"certificate {number} is revoked", f"证照 {number} 已注销，不能打印", number=number
                )
            return c.execute(select(_CERT.c.prints).where(_CERT.c.number == number)).scalar_one()

    def revoke_certificate(self, number: str, *, reason: str, by: str, now: float) -> None:
        cert = self.certificate(number)
        CertificateRegistry(certificates={number: cert}).revoke(number, reason=reason, by=by, now=now)
        with self.engine.begin() as c:
            done = c.execute(
                update(CertificateRow)
                .where(_CERT.c.number == number, _CERT.c.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason=reason.strip())
            )
        if done.rowcount != 1:
            raise conflict(f"certificate {number} is revoked already", f"证照 {number} 已注销", number=number)

    def print_count(self) -> int:
        with self.engine.connect() as c:
            return c.execute(select(func.coalesce(func.sum(_CERT.c.prints), 0))).scalar_one()

    # ---------------------------------------------------------------- feedback
    def _feedback(self) -> Feedback:
        return Feedback(self.calendar, timezone=self.timezone)

    def rate(
        self,
        evaluation_id: str,
        subject: Subject,
        service_event: str,
        level: int,
        source: Source | str,
        now: float,
        *,
        hall: str | None = None,
        window: int | None = None,
        clerk: str | None = None,
        comment: str = "",
    ) -> Evaluation:
        """好差评: one per service event (a second is a conflict); a bad one opens a follow-up."""
        fb = self._feedback()
        events = fb.rate(
            evaluation_id, subject, service_event, level, source, now,
            hall=hall, window=window, clerk=clerk, comment=comment,
        )  # fmt: skip
        fb.apply_all(events)
        ev = fb.evaluations[evaluation_id]
        try:
            with self.engine.begin() as c:
                c.execute(
                    insert(EvaluationRow).values(
                        id=ev.id,
                        subject_kind=ev.subject.kind,
                        subject_id=ev.subject.id,
                        service_event=ev.service_event,
                        level=int(ev.level),
                        source=ev.source.value,
                        at=ev.at,
                        hall=ev.hall,
                        window=ev.window,
                        clerk=ev.clerk,
                        comment=ev.comment,
                        follow_up_due=ev.follow_up_due,
                    )
                )
        except IntegrityError:
            raise conflict(
                f"this service of {subject.kind} {subject.id} has been rated already (or id {evaluation_id} is used)",
                "该次服务已评价，不能重复评价",
                subject=subject.id,
                service_event=service_event,
            ) from None
        return ev

    def _evaluation(self, r: Any) -> Evaluation:
        return evaluation_from_row(r, self.tz)

    def evaluation(self, evaluation_id: str) -> Evaluation:
        with self.engine.connect() as c:
            r = c.execute(select(_EV).where(_EV.c.id == evaluation_id)).first()
        if r is None:
            raise not_found("evaluation", "评价", evaluation_id)
        return self._evaluation(r)

    def evaluations_of(self, subject: Subject) -> list[Evaluation]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(_EV)
                .where(_EV.c.subject_kind == subject.kind, _EV.c.subject_id == subject.id)
                .order_by(_EV.c.at, _EV.c.id)
            ).all()
        return [self._evaluation(r) for r in rows]

    def rated_services(self, subject: Subject) -> set[str]:
        """The services of a case or ticket already rated (their ``service_event``)."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(_EV.c.service_event).where(_EV.c.subject_kind == subject.kind, _EV.c.subject_id == subject.id)
            ).scalars()
            return set(rows)

    def answer_follow_up(self, evaluation_id: str, answer: str, by: str, now: float) -> None:
        fb = self._feedback()
        ev = self.evaluation(evaluation_id)
        fb.evaluations[ev.id] = ev
        fb.answer_follow_up(evaluation_id, answer, by, now)  # the rules
        with self.engine.begin() as c:
            done = c.execute(
                update(EvaluationRow)
                .where(_EV.c.id == evaluation_id, _EV.c.follow_up_answer.is_(None))
                .values(follow_up_answer=answer.strip(), follow_up_by=by)
            )
        if done.rowcount != 1:
            raise conflict("the follow-up is answered already", "该差评已回复", evaluation=evaluation_id)

    def file_complaint(
        self,
        complaint_id: str,
        text: str,
        source: Source | str,
        now: float,
        *,
        subject: Subject | None = None,
        category: ComplaintCategory | str = ComplaintCategory.OTHER,
        phone_cipher: str | None = None,
    ) -> Complaint:
        """``phone_cipher``: the number to answer on, encrypted by the caller (the store holds no key)."""
        fb = self._feedback()
        fb.apply_all(
            fb.file_complaint(
                complaint_id, text, source, now, subject=subject, category=category, phone_cipher=phone_cipher
            )
        )
        co = fb.complaints[complaint_id]
        try:
            with self.engine.begin() as c:
                c.execute(
                    insert(ComplaintRow).values(
                        id=co.id,
                        text=co.text,
                        source=co.source.value,
                        filed_at=co.filed_at,
                        accept_due=co.accept_due,
                        subject_kind=co.subject.kind if co.subject else None,
                        subject_id=co.subject.id if co.subject else None,
                        category=co.category.value,
                        phone_cipher=co.phone_cipher,
                        state=co.state.value,
                        history={"steps": [[s.value, at, by] for s, at, by in co.history]},
                    )
                )
        except IntegrityError:
            raise conflict(f"complaint {complaint_id} exists", f"投诉 {complaint_id} 已存在") from None
        return co

    def complaint(self, complaint_id: str) -> Complaint:
        with self.engine.connect() as c:
            r = c.execute(select(_CO).where(_CO.c.id == complaint_id)).first()
        if r is None:
            raise not_found("complaint", "投诉", complaint_id)
        return complaint_from_row(r, self.tz)

    def _complaint_step(self, complaint_id: str, run: Callable[[Feedback], list[Event]]) -> Complaint:
        fb = self._feedback()
        before = self.complaint(complaint_id)
        fb.complaints[complaint_id] = before
        old_state = before.state
        fb.apply_all(run(fb))
        co = fb.complaints[complaint_id]
        with self.engine.begin() as c:
            done = c.execute(
                update(ComplaintRow)
                .where(_CO.c.id == complaint_id, _CO.c.state == old_state.value)
                .values(
                    state=co.state.value,
                    handler=co.handler,
                    answer_due=co.answer_due,
                    answer=co.answer,
                    # the answer's own step: closing must not forget the day it was answered
                    answered_at=next((at for s, at, _by in co.history if s is ComplaintState.ANSWERED), None),
                    history={"steps": [[s.value, at, by] for s, at, by in co.history]},
                )
            )
        if done.rowcount != 1:
            raise conflict(
                f"complaint {complaint_id} changed meanwhile",
                f"投诉 {complaint_id} 已被他人处理",
                complaint=complaint_id,
            )
        return co

    def accept_complaint(self, complaint_id: str, handler: str, now: float) -> Complaint:
        return self._complaint_step(complaint_id, lambda fb: fb.accept_complaint(complaint_id, handler, now))

    def answer_complaint(self, complaint_id: str, answer: str, by: str, now: float) -> Complaint:
        return self._complaint_step(
            complaint_id, lambda fb: fb.answer_complaint(complaint_id, answer, by, now)
        )

    def close_complaint(self, complaint_id: str, by: str, now: float) -> Complaint:
        return self._complaint_step(complaint_id, lambda fb: fb.close_complaint(complaint_id, by, now))
