"""好差评 (evaluation) and 投诉 (complaints): pure rules, events in, events out.

An evaluation rates one service event (a case step, or a ticket where no case exists) at one
of five levels, from the kiosk, an evaluation keypad or the web; a second rating of the same
service event is refused. A bad rating (不满意, 非常不满意) opens a follow-up due in 15 working
days. A complaint goes filed → accepted → answered → closed, with working-day deadlines for
accepting and for answering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from queue_server.engine.errors import EngineError, bad_request, conflict, not_found
from queue_server.engine.events import Event

from .workdays import WorkCalendar

EVALUATION_RATED = "evaluation.rated"
FOLLOW_UP_ANSWERED = "evaluation.follow_up_answered"
COMPLAINT_FILED = "complaint.filed"
COMPLAINT_ACCEPTED = "complaint.accepted"
COMPLAINT_ANSWERED = "complaint.answered"
COMPLAINT_CLOSED = "complaint.closed"

FOLLOW_UP_DAYS = 15


class Level(IntEnum):
    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 非常不满意

    @property
    def zh(self) -> str:
        return {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}[self.value]

    @property
    def bad(self) -> bool:
        return self <= Level.DISSATISFIED


class Source(StrEnum):
    KIOSK = "kiosk"
    KEYPAD = "keypad"
    WEB = "web"


@dataclass(frozen=True, slots=True)
class Subject:
    """What is rated: a case or, where no case exists, a ticket."""

    kind: str  # "case" or "ticket"
    id: str

    def __post_init__(self) -> None:
        if self.kind not in ("case", "ticket") or not self.id:
            raise bad_request("rate a case or a ticket", "评价对象须为办件或票号", kind=self.kind)


@dataclass(slots=True)
class Evaluation:
    id: str
    subject: Subject
    service_event: str  # e.g. the step or the ticket visit rated
    level: Level
    source: Source
    at: float
    day: date
    hall: str | None = None
    window: int | None = None
    clerk: str | None = None
    comment: str = ""
    follow_up_due: date | None = None
    follow_up_answer: str | None = None
    follow_up_by: str | None = None


class ComplaintState(StrEnum):
    FILED = "filed"
    ACCEPTED = "accepted"
    ANSWERED = "answered"
    CLOSED = "closed"


class ComplaintCategory(StrEnum):
    """What a complaint is about (投诉类别), as the kiosk's complaint screen offers them."""

    ATTITUDE = "attitude"  # 服务态度
    EFFICIENCY = "efficiency"  # 办事效率
    DISCIPLINE = "discipline"  # 工作纪律
    FACILITIES = "facilities"  # 环境设施
    OTHER = "other"  # 其他

    @property
    def label(self) -> dict[str, str]:
        return COMPLAINT_CATEGORY_LABEL[self]


COMPLAINT_CATEGORY_LABEL = {
    ComplaintCategory.ATTITUDE: {"zh": "服务态度", "en": "Service attitude"},
    ComplaintCategory.EFFICIENCY: {"zh": "办事效率", "en": "Efficiency"},
    ComplaintCategory.DISCIPLINE: {"zh": "工作纪律", "en": "Work discipline"},
    ComplaintCategory.FACILITIES: {"zh": "环境设施", "en": "Facilities"},
    ComplaintCategory.OTHER: {"zh": "其他", "en": "Other"},
}


def complaint_category(value: object) -> ComplaintCategory:
    """``value`` as a category, or a ``bad_request`` naming the field ``category`` and the
    choices (never quoting the value: it may be anything typed into the wrong field)."""
    try:
        return ComplaintCategory(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError):
        raise bad_request(
            "category must be one of " + ", ".join(c.value for c in ComplaintCategory),
            "投诉类别（category）应为以下之一："
            + "、".join(f"{c.value}（{c.label['zh']}）" for c in ComplaintCategory),
            field="category",
        ) from None


@dataclass(slots=True)
class Complaint:
    id: str
    text: str
    source: Source
    filed_at: float
    filed_on: date
    accept_due: date
    subject: Subject | None = None
    category: ComplaintCategory = ComplaintCategory.OTHER
    phone_cipher: str | None = None  # the number to answer on, encrypted (privacy.encrypt_text)
    state: ComplaintState = ComplaintState.FILED
    handler: str | None = None
    answer_due: date | None = None
    answer: str | None = None
    answered_on: date | None = None
    history: list[tuple[ComplaintState, float, str]] = field(default_factory=list)

    def due(self) -> date | None:
        return {ComplaintState.FILED: self.accept_due, ComplaintState.ACCEPTED: self.answer_due}.get(
            self.state
        )


@dataclass(frozen=True, slots=True)
class Overdue:
    kind: str  # "follow_up", "complaint_accept", "complaint_answer"
    id: str
    due: date
    days_late: int


class Feedback:
    """Evaluations, their follow-ups and complaints."""

    def __init__(
        self,
        calendar: WorkCalendar,
        *,
        timezone: str = "Asia/Shanghai",
        follow_up_days: int = FOLLOW_UP_DAYS,
        complaint_accept_days: int = 2,
        complaint_answer_days: int = 15,
    ) -> None:
        self.calendar = calendar
        self.tz = ZoneInfo(timezone)
        self.follow_up_days = follow_up_days
        self.complaint_accept_days = complaint_accept_days
        self.complaint_answer_days = complaint_answer_days
        self.evaluations: dict[str, Evaluation] = {}
        self._rated: dict[tuple[Subject, str], str] = {}
        self.complaints: dict[str, Complaint] = {}

    def day(self, now: float) -> date:
        return datetime.fromtimestamp(now, self.tz).date()

    # ----------------------------------------------------------------- commands
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
    ) -> list[Event]:
        try:
            lvl = Level(level)
        except ValueError:
            raise bad_request(
                f"a rating is 1 to 5, not {level!r}", f"评价等级须为1至5，不能是 {level!r}"
            ) from None
        try:
            src = Source(source)
        except ValueError:
            raise bad_request(f"unknown rating source {source!r}", f"未知的评价渠道 {source!r}") from None
        if evaluation_id in self.evaluations:
            raise conflict(f"evaluation {evaluation_id} exists", f"评价 {evaluation_id} 已存在")
        if not service_event:
            raise bad_request("say which service is rated", "须指明被评价的服务")
        if (subject, service_event) in self._rated:
            raise conflict(
                f"this service of {subject.kind} {subject.id} has been rated already",
                "该次服务已评价，不能重复评价",
                subject=subject.id,
                service_event=service_event,
            )
        data = {
            "evaluation": evaluation_id,
            "subject": [subject.kind, subject.id],
            "service_event": service_event,
            "level": int(lvl),
            "source": src.value,
            "hall": hall,
            "window": window,
            "clerk": clerk,
            "comment": comment.strip(),
        }
        if lvl.bad:
            data["follow_up_due"] = self.calendar.add_workdays(self.day(now), self.follow_up_days).isoformat()
        return [Event(EVALUATION_RATED, now, data)]

    def answer_follow_up(self, evaluation_id: str, answer: str, by: str, now: float) -> list[Event]:
        ev = self.evaluations.get(evaluation_id)
        if ev is None:
            raise not_found("evaluation", "评价", evaluation_id)
        if ev.follow_up_due is None:
            raise conflict(
                "only a bad rating has a follow-up", "只有差评需要整改回访", evaluation=evaluation_id
            )
        if ev.follow_up_answer is not None:
            raise conflict("the follow-up is answered already", "该差评已回复", evaluation=evaluation_id)
        if not answer.strip():
            raise bad_request("the answer is empty", "回复内容不能为空")
        return [
            Event(FOLLOW_UP_ANSWERED, now, {"evaluation": evaluation_id, "answer": answer.strip(), "by": by})
        ]

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
    ) -> list[Event]:
        """``phone_cipher`` is the caller's: the core never sees the number in clear."""
        if complaint_id in self.complaints:
            raise conflict(f"complaint {complaint_id} exists", f"投诉 {complaint_id} 已存在")
        if not text.strip():
            raise bad_request("a complaint needs its text", "投诉内容不能为空")
        try:
            src = Source(source)
        except ValueError:
            raise bad_request(f"unknown complaint source {source!r}", f"未知的投诉渠道 {source!r}") from None
        cat = complaint_category(category)
        accept_due = self.calendar.add_workdays(self.day(now), self.complaint_accept_days)
        return [
            Event(
                COMPLAINT_FILED,
                now,
                {
                    "complaint": complaint_id,
                    "text": text.strip(),
                    "source": src.value,
                    "subject": [subject.kind, subject.id] if subject else None,
                    "category": cat.value,
                    "phone_cipher": phone_cipher,
                    "accept_due": accept_due.isoformat(),
                },
            )
        ]

    def _complaint(self, complaint_id: str, state: ComplaintState, action_zh: str) -> Complaint:
        c = self.complaints.get(complaint_id)
        if c is None:
            raise not_found("complaint", "投诉", complaint_id)
        if c.state is not state:
            raise conflict(
                f"complaint {complaint_id} is {c.state.value}, needs {state.value}",
                f"投诉 {complaint_id} 当前状态不能{action_zh}",
                complaint=complaint_id,
                state=c.state.value,
            )
        return c

    def accept_complaint(self, complaint_id: str, handler: str, now: float) -> list[Event]:
        self._complaint(complaint_id, ComplaintState.FILED, "受理")
        due = self.calendar.add_workdays(self.day(now), self.complaint_answer_days)
        return [
            Event(
                COMPLAINT_ACCEPTED,
                now,
                {"complaint": complaint_id, "handler": handler, "answer_due": due.isoformat()},
            )
        ]

    def answer_complaint(self, complaint_id: str, answer: str, by: str, now: float) -> list[Event]:
        self._complaint(complaint_id, ComplaintState.ACCEPTED, "答复")
        if not answer.strip():
            raise bad_request("the answer is empty", "答复内容不能为空")
        return [
            Event(COMPLAINT_ANSWERED, now, {"complaint": complaint_id, "answer": answer.strip(), "by": by})
        ]

    def close_complaint(self, complaint_id: str, by: str, now: float) -> list[Event]:
        self._complaint(complaint_id, ComplaintState.ANSWERED, "结案")
        return [Event(COMPLAINT_CLOSED, now, {"complaint": complaint_id, "by": by})]

    # -------------------------------------------------------------------- apply
    def apply(self, e: Event) -> None:
        d = e.data
        if e.type == EVALUATION_RATED:
            subject = Subject(*d["subject"])
            ev = Evaluation(
                id=d["evaluation"],
                subject=subject,
                service_event=d["service_event"],
                level=Level(d["level"]),
                source=Source(d["source"]),
                at=e.at,
                day=self.day(e.at),
                hall=d.get("hall"),
                window=d.get("window"),
                clerk=d.get("clerk"),
                comment=d.get("comment", ""),
                follow_up_due=date.fromisoformat(d["follow_up_due"]) if d.get("follow_up_due") else None,
            )
            self.evaluations[ev.id] = ev
            self._rated[(subject, ev.service_event)] = ev.id
        elif e.type == FOLLOW_UP_ANSWERED:
            ev = self.evaluations[d["evaluation"]]
            ev.follow_up_answer = d["answer"]
            ev.follow_up_by = d["by"]
        elif e.type == COMPLAINT_FILED:
            c = Complaint(
                id=d["complaint"],
                text=d["text"],
                source=Source(d["source"]),
                filed_at=e.at,
                filed_on=self.day(e.at),
                accept_due=date.fromisoformat(d["accept_due"]),
                subject=Subject(*d["subject"]) if d.get("subject") else None,
                category=ComplaintCategory(d.get("category", "other")),
                phone_cipher=d.get("phone_cipher"),
            )
            c.history.append((ComplaintState.FILED, e.at, ""))
            self.complaints[c.id] = c
        elif e.type == COMPLAINT_ACCEPTED:
            c = self.complaints[d["complaint"]]
            c.state, c.handler = ComplaintState.ACCEPTED, d["handler"]
            c.answer_due = date.fromisoformat(d["answer_due"])
            c.history.append((c.state, e.at, d["handler"]))
        elif e.type == COMPLAINT_ANSWERED:
            c = self.complaints[d["complaint"]]
            c.state, c.answer, c.answered_on = ComplaintState.ANSWERED, d["answer"], self.day(e.at)
            c.history.append((c.state, e.at, d["by"]))
        elif e.type == COMPLAINT_CLOSED:
            c = self.complaints[d["complaint"]]
            c.state = ComplaintState.CLOSED
            c.history.append((c.state, e.at, d["by"]))
        else:
            raise EngineError("internal", f"unknown event type {e.type}", f"未知事件类型 {e.type}")

    def apply_all(self, events: Iterable[Event]) -> None:
        for e in events:
            self.apply(e)

    # -------------------------------------------------------------------- views
    def overdue(self, today: date) -> list[Overdue]:
        """Follow-ups and complaints past their working-day deadline, most late first."""
        cal = self.calendar
        out: list[Overdue] = []
        for ev in self.evaluations.values():
            if ev.follow_up_due and ev.follow_up_answer is None and today > ev.follow_up_due:
                out.append(
                    Overdue(
                        "follow_up", ev.id, ev.follow_up_due, cal.workdays_between(ev.follow_up_due, today)
                    )
                )
        for c in self.complaints.values():
            due = c.due()
            if due is not None and today > due:
                kind = "complaint_accept" if c.state is ComplaintState.FILED else "complaint_answer"
                out.append(Overdue(kind, c.id, due, cal.workdays_between(due, today)))
        return sorted(out, key=lambda o: (-o.days_late, o.due, o.id))
