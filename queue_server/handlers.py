"""Request handlers: one function per request type, shared by ZeroMQ and HTTP.

Each takes the request body, checks it, asks the engine, emits the events and returns the
reply body. The table ``HANDLERS`` says which role a request needs and whether it changes
state (only those are remembered for idempotent retries).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from . import inputs, throttle
from .engine import EngineError, Outcome, Priority
from .engine.errors import bad_request, conflict, not_found
from .engine.hall import MAX_NOTICES
from .engine.views import device_health_view, hall_view, help_call_view, ticket_view
from .privacy import id_number_problem, mask
from .throttle import same_secret

if TYPE_CHECKING:
    from .service import Actor, HallService

HandlerFn = Callable[["HallService", dict[str, Any], "Actor", float], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Handler:
    fn: HandlerFn
    role: str
    mutates: bool
    #: Handled by the case desk beside the hall loop (it writes the case database itself and
    #: never emits hall events), so its disk writes never hold the queue.
    desk: bool = False


HANDLERS: dict[str, Handler] = {}

#: The idempotency key of the request being handled, for handlers that must store it with
#: what they create (a case submit), so a retry finds it even if the reply was lost.
REQUEST_KEY: ContextVar[str | None] = ContextVar("request_key", default=None)


def handler(
    type_: str, role: str = "public", mutates: bool = False, *, desk: bool = False
) -> Callable[[HandlerFn], HandlerFn]:
    def register(fn: HandlerFn) -> HandlerFn:
        HANDLERS[type_] = Handler(fn, role, mutates, desk)
        return fn

    return register


# ------------------------------------------------------------------ body helpers
# Thin names for the checks of ``inputs.py``, which every handler module uses.
def _str(
    body: dict[str, Any], name: str, *, required: bool = True, max_len: int = 200, multiline: bool = False
) -> str | None:
    """A text field, checked (``inputs.text``); ``multiline`` allows ``\n`` and ``\t``."""
    return inputs.text(body, name, required=required, max_len=max_len, multiline=multiline)


def _int(
    body: dict[str, Any], name: str, *, required: bool = True, min: int = 0, max: int = inputs.INT_MAX
) -> int | None:
    """A whole number in ``min..max`` (``inputs.integer``): ASCII digits only."""
    return inputs.integer(body, name, required=required, min=min, max=max)


def _code(body: dict[str, Any], name: str, pattern: inputs.Pattern, *, required: bool = True) -> str | None:
    """A code or identifier of ``pattern`` (``inputs.code``), refused without being quoted."""
    return inputs.code(body, name, pattern, required=required)


def _flag(body: dict[str, Any], name: str, *, default: bool = False) -> bool:
    return inputs.flag(body, name, default=default)


def _window_number(body: dict[str, Any], name: str = "window", *, required: bool = True) -> int | None:
    return _int(body, name, required=required, min=inputs.WINDOW_MIN, max=inputs.WINDOW_MAX)


def _item_code(body: dict[str, Any], name: str = "item_code", *, required: bool = True) -> str | None:
    return _code(body, name, inputs.ITEM_CODE, required=required)


def _ticket_id(body: dict[str, Any]) -> str:
    tid = _code(body, "ticket", inputs.TICKET_ID)
    assert tid is not None
    return tid


def _id_value(svc: HallService, body: dict[str, Any], name: str = "id_number") -> str | None:
    """An optional ID number in the body, checked by the shared rules (``protocol.idnumber``):
    upper-cased, or None when absent. A refusal never quotes the number."""
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 40:
        raise bad_request(f"{name} must be an 18-character ID number", f"{name} 应为18位身份证号码", field=name)
    value = raw.strip().upper()
    problem = id_number_problem(value, today=datetime.now(svc.engine.tz).date())
    if problem is not None:
        # The shared rules' own words, which never contain any part of the number.
        raise bad_request(
            f"{name} is not valid: {problem.message}",
            f"身份证号码无效（{problem.message_zh}），请核对",
            field=name,
        )
    return value


def _id_number(svc: HallService, body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(hash, cipher, masked) of an optional ID number in the body."""
    value = _id_value(svc, body)
    if value is None:
        return None, None, None
    return svc.privacy.lookup_hash(value), svc.privacy.encrypt(value), mask(value)


def _window_for(svc: HallService, body: dict[str, Any], actor: Actor) -> int:
    number = _window_number(body)
    assert number is not None
    svc.engine.window(number)
    _check_window_actor(svc, number, actor)
    return number


def _check_window_actor(svc: HallService, number: int, actor: Actor) -> None:
    """Who acts at a window: its own call pad, the clerk signed in there (a clerk signed in
    nowhere, or elsewhere, acts nowhere), a manager anywhere (the floor desk), the system."""
    if actor.at_least("manager") or actor.kind == "system":
        return
    if actor.role == "callpad":
        if actor.window != number:
            raise EngineError(
                "forbidden",
                f"this call pad belongs to window {actor.window}",
                "该呼叫器不属于此窗口",
                window=number,
            )
        return
    if actor.role == "clerk":
        if actor.clerk is None:
            raise EngineError(
                "forbidden",
                "this clerk token names no clerk; ask for a token with --clerk",
                "该令牌未关联工作人员，无法在窗口办理",
                window=number,
            )
        w = svc.engine.windows[number]
        if w.clerk != actor.clerk:
            raise EngineError(
                "forbidden",
                f"window {number} is not signed in by clerk {actor.clerk}: sign in there first",
                f"您未在{number}号窗口签到，请先签到",
                window=number,
            )
        return
    raise EngineError("forbidden", f"{actor.role} may not act at a window", "该设备无权在窗口操作", window=number)


def signed_in_window(svc: HallService, clerk: str | None) -> int | None:
    """The window a clerk is signed in at, if any."""
    return svc.engine.window_of(clerk)


def _ticket_for(svc: HallService, body: dict[str, Any], actor: Actor) -> str:
    tid = _ticket_id(body)
    t = svc.engine.ticket(tid)
    if t.window is not None:
        _check_window_actor(svc, t.window, actor)
    return tid


def item_name(svc: HallService, code: str) -> dict[str, str] | None:
    """A service item's name in Chinese and English, as replies carry it."""
    item = svc.catalogue.items.get(code)
    return {"zh": item.name.zh, "en": item.name.en} if item else None


def _issued_reply(svc: HallService, ticket_id: str) -> dict[str, Any]:
    """What a kiosk prints and the online hall shows. Kept small: it is also the stored
    answer for retries, one per ticket of the day."""
    t = svc.engine.tickets[ticket_id]
    ahead = svc.engine.position(t)
    reply: dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "token": t.token,
        "hall": svc.store.hall,
        "item_code": t.item,
        "item_name": item_name(svc, t.item),
        "stream": t.stream,
        "state": t.state.value,
        "position": ahead,
        "estimated_wait_s": svc.engine.estimated_wait_s(t.stream, ahead),
        "issued_at": t.issued_at,
    }
    optional = {
        "priority": t.priority.value if t.priority else None,
        "appointment": t.appointment,
        "late": t.late or None,
        "first_inquiry_clerk": t.first_inquiry_clerk,
        "id_masked": t.id_masked,
    }
    reply.update((k, v) for k, v in optional.items() if v is not None)
    return reply


# --------------------------------------------------------------------- handlers
@handler("hall.ping")
def ping(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {
        "hall": svc.store.hall,
        "epoch": svc.epoch,
        "seq": svc.engine.last_seq,
        "time": datetime.fromtimestamp(now, UTC).isoformat(),
        "catalogue_version": svc.catalogue_version,
    }


@handler("catalogue.get")
def catalogue_get(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    have = _int(body, "have_version", required=False)
    if have == svc.catalogue_version:
        return {"version": svc.catalogue_version, "unchanged": True}
    return {"version": svc.catalogue_version, "unchanged": False, "catalogue": svc.catalogue_document}


@handler("catalogue.publish", role="admin", mutates=True)
def catalogue_publish(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    doc = body.get("document")
    if not isinstance(doc, dict):
        raise bad_request("document must be a catalogue object", "缺少事项目录内容")
    version, created = svc.replace_catalogue(doc, actor.name)
    return {"version": version, "created": created}


@handler("ticket.issue", role="public", mutates=True)
def ticket_issue(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    code = _item_code(body)
    assert code is not None
    item = svc.catalogue.items.get(code)
    if item is None:
        raise not_found("service item", "事项", code)
    priority = _code(body, "priority", inputs.WORD, required=False)
    if priority is not None and priority != Priority.GREEN.value:
        raise bad_request(
            "priority may only be 'green' (green channel); appointments check in instead",
            "优先类型只能为绿色通道；预约请签到",
            field="priority",
        )
    id_hash, cipher, masked = _id_number(svc, body)
    clerk = svc.returning_clerk(id_hash, now) if id_hash else None
    events = svc.engine.issue(
        code,
        now,
        svc.new_token(),
        id_hash=id_hash,
        id_masked=masked,
        priority=priority,
        first_inquiry_clerk=clerk,
    )
    if cipher:
        events[0].data["id_cipher"] = cipher
    svc.emit(events)
    return _issued_reply(svc, events[0].data["ticket"])


def _check_ticket_token(svc: HallService, body: dict[str, Any], actor: Actor, t: Any) -> None:
    """The slip's token (its QR code) proves the holder; a wrong one is counted against the
    client (``throttle``) and looks like no such ticket, so nobody learns another's."""
    ok = same_secret(body.get("token"), t.token)
    throttle.check(svc, actor, ok)
    if not ok:
        raise not_found("live ticket", "在办票号", t.id)


@handler("ticket.status")
def ticket_status(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    tid = _ticket_id(body)
    _code(body, "token", inputs.TOKEN, required=False)
    t = svc.engine.tickets.get(tid)
    if t is None:
        raise not_found("live ticket", "在办票号", tid)
    if not actor.at_least("clerk"):  # staff see the live queue; the public only its own ticket
        _check_ticket_token(svc, body, actor, t)
    return ticket_view(svc.engine, t)


def _waits_for(svc: HallService, t: Any, clerk: str | None) -> bool:
    """Whether a waiting ticket is the clerk's at their window: transferred to it, or a
    returning visitor reserved for them (首问负责)."""
    window = signed_in_window(svc, clerk)
    if window is None:
        return False
    if t.transfer is not None and t.transfer.to_window == window:
        return True
    return t.reserved_until is not None and t.first_inquiry_clerk == clerk


@handler("ticket.cancel", role="public", mutates=True)
def ticket_cancel(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """Cancelled by its holder (the slip's token: the phone, the web, a kiosk scanning the
    slip), by a manager (the floor desk), or by a clerk for a ticket waiting for their own
    window; a call pad or a kiosk never without the token."""
    tid = _ticket_id(body)
    _code(body, "token", inputs.TOKEN, required=False)
    t = svc.engine.ticket(tid)
    if actor.at_least("manager") or actor.kind == "system":
        reason = "clerk"
    elif actor.role == "clerk" and body.get("token") is None:
        if not _waits_for(svc, t, actor.clerk):
            raise EngineError(
                "forbidden",
                "a clerk cancels only a ticket waiting for their own window; the visitor cancels with the slip",
                "工作人员只能取消等候本窗口的票号；其他票号请办事人凭取号单取消",
                ticket=tid,
            )
        reason = "clerk"
    else:
        _check_ticket_token(svc, body, actor, t)
        reason = "visitor"
    svc.emit(svc.engine.cancel(tid, now, reason))
    return {"ticket": tid, "state": "cancelled"}


@handler("queue.snapshot", role="display")
def queue_snapshot(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {
        "hall": svc.store.hall,
        "epoch": svc.epoch,
        "seq": svc.engine.last_seq,
        "state": hall_view(svc.engine, waiting_limit=_waiting_limit(body, "waiting_limit", 50)),
    }


@handler("queue.state")
def queue_state(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    view = hall_view(svc.engine, waiting_limit=_waiting_limit(body, "limit", 200))
    if actor.at_least("clerk"):  # which kiosk's printer is out is the floor staff's business
        view["device_health"] = device_health_view(svc.engine)
    return view


MAX_WAITING_LISTED = 5000


def _waiting_limit(body: dict[str, Any], name: str, default: int) -> int:
    """How many waiting tickets a view lists: 0..MAX_WAITING_LISTED (the counts are always whole)."""
    n = _int(body, name, required=False, min=0, max=MAX_WAITING_LISTED)
    return default if n is None else n


@handler("hall.set_notices", role="manager", mutates=True)
def hall_set_notices(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    svc.emit(svc.engine.set_notices(_notices(body), now))
    return {"notices": list(svc.engine.notices)}


# ---- the hall's opening hours and caps, help calls, device health
@handler("hall.info")
def hall_info(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """What a kiosk shows before a visitor takes a number: the hall's name, today's hours,
    whether it is open, when it opens next, and the numbers left today of items with a cap."""
    from .case_handlers import hall_names  # here: case_handlers imports this module

    e = svc.engine
    today = e.local_day(now)
    nxt = e.next_opening(now)
    zh, en = hall_names(svc)
    return {
        "hall": svc.store.hall,
        "name": {"zh": zh, "en": en},
        "today": today,
        "timezone": e.tz.key,
        "always_open": e.rules.hours is None,
        "hours_today": e.hours_on(today),
        "open_now": e.is_open(now),
        "next_open": datetime.fromtimestamp(nxt, e.tz).isoformat() if nxt is not None else None,
        "caps": [
            {
                "item_code": code,
                "item_name": item_name(svc, code),
                "cap": cap,
                "left": e.tickets_left(code, today),
            }
            for code, cap in e.rules.daily_caps
        ],
    }


HELP_REASON_MAX = 100  # a few words typed or chosen on the kiosk


@handler("kiosk.help", role="kiosk", mutates=True)
def kiosk_help(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """呼叫工作人员 at a kiosk: one open call per kiosk (pressing again answers the open one)."""
    reason = _str(body, "reason", required=False, max_len=HELP_REASON_MAX) or ""
    screen = _str(body, "screen", required=False, max_len=64) or ""
    events = svc.emit(svc.engine.request_help(actor.name, now, reason=reason, screen=screen))
    h = svc.engine.open_help_of(actor.name)
    assert h is not None
    return {**help_call_view(svc.engine, h), "repeated": not events}


@handler("hall.help_answered", role="manager", mutates=True)
def hall_help_answered(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    help_id = _int(body, "help_id", min=1)
    assert help_id is not None
    events = svc.emit(svc.engine.answer_help(help_id, now, actor.name))
    return {"id": help_id, "kiosk": events[0].data["kiosk"], "answered_by": actor.name, "state": "answered"}


@handler("hall.help_calls", role="manager")
def hall_help_calls(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {"help_calls": [help_call_view(svc.engine, h) for h in svc.engine.help_calls.values()]}


#: Device names and kinds as ``devices/`` writes them (``printer``, ``idcard-1``, ``camera``).
DEVICE_NAME = inputs.pattern(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", "a device name like printer-1", "设备名称，如 printer-1")


@handler("device.health", role="display", mutates=True)  # kiosks and displays: checked inside
def device_health(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A kiosk's or a display's device changed health (``devices.health.HealthChanged.to_message()``):
    the newest status per (reporting device, device) is kept and shown to staff."""
    if actor.role not in ("kiosk", "display") and actor.kind != "system":
        raise EngineError(
            "forbidden", "device health is reported by a kiosk or a display", "设备状态只能由自助终端或显示屏上报"
        )
    name = _code(body, "device", DEVICE_NAME)
    kind = _code(body, "kind", inputs.WORD)
    status = _code(body, "status", inputs.WORD)
    old = _code(body, "old", inputs.WORD, required=False)
    reason = _str(body, "reason", required=False, max_len=200) or ""
    at = _str(body, "at", required=False, max_len=40) or ""
    if at:
        try:
            datetime.fromisoformat(at)
        except ValueError:
            raise bad_request("at must be an ISO 8601 time", "at 应为 ISO 8601 时间", field="at") from None
    assert name and kind and status
    svc.emit(
        svc.engine.report_health(actor.name, name, kind, status, now, old=old, reason=reason, reported_at=at)
    )
    return {"reporter": actor.name, "device": name, "status": status, "stored": True}


@handler("device.health_table", role="manager")
def device_health_table(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {"devices": device_health_view(svc.engine)}


# ---- windows (clerks and call pads)
@handler("window.call_next", role="callpad", mutates=True)
def window_call_next(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = _window_for(svc, body, actor)
    events = svc.emit(svc.engine.call_next(number, now))
    called = next((e for e in events if e.type == "ticket.called"), None)
    if called is None:
        return {"ticket": None, "window": number}
    view = ticket_view(svc.engine, svc.engine.tickets[called.data["ticket"]])
    view["item_name"] = item_name(svc, view["item_code"])
    return {"ticket": view, "window": number}


@handler("window.sign_in", role="callpad", mutates=True)
def window_sign_in(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = _window_number(body)
    assert number is not None
    svc.engine.window(number)
    if actor.role == "callpad":
        _check_window_actor(svc, number, actor)  # a call pad signs in only at its own window
    if actor.role == "clerk":
        # A clerk signs in as themselves only (the window is free: that is what signing in is).
        named = _code(body, "clerk", inputs.CLERK_ID, required=False)
        if actor.clerk is None or named not in (None, actor.clerk):
            raise EngineError(
                "forbidden",
                "a clerk token signs in only its own clerk",
                "工作人员只能以本人身份签到",
                window=number,
            )
        clerk = actor.clerk
    else:
        clerk = _code(body, "clerk", inputs.CLERK_ID)
    assert clerk is not None
    svc.emit(svc.engine.sign_in(number, clerk, now))
    return {"window": number, "clerk": clerk, "status": svc.engine.windows[number].status.value}


@handler("window.sign_out", role="callpad", mutates=True)
def window_sign_out(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = _window_for(svc, body, actor)
    svc.emit(svc.engine.sign_out(number, now))
    return {"window": number, "status": svc.engine.windows[number].status.value}


@handler("window.pause", role="callpad", mutates=True)
def window_pause(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = _window_for(svc, body, actor)
    reason = _str(body, "reason", required=False, max_len=200) or ""  # one line on the window's screen
    svc.emit(svc.engine.pause(number, now, reason))
    return {"window": number, "status": svc.engine.windows[number].status.value}


@handler("window.resume", role="callpad", mutates=True)
def window_resume(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    number = _window_for(svc, body, actor)
    svc.emit(svc.engine.resume(number, now))
    return {"window": number, "status": svc.engine.windows[number].status.value}


# ---- tickets at a window
def _ticket_reply(svc: HallService, tid: str, state: str | None = None) -> dict[str, Any]:
    t = svc.engine.tickets.get(tid)
    if t is None:
        return {"id": tid, "state": state}
    return ticket_view(svc.engine, t)


@handler("ticket.recall", role="callpad", mutates=True)
def ticket_recall(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    tid = _ticket_for(svc, body, actor)
    events = svc.emit(svc.engine.recall(tid, now))
    return _ticket_reply(svc, tid, "no_show" if events[0].type == "ticket.no_show" else None)


@handler("ticket.start", role="callpad", mutates=True)
def ticket_start(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    tid = _ticket_for(svc, body, actor)
    svc.emit(svc.engine.start(tid, now))
    return _ticket_reply(svc, tid)


@handler("ticket.no_show", role="callpad", mutates=True)
def ticket_no_show(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    tid = _ticket_for(svc, body, actor)
    svc.emit(svc.engine.no_show(tid, now))
    return {"id": tid, "state": "no_show"}


@handler("ticket.complete", role="callpad", mutates=True)
def ticket_complete(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    tid = _ticket_for(svc, body, actor)
    outcome = _code(body, "outcome", inputs.WORD, required=False) or Outcome.HANDLED.value
    svc.emit(svc.engine.complete(tid, now, outcome))
    return {"id": tid, "state": "done", "outcome": outcome}


@handler("ticket.transfer", role="callpad", mutates=True)
def ticket_transfer(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    tid = _ticket_for(svc, body, actor)
    svc.emit(
        svc.engine.transfer(
            tid,
            now,
            to_window=_window_number(body, "to_window", required=False),
            to_item=_item_code(body, "to_item", required=False),
            note=_str(body, "note", required=False, max_len=500, multiline=True) or "",
        )
    )
    return _ticket_reply(svc, tid)


# ---- appointments
@handler("appointment.slots")
def appointment_slots(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    code = _item_code(body)
    day = _day(body, required=False) or svc.engine.local_day(now)
    assert code is not None
    return {"item_code": code, "day": day, "slots": svc.engine.slots(code, day, now)}


@handler("appointment.book", role="public", mutates=True)
def appointment_book(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    code = _item_code(body)
    day = _day(body)
    slot = _code(body, "slot", inputs.SLOT)
    assert code and day and slot
    id_hash, cipher, masked = _id_number(svc, body)
    if id_hash is None:
        raise bad_request("an appointment needs the applicant's id_number", "预约需提供身份证号码", field="id_number")
    name = _str(body, "name", required=False, max_len=50) or ""
    appointment_code = _new_appointment_code(svc)
    events = svc.engine.book(
        code, day, slot, now, appointment_code, id_hash=id_hash, name_masked=_mask_name(name)
    )
    events[0].data["id_cipher"] = cipher
    svc.emit(events)
    a = svc.engine.appointments[appointment_code]
    return {"code": a.code, "item_code": a.item, "day": a.day, "slot": slot, "state": a.state.value, "id_masked": masked}


@handler("appointment.check_in", role="public", mutates=True)
def appointment_check_in(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    code = _code(body, "code", inputs.APPOINTMENT_CODE)
    assert code is not None
    if not actor.at_least("clerk"):
        # The code alone opens the booking: an unknown one is counted like a wrong check code.
        throttle.check(svc, actor, code in svc.engine.appointments)
    events = svc.emit(svc.engine.check_in(code, now, svc.new_token()))
    return _issued_reply(svc, events[0].data["ticket"])


@handler("appointment.cancel", role="public", mutates=True)
def appointment_cancel(svc: HallService, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    code = _code(body, "code", inputs.APPOINTMENT_CODE)
    assert code is not None
    if not actor.at_least("clerk"):
        # Code and ID number together prove the booking; either wrong is counted.
        id_hash, _, _ = _id_number(svc, body)
        booked = svc.engine.appointments.get(code)
        ok = booked is not None and id_hash is not None and same_secret(id_hash, booked.id_hash or "")
        throttle.check(svc, actor, ok)
        if booked is not None and not ok:
            raise conflict("the ID number does not match the appointment", "身份证号码与预约不符")
    a = svc.engine.appointment(code)
    svc.emit(svc.engine.cancel_appointment(a.code, now))
    return {"code": a.code, "state": "cancelled"}


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed on a kiosk


def _new_appointment_code(svc: HallService) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if code not in svc.engine.appointments:
            return code


def _day(body: dict[str, Any], name: str = "day", *, required: bool = True) -> str | None:
    """A calendar date as YYYY-MM-DD (ASCII digits; ``date.fromisoformat`` takes other forms)."""
    raw = _code(body, name, inputs.DAY, required=required)
    if raw is None:
        return None
    try:
        date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{name} is not a real date", f"{name} 不是有效日期", field=name) from None
    return raw


def _notices(body: dict[str, Any]) -> list[dict[str, str]]:
    """The board's notices: the engine checks their number and lengths; each text is
    checked here like every other (one line each, no control or bidirectional characters)."""
    raw = body.get("notices")
    if not isinstance(raw, list) or len(raw) > MAX_NOTICES:
        raise bad_request(
            f"notices: a list of at most {MAX_NOTICES}", f"公告最多{MAX_NOTICES}条", field="notices"
        )
    for i, n in enumerate(raw):
        if not isinstance(n, dict):
            raise bad_request(f"notices[{i}] needs non-empty zh and en texts", f"第{i + 1}条公告须有中文和英文")
        for lang in ("zh", "en"):
            if isinstance(n.get(lang), str):
                inputs.checked_text(n[lang], f"notices[{i}].{lang}")
    return raw


def _mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


from . import case_handlers as _case_handlers  # noqa: E402,F401 - registers the case requests (issue 5)
from . import feedback_handlers as _feedback_handlers  # noqa: E402,F401 - complaints, follow-ups (issue 5)
from . import page_handlers as _page_handlers  # noqa: E402,F401 - captured pages of kiosk applications
from . import report_handlers as _report_handlers  # noqa: E402,F401 - dashboard reports (issue 5)
from . import visitor_handlers as _visitor_handlers  # noqa: E402,F401 - visitor.lookup at a kiosk
