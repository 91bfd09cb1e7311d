"""How replies show what several request types answer with: item and staff names, tickets
just issued, cases, case summaries, certificates, deadlines."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..appfields import fields_view, open_fields
from ..cases import Case, Certificate
from ..store.casestore import CaseSummary
from .codes import check_code

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

LEVEL_EN = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Basically satisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}


def item_name(ctx: HallContext, code: str) -> dict[str, str] | None:
    """A service item's name in Chinese and English, as replies carry it."""
    item = ctx.catalogue.items.get(code)
    return {"zh": item.name.zh, "en": item.name.en} if item else None


def clerk_name(ctx: HallContext, clerk: str | None) -> dict[str, Any] | None:
    """A staff member as replies show them: id and name (staff names are on the window screens)."""
    if clerk is None:
        return None
    info = ctx.engine.clerks.get(clerk)
    return {"id": clerk, "name": info.name if info else None}


def acted_by(actor: Actor) -> str:
    """Whom a step of a complaint or a follow-up is on record against."""
    return actor.clerk or actor.name


def overdue(ctx: HallContext, due: date | None, today: date) -> dict[str, Any]:
    """Overdue as the core counts it (``Feedback.overdue``): past the due day, late by working days."""
    if due is None or today <= due:
        return {"overdue": False, "days_late": 0}
    return {"overdue": True, "days_late": ctx.cases.calendar.workdays_between(due, today)}


#: What a slip prints for a ticket's lane (``HallEngine.lane_of``); none for the ordinary line.
LANE_NAMES = {
    "green_channel": {"zh": "绿色通道", "en": "Green channel"},
    "appointment": {"zh": "预约", "en": "Appointment"},
}


def issued_reply(ctx: HallContext, ticket_id: str, now: float) -> dict[str, Any]:
    """What a kiosk prints and the online hall shows. Kept small: it is also the stored
    answer for retries, one per ticket of the day."""
    t = ctx.engine.tickets[ticket_id]
    ahead = ctx.engine.position(t)
    outlook = ctx.engine.wait_outlook(t.stream, ahead, now)
    lane = ctx.engine.lane_of(t)
    reply: dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "token": t.token,
        "hall": ctx.hall,
        "item_code": t.item,
        "item_name": item_name(ctx, t.item),
        "stream": t.stream,
        "state": t.state.value,
        "lane": lane,
        "position": ahead,
        "estimated_wait_s": outlook["estimated_wait_s"],
        "issued_at": t.issued_at,
        # The slip's QR code: the ticket's live page, as the server serves it.
        "page_url": ctx.links.ticket(t.id, t.token),
    }
    optional = {
        "lane_name": LANE_NAMES.get(lane),
        "priority": t.priority.value if t.priority else None,
        "appointment": t.appointment,
        "late": t.late or None,
        "first_inquiry_clerk": t.first_inquiry_clerk,
        "id_masked": t.id_masked,
        "enterprise": dict(t.enterprise) if t.enterprise else None,
        # Opening hours: when today's service ends, and a warning the slip prints when the
        # wait runs past it or over the lunch break (never a promise of minutes the hall is shut).
        "closes_at": outlook["closes_at"],
        "beyond_closing": outlook["beyond_closing"] or None,
        "wait_notice": outlook["wait_notice"],
    }
    reply.update((k, v) for k, v in optional.items() if v is not None)
    return reply


def wait_range_min(estimated_s: int, ahead: int) -> list[int]:
    """The wait a page promises, as a range of minutes: the estimate is an average over the
    hall's recent service times, so a single figure would be wrong most of the time. Nobody
    ahead: [0, 0] (next). The range widens with the estimate (-25 % .. +40 %), at least
    5 minutes wide, rounded outwards."""
    if ahead <= 0:
        return [0, 0]
    minutes = estimated_s / 60
    low = max(0, int(minutes * 0.75))
    high = max(low + 5, -(-int(minutes * 1.4 * 10) // 10))
    return [low, int(high)]


def ticket_facts(ctx: HallContext, t: Any, now: float) -> dict[str, Any]:
    """A live ticket as its holder's page shows it (``TicketFacts``)."""
    engine = ctx.engine
    waiting = t.state.value == "waiting"
    ahead = engine.position(t) if waiting else None
    lane = engine.lane_of(t)
    facts: dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "item_code": t.item,
        "item_name": item_name(ctx, t.item),
        "state": t.state.value,
        "lane": lane,
        "lane_name": LANE_NAMES.get(lane),
        "position": ahead,
        "window": t.window,
        "recalls": t.recalls,
        "missed": t.missed,
        "misses_left": max(0, engine.rules.no_show_after_recalls - t.missed),
        "transferred_to_window": t.transfer.to_window if t.transfer else None,
        "transferred_to_item": t.transfer.to_item if t.transfer else None,
    }
    if waiting and ahead is not None:
        outlook = engine.wait_outlook(t.stream, ahead, now)
        facts["wait_min"] = wait_range_min(outlook["estimated_wait_s"], ahead)
        facts["beyond_closing"] = bool(outlook["beyond_closing"])
        facts["wait_notice"] = outlook["wait_notice"]
    return facts


def ended_facts(ctx: HallContext, row: Any) -> dict[str, Any]:
    """A ticket that has left the live queue today (a store row), as its page shows it."""
    return {
        "id": row.id,
        "number": row.number,
        "item_code": row.item_code,
        "item_name": item_name(ctx, row.item_code),
        "state": row.state,
        "lane": None,
        "position": None,
        "window": row.window,
        "outcome": row.outcome,
    }


def _card(m: Any, today: date) -> str:
    return m.card(today).value

def case_view(ctx: HallContext, k: Case, today: date) -> dict[str, Any]:
    """The full case for clerks (no ID data: masked names only)."""
    store = ctx.cases
    cal, rule = store.calendar, store.card_rule
    m = k.milestones(cal, rule)
    open_ = k.completed_on is None and not k.closed
    officer = ctx.engine.clerks.get(k.first_inquiry_clerk) if k.first_inquiry_clerk else None
    return {
        "id": k.id,
        "check_code": check_code(ctx, k.id),
        "item_code": k.item.code,
        "item_name": item_name(ctx, k.item.code),
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
        "fields": fields_view(ctx.catalogue.items.get(k.item.code), open_fields(ctx.privacy, k.fields_cipher)),
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


