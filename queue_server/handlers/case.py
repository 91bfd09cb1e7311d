"""``case.*``: cases (办件) from submitting to handing out, for clerks, departments, managers
and the visitor, and the 好差评 of a case's service.

Cases are city-wide and persisted by ``CaseStore`` in the hall's database with their own
per-case event logs: a case command writes when the handler runs (``CaseStore`` has its own
transactions and retries), not with the hall's batch, so these requests run on the case desk
(``desk=True``); the handler's reply is still remembered for idempotent retries
(``mutates=True``).

Privacy: ID numbers become a keyed hash (lookups) and a mask; the public progress page needs
the case number and its check code (an HMAC of the case number with the hall's data key, so
nothing extra is stored) and shows no ID data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from protocol.fields import required
from protocol.models.cases import (
    MAX_LIMIT_DAYS,
    MAX_LIMIT_DEPARTMENTS,
    MAX_LISTED,
    MAX_VISITOR_CASES,
    Agent,
    CaseAccept,
    CaseClose,
    CaseDecide,
    CaseGet,
    CaseHandOut,
    CaseMine,
    CaseNotice,
    CaseNoticeSlip,
    CasePrefill,
    CaseProgressQuery,
    CaseReceiptSlip,
    CaseRefuse,
    CaseResultReady,
    CaseReview,
    CaseSubmit,
    CaseSubmitKiosk,
    CaseSubmitOnline,
    CaseSupervision,
    CaseSupplement,
    CaseSupplementOnline,
    CaseTasks,
    CaseVerify,
    CaseWithdraw,
    CaseWithdrawOnline,
)
from protocol.models.feedback import CaseRate
from protocol.models.pages import CasePages
from protocol.models.reports import FlaggedNotices

from .. import inputs
from ..appfields import checked_fields, masked_phone, open_fields, seal_fields
from ..auth import AccessRole
from ..cases import Case, CaseItem, Certificate, Channel, Party, Role, Subject, Where
from ..cases.certificates import certificate_number
from ..catalogue.model import ServiceItem, Stream
from ..engine.errors import EngineError, bad_request, not_found
from ..engine.model import WindowKind
from ..inputs import refusal
from ..privacy import mask
from .access import (
    check_code_of,
    check_department,
    check_page_reader,
    department_of,
    handles,
    is_party,
    kiosk_id_hash,
    printing_at_window,
    signed_in_window,
    visitor_case,
    visitor_rates,
)
from .codes import certificate_code, check_code, credit_code_hash
from .page import checked_pages, link_pages, page_view, with_page_materials
from .ratings import rate, rated_step
from .registry import REQUEST_KEY, handler
from .views import case_view, certificate_view, clerk_name, item_name, summary_view

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

CASE_PREFIX = "NS"  # case numbers: NS-YYYYMMDD-NNNNNN (unique city-wide: the database decides)
NEW_ID_TRIES = 8


def _officers(ctx: HallContext) -> dict[str, tuple[str, str]]:
    return {cid: (c.name, c.phone) for cid, c in ctx.engine.clerks.items()}


def _limits(raw: Any) -> dict[str, int] | None:
    """Working days per department for a review (the core checks them against the item):
    ``limits`` as given (the model leaves it to this check, for its words)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) > MAX_LIMIT_DEPARTMENTS:
        raise bad_request(
            "limits maps departments to working days", "limits 应为部门到工作日数的映射", field="limits"
        )
    out: dict[str, int] = {}
    for dept, days in raw.items():
        key = inputs.checked_code(dept, "limits", inputs.DEPARTMENT)
        out[key] = inputs.checked_int(days, f"limits.{key}", max=MAX_LIMIT_DAYS)
    return out


def _masked_name(name: str | None) -> str:
    """A name as it is kept: its first character, then stars ("" when none was given)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def _party(ctx: HallContext, id_number: str, name: str | None) -> tuple[Party, str]:
    """(party, masked ID) of a checked ID number and the optional name given with it."""
    return Party(ctx.privacy.lookup_hash(id_number), _masked_name(name)), mask(id_number)


def _applicant(ctx: HallContext, req: CaseSubmit | CaseSubmitOnline | CaseSubmitKiosk, item: ServiceItem) -> tuple[Party, str]:
    """(applicant, who acts as shown): a citizen by their ID number; for an enterprise (法人)
    item, the enterprise by its credit code (the model has made sure the person acting for
    it comes as ``agent``, who is then the one shown acting). An item founding the enterprise
    (``flags.new_entity``, 设立登记) is the founder's: the enterprise has no credit code yet.

    A credit code is not personal data (it is on the business licence and in the public
    credit register), so the enterprise's code and name are kept and shown in full; it is still
    looked up by a keyed hash like an ID number, so certificates of people and of enterprises
    are found the same way (``codes.credit_code_hash``)."""
    enterprise = req.enterprise
    if item.stream is Stream.ENTERPRISE and enterprise is None and not item.flags.new_entity:
        raise bad_request(
            f"{item.label} is an enterprise (法人) item: give enterprise with its credit_code and name, "
            "and the person acting for it as agent",
            f"{item.label} 为法人事项：请提供企业的统一社会信用代码和名称（enterprise），经办人填在 agent 中",
            field="enterprise",
        )
    if enterprise is None:
        assert req.id_number is not None  # the model requires one without an enterprise
        return _party(ctx, req.id_number, req.name)
    if item.stream is not Stream.ENTERPRISE:
        raise bad_request(
            f"{item.label} is for citizens (自然人): apply with the applicant's id_number, not an enterprise",
            f"{item.label} 为自然人事项：请以申请人身份证号码申请，不填企业信息",
            field="enterprise",
        )
    code = enterprise.credit_code
    return Party(credit_code_hash(ctx, code), enterprise.name, code), enterprise.name


def _clerk_where(
    ctx: HallContext,
    channel_s: str | None,
    window: int | None,
    actor: Actor,
    default: Channel,
    role: Role = Role.CLERK,
    case: Callable[[], Case] | None = None,
) -> Where:
    """A clerk's step: at their window (the visitor present) or in the back office / online.

    Case steps are on record against a member of staff (``actor.clerk``): a token naming no
    clerk (a manager's, say) takes none. At a window the clerk must be signed in there; any
    clerk may then act for the visitor in front of them (首问负责: the officer may be away).
    Elsewhere only the people handling the case act: its first-inquiry clerk or staff of its
    lead or co-departments (``access.handles``). A submit has no case yet: the clerk
    submitting becomes its first-inquiry officer. ``channel_s`` and ``window`` are the
    request's (checked for their form); ``case`` reads the case, only when it is needed."""
    try:
        channel = Channel(channel_s) if channel_s else default
    except ValueError:
        raise bad_request(
            f"unknown channel {channel_s!r}", f"未知的办理渠道 {channel_s!r}", field="channel"
        ) from None
    system = actor.kind == "system"
    if not system and not actor.clerk:
        raise EngineError(
            "forbidden",
            "case steps are taken by a clerk: this token names none (managers supervise cases, they do not handle them)",
            "办件须由工作人员经办：该令牌未关联工作人员（管理人员负责督办，不经办）",
        )
    who = actor.clerk or actor.name
    if window is None and channel is Channel.WINDOW:
        window = signed_in_window(ctx, who)
        if window is None:
            raise bad_request(
                "give the window (the clerk is not signed in at one)",
                "请提供窗口号（该工作人员未在窗口签到）",
                field="window",
            )
    if window is not None:
        ctx.engine.window(window)
    if system:
        pass  # the hall's own steps (start-up, tests) are not anybody's
    elif channel is Channel.WINDOW:
        assert window is not None
        if ctx.engine.windows[window].clerk != actor.clerk:
            raise EngineError(
                "forbidden",
                f"clerk {actor.clerk} is not signed in at window {window}: sign in there first",
                f"您未在{window}号窗口签到，请先签到",
                window=window,
            )
    elif case is not None and not handles(ctx, actor, k := case()):
        raise EngineError(
            "forbidden",
            f"case {k.id} is handled by its first-inquiry clerk and its departments' staff; "
            "at a window, with the visitor present, any clerk signed in there may act",
            f"办件 {k.id} 由其首问责任人和承办部门办理；其他工作人员须在签到的窗口当面办理",
            case=k.id,
        )
    hall = ctx.hall if channel is not Channel.ONLINE else None
    return Where(who, role, channel, hall, window if channel is Channel.WINDOW else None)


def _visitor_where(ctx: HallContext, actor: Actor, masked: str, agent: bool) -> Where:
    """A visitor's own step: at a kiosk of this hall, or online."""
    role = Role.AGENT if agent else Role.APPLICANT
    if actor.role == "kiosk":
        return Where(masked, role, Channel.KIOSK, ctx.hall)
    return Where(masked, role, Channel.ONLINE)


def _reply(ctx: HallContext, case_id: str, now: float, **extra: Any) -> dict[str, Any]:
    """The staff's case view, with the enterprise's credit code (public) and the certificates
    the case issued, each with the code and the URL its QR opens (``ctx.links``: the one
    spelling of it)."""
    k = ctx.cases.load(case_id)
    view = case_view(ctx, k, ctx.today(now))
    view["applicant"]["credit_code"] = k.applicant.credit_code or None
    view["certificates"] = [
        {
            **certificate_view(c),
            "verification_code": (code := certificate_code(ctx, c.number)),
            "verification_url": ctx.links.certificate(c.number, code),
        }
        for c in ctx.cases.certificates_of_case(case_id)
    ]
    view.update(extra)
    return view


# ------------------------------------------------------------------ case numbers
def _new_case_id(ctx: HallContext, day: date) -> str:
    prefix = f"{CASE_PREFIX}-{day:%Y%m%d}-"
    last = ctx.cases.last_case_id(prefix)
    n = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{n:06d}"


def _submit(
    ctx: HallContext,
    req: CaseSubmit | CaseSubmitOnline | CaseSubmitKiosk,
    actor: Actor,
    now: float,
    where_of: Callable[..., Where],
    materials: list[str],
) -> dict[str, Any]:
    """``materials``: those handed in (a kiosk's: with the materials its pages show)."""
    item = ctx.catalogue.items.get(req.item_code)
    if item is None:
        raise not_found("service item", "事项", req.item_code)
    applicant, masked = _applicant(ctx, req, item)
    agent = None
    agent_of: Agent | None = req.agent
    if agent_of is not None:
        agent, masked = _party(ctx, agent_of.id_number, agent_of.name)
    day = ctx.today(now)
    where = where_of(masked, agent is not None)
    fields = checked_fields(item, req.fields, day, require=where.channel is not Channel.WINDOW)
    store = ctx.cases
    request_key = REQUEST_KEY.get()
    case_id = store.case_for_request(request_key) if request_key else None
    for _ in range(0 if case_id else NEW_ID_TRIES):
        case_id = _new_case_id(ctx, day)
        try:
            store.submit(
                case_id,
                CaseItem.from_service_item(item),
                applicant,
                where,
                now,
                agent=agent,
                materials=materials,
                request_key=request_key,
                fields_cipher=seal_fields(ctx.privacy, fields),
            )
            break
        except EngineError as e:
            if e.code == "duplicate":  # a retry of a submit whose answer was lost
                case_id = e.details["case"]
                break
            if e.code != "conflict" or e.details.get("case") != case_id:
                raise
    else:
        if case_id is None:
            raise EngineError("conflict", "could not number the case; try again", "办件编号冲突，请重试")
    assert case_id is not None
    reply = _reply(ctx, case_id, now)
    # A kiosk's or the online hall's applicant sees what they would on the progress page.
    reply["materials_needed"] = [
        m.code for m in store.materials_needed(item, applicant.id_hash, day).needed if m.code not in materials
    ]
    # The receipt the kiosk prints opens this page; no client assembles it.
    reply["progress_url"] = ctx.links.case(case_id, reply["check_code"])
    return reply


# ------------------------------------------------------------------ submit
@handler("case.submit", role=AccessRole.CLERK, mutates=True, desk=True)
def case_submit(ctx: HallContext, req: CaseSubmit, actor: Actor, now: float) -> dict[str, Any]:
    """At a window, by the clerk (who becomes the first-inquiry officer)."""
    return _submit(
        ctx,
        req,
        actor,
        now,
        lambda masked, agent: _clerk_where(ctx, req.channel, req.window, actor, Channel.WINDOW),
        req.materials,
    )


@handler("case.submit_online", role=AccessRole.PUBLIC, mutates=True, desk=True)
def case_submit_online(ctx: HallContext, req: CaseSubmitOnline, actor: Actor, now: float) -> dict[str, Any]:
    """The online hall (no trip: not a visit)."""
    return _submit(
        ctx,
        req,
        actor,
        now,
        lambda masked, agent: Where(masked, Role.AGENT if agent else Role.APPLICANT, Channel.ONLINE),
        req.materials,
    )


@handler("case.submit_kiosk", role=AccessRole.KIOSK, mutates=True, desk=True)
def case_submit_kiosk(ctx: HallContext, req: CaseSubmitKiosk, actor: Actor, now: float) -> dict[str, Any]:
    """A self-service application at a kiosk (the visitor is in the hall: a visit). The kiosk
    names material codes in ``materials`` and its captured pages in ``pages: [{material,
    sha256}]`` (uploaded before with ``page.upload``); the pages' materials count as given."""
    # Checked before the case exists: a page that is not here refuses the submit and makes nothing.
    # (The page module still reads a body: it gets the two fields it reads.)
    pages = checked_pages(ctx, req.pages, req.item_code)
    materials = with_page_materials(list(req.materials), pages) if pages else req.materials
    reply = _submit(
        ctx, req, actor, now, lambda masked, agent: _visitor_where(ctx, actor, masked, agent), materials
    )
    if pages:
        reply["pages"] = link_pages(ctx, reply["id"], pages, actor, now, reply["item_code"])
    return reply


# ------------------------------------------------------------------ clerk steps
#: The request models of a clerk's (or a department's) step on a case.
ClerkStep = (
    CaseAccept
    | CaseRefuse
    | CaseNotice
    | CaseSupplement
    | CaseReview
    | CaseDecide
    | CaseResultReady
    | CaseHandOut
    | CaseClose
    | CaseWithdraw
    | CaseVerify
)


def _clerk_step(type_: str, command: str, default: Channel, role: Role = Role.CLERK) -> None:
    @handler(type_, role=AccessRole.CLERK, mutates=True, desk=True)
    def step(ctx: HallContext, req: ClerkStep, actor: Actor, now: float) -> dict[str, Any]:
        case_id = req.case
        # The model leaves a review's limits to this check: made before the case is read, so
        # a bad one is named whatever the case.
        limits = _limits(req.limits) if isinstance(req, CaseReview) else None
        store = ctx.cases
        case = functools.cache(lambda: store.load(case_id))  # read once, and only if needed
        # A reviewer's decision: whose task, first, so a reviewer of another department hears
        # what to do (a token naming no clerk hears it from _clerk_where).
        department = _task_department(ctx, actor, case(), req.department) if isinstance(req, CaseDecide) and actor.clerk else None
        where = _clerk_where(ctx, req.channel, req.window, actor, default, role, case)
        extra: dict[str, Any] = {}
        if isinstance(req, CaseAccept):
            if not req.commitment:
                _check_required_materials(ctx, case(), req.materials, ctx.today(now))
            store.accept(case_id, where, now, commitment=req.commitment, materials=req.materials)
        elif isinstance(req, CaseRefuse):
            store.refuse(case_id, where, now, req.reason)
        elif isinstance(req, CaseNotice):
            store.issue_notice(case_id, where, now, req.materials)
        elif isinstance(req, CaseSupplement):
            store.supplement(case_id, where, now, req.materials)
        elif isinstance(req, CaseReview):
            store.start_review(case_id, where, now, limits=limits)
        elif isinstance(req, CaseVerify):
            check_department(ctx, actor, case().item.department)
            store.verify(case_id, where, now, ok=req.ok, note=req.note or "")
        elif isinstance(req, CaseDecide):
            department = department or _task_department(ctx, actor, case(), req.department)
            store.decide_task(case_id, department, req.decision, where, now, reason=req.reason or "")
        else:
            store.act(case_id, command, where, now)
        if command in ("accept", "decide_task"):
            cert = _certificate_on_approval(ctx, case_id, now)
            if cert is not None:
                extra["certificate"] = certificate_view(cert)
        return _reply(ctx, case_id, now, **extra)


for _type, _command, _default, _role in (
    ("case.accept", "accept", Channel.WINDOW, Role.CLERK),
    ("case.refuse", "refuse", Channel.WINDOW, Role.CLERK),
    ("case.notice", "issue_notice", Channel.WINDOW, Role.CLERK),
    ("case.supplement", "supplement", Channel.WINDOW, Role.CLERK),
    ("case.review", "start_review", Channel.BACK_OFFICE, Role.CLERK),
    ("case.decide", "decide_task", Channel.BACK_OFFICE, Role.DEPARTMENT),
    ("case.result_ready", "result_ready", Channel.BACK_OFFICE, Role.CLERK),
    ("case.hand_out", "hand_out", Channel.WINDOW, Role.CLERK),
    ("case.close", "close", Channel.BACK_OFFICE, Role.CLERK),
    ("case.withdraw", "withdraw", Channel.WINDOW, Role.CLERK),
    ("case.verify", "verify", Channel.BACK_OFFICE, Role.DEPARTMENT),
):
    _clerk_step(_type, _command, _default, _role)


def _check_required_materials(ctx: HallContext, k: Case, handed: list[str], today: date) -> None:
    """受理 needs every material the item requires: given (at submit, by 补正, or handed in
    now), replaced by a valid e-certificate of the applicant on file, or none at all on a
    commitment (告知承诺, not checked here). A refusal names what is missing, in both
    languages, and says what to do: a one-time notice lists it for the visitor at once."""
    item = ctx.catalogue.items.get(k.item.code)
    if item is None:
        return  # the item left the catalogue: the case's snapshot has no ``required`` flags to check
    given = {*k.materials_given, *handed}
    on_file = {m.code for m, _ in ctx.cases.materials_needed(item, k.applicant.id_hash, today).replaced}
    missing = [m for m in item.guide.materials if m.required and m.code not in given and m.code not in on_file]
    if not missing:
        return
    en = "; ".join(m.name.en for m in missing)
    zh = "、".join(m.name.zh for m in missing)
    commitment = (
        (", or accept on commitment (告知承诺)", "，或按告知承诺受理") if item.flags.commitment else ("", "")
    )
    raise EngineError(
        "conflict",
        f"case {k.id} cannot be accepted: required materials are missing: {en}. Issue a one-time notice "
        f"listing them (notice), record them with materials if handed in now{commitment[0]}",
        f"办件 {k.id} 不能受理，缺少必要材料：{zh}。请出具一次性告知书列明所缺材料；"
        f"如当场补交，请在 materials 中登记{commitment[1]}",
        case=k.id,
        missing=[m.code for m in missing],
    )


def _department_names(ctx: HallContext, codes: tuple[str, ...]) -> tuple[str, str]:
    """Departments as a message names them: (English, Chinese), the lead first."""
    depts = [ctx.catalogue.departments.get(c) for c in codes]
    en = ", ".join(d.name.en if d else c for d, c in zip(depts, codes, strict=True))
    zh = "、".join(d.name.zh if d else c for d, c in zip(depts, codes, strict=True))
    return en, zh


def _task_department(ctx: HallContext, actor: Actor, k: Case, named: str | None) -> str:
    """Whose task a decision is (并联办理): the reviewer's own department's, unless they name
    it; staff decide only their own department's task. Every refusal says what to do instead."""
    if actor.kind == "system":
        return named or k.item.department  # the hall's own steps (tests, imports)
    own = department_of(ctx, actor)
    en, zh = _department_names(ctx, k.item.departments)
    if not own:
        raise EngineError(
            "forbidden",
            f"the tasks of case {k.id} are decided by the staff of its departments ({en}), signed in with "
            "their own account; a window clerk receives, notifies and hands out: send it to review",
            f"办件 {k.id} 的审批由承办部门（{zh}）的工作人员以本人账号登录办理；窗口人员负责受理、告知和出件，请转后台审批",
            case=k.id,
            departments=list(k.item.departments),
        )
    own_dept = ctx.catalogue.departments.get(own)
    own_en, own_zh = (own_dept.name.en, own_dept.name.zh) if own_dept else (own, own)
    if named is not None and named != own:
        raise EngineError(
            "forbidden",
            f"you decide the task of your own department ({own_en}) only: leave department out, "
            f"or give {own}; the other departments' staff decide theirs",
            f"您只能审批本部门（{own_zh}）的任务：不填 department 或填 {own}；其他部门的任务由其工作人员审批",
            case=k.id,
            department=own,
        )
    if own not in k.item.departments:
        raise EngineError(
            "forbidden",
            f"case {k.id} has no task for your department ({own_en}): it is handled by {en}; "
            "find your department's tasks in your task list (case.tasks)",
            f"办件 {k.id} 没有本部门（{own_zh}）的审批任务，由{zh}办理；本部门待办请查看待审批任务列表",
            case=k.id,
            departments=list(k.item.departments),
        )
    return own


def _certificate_on_approval(ctx: HallContext, case_id: str, now: float) -> Certificate | None:
    """An approved case of an item that yields a certificate registers one (once)."""
    store = ctx.cases
    k = store.load(case_id)
    if not k.approved or not k.item.yields_certificate:
        return None
    if store.certificate_number_of(case_id) is not None:
        return None
    day = ctx.today(now)
    prefix = certificate_number(k.item.yields_certificate, day, 0, ctx.hall).rsplit("-", 1)[0] + "-"
    for _ in range(NEW_ID_TRIES):
        last = store.last_certificate_number(prefix)
        serial = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
        number = certificate_number(k.item.yields_certificate, day, serial, ctx.hall)
        try:
            return store.register_certificate(
                case_id, number=number, code=certificate_code(ctx, number), issued_on=day, now=now
            )
        except EngineError as e:
            if e.code != "conflict":
                raise
    raise EngineError("conflict", "could not number the certificate; try again", "证照编号冲突，请重试")


# ------------------------------------------------------------------ clerk and manager views
@handler("case.get", role=AccessRole.CLERK, desk=True)
def case_get(ctx: HallContext, req: CaseGet, actor: Actor, now: float) -> dict[str, Any]:
    return _reply(ctx, req.case, now)


@handler("case.mine", role=AccessRole.CLERK, desk=True)
def case_mine(ctx: HallContext, req: CaseMine, actor: Actor, now: float) -> dict[str, Any]:
    """The cases the signed-in clerk is first-inquiry officer of (a manager names the clerk)."""
    # A clerk sees their own cases only (a clerk token naming no clerk has none).
    clerk = actor.clerk if not actor.at_least(AccessRole.MANAGER) else req.clerk or actor.clerk
    if not clerk:
        raise bad_request("which clerk? (a clerk token, or clerk=...)", "请指定工作人员", field="clerk")
    today = ctx.today(now)
    cases = ctx.cases.my_cases(clerk, include_closed=req.include_closed)
    return {
        "clerk": clerk,
        "cases": [summary_view(s, today) for s in cases[:MAX_LISTED]],
        "total": len(cases),
    }


@handler("case.tasks", role=AccessRole.CLERK, desk=True)
def case_tasks(ctx: HallContext, req: CaseTasks, actor: Actor, now: float) -> dict[str, Any]:
    """A department's tasks waiting for a decision (并联办理), earliest due first, with cards,
    and the 告知承诺 checks it owes: the signed-in reviewer's own department (a manager names one)."""
    department = department_of(ctx, actor)
    if actor.at_least(AccessRole.MANAGER):
        department = req.department or department
    if not department:
        raise bad_request(
            "which department? (a department reviewer's token, or department=...)",
            "请指定部门（部门审批人员登录，或提供 department）",
            field="department",
        )
    dept = ctx.catalogue.departments.get(department)
    if dept is None:
        raise not_found("department", "部门", department)
    today = ctx.today(now)
    store = ctx.cases
    tasks = store.department_tasks(department)
    checks = store.verifications_due(department)
    return {
        "department": department,
        "department_name": {"zh": dept.name.zh, "en": dept.name.en},
        # 告知承诺核查 the department owes: approved at once on the applicant's commitment
        "verifications": [
            {
                "case": case,
                "item_code": item,
                "item_name": item_name(ctx, item),
                "due": due.isoformat(),
                "overdue": due < today,
            }
            for case, item, due in checks[:MAX_LISTED]
        ],
        "total": len(tasks),
        "tasks": [
            {
                "case": t.case,
                "item_code": t.item_code,
                "item_name": item_name(ctx, t.item_code),
                "lead": t.lead,
                "opened_on": t.opened_on.isoformat(),
                "limit_days": t.limit_days,
                "due": t.due.isoformat(),
                "card": t.card(today).value,
                "first_inquiry_clerk": t.first_inquiry_clerk,
            }
            for t in tasks[:MAX_LISTED]
        ],
    }


@handler("case.supervision", role=AccessRole.MANAGER, desk=True)
def case_supervision(ctx: HallContext, req: CaseSupervision, actor: Actor, now: float) -> dict[str, Any]:
    """Yellow and red cards of cases and department tasks: red first, fewest days left first."""
    today = ctx.today(now)
    lines = ctx.cases.supervision_list(today, req.limit)
    return {
        "today": today.isoformat(),
        "lines": [
            {
                "case": w.case,
                "item_code": w.item,
                "department": w.department,
                "task": w.task,
                "limit_days": w.limit_days,
                "remaining": w.remaining,
                "due": w.due.isoformat() if w.due else None,
                "card": w.card.value,
                "paused": w.paused,
                "clerk": w.clerk,
            }
            for w in lines
        ],
    }



# ------------------------------------------------------------------ the public
def _progress(ctx: HallContext, case_id: str, now: float) -> dict[str, Any]:
    """办件进度 for the visitor: the timeline, the handling officer (name, phone, and the window
    they sit at now), the deadline, and what is still owed under the one-time notice, named
    as the printed notice names it (with the date it is due back)."""
    store = ctx.cases
    p = store.progress(case_id, ctx.today(now), _officers(ctx))
    p["item_name"] = item_name(ctx, p["item"])
    item = ctx.catalogue.items.get(p["item"])
    p["statutory_days"] = item.limits.statutory_days if item else None
    if p["handling_officer"] is not None:
        p["handling_officer"]["window"] = signed_in_window(ctx, store.summary(case_id).first_inquiry_clerk)
    # Materials by name, never by code (a visitor cannot read premises_proof): a notice's and a
    # 补正 step's note list the codes the core recorded.
    names = _material_names(ctx, p["item"])
    for step in p["steps"]:
        if step["action"] in ("issue_notice", "supplement") and step["note"]:
            step["materials"] = [{"code": c, "name": names.get(c) or {"zh": c, "en": c}} for c in step["note"].split("、")]
            step["note"] = "、".join(m["name"]["zh"] for m in step["materials"])
    p["one_time_notice"] = None
    p["materials_owed"] = []
    if any(s["action"] == "issue_notice" for s in p["steps"]):
        k = store.load(case_id)
        slip = notice_slip(ctx, k, len(k.notices))
        owed = set(p["missing_materials"])
        p["one_time_notice"] = {
            "number": slip["notice"],
            "issued_at": slip["issued_at"],
            "deadline": slip["deadline"],
            "materials": slip["materials"],
            "where": slip["where"],
        }
        p["materials_owed"] = [m for m in slip["materials"] if m["code"] in owed]
    # The result's certificates with the code their QR opens: whoever holds the check code holds
    # the receipt, and the certificate is theirs, so the page may link to its public check.
    p["certificates"] = [
        {"number": c.number, "type": c.type, "verification_url": ctx.links.certificate(c.number, certificate_code(ctx, c.number))}
        for c in store.certificates_of_case(case_id)
    ]
    return p


@handler("case.progress", desk=True)
def case_progress(ctx: HallContext, req: CaseProgressQuery, actor: Actor, now: float) -> dict[str, Any]:
    """By case number and check code (anyone); by ID number (kiosk): the visitor's open cases."""
    id_hash = kiosk_id_hash(ctx, req.id_number, actor)
    if id_hash is not None and req.case is None:
        cases = ctx.cases.cases_of(id_hash)[:MAX_VISITOR_CASES]
        return {"cases": [_progress(ctx, s.id, now) for s in cases]}
    if req.case is None:
        raise refusal(required("case"))  # the model leaves it open: not needed with an ID card
    case_id = req.case
    if id_hash is None or not is_party(ctx, case_id, id_hash):
        check_code_of(ctx, req.code, case_id, actor)
    return _progress(ctx, case_id, now)


@handler("case.supplement_online", role=AccessRole.PUBLIC, mutates=True, desk=True)
def case_supplement_online(
    ctx: HallContext, req: CaseSupplementOnline, actor: Actor, now: float
) -> dict[str, Any]:
    """补正 from the online hall (or a kiosk): the materials the one-time notice asked for."""
    case_id = visitor_case(ctx, req.case, req.code, req.id_number, actor)
    store = ctx.cases
    k = store.load(case_id)
    item = ctx.catalogue.items.get(k.item.code)
    if actor.role != "kiosk" and item is not None and not item.flags.online:
        # Only a 全程网办 item takes materials over the web; a kiosk stands in the hall.
        raise bad_request(
            "this item takes no supplement online: bring the materials to the hall",
            "本事项不能网上补正，请携带材料到大厅窗口补正",
            case=case_id,
        )
    where = _visitor_where(ctx, actor, k.applicant.name_masked or "applicant", False)
    store.supplement(case_id, where, now, req.materials)
    return _progress(ctx, case_id, now)


@handler("case.withdraw_online", role=AccessRole.PUBLIC, mutates=True, desk=True)
def case_withdraw_online(
    ctx: HallContext, req: CaseWithdrawOnline, actor: Actor, now: float
) -> dict[str, Any]:
    """The applicant withdraws (撤回申请) online with the check code, or at a kiosk with the ID card."""
    case_id = visitor_case(ctx, req.case, req.code, req.id_number, actor)
    store = ctx.cases
    k = store.load(case_id)
    store.withdraw(case_id, _visitor_where(ctx, actor, k.applicant.name_masked or "applicant", False), now)
    return _progress(ctx, case_id, now)


@handler("case.notice_slip", desk=True)
def case_notice_slip(ctx: HallContext, req: CaseNoticeSlip, actor: Actor, now: float) -> dict[str, Any]:
    """A one-time notice as printed (the printer's one-time notice layout): the latest, or
    ``notice`` = its number. Staff; the applicant with the check code or the ID card at a kiosk;
    a window's agent (its call pad's key) while the console's job to print it is pending there."""
    requested = req.notice
    case_id = (
        req.case
        if actor.at_least(AccessRole.CLERK) or printing_at_window(ctx, actor, "notice", req.case)
        else visitor_case(ctx, req.case, req.code, req.id_number, actor)
    )
    k = ctx.cases.load(case_id)
    if not k.notices:
        raise not_found("one-time notice", "一次性告知", case_id)
    number = requested or len(k.notices)
    if not 1 <= number <= len(k.notices):
        raise not_found("one-time notice", "一次性告知", f"{case_id}#{number}")
    return notice_slip(ctx, k, number)


@handler("case.receipt_slip", desk=True)
def case_receipt_slip(ctx: HallContext, req: CaseReceiptSlip, actor: Actor, now: float) -> dict[str, Any]:
    """An accepted case's acceptance receipt (受理回执) as printed: staff; a window's agent (its
    call pad's key) while the console's job to print it is pending there. Anyone else is told
    there is no such case, as a wrong check code is."""
    if not (actor.at_least(AccessRole.CLERK) or printing_at_window(ctx, actor, "receipt", req.case)):
        raise not_found("case", "办件", req.case)
    summary = ctx.cases.summary(req.case)
    k = ctx.cases.load(req.case)
    accepted = any(s.action in ("accept", "accept_commitment") for s in k.steps)
    if not accepted or summary.due is None:
        # Before acceptance there is no promised date; once closed the receipt is of no use.
        raise not_found("acceptance receipt of an open accepted case", "已受理且未办结的办件回执", req.case)
    code = check_code(ctx, k.id)
    return {
        "case": k.id,
        "check_code": code,
        "item_code": k.item.code,
        "item_name": item_name(ctx, k.item.code),
        "promised_date": summary.due.isoformat(),
        "progress_url": ctx.links.case(k.id, code),  # the receipt's QR code, printed as given
    }


#: How a slip names a window by its kind (the hall's configured name is free text).
WINDOW_LABEL = {
    WindowKind.COMPREHENSIVE: {"zh": "综合窗口", "en": "comprehensive window"},
    WindowKind.DEDICATED: {"zh": "专窗", "en": "dedicated window"},
    WindowKind.ENTERPRISE: {"zh": "法人窗口", "en": "enterprise window"},
    WindowKind.GREEN_CHANNEL: {"zh": "绿色通道窗口", "en": "green-channel window"},
}


def _window_label(ctx: HallContext, hall: str | None, window: int | None) -> dict[str, str] | None:
    """The kind of window a step happened at, as a slip names it (None: no window, or not a
    window of this hall: a notice of another hall of the city, 同城通办)."""
    w = ctx.engine.windows.get(window) if window is not None and hall == ctx.hall else None
    return WINDOW_LABEL[w.defn.kind] if w is not None else None


def notice_slip(ctx: HallContext, k: Case, number: int) -> dict[str, Any]:
    n = k.notices[number - 1]
    item = ctx.catalogue.items.get(k.item.code)
    guide = {m.code: m for m in item.guide.materials} if item else {}

    def material(code: str) -> dict[str, Any]:
        m = guide.get(code)
        if m is None:
            return {"code": code, "name": {"zh": code, "en": code}, "note": None}
        copies = {
            "zh": ("原件" if m.original else "") + (f"复印件{m.copies}份" if m.copies else ""),
            "en": ("original" if m.original else "")
            + (" and " if m.original and m.copies else "")
            + (f"{m.copies} cop{'y' if m.copies == 1 else 'ies'}" if m.copies else ""),
        }
        note = {"zh": "；".join(x for x in (copies["zh"], m.note.zh if m.note else "") if x),
                "en": "; ".join(x for x in (copies["en"], m.note.en if m.note else "") if x)}  # fmt: skip
        return {"code": code, "name": {"zh": m.name.zh, "en": m.name.en}, "note": note}

    step = next((s for s in reversed(k.steps) if s.action == "issue_notice" and s.at == n.at), None)
    window = step.where.window if step else None
    hall = step.where.hall if step else None
    clerk = ctx.engine.clerks.get(n.by) or (
        ctx.engine.clerks.get(k.first_inquiry_clerk) if k.first_inquiry_clerk else None
    )
    zh, en = ctx.hall_names()
    label = _window_label(ctx, hall, window)
    where = (
        {"zh": f"{zh} {window}号{label['zh']}", "en": f"{en}, {label['en']} {window}"}
        if window is not None and label is not None
        else {"zh": zh, "en": en}
    )
    deadline = ctx.cases.calendar.add_workdays(n.day, ctx.service.case_rules.supplement_days)
    return {
        "case": k.id,
        # 查询码 with the case number: the slip is all a visitor needs to follow the case online
        "check_code": check_code(ctx, k.id),
        "notice": n.number,
        "item_code": k.item.code,
        "item_name": item_name(ctx, k.item.code),
        "window": window,
        "window_label": label,
        "materials": [material(code) for code in n.materials],
        "where": where,
        "deadline": deadline.isoformat(),
        "officer": {"name": clerk.name, "phone": clerk.phone} if clerk else None,
        "issued_at": datetime.fromtimestamp(n.at, ctx.engine.tz).isoformat(),
        "flagged": n.flagged,
    }


@handler("case.rate", role=AccessRole.PUBLIC, mutates=True, desk=True)
def case_rate(ctx: HallContext, req: CaseRate, actor: Actor, now: float) -> dict[str, Any]:
    """好差评 of the case's latest service (one per service: the latest clerk step)."""
    visitor_rates(actor)
    case_id = visitor_case(ctx, req.case, req.code, req.id_number, actor)
    level, comment = req.level, req.comment
    k = ctx.cases.load(case_id)
    n, step = rated_step(k)
    reply = rate(
        ctx,
        comment,
        actor,
        now,
        Subject("case", case_id),
        f"step-{n}:{step.action}",
        level,
        hall=step.where.hall,
        window=step.where.window,
        clerk=step.where.actor if step.where.role is Role.CLERK else None,
    )
    return {**reply, "case": case_id}


# ------------------------------------------------------------------ prefill
MAX_PREFILL_CASES = 20  # the newest: an answer a visitor gave long ago is unlikely to be wanted


@handler("case.prefill", role=AccessRole.KIOSK, desk=True)
def case_prefill(ctx: HallContext, req: CasePrefill, actor: Actor, now: float) -> dict[str, Any]:
    """What this visitor (the ID card just read) answered before for the item's fields, from
    their newest earlier cases first: the kiosk fills the form in, the visitor corrects it.
    ``value`` is for the form, ``shown`` for the screen (a phone masked)."""
    raw, code = req.id_number, req.item_code
    item = ctx.catalogue.items.get(code)
    if item is None:
        raise not_found("service item", "事项", code)
    wanted = {f.code: f for f in item.application_fields}
    store = ctx.cases
    id_hash = ctx.privacy.lookup_hash(raw)
    found: dict[str, dict[str, Any]] = {}
    for s in store.cases_of(id_hash, include_closed=True)[:MAX_PREFILL_CASES]:
        if len(found) == len(wanted):
            break
        if s.applicant_hash != id_hash:
            continue  # a case this person brought as an agent holds another's answers
        k = store.load(s.id)
        for fc, value in open_fields(ctx.privacy, k.fields_cipher).items():
            f = wanted.get(fc)
            if f is None or fc in found:
                continue
            shown = masked_phone(value) if f.type.value == "phone" else value
            found[fc] = {"code": fc, "value": value, "shown": shown, "case": k.id}
    return {"item_code": code, "id_masked": mask(raw), "fields": [found[c] for c in wanted if c in found]}


# ------------------------------------------------------------------ captured pages
@handler("case.pages", role=AccessRole.CLERK, desk=True)
def case_pages(ctx: HallContext, req: CasePages, actor: Actor, now: float) -> dict[str, Any]:
    """The captured pages of a case, without image data."""
    case_id = req.case
    check_page_reader(ctx, actor, case_id)
    item = ctx.cases.summary(case_id).item_code
    pages = ctx.pages.pages(case_id)
    return {"case": case_id, "pages": [page_view(ctx, p, item) for p in pages]}


# ------------------------------------------------------------------ flagged one-time notices
def _material_names(ctx: HallContext, item_code: str) -> dict[str, dict[str, str]]:
    """The item's material codes to their names in the catalogue's guide."""
    item = ctx.catalogue.items.get(item_code)
    return {m.code: {"zh": m.name.zh, "en": m.name.en} for m in item.guide.materials} if item else {}


def _materials(ctx: HallContext, item_code: str, codes: list[str]) -> list[dict[str, Any]]:
    """Material codes with their names from the catalogue's guide (None when no longer listed)."""
    names = _material_names(ctx, item_code)
    return [{"code": c, "name": names.get(c)} for c in codes]


@handler("case.flagged_notices", role=AccessRole.MANAGER, desk=True)
def case_flagged_notices(ctx: HallContext, req: FlaggedNotices, actor: Actor, now: float) -> dict[str, Any]:
    """Later one-time notices that asked for a material the first did not (一次性告知 not kept),
    newest first, with who issued them and which materials were new."""
    found, total = ctx.feedback.flagged_notices(limit=req.limit)
    return {
        "notices": [
            {
                "case": n.case,
                "notice": n.number,
                "item_code": n.item_code,
                "item_name": item_name(ctx, n.item_code),
                "department": n.department,
                "hall": n.hall,
                "issued_at": n.at,
                "clerk": clerk_name(ctx, n.by),
                "materials": _materials(ctx, n.item_code, n.materials),
                "new_materials": _materials(ctx, n.item_code, n.new),
            }
            for n in found
        ],
        "total": total,
        "label": {
            "zh": "补正告知中出现首次告知未列明的材料",
            "en": "A later notice asked for materials the first notice did not list",
        },
    }
