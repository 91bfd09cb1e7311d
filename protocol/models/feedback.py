"""Request and reply models: the visitor's feedback and the manager's follow-up of it.

好差评 (``case.rate``, ``ticket.rate``), complaints (投诉) from filing to closing
(``complaint.*``) and the follow-ups (差评整改) bad ratings open (``followup.*``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema

from protocol.fields import (
    CASE_ID,
    CLERK_ID,
    EVALUATION_ID,
    WORD,
    Bilingual,
    CaseId,
    CheckCode,
    ComplaintId,
    FieldError,
    Flag,
    IdNumber,
    OptCheckCode,
    OptPhone,
    OptToken,
    TicketId,
    absent,
    code,
    defaulted,
    integer,
    text,
)
from protocol.models.base import Answer, Body, Part, Spec

Source = Literal["kiosk", "keypad", "web"]
ComplaintState = Literal["filed", "accepted", "answered", "closed"]
Category = Literal["attitude", "efficiency", "discipline", "facilities", "other"]

#: The complaint categories (``cases.ComplaintCategory``) with their labels, as the kiosk's
#: complaint screen offers them.
CATEGORY_LABEL: dict[str, Bilingual] = {
    "attitude": Bilingual(zh="服务态度", en="Service attitude"),
    "efficiency": Bilingual(zh="办事效率", en="Efficiency"),
    "discipline": Bilingual(zh="工作纪律", en="Work discipline"),
    "facilities": Bilingual(zh="环境设施", en="Facilities"),
    "other": Bilingual(zh="其他", en="Other"),
}


def _category(v: object, info: ValidationInfo) -> str:
    """A complaint's category; not given: "other". Refused with the handler's own words
    (``cases.evaluation.complaint_category``), which list the choices."""
    if absent(v):
        return "other"
    value = v.strip() if isinstance(v, str) else v
    if isinstance(value, str) and value in CATEGORY_LABEL:
        return value
    raise FieldError(
        "category",
        "category must be one of " + ", ".join(CATEGORY_LABEL),
        "投诉类别（category）应为以下之一："
        + "、".join(f"{c}（{lb.zh}）" for c, lb in CATEGORY_LABEL.items()),
    )


#: A complaint category word (default "other").
ComplaintCategory = Annotated[
    str,
    BeforeValidator(_category),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(CATEGORY_LABEL),
            "default": "other",
            "description": ", ".join(f"{c}: {lb.zh} ({lb.en})" for c, lb in CATEGORY_LABEL.items()),
        }
    ),
]

Level = integer(
    1, 5, description="5 非常满意 (very satisfied) … 1 非常不满意 (very dissatisfied)", examples=[5]
)
Comment = defaulted(
    text(500, multiline=True, optional=True, description="what the visitor wrote (optional)"), ""
)
Answered = text(4000, multiline=True)
EvaluationId = code(EVALUATION_ID, description="an evaluation's id (from followup.list)")
#: The most entries a manager's list answers at once, and how many when ``limit`` is not given.
MAX_LISTED, LISTED = 500, 100


#: ``limit`` of the manager's lists: 1..500, more is refused, not cut; default 100.
Limit = defaulted(
    integer(1, MAX_LISTED, optional=True, description=f"at most this many (default {LISTED}; more is refused, not cut)"),
    LISTED,
)
Overdue = Field(False, description="only those past their deadline")
ComplaintText = text(2000, multiline=True, description="what happened")
OptCaseId = code(
    CASE_ID, optional=True, examples=["NS-20261126-000001"], description="the case complained about"
)
MaskedPhone = Field(
    description="masked: 138****5678 (0755-****0101 for a landline)", examples=["138****5678"]
)


# ------------------------------------------------------------------ parts
class Staff(Part):
    """A member of staff as replies show them: id and name (staff names are on the window
    screens anyway); the name is null for a clerk no longer configured in this hall."""

    id: str = Field(examples=["c01"])
    name: str | None


# ------------------------------------------------------------------ case.rate, ticket.rate
class CaseRate(Body):
    """好差评 of a case's latest service, by the visitor: the case number with its check code,
    or at a kiosk the ID card of the applicant."""

    case: CaseId
    code: OptCheckCode = Field(None, description="the case's check code (查询码), printed on the receipt")
    id_number: IdNumber = Field(
        None, description="at a kiosk: the ID card just read, instead of the check code"
    )
    level: Level
    comment: Comment = ""


class TicketRate(Body):
    """好差评 of a window's service where no case exists, keyed to the ticket: from the window's
    evaluation keypad, a kiosk or the web (with the slip's token, or at a kiosk the ID card
    the ticket was taken with)."""

    ticket: TicketId
    level: Level
    comment: Comment = ""
    token: OptToken = Field(
        None, description="the token printed on the slip (not needed on the window's keypad)"
    )
    id_number: IdNumber = Field(None, description="at a kiosk: the ID card the ticket was taken with")


class Rating(Answer):
    """A stored 好差评. A bad rating (2 or 1) opens a follow-up due on ``follow_up_due``."""

    id: str = Field(description="the evaluation's id")
    service_event: str = Field(
        description="the service rated", examples=["step-3:accept", "window-3@1764134400.000"]
    )
    level: int = Field(ge=1, le=5, examples=[5])
    level_zh: str = Field(examples=["非常满意"])
    follow_up_due: str | None = Field(description="a bad rating's follow-up deadline (YYYY-MM-DD)")


class CaseRating(Rating):
    """A case's 好差评."""

    case: str = Field(examples=["NS-20261126-000001"])


class TicketRating(Rating):
    """A ticket's 好差评, with the window whose service was rated."""

    ticket: str = Field(examples=["H01-20261126-A012"])
    window: int


# ------------------------------------------------------------------ complaint.file
class ComplaintFile(Body):
    """A complaint from a kiosk or the web; about a case when its number and check code (or at a
    kiosk the applicant's ID card) are given. The phone is required at a kiosk (the visitor
    leaves no other way to be reached), optional on the web; it is stored encrypted."""

    text: ComplaintText
    category: ComplaintCategory = "other"
    phone: OptPhone = Field(None, description="the number the hall answers on (required at a kiosk)")
    case: OptCaseId = None
    code: OptCheckCode = Field(None, description="the case's check code, with ``case``")
    id_number: IdNumber = Field(None, description="at a kiosk, with ``case``: the applicant's ID card")


class FiledComplaint(Answer):
    """A complaint just filed: its number and the day it must be accepted by."""

    id: str = Field(examples=["TS-20261126-1A2B3C4D"])
    state: Literal["filed"]
    accept_due: str | None = Field(description="accepted by this day (YYYY-MM-DD)")
    case: str | None
    category: Category
    category_label: Bilingual
    phone: str | None = MaskedPhone
    check_code: str = Field(
        description="with the complaint's number, opens its progress and answer (complaint.progress); "
        "give it to the citizen"
    )


class ComplaintProgressQuery(Body):
    """The citizen's view of their complaint: its number and the check code given when filing."""

    complaint: ComplaintId
    code: CheckCode = Field(description="the check code of complaint.file's reply (6 characters)")


class ComplaintDay(Part):
    """One step of a complaint as the citizen sees it: what it became and on which day (no
    staff names: the public reply never has them)."""

    state: ComplaintState
    on: str = Field(description="YYYY-MM-DD")


class ComplaintProgress(Answer):
    """A complaint as the citizen who filed it sees it: where it stands, by when, and the answer.
    No staff names, and the phone only masked."""

    id: str = Field(examples=["TS-20261126-1A2B3C4D"])
    state: ComplaintState
    state_label: Bilingual
    category: Category
    category_label: Bilingual
    case: str | None = Field(description="the case complained about")
    filed_on: str = Field(description="YYYY-MM-DD")
    due: str | None = Field(description="the deadline running now: accept by, then answer by (none once answered)")
    due_label: Bilingual | None
    overdue: bool
    answer: str | None = Field(description="the hall's answer (答复), once given")
    answered_on: str | None
    phone: str | None = MaskedPhone
    history: list[ComplaintDay] = Field(description="filed, accepted, answered, closed: each with its day")


# ------------------------------------------------------------------ complaints (manager)
class ComplaintStep(Part):
    """One step of a complaint's history."""

    state: ComplaintState
    at: float
    by: str | None = Field(
        description="the member of staff (a clerk id or a manager's name); null when filed"
    )


class Complaint(Answer):
    """A complaint with its deadlines (working days): the one running now, and whether it has passed."""

    id: str = Field(examples=["TS-20261126-1A2B3C4D"])
    state: ComplaintState
    state_label: Bilingual
    category: Category
    category_label: Bilingual
    text: str
    phone: str | None = Field(
        description="the number to answer on, masked: 138****5678", examples=["138****5678"]
    )
    source: Source
    case: str | None = Field(description="the case complained about")
    ticket: str | None = Field(description="the ticket complained about")
    filed_at: float
    filed_on: str = Field(description="YYYY-MM-DD")
    accept_due: str = Field(description="accept by (YYYY-MM-DD)")
    handler: Staff | None = Field(description="the clerk named to answer (once accepted)")
    answer_due: str | None = Field(description="answer by (YYYY-MM-DD), once accepted")
    answer: str | None
    answered_on: str | None
    due: str | None = Field(description="the deadline running now (none once answered)")
    due_label: Bilingual | None = Field(description="what ``due`` is: accept by, answer by")
    overdue: bool
    days_late: int = Field(description="working days past the deadline")
    history: list[ComplaintStep]


class ComplaintCounts(Part):
    """How many complaints are in each state, and how many of them are overdue today."""

    filed: int
    accepted: int
    answered: int
    closed: int
    overdue: int


class ComplaintList(Body):
    """Complaints by state (default: all), oldest first."""

    # In the order the handler reads them, so that the first field refused is the same.
    overdue: Flag = Overdue
    state: code(
        WORD,
        optional=True,
        enum=["filed", "accepted", "answered", "closed", "open", "all"],
        description="open: not closed yet (default: all); another word is refused by the handler, naming the choices",
    ) = None
    limit: Limit = 100


class Complaints(Answer):
    """A page of complaints, how many match, and the counts per state."""

    today: str
    complaints: list[Complaint]
    total: int = Field(description="how many match (the list stops at limit)")
    counts: ComplaintCounts


class ComplaintRef(Body):
    """One complaint (``complaint.get``: a manager, or the clerk named to handle it;
    ``complaint.close``: 办结 after the answer, a manager)."""

    complaint: ComplaintId


class ComplaintAccept(Body):
    """受理: a manager names the clerk who will answer; the answer deadline starts."""

    complaint: ComplaintId
    handler: code(CLERK_ID, description="a clerk id of this hall")


class ComplaintAnswer(Body):
    """答复 by the named handler or a manager."""

    complaint: ComplaintId
    answer: Answered


# ------------------------------------------------------------------ follow-ups of bad ratings
class FollowUp(Answer):
    """The follow-up (差评整改) of a bad rating."""

    evaluation: str
    case: str | None
    ticket: str | None
    level: Literal[1, 2] = Field(description="2 不满意, 1 非常不满意")
    level_label: Bilingual
    comment: str
    source: Source
    rated_at: float
    rated_on: str = Field(description="YYYY-MM-DD")
    hall: str | None
    window: int | None
    clerk: Staff | None = Field(description="the clerk whose service was rated")
    follow_up_due: str | None = Field(description="answer by (YYYY-MM-DD)")
    answered: bool
    answer: str | None
    answered_by: str | None
    overdue: bool = Field(description="open and past its deadline")
    days_late: int = Field(description="working days past the deadline")


class FollowUpList(Body):
    """Follow-ups of bad ratings, earliest deadline first."""

    state: defaulted(
        code(
            WORD,
            optional=True,
            enum=["open", "answered", "all"],
            description="default: open; another word is refused by the handler, naming the choices",
        ),
        "open",
    ) = "open"
    overdue: Flag = Overdue
    limit: Limit = 100


class FollowUps(Answer):
    """A page of follow-ups and how many match."""

    today: str
    follow_ups: list[FollowUp]
    total: int


class FollowUpAnswer(Body):
    """整改回复 of a bad rating (once), by a manager."""

    evaluation: EvaluationId
    answer: Answered


REQUESTS: dict[str, Spec] = {
    "case.rate": Spec(CaseRate, CaseRating),
    "ticket.rate": Spec(TicketRate, TicketRating),
    "complaint.file": Spec(ComplaintFile, FiledComplaint),
    "complaint.list": Spec(ComplaintList, Complaints),
    "complaint.get": Spec(ComplaintRef, Complaint),
    "complaint.progress": Spec(ComplaintProgressQuery, ComplaintProgress),
    "complaint.accept": Spec(ComplaintAccept, Complaint),
    "complaint.answer": Spec(ComplaintAnswer, Complaint),
    "complaint.close": Spec(ComplaintRef, Complaint),
    "followup.list": Spec(FollowUpList, FollowUps),
    "followup.answer": Spec(FollowUpAnswer, FollowUp),
}
