"""Request and reply models: cases (办件, ``case.*``): submitting, the clerks' and departments'
steps, their lists, and the visitor's progress page, supplement and withdrawal.

Field order is the order the handlers read the fields in, so the first field refused is the
one the handler would refuse first. Pydantic collects a model's fields from its last base to
its first and then its own: ``class CaseAccept(_AtDesk, _Commitment, CaseRef)`` reads
``case``, ``commitment``, ``channel``, ``window``.

Replies carry no ID data: names are masked (王*), phones of application fields masked
(138****5678), ID numbers masked (1101**********002X).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from protocol.fields import (
    DEPARTMENT,
    MATERIAL,
    SHA256,
    WORD,
    Bilingual,
    CaseId,
    CreditCode,
    FieldError,
    IdNumber,
    ItemCode,
    Materials,
    OptCaseId,
    OptCheckCode,
    OptClerkId,
    OptDepartment,
    OptWindowNumber,
    also_required,
    code,
    code_schema,
    defaulted,
    flag,
    integer,
    loose,
    required_codes,
    required_id_number,
    text,
)
from protocol.models.base import Answer, Body, Part, Spec
from protocol.models.certificates import CaseCertificate, Certificate
from protocol.models.pages import CasePage

CaseStateName = Literal[
    "submitted",
    "accepted",
    "refused",
    "waiting_materials",
    "supplemented",
    "in_review",
    "approved",
    "rejected",
    "result_ready",
    "handed_out",
    "closed",
]
ChannelName = Literal["window", "kiosk", "online", "back_office"]
RoleName = Literal["applicant", "agent", "clerk", "department", "system"]
CardColour = Literal["green", "yellow", "red"]
DecisionName = Literal["approved", "rejected"]
CHANNELS = ["window", "kiosk", "online", "back_office"]
DECISIONS = ["approved", "rejected"]

#: Working days of a review limit: far above any statutory limit; the core checks the item's own.
MAX_LIMIT_DAYS = 10_000
#: Departments a review's ``limits`` may name.
MAX_LIMIT_DEPARTMENTS = 50
#: ``queue_server.handlers.page.MAX_PAGES_PER_SUBMIT``.
MAX_PAGES = 60
#: Application fields a submit may give (checked by ``queue_server.appfields``).
MAX_FIELDS = 50
#: Cases and tasks a clerk's or a department's list shows at most (with the total).
MAX_LISTED = 200
#: A visitor's open cases the progress page shows at most, by ID card at a kiosk.
MAX_VISITOR_CASES = 20


#: What a receipt's QR code encodes: given by the server, never assembled by a client.
_PROGRESS_URL = (
    "the case's phone progress page with its check code, under the hall's public address "
    "(config/hall.yaml public.url): the acceptance receipt's QR code, printed as given"
)


# ------------------------------------------------------------------ local field types
# Candidates for protocol.fields (see each).


def _ok(v: object, info: ValidationInfo) -> bool:
    if not isinstance(v, bool):
        raise FieldError(
            "ok",
            "ok must be true (the commitment held) or false (with a note)",
            "ok 应为 true（承诺属实）或 false（并说明情况）",
        )
    return v


#: The result of a 告知承诺 check: a JSON boolean only (not "true" from a query string).
VerifiedOk = Annotated[bool, BeforeValidator(_ok), WithJsonSchema({"type": "boolean"})]

OptChannel = code(
    WORD,
    optional=True,
    enum=CHANNELS,
    description="where the step happens; the default depends on the step (window, or back_office); "
    "an unknown channel is refused by name",
)
Note = text(500, multiline=True, optional=True)


# ------------------------------------------------------------------ request parts
class CaseRef(Body):
    """A request about one case, by its number."""

    case: CaseId


class _AtDesk(Body):
    """Where a clerk's step happens: at their window (the visitor present) or elsewhere."""

    channel: OptChannel = None
    window: OptWindowNumber = Field(
        None, description="the window; default: the one the clerk is signed in at"
    )


class Agent(Body):
    """委托代办: the agent, recorded beside the applicant (by their ID card)."""

    model_config = ConfigDict(json_schema_extra=also_required("id_number"))

    id_number: required_id_number("id_number is required", "缺少必填项 id_number") = Field(
        None,
        validate_default=True,
        description="the agent's resident ID number: stored as a keyed hash, shown masked",
    )
    name: text(50, optional=True) = Field(None, description="stored masked (李*)")


def _agent(v: object) -> object:
    if v is not None and not isinstance(v, dict):
        raise FieldError("agent", "agent must be an object with id_number and name", "代办人信息有误")
    return v


class Enterprise(Body):
    """法人: the enterprise applying, by its unified social credit code and registered name.
    Both are public (the business licence shows them): kept and shown in full."""

    model_config = ConfigDict(json_schema_extra=also_required("credit_code"))

    credit_code: CreditCode = Field(
        None, validate_default=True, description="统一社会信用代码 (GB 32100, check character checked)"
    )
    name: text(40, description="the registered name, as on the business licence (at most 40 characters)")


def _enterprise(v: object) -> object:
    if v is not None and not isinstance(v, dict):
        raise FieldError(
            "enterprise", "enterprise must be an object with credit_code and name", "企业信息应包含统一社会信用代码和名称"
        )
    return v


class _Submit(Body):
    """A citizen applies by ``id_number`` (and ``name``); an enterprise by ``enterprise``, with
    the person acting for it (经办人) as ``agent`` (by their ID card)."""

    item_code: ItemCode
    enterprise: Annotated[Enterprise | None, BeforeValidator(_enterprise)] = Field(
        None, description="an enterprise (法人) item's applicant; with the person acting for it as agent"
    )
    id_number: IdNumber = Field(
        None,
        description="a citizen applicant's resident ID number (required unless enterprise is given): "
        "stored as a keyed hash, shown masked",
    )
    name: text(50, optional=True) = Field(None, description="the applicant's name: stored masked (王*)")
    agent: Annotated[Agent | None, BeforeValidator(_agent)] = None
    materials: Materials = Field([], description="material codes of the item's guide handed in")

    @model_validator(mode="after")
    def _applicant(self) -> _Submit:
        if self.enterprise is None:
            if self.id_number is None:
                raise FieldError("id_number", "the applicant's id_number is required", "必须提供申请人身份证号码")
            return self
        if self.id_number is not None:
            raise FieldError(
                "id_number",
                "an enterprise applies by its credit code: give the person acting for it as agent, not id_number",
                "企业办件以统一社会信用代码申请：经办人请填在 agent 中，不填 id_number",
            )
        if self.agent is None:
            raise FieldError(
                "agent",
                "an enterprise's application needs the person acting for it: agent with id_number and name",
                "企业办件须登记经办人：请在 agent 中提供经办人身份证号码和姓名",
            )
        return self


class _Fields(Body):
    fields: loose(
        {
            "type": "object",
            "maxProperties": MAX_FIELDS,
            "propertyNames": code_schema(MATERIAL),
            "additionalProperties": {"type": "string"},
            "description": "the item's application_fields as {code: value}: each of its type (text, phone, "
            "date, choice, address), required ones present (at a window: none required, the clerk has the "
            "paper form); a refusal names details.field = fields.<code>. Checked by the item's rules, "
            "stored encrypted, shown to staff with phones masked",
        }
    ) = None


class _Pages(Body):
    pages: loose(
        {
            "type": "array",
            "maxItems": MAX_PAGES,
            "items": {
                "type": "object",
                "required": ["material", "sha256"],
                "properties": {"material": code_schema(MATERIAL), "sha256": code_schema(SHA256)},
            },
            "description": "captured pages uploaded before with page.upload, by the material they show and "
            "their SHA-256 (hex, either case); their materials count as given. Checked by the page store "
            "before the case is made (an unknown, unfinished or repeated page refuses the submit)",
        }
    ) = None


# ------------------------------------------------------------------ submit
class CaseSubmitOnline(_Fields, _Submit):
    """Submit a case from the online hall (no trip to the hall: not a visit)."""


class CaseSubmit(_Fields, _AtDesk, _Submit):
    """Submit a case at a window: the clerk becomes its first-inquiry officer (首问负责)."""


class CaseSubmitKiosk(_Fields, _Submit, _Pages):
    """A self-service application at a kiosk (the visitor is in the hall: a visit), with the
    pages the kiosk captured."""


# ------------------------------------------------------------------ clerk steps
class _Commitment(Body):
    commitment: flag(
        description="告知承诺: approved at once on the applicant's commitment, checked later"
    ) = False


class _Reason(Body):
    reason: text(500, multiline=True, description="the legal reason for 不予受理")


class _NoticeMaterials(Body):
    model_config = ConfigDict(json_schema_extra=also_required("materials"))

    materials: required_codes(MATERIAL) = Field(None, validate_default=True)


class _Limits(Body):
    limits: loose(
        {
            "type": "object",
            "maxProperties": MAX_LIMIT_DEPARTMENTS,
            "propertyNames": code_schema(DEPARTMENT),
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT_DAYS},
            "description": "working days per department (default: the item's own); checked against the item",
        }
    ) = None


class _Verification(Body):
    model_config = ConfigDict(json_schema_extra=also_required("ok"))

    ok: VerifiedOk = Field(
        None, validate_default=True, description="true: the commitment held; false: with a note"
    )
    note: Note = None


class _Decision(Body):
    department: OptDepartment = Field(
        None, description="the task's department; default: the signed-in reviewer's own (staff decide only theirs)"
    )
    decision: code(WORD, enum=DECISIONS)
    reason: Note = Field(None, description="required for a rejection")


class _Handed(Body):
    materials: Materials = Field(
        [],
        description="materials handed in at the window as the case is accepted (the originals brought); "
        "with those given before and those an e-certificate on file replaces, every material the "
        "item requires must be there (else 409 naming them: issue a one-time notice)",
    )


class CaseAccept(_AtDesk, _Handed, _Commitment, CaseRef):
    """受理 (accept): every required material given, replaced by an e-certificate on file, or
    ``commitment`` for a 告知承诺 item (approved at once, checked later)."""


class CaseRefuse(_AtDesk, _Reason, CaseRef):
    """不予受理 (refuse to accept), with the legal reason."""


class CaseNotice(_AtDesk, _NoticeMaterials, CaseRef):
    """一次性告知: every missing material at once; the case's clock stops."""


class CaseSupplement(_AtDesk, _NoticeMaterials, CaseRef):
    """补正 at a window: the materials the one-time notice asked for, handed in."""


class CaseReview(_AtDesk, _Limits, CaseRef):
    """Send to review: one task per department (并联办理)."""


class CaseDecide(_AtDesk, _Decision, CaseRef):
    """A department decides its task (department staff)."""


class CaseResultReady(_AtDesk, CaseRef):
    """The result is ready for pick-up."""


class CaseHandOut(_AtDesk, CaseRef):
    """出件: the result handed out (any hall of the city: 同城通办; online: e-delivery)."""


class CaseClose(_AtDesk, CaseRef):
    """办结: close a handed-out, refused or rejected case."""


class CaseWithdraw(_AtDesk, CaseRef):
    """撤回 by a clerk for the applicant, before review."""


class CaseVerify(_AtDesk, _Verification, CaseRef):
    """告知承诺核查: the later check of a commitment-based approval (department staff)."""


# ------------------------------------------------------------------ lists
class CaseGet(CaseRef):
    """The full case (staff)."""


class CaseMine(Body):
    """The cases a clerk is first-inquiry officer of: the signed-in clerk's (a manager names one)."""

    clerk: OptClerkId = Field(None, description="managers only; a clerk sees their own")
    include_closed: flag() = False


class CaseTasks(Body):
    """A department's tasks waiting for its decision: the reviewer's own department (a manager names one)."""

    department: OptDepartment = Field(
        None, description="managers only; a reviewer sees their own department's"
    )


class CaseSupervision(Body):
    """The supervision list: yellow and red cards of cases and department tasks."""

    limit: defaulted(integer(1, 1000, optional=True), 100) = Field(
        100, description="at most this many lines (default 100)"
    )


# ------------------------------------------------------------------ the visitor
class _VisitorCase(CaseRef):
    code: OptCheckCode = Field(
        None, description="the case's check code (查询码): online, or at a kiosk without the card"
    )
    id_number: IdNumber = Field(None, description="at a kiosk: the ID card of the applicant or agent, read")


class CaseProgressQuery(Body):
    """办件进度: by case number and check code (anyone), or by ID card at a kiosk (the visitor's
    open cases, when no case is named)."""

    id_number: IdNumber = Field(None, description="at a kiosk only: the card just read")
    case: OptCaseId = Field(None, description="required unless an ID number is given")
    code: OptCheckCode = Field(
        None, description="the check code (查询码); not needed with the ID card of a party to the case"
    )


class CaseSupplementOnline(_NoticeMaterials, _VisitorCase):
    """补正 from the online hall or a kiosk: the materials the one-time notice asked for."""


class CaseWithdrawOnline(_VisitorCase):
    """撤回申请 by the applicant: online with the check code, or at a kiosk with the ID card."""


class _NoticeNumber(Body):
    notice: integer(1, optional=True) = Field(None, description="the notice's number; default: the latest")


class CaseNoticeSlip(_VisitorCase, _NoticeNumber):
    """A one-time notice as printed: staff, or the applicant with the check code or the ID card."""


class CaseReceiptSlip(CaseRef):
    """An accepted case's acceptance receipt (受理回执) as printed: staff, or a window's agent
    while the console's job to print it is pending there."""


class CasePrefill(Body):
    """What this visitor answered before for the item's application fields (the card just read)."""

    model_config = ConfigDict(json_schema_extra=also_required("id_number"))

    id_number: required_id_number("id_number is required (the card just read)", "必须提供身份证号码") = Field(
        None, validate_default=True
    )
    item_code: ItemCode


# ------------------------------------------------------------------ reply parts
class Officer(Part):
    """A member of staff as the public sees them: name and work phone."""

    name: str
    phone: str


class MaskedName(Part):
    name: str = Field(description="masked: 王* (empty when none was given)")


class ApplicantView(MaskedName):
    """The applicant: a person's name masked; an enterprise's registered name in full, with its
    credit code (public: both are on its business licence)."""

    credit_code: str | None = Field(None, description="统一社会信用代码 of an enterprise applicant")


class NoticeView(Part):
    """一次性告知 as recorded. ``new``: materials a later notice asks for that the first did not;
    ``asked_again``: those already handed in (either flags the notice for the manager)."""

    number: int
    materials: list[str]
    at: float
    by: str
    new: list[str]
    asked_again: list[str]
    flagged: bool


class TaskView(Part):
    """One department's share of the case (并联办理)."""

    department: str
    lead: bool
    opened_on: str = Field(examples=["2026-11-26"])
    limit_days: int
    due: str | None
    card: CardColour | None = Field(description="while undecided and the case is open")
    decision: DecisionName | None
    reason: str
    decided_at: float | None
    decided_by: str | None


class CaseStep(Part):
    """One recorded transition of the case."""

    action: str = Field(
        description="submit, accept, accept_commitment, refuse, issue_notice, supplement, start_review, "
        "decide:<department>, approve, reject, result_ready, hand_out, close, withdraw, verify",
        examples=["accept", "decide:hrss"],
    )
    before: CaseStateName | None
    state: CaseStateName
    at: float
    actor: str = Field(description="the clerk's id, or the visitor's masked name or ID number")
    role: RoleName
    channel: ChannelName
    hall: str | None
    window: int | None
    note: str


class VerificationView(Part):
    """告知承诺核查: the later check a commitment-based approval opened."""

    opened_on: str
    due: str
    ok: bool | None = Field(description="null until checked")
    note: str | None
    checked_at: float | None
    checked_by: str | None
    checked_hall: str | None


class AppFieldView(Part):
    """A typed application field for a clerk's screen."""

    code: str
    label: Bilingual
    type: Literal["text", "phone", "date", "choice", "address"]
    value: str = Field(description="a phone masked: 138****5678")




# ------------------------------------------------------------------ replies: the case
class CaseView(Answer):
    """The full case for staff: no ID data, masked names only."""

    id: str = Field(examples=["NS-20261126-000001"])
    check_code: str = Field(description="查询码 for the public progress page")
    item_code: str
    item_name: Bilingual | None
    department: str = Field(description="the lead department (牵头部门)")
    co_departments: list[str]
    state: CaseStateName
    state_zh: str
    channel: ChannelName = Field(description="where it was submitted")
    applicant: ApplicantView
    agent: MaskedName | None = Field(description="the agent (委托代办); of an enterprise: the person acting for it")
    first_inquiry_clerk: str | None
    handling_officer: Officer | None = Field(description="the first-inquiry clerk (首问负责)")
    submitted_at: float
    commitment: bool = Field(description="告知承诺")
    visits: int = Field(description="days the visitor came in person")
    visit_days: list[str]
    materials_given: list[str]
    outstanding_materials: list[str]
    notices: list[NoticeView]
    tasks: list[TaskView]
    steps: list[CaseStep]
    refusal_reason: str | None
    rejection_reasons: dict[str, str] = Field(description="department -> reason")
    outcome: Literal["handed_out", "refused", "rejected", "withdrawn"] | None = Field(
        description="how it closed"
    )
    statutory_days: int
    promised_days: int
    due: str | None = Field(description="while open", examples=["2026-12-10"])
    card: CardColour | None = Field(description="while open")
    paused: bool = Field(description="the clock stopped by a one-time notice")
    verification: VerificationView | None
    fields: list[AppFieldView] = Field(
        description="the application's typed fields, in the item's order; phones masked"
    )
    certificates: list[CaseCertificate] = Field(
        [], description="the e-certificates the case issued, with the code and path their QR code opens"
    )


class SubmittedCase(CaseView):
    """The new case, with the materials still needed (what the progress page would show) and
    the progress page's URL its acceptance receipt prints."""

    materials_needed: list[str]
    progress_url: str = Field(
        description=_PROGRESS_URL,
        examples=["https://hall.example.gov.cn/m/case/NS-20261126-000001?code=7Q4K2M"],
    )


class KioskSubmittedCase(SubmittedCase):
    """The new case of a kiosk application, with its captured pages when there were any."""

    pages: list[CasePage] | None = None


class DecidedCase(CaseView):
    """The case after an accept or a department's decision: with the certificate its approval
    registered, when the item yields one (once)."""

    certificate: Certificate | None = None


# ------------------------------------------------------------------ replies: lists
class CaseSummary(Part):
    """A case in a list."""

    id: str
    item_code: str
    department: str
    state: CaseStateName
    state_zh: str
    first_inquiry_clerk: str | None
    submitted_at: float
    visits: int
    promised_days: int
    due: str | None
    card: CardColour | None


class ClerkCases(Answer):
    """A clerk's cases (首问负责), oldest first; at most 200 listed."""

    clerk: str
    cases: list[CaseSummary]
    total: int


class VerificationDue(Part):
    """A 告知承诺核查 the department owes."""

    case: str
    item_code: str
    item_name: Bilingual | None
    due: str
    overdue: bool


class DepartmentTask(Part):
    """A department task waiting for its decision."""

    case: str
    item_code: str
    item_name: Bilingual | None
    lead: bool
    opened_on: str
    limit_days: int
    due: str
    card: CardColour
    first_inquiry_clerk: str | None


class DepartmentTasks(Answer):
    """A department's tasks, earliest due first (at most 200 listed), and the checks it owes."""

    department: str
    department_name: Bilingual
    verifications: list[VerificationDue]
    total: int = Field(description="all the department's waiting tasks")
    tasks: list[DepartmentTask]


class SupervisionLine(Part):
    """A case or one department's task of a case, on a yellow or red card."""

    case: str
    item_code: str
    department: str
    task: bool = Field(description="false: the whole case; true: a department's task")
    limit_days: int
    remaining: int = Field(description="working days left (negative: overdue)")
    due: str | None
    card: CardColour
    paused: bool
    clerk: str | None


class Supervision(Answer):
    """Red first, then yellow, fewest working days left first."""

    today: str
    lines: list[SupervisionLine]


# ------------------------------------------------------------------ replies: the visitor
class NoticeMaterial(Part):
    """A material as the printed notice names it."""

    code: str
    name: Bilingual
    note: Bilingual | None = Field(
        description="original and copies, and the guide's note; null: not in the guide"
    )


class OneTimeNoticeView(Part):
    """The latest 一次性告知 on the progress page."""

    number: int
    issued_at: str = Field(description="ISO date and time in the hall's time zone")
    deadline: str = Field(description="the day to bring the materials by")
    materials: list[NoticeMaterial]
    where: Bilingual


class PublicOfficer(Officer):
    """The handling officer, and the window they sit at now, if signed in."""

    window: int | None


class NamedMaterial(Part):
    """A material by its code and its name in the item's guide."""

    code: str
    name: Bilingual


class ProgressStep(Part):
    action: str = Field(examples=["accept", "decide:hrss"])
    state: CaseStateName
    state_zh: str
    at: float
    hall: str | None
    window: int | None
    channel: ChannelName
    officer: Officer | None = Field(description="for a clerk's or a department's step")
    note: str = Field(description="a notice's or a 补正 step: the materials' Chinese names")
    materials: list[NamedMaterial] | None = Field(
        None, description="a notice's or a 补正 step: the materials asked for or handed in"
    )


class DepartmentShare(Part):
    department: str
    lead: bool
    decision: DecisionName | None


class IssuedCertificate(Part):
    """A certificate the case issued, with its public check's URL (what its QR opens)."""

    number: str
    type: str = Field(description="the catalogue's e-certificate type")
    verification_url: str


class CaseProgress(Answer):
    """办件进度, the public progress page: no ID data."""

    case: str = Field(examples=["NS-20261126-000001"])
    item: str = Field(description="the item's code")
    item_name: Bilingual | None
    state: CaseStateName
    state_zh: str
    applicant: str = Field(description="masked: 王*")
    agent: str | None = Field(description="masked: 李*")
    handling_officer: PublicOfficer | None
    steps: list[ProgressStep]
    missing_materials: list[str] = Field(description="while waiting for 补正")
    materials_owed: list[NoticeMaterial] = Field(
        description="the missing materials as the one-time notice names them"
    )
    one_time_notice: OneTimeNoticeView | None
    departments: list[DepartmentShare]
    reasons: dict[str, str] = Field(description="department -> rejection reason, or refusal -> the reason")
    statutory_days: int | None
    promised_days: int
    due: str | None
    card: CardColour | None
    paused: bool
    visits: int
    certificates: list[IssuedCertificate] = Field(description="what the case issued (电子证照)")


class VisitorCases(Answer):
    """By ID card at a kiosk: the visitor's open cases, newest first (at most 20)."""

    cases: list[CaseProgress]


class CaseProgressReply(RootModel[CaseProgress | VisitorCases]):
    """One case's progress, or (by ID card at a kiosk, no case named) the visitor's open cases."""


class NoticeSlip(Answer):
    """A one-time notice as printed (the printer's one-time notice layout)."""

    case: str
    check_code: str = Field(description="查询码: with the case number, opens the progress page online")
    notice: int
    item_code: str
    item_name: Bilingual | None
    window: int | None = Field(description="the window it was issued at (null: not at a window of this hall)")
    window_label: Bilingual | None = Field(
        description="that window's kind as the slip names it: 综合窗口, 专窗, 法人窗口, 绿色通道窗口"
    )
    materials: list[NoticeMaterial]
    where: Bilingual = Field(description="the hall, and the window it was issued at (5号法人窗口)")
    deadline: str
    officer: Officer | None
    issued_at: str = Field(description="ISO date and time in the hall's time zone")
    flagged: bool


class ReceiptSlip(Answer):
    """An acceptance receipt (受理回执) as printed (the printer's acceptance receipt layout)."""

    case: str
    check_code: str = Field(description="查询码: with the case number, opens the progress page online")
    item_code: str
    item_name: Bilingual | None
    promised_date: str = Field(description="the day the case is promised by (承诺办结日期)", examples=["2026-12-10"])
    progress_url: str = Field(
        description=_PROGRESS_URL,
        examples=["https://hall.example.gov.cn/m/case/NS-20261126-000001?code=7Q4K2M"],
    )


class PrefilledField(Part):
    code: str
    value: str = Field(description="for the form (unmasked: the visitor's own card was just read)")
    shown: str = Field(description="for the screen: a phone masked, 138****5678")
    case: str = Field(description="the earlier case it comes from")


class Prefill(Answer):
    """The visitor's earlier answers, newest case first, in the item's field order."""

    item_code: str
    id_masked: str = Field(description="masked: 1101**********002X")
    fields: list[PrefilledField]


REQUESTS: dict[str, Spec] = {
    "case.submit": Spec(CaseSubmit, SubmittedCase),
    "case.submit_online": Spec(CaseSubmitOnline, SubmittedCase),
    "case.submit_kiosk": Spec(CaseSubmitKiosk, KioskSubmittedCase),
    "case.accept": Spec(CaseAccept, DecidedCase),
    "case.refuse": Spec(CaseRefuse, CaseView),
    "case.notice": Spec(CaseNotice, CaseView),
    "case.supplement": Spec(CaseSupplement, CaseView),
    "case.review": Spec(CaseReview, CaseView),
    "case.decide": Spec(CaseDecide, DecidedCase),
    "case.result_ready": Spec(CaseResultReady, CaseView),
    "case.hand_out": Spec(CaseHandOut, CaseView),
    "case.close": Spec(CaseClose, CaseView),
    "case.withdraw": Spec(CaseWithdraw, CaseView),
    "case.verify": Spec(CaseVerify, CaseView),
    "case.get": Spec(CaseGet, CaseView),
    "case.mine": Spec(CaseMine, ClerkCases),
    "case.tasks": Spec(CaseTasks, DepartmentTasks),
    "case.supervision": Spec(CaseSupervision, Supervision),
    "case.progress": Spec(CaseProgressQuery, CaseProgressReply),  # type: ignore[arg-type]
    "case.supplement_online": Spec(CaseSupplementOnline, CaseProgress),
    "case.withdraw_online": Spec(CaseWithdrawOnline, CaseProgress),
    "case.notice_slip": Spec(CaseNoticeSlip, NoticeSlip),
    "case.receipt_slip": Spec(CaseReceiptSlip, ReceiptSlip),
    "case.prefill": Spec(CasePrefill, Prefill),
}
