"""The case (办件) state machine: pure rules, no I/O (functional core).

Commands check the rules against the current cases and return events; ``CaseBook.apply``
performs them, so a stored event log replays into the same cases. Callers pass ``now``
(POSIX seconds) and where the step happens (``Where``): who, which channel, hall, window.

    submitted ─┬─ accept ──────────► accepted ── start_review ──► in_review ─┬─► approved ── result_ready ──► result_ready ── hand_out ──► handed_out ── close ──► closed
               ├─ refuse ──────────► refused ── close ──► closed             └─► rejected ── close ──► closed
               └─ issue_notice ────► waiting_materials ── supplement ──► supplemented (then accept / refuse / issue_notice again)
    accept(commitment=True) (告知承诺) from submitted, waiting_materials or supplemented: accepted and approved at once,
    with a verification task for later. withdraw: before review, closes the case. A closed case never changes.

Rules carried here: first-inquiry responsibility (the first clerk who acts owns the case),
visits (in-person steps count once per local day; online and back-office steps do not),
one-time notice (a later notice asking for something not on the first is flagged),
parallel handling (one task per department, lead first; the case moves on when all decided).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.catalogue.model import ServiceItem
from queue_server.engine.errors import EngineError, bad_request, conflict, not_found
from queue_server.engine.events import Event

from .deadlines import DEFAULT_RULE, CardRule, Clock, Milestones, Pause, Watch
from .workdays import WorkCalendar

# Event types
CASE_SUBMITTED = "case.submitted"
CASE_ACCEPTED = "case.accepted"
CASE_REFUSED = "case.refused"
CASE_NOTICE_ISSUED = "case.notice_issued"
CASE_SUPPLEMENTED = "case.supplemented"
CASE_REVIEW_STARTED = "case.review_started"
CASE_TASK_DECIDED = "case.task_decided"
CASE_APPROVED = "case.approved"
CASE_REJECTED = "case.rejected"
CASE_RESULT_READY = "case.result_ready"
CASE_HANDED_OUT = "case.handed_out"
CASE_CLOSED = "case.closed"
CASE_WITHDRAWN = "case.withdrawn"
CASE_VERIFIED = "case.verified"


class CaseState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  # 受理
    REFUSED = "refused"  # 不予受理
    WAITING_MATERIALS = "waiting_materials"  # 一次性告知, waiting for 补正
    SUPPLEMENTED = "supplemented"  # 补正 received
    IN_REVIEW = "in_review"  # 后台审批
    APPROVED = "approved"
    REJECTED = "rejected"
    RESULT_READY = "result_ready"
    HANDED_OUT = "handed_out"  # 出件
    CLOSED = "closed"  # 办结

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    CaseState.SUBMITTED: "已申请",
    CaseState.ACCEPTED: "已受理",
    CaseState.REFUSED: "不予受理",
    CaseState.WAITING_MATERIALS: "待补正",
    CaseState.SUPPLEMENTED: "已补正",
    CaseState.IN_REVIEW: "审批中",
    CaseState.APPROVED: "已批准",
    CaseState.REJECTED: "不予批准",
    CaseState.RESULT_READY: "待出件",
    CaseState.HANDED_OUT: "已出件",
    CaseState.CLOSED: "已办结",
}


class Channel(StrEnum):
    WINDOW = "window"  # the visitor at a window
    KIOSK = "kiosk"  # the visitor at a self-service kiosk (incl. self-print)
    ONLINE = "online"  # web / mobile: no trip to the hall
    BACK_OFFICE = "back_office"  # clerks and departments without the visitor


IN_PERSON = frozenset({Channel.WINDOW, Channel.KIOSK})


class Role(StrEnum):
    APPLICANT = "applicant"
    AGENT = "agent"  # 委托代办
    CLERK = "clerk"
    DEPARTMENT = "department"
    SYSTEM = "system"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Where:
    """Who acts, through which channel, at which hall and window."""

    actor: str
    role: Role
    channel: Channel
    hall: str | None = None
    window: int | None = None

    def check(self) -> None:
        if not self.actor.strip():
            raise bad_request("who acts must be recorded", "必须记录经办人")
        if self.channel in IN_PERSON and not self.hall:
            raise bad_request(
                f"a step at a {self.channel.value} needs the hall",
                "现场办理必须记录大厅",
                channel=self.channel.value,
            )
        if self.channel is Channel.WINDOW and self.window is None:
            raise bad_request("a step at a window needs the window number", "窗口办理必须记录窗口号")

    def as_data(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "role": self.role.value,
            "channel": self.channel.value,
            "hall": self.hall,
            "window": self.window,
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Where:
        return cls(d["actor"], Role(d["role"]), Channel(d["channel"]), d.get("hall"), d.get("window"))


@dataclass(frozen=True, slots=True)
class Party:
    """An applicant or agent: a keyed hash of the ID number and a masked display name; an
    enterprise applicant (法人): the keyed hash of its unified social credit code, its
    ``credit_code`` and its registered name in full (both public, on its business licence)."""

    id_hash: str
    name_masked: str = ""
    credit_code: str = ""

    @property
    def enterprise(self) -> bool:
        return bool(self.credit_code)


@dataclass(frozen=True, slots=True)
class CaseItem:
    """What the case rules need of a catalogue item (see ``from_service_item``)."""

    code: str
    department: str  # accepting / lead department (牵头部门)
    statutory_days: int
    promised_days: int
    co_departments: tuple[str, ...] = ()
    commitment: bool = False  # 告知承诺 allowed
    yields_certificate: str | None = None
    materials: tuple[str, ...] = ()  # material codes of the guide; empty: not checked

    @classmethod
    def from_service_item(cls, item: ServiceItem) -> CaseItem:
        return cls(
            code=item.code,
            department=item.department,
            statutory_days=item.limits.statutory_days,
            promised_days=item.limits.promised_days,
            co_departments=tuple(item.co_departments),
            commitment=item.flags.commitment,
            yields_certificate=item.yields_certificate,
            materials=tuple(m.code for m in item.guide.materials),
        )

    @property
    def departments(self) -> tuple[str, ...]:
        return (self.department, *self.co_departments)


@dataclass(frozen=True, slots=True)
class Step:
    """One recorded transition: what, from which state to which, who, when, where."""

    action: str
    before: CaseState | None
    after: CaseState
    at: float
    day: date
    where: Where
    note: str = ""


@dataclass(frozen=True, slots=True)
class OneTimeNotice:
    """一次性告知: every missing material at once. ``new`` lists materials a later notice asks
    for that the first did not (flagged for the manager); ``asked_again`` those already given."""

    number: int
    materials: tuple[str, ...]
    at: float
    day: date
    by: str
    new: tuple[str, ...] = ()
    asked_again: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.new or self.asked_again)


@dataclass(slots=True)
class ParallelTask:
    """One department's share of a case (并联办理)."""

    department: str
    lead: bool
    opened_on: date
    limit_days: int
    decision: Decision | None = None
    reason: str = ""
    decided_at: float | None = None
    decided_by: str | None = None
    _ms: tuple[CardRule, Milestones] | None = field(default=None, compare=False, repr=False)

    def clock(self) -> Clock:
        return Clock(self.opened_on, self.limit_days)

    def milestones(self, cal: WorkCalendar, rule: CardRule = DEFAULT_RULE) -> Milestones:
        if self._ms is None or self._ms[0] is not rule:
            self._ms = (rule, self.clock().milestones(cal, rule))
        return self._ms[1]


@dataclass(slots=True)
class Verification:
    """The later check of a commitment-based approval (告知承诺核查)."""

    case: str
    opened_on: date
    due: date
    ok: bool | None = None
    note: str = ""
    checked_at: float | None = None
    checked_by: str = ""  # who checked, and in which hall
    checked_hall: str | None = None


@dataclass(slots=True)
class Case:
    id: str
    item: CaseItem
    applicant: Party
    agent: Party | None
    channel: Channel  # where it was submitted
    submitted_at: float
    submitted_on: date
    state: CaseState = CaseState.SUBMITTED
    first_inquiry_clerk: str | None = None
    commitment: bool = False
    steps: list[Step] = field(default_factory=list)
    notices: list[OneTimeNotice] = field(default_factory=list)
    materials_given: list[str] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    tasks: dict[str, ParallelTask] = field(default_factory=dict)
    visit_days: list[date] = field(default_factory=list)
    refusal_reason: str = ""
    rejection_reasons: dict[str, str] = field(default_factory=dict)
    handed_out_hall: str | None = None
    handed_out_by: Channel | None = None
    outcome: str | None = None  # how it closed: handed_out / refused / rejected / withdrawn
    completed_on: date | None = None  # the day the decision was made (for 三四三 of real cases)
    fields_cipher: str | None = None  # the application's typed fields, encrypted (appfields.py)
    _ms: tuple[CardRule, Milestones] | None = field(default=None, compare=False, repr=False)

    @property
    def visits(self) -> int:
        return len(self.visit_days)

    @property
    def closed(self) -> bool:
        return self.state is CaseState.CLOSED

    @property
    def approved(self) -> bool:
        return any(s.after is CaseState.APPROVED for s in self.steps)

    @property
    def flagged_notices(self) -> list[OneTimeNotice]:
        return [n for n in self.notices if n.flagged]

    @property
    def outstanding_materials(self) -> tuple[str, ...]:
        if not self.notices:
            return ()
        given = set(self.materials_given)
        return tuple(m for m in self.notices[-1].materials if m not in given)

    def clock(self, limit_days: int | None = None) -> Clock:
        """The case's clock on its promised limit (or ``limit_days``), from submission, paused during notices."""
        limit = self.item.promised_days if limit_days is None else limit_days
        return Clock(self.submitted_on, limit, tuple(self.pauses))

    def milestones(self, cal: WorkCalendar, rule: CardRule = DEFAULT_RULE) -> Milestones:
        """The days the case's card changes (cached until the next step)."""
        if self._ms is None or self._ms[0] is not rule:
            self._ms = (rule, self.clock().milestones(cal, rule))
        return self._ms[1]

    def working_days(self, cal: WorkCalendar) -> int | None:
        """Working days actually used up to the decision (notice pauses left out)."""
        if self.completed_on is None:
            return None
        return self.clock().used(cal, self.completed_on)


# Which states each command accepts.
_ALLOWED: dict[str, frozenset[CaseState]] = {
    "accept": frozenset({CaseState.SUBMITTED, CaseState.SUPPLEMENTED}),
    "accept_commitment": frozenset(
        {CaseState.SUBMITTED, CaseState.WAITING_MATERIALS, CaseState.SUPPLEMENTED}
    ),
    "refuse": frozenset({CaseState.SUBMITTED, CaseState.SUPPLEMENTED}),
    "issue_notice": frozenset({CaseState.SUBMITTED, CaseState.SUPPLEMENTED}),
    "supplement": frozenset({CaseState.WAITING_MATERIALS}),
    "start_review": frozenset({CaseState.ACCEPTED}),
    "decide_task": frozenset({CaseState.IN_REVIEW}),
    "result_ready": frozenset({CaseState.APPROVED}),
    "hand_out": frozenset({CaseState.RESULT_READY}),
    "close": frozenset({CaseState.REFUSED, CaseState.REJECTED, CaseState.HANDED_OUT}),
    "withdraw": frozenset(
        {CaseState.SUBMITTED, CaseState.WAITING_MATERIALS, CaseState.SUPPLEMENTED, CaseState.ACCEPTED}
    ),
}
ALLOWED_FROM: Mapping[str, frozenset[CaseState]] = _ALLOWED

_ACTION_ZH = {
    "accept": "受理",
    "accept_commitment": "告知承诺受理",
    "refuse": "不予受理",
    "issue_notice": "一次性告知",
    "supplement": "补正材料",
    "start_review": "转后台审批",
    "decide_task": "部门审批",
    "result_ready": "制证完成",
    "hand_out": "出件",
    "close": "办结",
    "withdraw": "撤回",
}


class CaseBook:
    """All cases of a city (cases are city-wide, 同城通办), and the verification tasks."""

    def __init__(
        self,
        calendar: WorkCalendar,
        *,
        timezone: str = "Asia/Shanghai",
        verification_days: int = 20,
        card_rule: CardRule = DEFAULT_RULE,
    ) -> None:
        self.calendar = calendar
        self.tz = ZoneInfo(timezone)
        self.verification_days = verification_days
        self.card_rule = card_rule
        self.cases: dict[str, Case] = {}
        self.verifications: dict[str, Verification] = {}

    # ------------------------------------------------------------------ helpers
    def day(self, now: float) -> date:
        return datetime.fromtimestamp(now, self.tz).date()

    def case(self, case_id: str) -> Case:
        c = self.cases.get(case_id)
        if c is None:
            raise not_found("case", "办件", case_id)
        return c

    def _check(self, case_id: str, action: str, where: Where) -> Case:
        c = self.case(case_id)
        where.check()
        if c.state is CaseState.CLOSED:
            raise conflict(
                f"case {c.id} is closed and cannot change",
                f"办件 {c.id} 已办结，不能再变更",
                case=c.id,
                action=action,
            )
        if c.state not in _ALLOWED[action]:
            allowed = ", ".join(sorted(s.value for s in _ALLOWED[action]))
            raise conflict(
                f"cannot {action.replace('_', ' ')} case {c.id}: it is {c.state.value} (needs {allowed})",
                f"办件 {c.id} 当前为「{c.state.zh}」，不能{_ACTION_ZH[action]}",
                case=c.id,
                state=c.state.value,
                action=action,
            )
        return c

    def _event(self, kind: str, c: Case | str, where: Where, now: float, **data: Any) -> Event:
        cid = c if isinstance(c, str) else c.id
        return Event(kind, now, {"case": cid, "where": where.as_data(), **data})

    # ----------------------------------------------------------------- commands
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
        fields_cipher: str | None = None,
    ) -> list[Event]:
        where.check()
        if case_id in self.cases:
            raise conflict(f"case {case_id} exists already", f"办件号 {case_id} 已存在", case=case_id)
        if where.channel is Channel.BACK_OFFICE:
            raise bad_request(
                "a case is submitted at a window, a kiosk or online", "办件只能在窗口、自助终端或网上申请"
            )
        if not applicant.id_hash:
            raise bad_request("the applicant must be identified", "必须登记申请人身份")
        if agent is not None and agent.id_hash == applicant.id_hash:
            raise bad_request("the agent and the applicant are the same person", "代办人与申请人为同一人")
        if where.role is Role.AGENT and agent is None:
            raise bad_request("an agent submitting must be recorded as agent", "代办申请必须登记代办人身份")
        self._check_materials(item, materials)
        return [
            self._event(
                CASE_SUBMITTED,
                case_id,
                where,
                now,
                item=_item_data(item),
                # [hash, name] of a person; [hash, name, credit code] of an enterprise
                applicant=[applicant.id_hash, applicant.name_masked, *([applicant.credit_code] if applicant.enterprise else [])],
                agent=[agent.id_hash, agent.name_masked] if agent else None,
                materials=list(materials),
                # The application's typed fields, encrypted by the caller (the core never
                # reads personal data): opaque here, in the log and in every replay.
                **({"fields_cipher": fields_cipher} if fields_cipher else {}),
            )
        ]

    def accept(
        self, case_id: str, where: Where, now: float, *, commitment: bool = False, materials: Sequence[str] = ()
    ) -> list[Event]:
        """受理. ``materials``: those handed in at the window as it accepts (the visitor brought
        the originals); they count as given from then on. Whether the item's required
        materials are all there is the caller's to check (it knows the catalogue's
        ``required`` flags and the certificates on file); this checks the last notice's."""
        self._clerk(where)
        handed = [m for m in materials if m.strip()]
        if not commitment:
            c = self._check(case_id, "accept", where)
            self._check_materials(c.item, handed)
            outstanding = [m for m in c.outstanding_materials if m not in handed]
            if outstanding:
                raise conflict(
                    f"case {c.id} still lacks {', '.join(outstanding)}",
                    f"办件 {c.id} 仍缺少材料：{'、'.join(outstanding)}",
                    case=c.id,
                    missing=outstanding,
                )
            return [
                self._event(
                    CASE_ACCEPTED, c, where, now, commitment=False, **({"materials": handed} if handed else {})
                )
            ]
        c = self._check(case_id, "accept_commitment", where)
        if not c.item.commitment:
            raise conflict(
                f"item {c.item.code} does not allow commitment-based approval",
                f"事项 {c.item.code} 不适用告知承诺",
                case=c.id,
                item=c.item.code,
            )
        due = self.calendar.add_workdays(self.day(now), self.verification_days)
        return [
            self._event(CASE_ACCEPTED, c, where, now, commitment=True, verify_by=due.isoformat()),
            self._event(CASE_APPROVED, c, where, now, commitment=True),
        ]

    def refuse(self, case_id: str, where: Where, now: float, reason: str) -> list[Event]:
        self._clerk(where)
        c = self._check(case_id, "refuse", where)
        if not reason.strip():
            raise bad_request("a refusal needs its legal reason", "不予受理必须说明法定理由", case=c.id)
        return [self._event(CASE_REFUSED, c, where, now, reason=reason.strip())]

    def issue_notice(self, case_id: str, where: Where, now: float, materials: Sequence[str]) -> list[Event]:
        self._clerk(where)
        c = self._check(case_id, "issue_notice", where)
        wanted = list(dict.fromkeys(m.strip() for m in materials if m.strip()))
        if not wanted:
            raise bad_request(
                "a one-time notice lists every missing material: none given",
                "一次性告知必须列明所有缺少的材料",
                case=c.id,
            )
        self._check_materials(c.item, wanted)
        first = set(c.notices[0].materials) if c.notices else set(wanted)
        given = set(c.materials_given)
        return [
            self._event(
                CASE_NOTICE_ISSUED,
                c,
                where,
                now,
                number=len(c.notices) + 1,
                materials=wanted,
                new=[m for m in wanted if m not in first],
                asked_again=[m for m in wanted if m in given],
            )
        ]

    def supplement(self, case_id: str, where: Where, now: float, materials: Sequence[str]) -> list[Event]:
        c = self._check(case_id, "supplement", where)
        given = [m for m in materials if m.strip()]
        if not given:
            raise bad_request("no materials supplemented", "未提交补正材料", case=c.id)
        self._check_materials(c.item, given)
        return [self._event(CASE_SUPPLEMENTED, c, where, now, materials=given)]

    def start_review(
        self, case_id: str, where: Where, now: float, *, limits: Mapping[str, int] | None = None
    ) -> list[Event]:
        """Send the case to its department(s); one task each, the lead first, each with its own limit."""
        c = self._check(case_id, "start_review", where)
        limits = dict(limits or {})
        unknown = set(limits) - set(c.item.departments)
        if unknown:
            raise bad_request(
                f"departments {sorted(unknown)} do not handle item {c.item.code}",
                f"部门 {'、'.join(sorted(unknown))} 不承办事项 {c.item.code}",
                case=c.id,
            )
        tasks = [
            {"department": d, "lead": i == 0, "limit_days": limits.get(d, c.item.promised_days)}
            for i, d in enumerate(c.item.departments)
        ]
        for t in tasks:
            if not 0 <= t["limit_days"] <= c.item.statutory_days:
                raise bad_request(
                    f"task limit for {t['department']} must be 0..{c.item.statutory_days} working days",
                    f"{t['department']} 的办理时限须在 0 至 {c.item.statutory_days} 个工作日之间",
                    case=c.id,
                )
        return [self._event(CASE_REVIEW_STARTED, c, where, now, tasks=tasks)]

    def decide_task(
        self,
        case_id: str,
        department: str,
        decision: Decision | str,
        where: Where,
        now: float,
        *,
        reason: str = "",
    ) -> list[Event]:
        c = self._check(case_id, "decide_task", where)
        task = c.tasks.get(department)
        if task is None:
            raise not_found("department task", "部门任务", f"{case_id}/{department}")
        if task.decision is not None:
            raise conflict(
                f"{department} has already decided case {c.id}: {task.decision.value}",
                f"{department} 已对办件 {c.id} 作出决定",
                case=c.id,
                department=department,
            )
        try:
            dec = Decision(decision)
        except ValueError:
            raise bad_request(f"unknown decision {decision!r}", f"未知的审批结论 {decision!r}") from None
        if dec is Decision.REJECTED and not reason.strip():
            raise bad_request(
                "a rejection carries its reason to the applicant", "不予批准必须说明理由", case=c.id
            )
        out = [
            self._event(
                CASE_TASK_DECIDED,
                c,
                where,
                now,
                department=department,
                decision=dec.value,
                reason=reason.strip(),
            )
        ]
        pending = [d for d, t in c.tasks.items() if t.decision is None and d != department]
        if not pending:
            reasons = {d: t.reason for d, t in c.tasks.items() if t.decision is Decision.REJECTED}
            if dec is Decision.REJECTED:
                reasons[department] = reason.strip()
            if reasons:
                out.append(self._event(CASE_REJECTED, c, where, now, reasons=reasons))
            else:
                out.append(self._event(CASE_APPROVED, c, where, now, commitment=False))
        return out

    def result_ready(self, case_id: str, where: Where, now: float) -> list[Event]:
        c = self._check(case_id, "result_ready", where)
        return [self._event(CASE_RESULT_READY, c, where, now)]

    def hand_out(self, case_id: str, where: Where, now: float) -> list[Event]:
        """At the pick-up window or a self-print kiosk of any hall of the city (同城通办), or
        online (e-result or post: no trip, 零跑动)."""
        c = self._check(case_id, "hand_out", where)
        if where.channel is Channel.BACK_OFFICE:
            raise bad_request(
                "results are handed out at a pick-up window, a self-print kiosk or online",
                "办理结果须在出件窗口、自助打印终端领取或网上送达",
                case=c.id,
            )
        return [self._event(CASE_HANDED_OUT, c, where, now)]

    def close(self, case_id: str, where: Where, now: float) -> list[Event]:
        c = self._check(case_id, "close", where)
        return [self._event(CASE_CLOSED, c, where, now)]

    def withdraw(self, case_id: str, where: Where, now: float) -> list[Event]:
        c = self._check(case_id, "withdraw", where)
        if where.role not in (Role.APPLICANT, Role.AGENT, Role.CLERK):
            raise bad_request("only the applicant (or a clerk for them) withdraws", "只有申请人可以撤回申请")
        return [self._event(CASE_WITHDRAWN, c, where, now)]

    def verify(self, case_id: str, where: Where, now: float, *, ok: bool, note: str = "") -> list[Event]:
        """Record the later check of a commitment-based approval; works after the case closed
        (the case itself does not change; a failed check is for the department to act on)."""
        where.check()
        v = self.verifications.get(case_id)
        if v is None:
            raise not_found("verification task", "核查任务", case_id)
        if v.ok is not None:
            raise conflict(
                f"case {case_id} has been verified already", f"办件 {case_id} 已核查", case=case_id
            )
        if not ok and not note.strip():
            raise bad_request("a failed verification needs a note", "核查不通过必须说明情况", case=case_id)
        return [self._event(CASE_VERIFIED, case_id, where, now, ok=ok, note=note.strip())]

    @staticmethod
    def _clerk(where: Where) -> None:
        if where.role is not Role.CLERK:
            raise bad_request(
                "only a clerk accepts, refuses or issues a notice",
                "只有窗口工作人员可以受理、不予受理或一次性告知",
            )

    @staticmethod
    def _check_materials(item: CaseItem, materials: Iterable[str]) -> None:
        if not item.materials:
            return
        unknown = [m for m in materials if m not in item.materials]
        if unknown:
            raise bad_request(
                f"materials {unknown} are not in the guide of item {item.code}",
                f"材料 {'、'.join(unknown)} 不在事项 {item.code} 的申请材料清单中",
                item=item.code,
                unknown=unknown,
            )

    # -------------------------------------------------------------------- apply
    def apply(self, e: Event) -> None:
        handler = _APPLY.get(e.type)
        if handler is None:
            raise EngineError("internal", f"unknown event type {e.type}", f"未知事件类型 {e.type}")
        handler(self, e)

    def apply_all(self, events: Iterable[Event]) -> None:
        for e in events:
            self.apply(e)

    def _step(self, c: Case, e: Event, action: str, after: CaseState, note: str = "") -> None:
        where = Where.from_data(e.data["where"])
        day = self.day(e.at)
        c.steps.append(Step(action, c.state, after, e.at, day, where, note))
        c.state = after
        c._ms = None  # the clock may have paused or resumed
        if where.channel in IN_PERSON and day not in c.visit_days:
            c.visit_days.append(day)
        if c.first_inquiry_clerk is None and where.role is Role.CLERK:
            c.first_inquiry_clerk = where.actor

    def _on_submitted(self, e: Event) -> None:
        d = e.data
        a = d["applicant"]
        c = Case(
            id=d["case"],
            item=CaseItem(
                **{
                    **d["item"],
                    "co_departments": tuple(d["item"]["co_departments"]),
                    "materials": tuple(d["item"]["materials"]),
                }
            ),
            applicant=Party(a[0], a[1], a[2] if len(a) > 2 else ""),
            agent=Party(*d["agent"]) if d.get("agent") else None,
            channel=Channel(d["where"]["channel"]),
            submitted_at=e.at,
            submitted_on=self.day(e.at),
            materials_given=list(d.get("materials", ())),
            fields_cipher=d.get("fields_cipher"),
        )
        self.cases[c.id] = c
        c.steps.append(
            Step("submit", None, CaseState.SUBMITTED, e.at, c.submitted_on, Where.from_data(d["where"]))
        )
        where = Where.from_data(d["where"])
        if where.channel in IN_PERSON:
            c.visit_days.append(c.submitted_on)
        if where.role is Role.CLERK:
            c.first_inquiry_clerk = where.actor

    def _on_accepted(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        for m in e.data.get("materials", ()):
            if m not in c.materials_given:
                c.materials_given.append(m)
        self._resume(c, self.day(e.at))
        if e.data.get("commitment"):
            c.commitment = True
            day = self.day(e.at)
            self.verifications[c.id] = Verification(c.id, day, date.fromisoformat(e.data["verify_by"]))
            self._step(c, e, "accept_commitment", CaseState.ACCEPTED)
        else:
            self._step(c, e, "accept", CaseState.ACCEPTED)

    def _on_refused(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        c.refusal_reason = e.data["reason"]
        c.completed_on = self.day(e.at)
        self._step(c, e, "refuse", CaseState.REFUSED, e.data["reason"])

    def _on_notice(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        d = e.data
        day = self.day(e.at)
        c.notices.append(
            OneTimeNotice(
                d["number"],
                tuple(d["materials"]),
                e.at,
                day,
                d["where"]["actor"],
                tuple(d["new"]),
                tuple(d["asked_again"]),
            )
        )
        c.pauses.append(Pause(day))
        self._step(c, e, "issue_notice", CaseState.WAITING_MATERIALS, "、".join(d["materials"]))

    def _resume(self, c: Case, day: date) -> None:
        if c.pauses and c.pauses[-1].end is None:
            c.pauses[-1] = Pause(c.pauses[-1].start, max(day, c.pauses[-1].start))

    def _on_supplemented(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        for m in e.data["materials"]:
            if m not in c.materials_given:
                c.materials_given.append(m)
        self._resume(c, self.day(e.at))
        self._step(c, e, "supplement", CaseState.SUPPLEMENTED, "、".join(e.data["materials"]))

    def _on_review_started(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        day = self.day(e.at)
        c.tasks = {
            t["department"]: ParallelTask(t["department"], t["lead"], day, t["limit_days"])
            for t in e.data["tasks"]
        }
        self._step(c, e, "start_review", CaseState.IN_REVIEW)

    def _on_task_decided(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        t = c.tasks[e.data["department"]]
        t.decision = Decision(e.data["decision"])
        t.reason = e.data["reason"]
        t.decided_at = e.at
        t.decided_by = e.data["where"]["actor"]
        self._step(c, e, f"decide:{t.department}", c.state, t.reason)  # no state change by itself

    def _on_approved(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        c.completed_on = self.day(e.at)
        self._step(c, e, "approve", CaseState.APPROVED)

    def _on_rejected(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        c.rejection_reasons = dict(e.data["reasons"])
        c.completed_on = self.day(e.at)
        self._step(
            c, e, "reject", CaseState.REJECTED, "; ".join(f"{k}: {v}" for k, v in c.rejection_reasons.items())
        )

    def _on_result_ready(self, e: Event) -> None:
        self._step(self.cases[e.data["case"]], e, "result_ready", CaseState.RESULT_READY)

    def _on_handed_out(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        c.handed_out_hall = e.data["where"]["hall"]
        c.handed_out_by = Channel(e.data["where"]["channel"])
        self._step(c, e, "hand_out", CaseState.HANDED_OUT)

    def _on_closed(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        c.outcome = {
            CaseState.HANDED_OUT: "handed_out",
            CaseState.REFUSED: "refused",
            CaseState.REJECTED: "rejected",
        }[c.state]
        self._step(c, e, "close", CaseState.CLOSED)

    def _on_withdrawn(self, e: Event) -> None:
        c = self.cases[e.data["case"]]
        c.outcome = "withdrawn"
        self._resume(c, self.day(e.at))
        self._step(c, e, "withdraw", CaseState.CLOSED)

    def _on_verified(self, e: Event) -> None:
        v = self.verifications[e.data["case"]]
        v.ok = e.data["ok"]
        v.note = e.data["note"]
        v.checked_at = e.at
        where = e.data.get("where") or {}
        v.checked_by = where.get("actor", "")
        v.checked_hall = where.get("hall")

    # -------------------------------------------------------------------- views
    def cases_of(self, id_hash: str, *, include_closed: bool = False) -> list[Case]:
        """A visitor's cases as applicant or agent, newest first (kiosk ID sign-in, progress by ID card).
        The first-inquiry clerk of an open one is who a returning visitor's ticket goes to."""
        return sorted(
            (
                c
                for c in self.cases.values()
                if id_hash in (c.applicant.id_hash, c.agent.id_hash if c.agent else None)
                and (include_closed or not c.closed)
            ),
            key=lambda c: (c.submitted_at, c.id),
            reverse=True,
        )

    def progress(
        self, case_id: str, today: date, officers: Mapping[str, tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        """The public progress page (办件进度): state, steps with the handling officer's name and
        phone (``officers``: id -> (name, phone)), missing materials, deadline, card. No ID data."""
        c = self.case(case_id)
        officers = officers or {}

        def officer(actor: str) -> dict[str, str] | None:
            found = officers.get(actor)
            return {"name": found[0], "phone": found[1]} if found else None

        m = c.milestones(self.calendar, self.card_rule)
        open_ = c.completed_on is None and not c.closed
        return {
            "case": c.id,
            "item": c.item.code,
            "state": c.state.value,
            "state_zh": c.state.zh,
            "applicant": c.applicant.name_masked,
            "agent": c.agent.name_masked if c.agent else None,
            "handling_officer": officer(c.first_inquiry_clerk) if c.first_inquiry_clerk else None,
            "steps": [
                {
                    "action": s.action,
                    "state": s.after.value,
                    "state_zh": s.after.zh,
                    "at": s.at,
                    "hall": s.where.hall,
                    "window": s.where.window,
                    "channel": s.where.channel.value,
                    "officer": officer(s.where.actor)
                    if s.where.role in (Role.CLERK, Role.DEPARTMENT)
                    else None,
                    "note": s.note,
                }
                for s in c.steps
            ],
            "missing_materials": list(c.outstanding_materials)
            if c.state is CaseState.WAITING_MATERIALS
            else [],
            "departments": [
                {
                    "department": t.department,
                    "lead": t.lead,
                    "decision": t.decision.value if t.decision else None,
                }
                for t in c.tasks.values()
            ],
            "reasons": c.rejection_reasons or ({"refusal": c.refusal_reason} if c.refusal_reason else {}),
            "promised_days": c.item.promised_days,
            "due": (m.due or c.clock().due(self.calendar, today)).isoformat() if open_ else None,
            "card": m.card(today).value if open_ else None,
            "paused": c.clock().is_paused(),
            "visits": c.visits,
        }

    def my_cases(self, clerk: str, *, include_closed: bool = False) -> list[Case]:
        """The cases a clerk is first-inquiry officer of (首问负责), oldest first."""
        return sorted(
            (
                c
                for c in self.cases.values()
                if c.first_inquiry_clerk == clerk and (include_closed or not c.closed)
            ),
            key=lambda c: (c.submitted_at, c.id),
        )

    def flagged_notices(self) -> list[tuple[str, OneTimeNotice]]:
        """Later notices that asked for something the first one did not (for the manager)."""
        return [(c.id, n) for c in self.cases.values() for n in c.notices if n.flagged]

    def watches(self, today: date) -> list[Watch]:
        """Deadline lines of every open case (decision not yet made) and of each undecided
        department task. Cards come from cached ``Milestones``: a few comparisons per line."""
        out: list[Watch] = []
        cal, rule = self.calendar, self.card_rule
        today_ord = cal.ordinal(today)
        for c in self.cases.values():
            if c.completed_on is not None or c.closed:
                continue
            lines = [(c.item.department, False, c.milestones(cal, rule), c)]
            lines += [
                (t.department, True, t.milestones(cal, rule), t)
                for t in c.tasks.values()
                if t.decision is None
            ]
            for department, task, m, owner in lines:
                held = m.held_card is not None
                out.append(
                    Watch(
                        c.id,
                        c.item.code,
                        department,
                        task,
                        m.limit_days,
                        m.remaining(today_ord),
                        m.due if m.due is not None else _held_due(cal, today, m, owner.clock()),
                        m.card(today),
                        held,
                        c.first_inquiry_clerk,
                    )
                )
        return out

    def overdue_verifications(self, today: date) -> list[Verification]:
        return sorted(
            (v for v in self.verifications.values() if v.ok is None and v.due < today),
            key=lambda v: (v.due, v.case),
        )


def _held_due(cal: WorkCalendar, today: date, m: Milestones, clock: Clock) -> date:
    """While paused the due date moves on day by day: today plus the working days left."""
    left = m.held_remaining
    return cal.add_workdays(today, left) if left is not None and left >= 1 else clock.due(cal, today)


def _item_data(item: CaseItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "department": item.department,
        "statutory_days": item.statutory_days,
        "promised_days": item.promised_days,
        "co_departments": list(item.co_departments),
        "commitment": item.commitment,
        "yields_certificate": item.yields_certificate,
        "materials": list(item.materials),
    }


_APPLY = {
    CASE_SUBMITTED: CaseBook._on_submitted,
    CASE_ACCEPTED: CaseBook._on_accepted,
    CASE_REFUSED: CaseBook._on_refused,
    CASE_NOTICE_ISSUED: CaseBook._on_notice,
    CASE_SUPPLEMENTED: CaseBook._on_supplemented,
    CASE_REVIEW_STARTED: CaseBook._on_review_started,
    CASE_TASK_DECIDED: CaseBook._on_task_decided,
    CASE_APPROVED: CaseBook._on_approved,
    CASE_REJECTED: CaseBook._on_rejected,
    CASE_RESULT_READY: CaseBook._on_result_ready,
    CASE_HANDED_OUT: CaseBook._on_handed_out,
    CASE_CLOSED: CaseBook._on_closed,
    CASE_WITHDRAWN: CaseBook._on_withdrawn,
    CASE_VERIFIED: CaseBook._on_verified,
}
