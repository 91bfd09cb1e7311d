"""Request handlers for cases (办件), certificates, ratings and complaints (issue 5, item 10).

Registered into the same ``HANDLERS`` table as the queue's handlers (``handlers.py`` imports
this module at its end), so kiosks over ZeroMQ and the REST API share one set of rules and
run in the hall loop. Cases are city-wide and persisted by ``CaseStore`` in the hall's
database with their own per-case event logs: a case command writes when the handler runs
(``CaseStore`` has its own transactions and retries), not with the hall's batch; the
handler's reply is still remembered for idempotent retries (``mutates=True``).

Privacy: ID numbers become a keyed hash (lookups) and a mask; the public progress page needs
the case number and its check code (an HMAC of the case number with the hall's data key, so
nothing extra is stored) and shows no ID data.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from . import case_access, inputs, throttle
from .appfields import checked_fields, fields_view, masked_phone, open_fields, seal_fields
from .case_access import department_of as _department_of
from .cases import (
    Case,
    CaseItem,
    CaseState,
    Certificate,
    Channel,
    ComplaintCategory,
    Party,
    Role,
    Source,
    Subject,
    Where,
)
from .cases.certificates import certificate_number
from .cases.evaluation import complaint_category
from .engine.errors import EngineError, bad_request, not_found
from .handlers import (
    CODE_ALPHABET,
    REQUEST_KEY,
    HandlerFn,
    _code,
    _flag,
    _id_number,
    _id_value,
    _int,
    _item_code,
    _mask_name,
    _str,
    _ticket_id,
    _window_number,
    handler,
    item_name,
    signed_in_window,
)
from .privacy import mask
from .store.casestore import CaseStore, CaseSummary
from .store.models import CaseRow, CertificateRow, Hall, TicketRow
from .throttle import same_secret

if TYPE_CHECKING:
    from .service import Actor, HallService

log = logging.getLogger("queue_server.cases")

CASE_PREFIX = "NS"  # case numbers: NS-YYYYMMDD-NNNNNN (unique city-wide: the database decides)
CHECK_LEN = 6
NEW_ID_TRIES = 8
MAX_LIST = 200


# ------------------------------------------------------------------ plumbing
def case_store(svc: HallService) -> CaseStore:
    """The service's ``CaseStore``, made on first use (same database engine as the hall)."""
    store = getattr(svc, "_case_store", None)
    if store is None:
        rules = svc.case_rules
        store = CaseStore(
            svc.store.engine,
            rules.calendar(),
            timezone=svc.engine.tz.key,
            verification_days=rules.verification_days,
            card_rule=rules.card_rule(),
        )
        svc._case_store = store  # type: ignore[attr-defined]
    return store


def case_handler(type_: str, role: str = "public", mutates: bool = False) -> Callable[[HandlerFn], HandlerFn]:
    """``@handler`` plus: database failures become 'unavailable' and anything unexpected
    'internal', so that a case request can never stop the hall loop."""

    def register(fn: HandlerFn) -> HandlerFn:
        @wraps(fn)
        def guarded(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
            try:
                return fn(svc, body, actor, now)
            except (EngineError, KeyError, TypeError, ValueError):
                raise
            except SQLAlchemyError:
                log.exception("%s: database error", type_)
                raise EngineError(
                    "unavailable",
                    "the case database is not available; try again",
                    "办件数据库暂时不可用，请重试",
                ) from None
            except Exception:
                log.exception("%s failed", type_)
                raise EngineError("internal", "internal server error", "服务器内部错误") from None

        handler(type_, role, mutates, desk=True)(guarded)
        return fn

    return register


def check_code(svc: HallService, case_id: str) -> str:
    """The case's check code (查询码), fixed per case, unguessable without the data key."""
    digest = int(svc.privacy.lookup_hash(f"case-check:{case_id}"), 16)
    out = []
    for _ in range(CHECK_LEN):
        digest, i = divmod(digest, len(CODE_ALPHABET))
        out.append(CODE_ALPHABET[i])
    return "".join(out)


def _certificate_code(svc: HallService, number: str) -> str:
    return svc.privacy.lookup_hash(f"certificate:{number}")[:10].upper()


def hall_names(svc: HallService) -> tuple[str, str]:
    """This hall's name in Chinese and English (from ``init``; read once)."""
    names = getattr(svc, "_hall_names", None)
    if names is None:
        with svc.store.engine.connect() as c:
            row = c.execute(select(Hall.name, Hall.name_en).where(Hall.code == svc.store.hall)).first()
        names = (row.name, row.name_en or row.name) if row else (svc.store.hall, svc.store.hall)
        svc._hall_names = names  # type: ignore[attr-defined]
    return names


def _today(svc: HallService, now: float) -> date:
    return datetime.fromtimestamp(now, svc.engine.tz).date()


def _officers(svc: HallService) -> dict[str, tuple[str, str]]:
    return {cid: (c.name, c.phone) for cid, c in svc.engine.clerks.items()}


def _case_id(body: dict[str, Any]) -> str:
    cid = _code(body, "case", inputs.CASE_ID)
    assert cid is not None
    return cid


def _strings(body: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    """A list of material codes (at most 100)."""
    return inputs.codes(body, name, inputs.MATERIAL, required=required)


def _check_code_format(body: dict[str, Any]) -> None:
    """A check code, when given, is ASCII letters and digits: anything else is refused here,
    before it is compared with the real one (which would raise on non-ASCII text)."""
    _code(body, "code", inputs.CHECK_CODE, required=False)


def _level(body: dict[str, Any]) -> int:
    """好差评: 5 (非常满意) to 1 (非常不满意)."""
    level = _int(body, "level", min=1, max=5)
    assert level is not None
    return level


MAX_LIMIT_DAYS = 10_000  # far above any statutory limit; the core checks the item's own


def _limits(body: dict[str, Any]) -> dict[str, int] | None:
    """Working days per department for a review (the core checks them against the item)."""
    raw = body.get("limits")
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) > 50:
        raise bad_request(
            "limits maps departments to working days", "limits 应为部门到工作日数的映射", field="limits"
        )
    out: dict[str, int] = {}
    for dept, days in raw.items():
        key = inputs.checked_code(dept, "limits", inputs.DEPARTMENT)
        out[key] = inputs.checked_int(days, f"limits.{key}", max=MAX_LIMIT_DAYS)
    return out


def _check_code_of(svc: HallService, body: dict[str, Any], case_id: str, actor: Actor) -> None:
    """A wrong or missing check code looks like no such case, and is counted against the
    client (``throttle``): anything that is not six letters of the code alphabet is wrong."""
    code = body.get("code")
    given = code.strip().upper() if isinstance(code, str) else ""
    ok = (
        len(given) == CHECK_LEN
        and all(ch in CODE_ALPHABET for ch in given)
        and same_secret(given, check_code(svc, case_id))
    )
    throttle.check(svc, actor, ok)
    if not ok:
        raise not_found("case", "办件", case_id)


def _party(svc: HallService, body: dict[str, Any], *, required: bool) -> tuple[Party | None, str | None]:
    """(party, masked ID) from ``id_number`` and ``name`` in the body."""
    id_hash, _cipher, masked = _id_number(svc, body)
    if id_hash is None:
        if required:
            raise bad_request(
                "the applicant's id_number is required", "必须提供申请人身份证号码", field="id_number"
            )
        return None, None
    name = _str(body, "name", required=False, max_len=50) or ""
    return Party(id_hash, _mask_name(name)), masked


def _clerk_where(
    svc: HallService,
    body: dict[str, Any],
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
    lead or co-departments (``case_access.handles``). A submit has no case yet: the clerk
    submitting becomes its first-inquiry officer. ``case`` reads the case, only when it is
    needed, after the body's own fields have been checked."""
    channel_s = _code(body, "channel", inputs.WORD, required=False)
    try:
        channel = Channel(channel_s) if channel_s else default
    except ValueError:
        raise bad_request(
            f"unknown channel {channel_s!r}", f"未知的办理渠道 {channel_s!r}", field="channel"
        ) from None
    window = _window_number(body, required=False)
    system = actor.kind == "system"
    if not system and not actor.clerk:
        raise EngineError(
            "forbidden",
            "case steps are taken by a clerk: this token names none (managers supervise cases, they do not handle them)",
            "办件须由工作人员经办：该令牌未关联工作人员（管理人员负责督办，不经办）",
        )
    who = actor.clerk or actor.name
    if window is None and channel is Channel.WINDOW:
        window = signed_in_window(svc, who)
        if window is None:
            raise bad_request(
                "give the window (the clerk is not signed in at one)",
                "请提供窗口号（该工作人员未在窗口签到）",
                field="window",
            )
    if window is not None:
        svc.engine.window(window)
    if system:
        pass  # the hall's own steps (start-up, tests) are not anybody's
    elif channel is Channel.WINDOW:
        assert window is not None
        if svc.engine.windows[window].clerk != actor.clerk:
            raise EngineError(
                "forbidden",
                f"clerk {actor.clerk} is not signed in at window {window}: sign in there first",
                f"您未在{window}号窗口签到，请先签到",
                window=window,
            )
    elif case is not None and not case_access.handles(svc, actor, k := case()):
        raise EngineError(
            "forbidden",
            f"case {k.id} is handled by its first-inquiry clerk and its departments' staff; "
            "at a window, with the visitor present, any clerk signed in there may act",
            f"办件 {k.id} 由其首问责任人和承办部门办理；其他工作人员须在签到的窗口当面办理",
            case=k.id,
        )
    hall = svc.store.hall if channel is not Channel.ONLINE else None
    return Where(who, role, channel, hall, window if channel is Channel.WINDOW else None)


def _visitor_where(svc: HallService, actor: Actor, masked: str, agent: bool) -> Where:
    """A visitor's own step: at a kiosk of this hall, or online."""
    role = Role.AGENT if agent else Role.APPLICANT
    if actor.role == "kiosk":
        return Where(masked, role, Channel.KIOSK, svc.store.hall)
    return Where(masked, role, Channel.ONLINE)


# ------------------------------------------------------------------ views
def _card(m: Any, today: date) -> str:
    return m.card(today).value


def case_view(svc: HallService, k: Case, today: date) -> dict[str, Any]:
    """The full case for clerks (no ID data: masked names only)."""
    store = case_store(svc)
    cal, rule = store.calendar, store.card_rule
    m = k.milestones(cal, rule)
    open_ = k.completed_on is None and not k.closed
    officer = svc.engine.clerks.get(k.first_inquiry_clerk) if k.first_inquiry_clerk else None
    return {
        "id": k.id,
        "check_code": check_code(svc, k.id),
        "item_code": k.item.code,
        "item_name": item_name(svc, k.item.code),
        "department": k.item.department,
        "co_departments": list(k.item.co_departments),
        "state": k.state.value,
        "state_zh": k.state.zh,
        "channel": k.channel.value,
        "applicant": {"name": k.applicant.name_masked},
        "agent": {"name": k.agent.name_masked} if k.agent else None,
        "first_inquiry_clerk": k.first_inquiry_clerk,
        "handling_officer": {"name": officer.name, "phone": officer.phone} if officer else None,
        "submitted_at": k.submitted_at,
        "commitment": k.commitment,
        "visits": k.visits,
        "visit_days": [d.isoformat() for d in k.visit_days],
        "materials_given": list(k.materials_given),
        "outstanding_materials": list(k.outstanding_materials),
        "notices": [
            {
                "number": n.number,
                "materials": list(n.materials),
                "at": n.at,
                "by": n.by,
                "new": list(n.new),
                "asked_again": list(n.asked_again),
                "flagged": n.flagged,
            }
            for n in k.notices
        ],
        "tasks": [
            {
                "department": t.department,
                "lead": t.lead,
                "opened_on": t.opened_on.isoformat(),
                "limit_days": t.limit_days,
                "due": t.milestones(cal, rule).due.isoformat() if t.milestones(cal, rule).due else None,
                "card": _card(t.milestones(cal, rule), today) if t.decision is None and open_ else None,
                "decision": t.decision.value if t.decision else None,
                "reason": t.reason,
                "decided_at": t.decided_at,
                "decided_by": t.decided_by,
            }
            for t in k.tasks.values()
        ],
        "steps": [
            {
                "action": s.action,
                "before": s.before.value if s.before else None,
                "state": s.after.value,
                "at": s.at,
                "actor": s.where.actor,
                "role": s.where.role.value,
                "channel": s.where.channel.value,
                "hall": s.where.hall,
                "window": s.where.window,
                "note": s.note,
            }
            for s in k.steps
        ],
        "refusal_reason": k.refusal_reason or None,
        "rejection_reasons": dict(k.rejection_reasons),
        "outcome": k.outcome,
        "statutory_days": k.item.statutory_days,
        "promised_days": k.item.promised_days,
        "due": (m.due or k.clock().due(cal, today)).isoformat() if open_ else None,
        "card": _card(m, today) if open_ else None,
        "paused": k.clock().is_paused(),
        "verification": _verification_view(store.verification(k.id)) if k.commitment else None,
        # The application's typed fields, decrypted for staff, phones masked.
        "fields": fields_view(svc.catalogue.items.get(k.item.code), open_fields(svc.privacy, k.fields_cipher)),
    }


def _verification_view(v: Any) -> dict[str, Any] | None:
    """告知承诺核查: the later check a commitment-based approval opened."""
    if v is None:
        return None
    return {
        "opened_on": v.opened_on.isoformat(),
        "due": v.due.isoformat(),
        "ok": v.ok,
        "note": v.note or None,
        "checked_at": v.checked_at,
        "checked_by": v.checked_by or None,
        "checked_hall": v.checked_hall,
    }


def summary_view(s: CaseSummary, today: date) -> dict[str, Any]:
    card = None
    if s.due is not None:
        card = (
            "red"
            if s.red_on and s.red_on <= today
            else "yellow"
            if s.yellow_on and s.yellow_on <= today
            else "green"
        )
    return {
        "id": s.id,
        "item_code": s.item_code,
        "department": s.lead_department,
        "state": s.state.value,
        "state_zh": s.state.zh,
        "first_inquiry_clerk": s.first_inquiry_clerk,
        "submitted_at": s.submitted_at,
        "visits": s.visits,
        "promised_days": s.promised_days,
        "due": s.due.isoformat() if s.due else None,
        "card": card,
    }


def certificate_view(c: Certificate) -> dict[str, Any]:
    return {
        "number": c.number,
        "type": c.type,
        "holder": c.holder_name_masked,
        "department": c.department,
        "item_code": c.item,
        "case": c.case,
        "issued_on": c.issued_on.isoformat(),
        "valid_until": c.valid_until.isoformat() if c.valid_until else None,
        "revoked": c.revoked,
        "prints": c.prints,
    }


def _reply(svc: HallService, case_id: str, now: float, **extra: Any) -> dict[str, Any]:
    view = case_view(svc, case_store(svc).load(case_id), _today(svc, now))
    view.update(extra)
    return view


# ------------------------------------------------------------------ case numbers
def _new_case_id(svc: HallService, day: date) -> str:
    prefix = f"{CASE_PREFIX}-{day:%Y%m%d}-"
    with svc.store.engine.connect() as c:
        last = c.execute(select(func.max(CaseRow.id)).where(CaseRow.id.like(prefix + "%"))).scalar_one()
    n = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{n:06d}"


def _submit(
    svc: HallService, body: dict[str, Any], actor: Actor, now: float, where_of: Callable[..., Where]
) -> dict[str, Any]:
    code = _item_code(body)
    assert code is not None
    item = svc.catalogue.items.get(code)
    if item is None:
        raise not_found("service item", "事项", code)
    applicant, masked = _party(svc, body, required=True)
    assert applicant is not None and masked is not None
    agent = None
    raw_agent = body.get("agent")
    if raw_agent is not None:
        if not isinstance(raw_agent, dict):
            raise bad_request(
                "agent must be an object with id_number and name", "代办人信息有误", field="agent"
            )
        agent, agent_masked = _party(svc, raw_agent, required=True)
        masked = agent_masked or masked
    materials = _strings(body, "materials")
    day = _today(svc, now)
    where = where_of(masked, agent is not None)
    fields = checked_fields(item, body, day, require=where.channel is not Channel.WINDOW)
    store = case_store(svc)
    request_key = REQUEST_KEY.get()
    case_id = store.case_for_request(request_key) if request_key else None
    for _ in range(0 if case_id else NEW_ID_TRIES):
        case_id = _new_case_id(svc, day)
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
                fields_cipher=seal_fields(svc.privacy, fields),
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
    reply = _reply(svc, case_id, now)
    # A kiosk's or the online hall's applicant sees what they would on the progress page.
    reply["materials_needed"] = [
        m.code for m in store.materials_needed(item, applicant.id_hash, day).needed if m.code not in materials
    ]
    return reply


# ------------------------------------------------------------------ submit
@case_handler("case.submit", role="clerk", mutates=True)
def case_submit(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """At a window, by the clerk (who becomes the first-inquiry officer)."""
    return _submit(
        svc, body, actor, now, lambda masked, agent: _clerk_where(svc, body, actor, Channel.WINDOW)
    )


@case_handler("case.submit_online", role="public", mutates=True)
def case_submit_online(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """The online hall (no trip: not a visit)."""
    return _submit(
        svc,
        body,
        actor,
        now,
        lambda masked, agent: Where(masked, Role.AGENT if agent else Role.APPLICANT, Channel.ONLINE),
    )


@case_handler("case.submit_kiosk", role="kiosk", mutates=True)
def case_submit_kiosk(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A self-service application at a kiosk (the visitor is in the hall: a visit). The kiosk
    names material codes in ``materials`` and its captured pages in ``pages: [{material,
    sha256}]`` (uploaded before with ``page.upload``); the pages' materials count as given."""
    from .page_handlers import check_pages, link_pages, materials_with_pages  # here: it imports this module

    # Checked before the case exists: a page that is not here refuses the submit and makes nothing.
    pages = check_pages(svc, body)
    if pages:
        body = {**body, "materials": materials_with_pages(body, pages)}
    reply = _submit(svc, body, actor, now, lambda masked, agent: _visitor_where(svc, actor, masked, agent))
    if pages:
        reply["pages"] = link_pages(svc, reply["id"], pages, actor, now, reply["item_code"])
    return reply


# ------------------------------------------------------------------ clerk steps
def _step_args(command: str, body: dict[str, Any]) -> dict[str, Any]:
    """The fields a clerk's step reads beside the case, place and actor: all checked before
    the case is read, so a bad field is named whatever the case."""
    if command == "accept":
        return {"commitment": _flag(body, "commitment")}
    if command == "refuse":
        return {"reason": _str(body, "reason", max_len=500, multiline=True) or ""}
    if command in ("issue_notice", "supplement"):
        return {"materials": _strings(body, "materials", required=True)}
    if command == "start_review":
        return {"limits": _limits(body)}
    if command == "verify":
        ok = body.get("ok")
        if not isinstance(ok, bool):
            raise bad_request(
                "ok must be true (the commitment held) or false (with a note)",
                "ok 应为 true（承诺属实）或 false（并说明情况）",
                field="ok",
            )
        return {"ok": ok, "note": _str(body, "note", required=False, max_len=500, multiline=True) or ""}
    if command == "decide_task":
        return {
            "department": _code(body, "department", inputs.DEPARTMENT, required=False),
            "decision": _code(body, "decision", inputs.WORD),
            "reason": _str(body, "reason", required=False, max_len=500, multiline=True) or "",
        }
    return {}


def _clerk_step(type_: str, command: str, default: Channel, role: Role = Role.CLERK) -> None:
    @case_handler(type_, role="clerk", mutates=True)
    def step(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
        case_id = _case_id(body)
        args = _step_args(command, body)
        store = case_store(svc)
        case = functools.cache(lambda: store.load(case_id))  # read once, and only if needed
        where = _clerk_where(svc, body, actor, default, role, case)
        extra: dict[str, Any] = {}
        if command == "accept":
            store.accept(case_id, where, now, commitment=args["commitment"])
        elif command == "refuse":
            store.refuse(case_id, where, now, args["reason"])
        elif command == "issue_notice":
            store.issue_notice(case_id, where, now, args["materials"])
        elif command == "supplement":
            store.supplement(case_id, where, now, args["materials"])
        elif command == "start_review":
            store.start_review(case_id, where, now, limits=args["limits"])
        elif command == "verify":
            _check_department(svc, actor, case().item.department)
            store.verify(case_id, where, now, ok=args["ok"], note=args["note"])
        elif command == "decide_task":
            department = args["department"] or case().item.department
            _check_department(svc, actor, department)
            store.decide_task(case_id, department, args["decision"], where, now, reason=args["reason"])
        else:
            store.act(case_id, command, where, now)
        if command in ("accept", "decide_task"):
            cert = _certificate_on_approval(svc, case_id, now)
            if cert is not None:
                extra["certificate"] = certificate_view(cert)
        return _reply(svc, case_id, now, **extra)


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


def _check_department(svc: HallService, actor: Actor, department: str) -> None:
    """并联办理: a department's task is decided (and a 告知承诺 case checked) by that
    department's own staff, a clerk whose ``department`` it is; comprehensive-window clerks
    receive, notify and hand out, managers supervise: neither decides for a department."""
    if actor.kind == "system":
        return
    if _department_of(svc, actor) != department:
        dept = svc.catalogue.departments.get(department)
        raise EngineError(
            "forbidden",
            f"only staff of department {dept.name.en if dept else department} decide its tasks",
            f"只有{dept.name.zh if dept else department}的工作人员可以审批本部门的任务",
            department=department,
        )


def _certificate_on_approval(svc: HallService, case_id: str, now: float) -> Certificate | None:
    """An approved case of an item that yields a certificate registers one (once)."""
    store = case_store(svc)
    k = store.load(case_id)
    if not k.approved or not k.item.yields_certificate:
        return None
    with svc.store.engine.connect() as c:
        if c.execute(select(CertificateRow.number).where(CertificateRow.case_id == case_id)).first():
            return None
    day = _today(svc, now)
    prefix = certificate_number(k.item.yields_certificate, day, 0, svc.store.hall).rsplit("-", 1)[0] + "-"
    for _ in range(NEW_ID_TRIES):
        with svc.store.engine.connect() as c:
            last = c.execute(
                select(func.max(CertificateRow.number)).where(CertificateRow.number.like(prefix + "%"))
            ).scalar_one()
        serial = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
        number = certificate_number(k.item.yields_certificate, day, serial, svc.store.hall)
        try:
            return store.register_certificate(
                case_id, number=number, code=_certificate_code(svc, number), issued_on=day, now=now
            )
        except EngineError as e:
            if e.code != "conflict":
                raise
    raise EngineError("conflict", "could not number the certificate; try again", "证照编号冲突，请重试")


# ------------------------------------------------------------------ clerk and manager views
@case_handler("case.get", role="clerk")
def case_get(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return _reply(svc, _case_id(body), now)


@case_handler("case.mine", role="clerk")
def case_mine(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """The cases the signed-in clerk is first-inquiry officer of (a manager names the clerk)."""
    # A clerk sees their own cases only (a clerk token naming no clerk has none).
    clerk = (
        actor.clerk
        if not actor.at_least("manager")
        else _code(body, "clerk", inputs.CLERK_ID, required=False) or actor.clerk
    )
    if not clerk:
        raise bad_request("which clerk? (a clerk token, or clerk=...)", "请指定工作人员", field="clerk")
    today = _today(svc, now)
    cases = case_store(svc).my_cases(clerk, include_closed=_flag(body, "include_closed"))
    return {"clerk": clerk, "cases": [summary_view(s, today) for s in cases[:MAX_LIST]], "total": len(cases)}


@case_handler("case.tasks", role="clerk")
def case_tasks(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A department's tasks waiting for a decision (并联办理), earliest due first, with cards,
    and the 告知承诺 checks it owes: the signed-in reviewer's own department (a manager names one)."""
    department = _department_of(svc, actor)
    if actor.at_least("manager"):
        department = _code(body, "department", inputs.DEPARTMENT, required=False) or department
    if not department:
        raise bad_request(
            "which department? (a department reviewer's token, or department=...)",
            "请指定部门（部门审批人员登录，或提供 department）",
            field="department",
        )
    dept = svc.catalogue.departments.get(department)
    if dept is None:
        raise not_found("department", "部门", department)
    today = _today(svc, now)
    store = case_store(svc)
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
                "item_name": item_name(svc, item),
                "due": due.isoformat(),
                "overdue": due < today,
            }
            for case, item, due in checks[:MAX_LIST]
        ],
        "total": len(tasks),
        "tasks": [
            {
                "case": t.case,
                "item_code": t.item_code,
                "item_name": item_name(svc, t.item_code),
                "lead": t.lead,
                "opened_on": t.opened_on.isoformat(),
                "limit_days": t.limit_days,
                "due": t.due.isoformat(),
                "card": t.card(today).value,
                "first_inquiry_clerk": t.first_inquiry_clerk,
            }
            for t in tasks[:MAX_LIST]
        ],
    }


@case_handler("case.supervision", role="manager")
def case_supervision(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """Yellow and red cards of cases and department tasks: red first, fewest days left first."""
    limit = _int(body, "limit", required=False, min=1, max=1000) or 100
    today = _today(svc, now)
    lines = case_store(svc).supervision_list(today, limit)
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
def _progress(svc: HallService, case_id: str, now: float) -> dict[str, Any]:
    """办件进度 for the visitor: the timeline, the handling officer (name, phone, and the window
    they sit at now), the deadline, and what is still owed under the one-time notice, named
    as the printed notice names it (with the date it is due back)."""
    store = case_store(svc)
    p = store.progress(case_id, _today(svc, now), _officers(svc))
    p["item_name"] = item_name(svc, p["item"])
    item = svc.catalogue.items.get(p["item"])
    p["statutory_days"] = item.limits.statutory_days if item else None
    if p["handling_officer"] is not None:
        p["handling_officer"]["window"] = signed_in_window(svc, store.summary(case_id).first_inquiry_clerk)
    p["one_time_notice"] = None
    p["materials_owed"] = []
    if any(s["action"] == "issue_notice" for s in p["steps"]):
        k = store.load(case_id)
        slip = notice_slip(svc, k, len(k.notices))
        owed = set(p["missing_materials"])
        p["one_time_notice"] = {
            "number": slip["notice"],
            "issued_at": slip["issued_at"],
            "deadline": slip["deadline"],
            "materials": slip["materials"],
            "where": slip["where"],
        }
        p["materials_owed"] = [m for m in slip["materials"] if m["code"] in owed]
    return p


def _kiosk_id_hash(svc: HallService, body: dict[str, Any], actor: Actor) -> str | None:
    """The ID number read at a kiosk (a kiosk or staff only: over the web an ID number alone
    must not open anyone's cases)."""
    if body.get("id_number") is None:
        return None
    if not actor.at_least("kiosk"):
        raise EngineError(
            "forbidden", "looking up by ID number needs a kiosk", "按身份证查询须在自助终端办理"
        )
    id_hash, _, _ = _id_number(svc, body)
    return id_hash


@case_handler("case.progress")
def case_progress(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """By case number and check code (anyone); by ID number (kiosk): the visitor's open cases."""
    id_hash = _kiosk_id_hash(svc, body, actor)
    if id_hash is not None and body.get("case") is None:
        cases = case_store(svc).cases_of(id_hash)[:20]
        return {"cases": [_progress(svc, s.id, now) for s in cases]}
    case_id = _case_id(body)
    _check_code_format(body)
    if id_hash is None or not _is_party(svc, case_id, id_hash):
        _check_code_of(svc, body, case_id, actor)
    return _progress(svc, case_id, now)


def _is_party(svc: HallService, case_id: str, id_hash: str) -> bool:
    try:
        s = case_store(svc).summary(case_id)
    except EngineError:
        return False
    return id_hash in (s.applicant_hash, s.agent_hash)


def _visitor_case(svc: HallService, body: dict[str, Any], actor: Actor) -> str:
    """A case the caller may act on as the visitor: check code, or ID number at a kiosk."""
    case_id = _case_id(body)
    _check_code_format(body)
    id_hash = _kiosk_id_hash(svc, body, actor)
    if id_hash is None or not _is_party(svc, case_id, id_hash):
        _check_code_of(svc, body, case_id, actor)
    return case_id


@case_handler("case.supplement_online", role="public", mutates=True)
def case_supplement_online(
    svc: HallService, body: dict[str, Any], actor: Actor, now: float
) -> dict[str, Any]:
    """补正 from the online hall (or a kiosk): the materials the one-time notice asked for."""
    case_id = _visitor_case(svc, body, actor)
    store = case_store(svc)
    k = store.load(case_id)
    where = _visitor_where(svc, actor, k.applicant.name_masked or "applicant", False)
    store.supplement(case_id, where, now, _strings(body, "materials", required=True))
    return _progress(svc, case_id, now)


@case_handler("case.withdraw_online", role="public", mutates=True)
def case_withdraw_online(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """The applicant withdraws (撤回申请) online with the check code, or at a kiosk with the ID card."""
    case_id = _visitor_case(svc, body, actor)
    store = case_store(svc)
    k = store.load(case_id)
    store.withdraw(case_id, _visitor_where(svc, actor, k.applicant.name_masked or "applicant", False), now)
    return _progress(svc, case_id, now)


@case_handler("case.notice_slip")
def case_notice_slip(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A one-time notice as printed (the printer's one-time notice layout): the latest, or
    ``notice`` = its number. Staff; the applicant with the check code or the ID card at a kiosk."""
    requested = _int(body, "notice", required=False, min=1)  # read first: a bad one is refused as such
    case_id = _case_id(body) if actor.at_least("clerk") else _visitor_case(svc, body, actor)
    k = case_store(svc).load(case_id)
    if not k.notices:
        raise not_found("one-time notice", "一次性告知", case_id)
    number = requested or len(k.notices)
    if not 1 <= number <= len(k.notices):
        raise not_found("one-time notice", "一次性告知", f"{case_id}#{number}")
    return notice_slip(svc, k, number)


def notice_slip(svc: HallService, k: Case, number: int) -> dict[str, Any]:
    n = k.notices[number - 1]
    item = svc.catalogue.items.get(k.item.code)
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
    clerk = svc.engine.clerks.get(n.by) or (
        svc.engine.clerks.get(k.first_inquiry_clerk) if k.first_inquiry_clerk else None
    )
    zh, en = hall_names(svc)
    where = (
        {"zh": f"{zh} {window}号综合窗口", "en": f"{en}, window {window}"}
        if window is not None
        else {"zh": zh, "en": en}
    )
    deadline = case_store(svc).calendar.add_workdays(n.day, svc.case_rules.supplement_days)
    return {
        "case": k.id,
        "check_code": check_code(svc, k.id),
        "notice": n.number,
        "item_name": item_name(svc, k.item.code),
        "materials": [material(code) for code in n.materials],
        "where": where,
        "deadline": deadline.isoformat(),
        "officer": {"name": clerk.name, "phone": clerk.phone} if clerk else None,
        "issued_at": datetime.fromtimestamp(n.at, svc.engine.tz).isoformat(),
        "flagged": n.flagged,
    }


def _source(actor: Actor) -> Source:
    if actor.role == "kiosk":
        return Source.KIOSK
    if actor.role == "callpad":
        return Source.KEYPAD
    return Source.WEB


@case_handler("case.rate", role="public", mutates=True)
def case_rate(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """好差评 of the case's latest service (one per service: the latest clerk step)."""
    _visitor_rates(actor)
    case_id = _visitor_case(svc, body, actor)
    level, comment = _level(body), _comment(body)
    k = case_store(svc).load(case_id)
    n, step = rated_step(k)
    reply = _rate(
        svc,
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


def rated_step(k: Case) -> tuple[int, Any]:
    """The service a case's 好差评 is about: its latest clerk step (else its latest step), with
    its index: one rating per service (``step-<n>:<action>``)."""
    steps = list(enumerate(k.steps))
    return next(((i, s) for i, s in reversed(steps) if s.where.role is Role.CLERK), steps[-1])


def _visitor_rates(actor: Actor) -> None:
    """好差评 is the visitor's word: staff do not rate services (their own, say)."""
    if actor.at_least("clerk"):
        raise EngineError(
            "forbidden", "ratings come from the visitor, not from staff", "好差评须由办事人本人作出，工作人员不能评价"
        )


def _comment(body: dict[str, Any]) -> str:
    """A rating's ``comment`` (multi-line text, at most 500 characters)."""
    return _str(body, "comment", required=False, max_len=500, multiline=True) or ""


def _rate(
    svc: HallService,
    comment: str,
    actor: Actor,
    now: float,
    subject: Subject,
    service_event: str,
    level: int,
    *,
    hall: str | None,
    window: int | None,
    clerk: str | None,
) -> dict[str, Any]:
    """Store one 好差评 (with the visitor's ``comment``) and answer with it."""
    ev = case_store(svc).rate(
        uuid.uuid4().hex,
        subject,
        service_event,
        level,
        _source(actor),
        now,
        hall=hall,
        window=window,
        clerk=clerk,
        comment=comment,
    )
    return {
        "id": ev.id,
        "service_event": ev.service_event,
        "level": int(ev.level),
        "level_zh": ev.level.zh,
        "follow_up_due": ev.follow_up_due.isoformat() if ev.follow_up_due else None,
    }


@case_handler("ticket.rate", role="public", mutates=True)
def ticket_rate(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """好差评 of a window's service where no case exists, keyed to the ticket: from the window's
    evaluation keypad (a call pad rates only its own window's service), a kiosk or the web
    (with the token printed on the slip, or at a kiosk the ID card the ticket was taken with).
    One per service: a ticket transferred to a second
    window can be rated for each."""
    tid = _ticket_id(body)
    level, comment = _level(body), _comment(body)
    _code(body, "token", inputs.TOKEN, required=False)  # ASCII before compare_digest, which raises on other text
    id_hash = _kiosk_id_hash(svc, body, actor)  # the ID card read at a kiosk stands for the slip
    with svc.store.engine.connect() as c:
        t = c.execute(
            select(TicketRow.token, TicketRow.window, TicketRow.clerk, TicketRow.called_at, TicketRow.id_hash).where(
                TicketRow.id == tid, TicketRow.hall == svc.store.hall
            )
        ).first()
    if t is None:
        raise not_found("ticket", "票号", tid)
    if actor.role == "callpad":
        if actor.window is None or actor.window != t.window:
            raise EngineError(
                "forbidden",
                "an evaluation pad rates only the service at its own window",
                "评价器只能评价本窗口的服务",
            )
    else:
        _visitor_rates(actor)
        if id_hash is not None and body.get("token") is None:
            ok = same_secret(id_hash, t.id_hash or "")
        else:
            ok = same_secret(body.get("token"), t.token)
        throttle.check(svc, actor, ok)
        if not ok:
            raise not_found("ticket", "票号", tid)  # without the slip's token: as if none
    if t.called_at is None or t.window is None:
        raise EngineError(
            "conflict", f"ticket {tid} has not been served yet", "该票号尚未办理，暂不能评价", ticket=tid
        )
    reply = _rate(
        svc,
        comment,
        actor,
        now,
        Subject("ticket", tid),
        f"window-{t.window}@{t.called_at:.3f}",
        level,
        hall=svc.store.hall,
        window=t.window,
        clerk=t.clerk,
    )
    return {**reply, "ticket": tid, "window": t.window}


@case_handler("complaint.file", role="public", mutates=True)
def complaint_file(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A complaint from the kiosk or the web; about a case when its number and check code are given.

    ``category`` is one of ``ComplaintCategory`` (default "other"); ``phone`` the number the hall
    answers on: required at a kiosk (the visitor leaves no other way to be reached), optional
    on the web. The phone is stored encrypted and shown masked, like an application's phone."""
    text = _str(body, "text", max_len=2000, multiline=True)
    assert text is not None
    raw = body.get("category")
    category = ComplaintCategory.OTHER if raw is None or raw == "" else complaint_category(raw)
    source = _source(actor)
    phone = _code(body, "phone", inputs.PHONE, required=source is Source.KIOSK)
    subject = Subject("case", _visitor_case(svc, body, actor)) if body.get("case") else None
    complaint_id = f"TS-{_today(svc, now):%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    co = case_store(svc).file_complaint(
        complaint_id,
        text,
        source,
        now,
        subject=subject,
        category=category,
        phone_cipher=svc.privacy.encrypt_text(phone) if phone else None,
    )
    return {
        "id": co.id,
        "state": co.state.value,
        "accept_due": co.accept_due.isoformat() if co.accept_due else None,
        "case": subject.id if subject else None,
        "category": co.category.value,
        "category_label": co.category.label,
        "phone": masked_phone(phone) if phone else None,
    }


# ------------------------------------------------------------------ certificates
@case_handler("certificate.list", role="kiosk")
def certificate_list(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """The holder's valid certificates (ID card read at the kiosk)."""
    id_hash, _, masked = _id_number(svc, body)
    if id_hash is None:
        raise bad_request("id_number is required", "必须提供身份证号码", field="id_number")
    certs = case_store(svc).certificates_of(id_hash, _today(svc, now))
    return {"holder": masked, "certificates": [certificate_view(c) for c in certs]}


@case_handler("certificate.print", role="kiosk", mutates=True)
def certificate_print(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A self-print of the holder's certificate (counted); with the verification code for the QR."""
    number = _code(body, "number", inputs.CERTIFICATE_NUMBER)
    assert number is not None
    raw = _id_value(svc, body)
    if raw is None:
        raise bad_request("the holder's id_number is required", "必须提供持证人身份证号码", field="id_number")
    store = case_store(svc)
    try:
        found: Certificate | None = store.certificate(number)
    except EngineError as e:
        if e.code != "not_found":
            raise
        found = None
    # Number and holder's ID together open the print; an unknown number counts as wrong too.
    ok = found is not None and same_secret(found.holder_hash, svc.privacy.lookup_hash(raw))
    throttle.check(svc, actor, ok)
    if not ok or found is None:
        raise not_found("certificate", "电子证照", number)  # not the holder's: as if none
    cert = found
    prints = store.record_print(number, hall=svc.store.hall, kiosk=actor.name, now=now)
    # The self-print is the hand-out of a case whose result waits (出件 at the kiosk).
    handed_out = None
    if store.summary(cert.case).state is CaseState.RESULT_READY:
        where = Where(mask(raw), Role.APPLICANT, Channel.KIOSK, svc.store.hall)
        store.hand_out(cert.case, where, now)
        handed_out = cert.case
    code = _certificate_code(svc, number)
    return {
        **certificate_view(cert),
        "prints": prints,
        "handed_out_case": handed_out,
        "verification_code": code,
        "verification_path": f"/api/v1/certificates/{number}?code={code}",
    }


@case_handler("certificate.verify")
def certificate_verify(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """The page a certificate's QR code opens: number plus verification code."""
    number = _code(body, "number", inputs.CERTIFICATE_NUMBER)
    code = _code(body, "code", inputs.CHECK_CODE)
    assert number is not None and code is not None
    try:
        cert: Certificate | None = case_store(svc).verify_certificate(number, code)
    except EngineError as e:
        if e.code != "not_found":
            raise
        cert = None
    throttle.check(svc, actor, cert is not None)
    if cert is None:
        raise not_found("certificate", "电子证照", number)
    return {**certificate_view(cert), "valid": cert.valid_on(_today(svc, now))}


__all__ = ["CaseState", "case_store", "case_view", "check_code"]


# ------------------------------------------------------------------ prefill
MAX_PREFILL_CASES = 20  # the newest: an answer a visitor gave long ago is unlikely to be wanted


@case_handler("case.prefill", role="kiosk")
def case_prefill(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """What this visitor (the ID card just read) answered before for the item's fields, from
    their newest earlier cases first: the kiosk fills the form in, the visitor corrects it.
    ``value`` is for the form, ``shown`` for the screen (a phone masked)."""
    raw = _id_value(svc, body)
    if raw is None:
        raise bad_request("id_number is required (the card just read)", "必须提供身份证号码", field="id_number")
    code = _item_code(body)
    assert code is not None
    item = svc.catalogue.items.get(code)
    if item is None:
        raise not_found("service item", "事项", code)
    wanted = {f.code: f for f in item.application_fields}
    store = case_store(svc)
    id_hash = svc.privacy.lookup_hash(raw)
    found: dict[str, dict[str, Any]] = {}
    for s in store.cases_of(id_hash, include_closed=True)[:MAX_PREFILL_CASES]:
        if len(found) == len(wanted):
            break
        if s.applicant_hash != id_hash:
            continue  # a case this person brought as an agent holds another's answers
        k = store.load(s.id)
        for fc, value in open_fields(svc.privacy, k.fields_cipher).items():
            f = wanted.get(fc)
            if f is None or fc in found:
                continue
            shown = masked_phone(value) if f.type.value == "phone" else value
            found[fc] = {"code": fc, "value": value, "shown": shown, "case": k.id}
    return {"item_code": code, "id_masked": mask(raw), "fields": [found[c] for c in wanted if c in found]}
