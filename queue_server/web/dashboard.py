"""The hall manager's live dashboard (大厅管理看板): one screen of alerts and panels.

Two fragments, each refetched on its own, as the console's panel is (``events.py``):

- the floor (``/dashboard/floor``): windows, waiting per item and stream against their wait
  targets, the share called within target today, help calls and device health. All of it is
  the hall's memory (``queue.state``, ``hall.floor``), so it follows every hall event.
- the desk (``/dashboard/desk``): cards and the supervision list, bad ratings and their
  follow-ups, complaints, repeated material demands and the working-day calendar. These are
  SQL reads of the case desk, and case steps are not hall events: the fragment polls, and
  follows hall events once the stream has been quiet for a moment (a busy hall's stream
  would run them several times a second otherwise). Its figures are shared and made again
  in the background (``desk_data``): no request waits for the SQL.

The alerts strip on top gathers both: each fragment carries its own half of the strip
out of band (``hx-swap-oob``), so neither has to read the other's sources.

Free texts written by visitors (a complaint, a rating's comment, a help call's words) may
hold an ID number typed by hand: they are shown through ``mask_ids_in_text``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import make_response, render_template

from protocol.idnumber import mask_ids_in_text

from ..auth import Actor
from ..endpoint import HallLoop
from ..engine.errors import EngineError
from ..service import Outcome
from ..users import UserRole
from .views import LIGHTS, actor, catalogue, hall_loop, said, signed_in, web

#: A device whose health is this bad is an alert (``device.health``'s statuses).
DEVICE_ALERT = {"missing": "red", "degraded": "yellow"}
DEVICE_STATUS: dict[str, tuple[str, str]] = {
    "ok": ("正常", "ok"),
    "degraded": ("异常", "degraded"),
    "missing": ("故障/离线", "missing"),
}
STREAMS: dict[str, tuple[str, str]] = {"citizen": ("自然人", "Citizen"), "enterprise": ("法人", "Enterprise")}
#: Lines of each list on the screen (the manager opens the full lists elsewhere).
SUPERVISION_LINES = 30
LIST_LINES = 20


@web.app_template_filter("masked_ids")
def masked_ids(text: str | None) -> str:
    return mask_ids_in_text(text or "")


def _ask(type_: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return _answer(hall_loop().call(type_, body or {}, actor()))


def _answer(outcome: Outcome) -> dict[str, Any]:
    if not outcome.ok:
        raise EngineError(outcome.code, outcome.message, outcome.message_zh)
    assert outcome.body is not None
    return outcome.body


def _tz() -> ZoneInfo:
    return hall_loop().service.engine.tz


def _clock(ts: float) -> str:
    """A time of today as the hall's clock shows it."""
    return datetime.fromtimestamp(ts, _tz()).strftime("%H:%M")


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


# ------------------------------------------------------------------ the floor
def _stream_served(w: dict[str, Any], stream: str) -> bool:
    kind = w["kind"]
    return kind == "green_channel" or (kind == "enterprise" and stream == "enterprise") or w["stream"] == stream


def floor_data() -> dict[str, Any]:
    state = _ask("queue.state", {"limit": 0})
    fl = _ask("hall.floor")
    items = catalogue().items
    alerts: list[dict[str, Any]] = []
    for line in fl["items"]:
        if line["light"] == "red":
            name = line["item_name"] or {"zh": line["item_code"], "en": line["item_code"]}
            alerts.append({
                "level": "red", "kind": "wait", "id": f"alert-wait-{line['item_code']}",
                "zh": f"{name['zh']}：{line['over_target']}人等候超过目标{_minutes(line['wait_target_s'])}分钟，"
                      f"最长{_minutes(line['longest_wait_s'])}分钟",
                "en": f"{name['en']}: {line['over_target']} waiting past the {_minutes(line['wait_target_s'])}-min "
                      f"target, longest {_minutes(line['longest_wait_s'])} min",
            })
    windows = state["windows"]
    for s in fl["streams"]:
        if s["waiting"] and not any(w["status"] == "open" and _stream_served(w, s["stream"]) for w in windows):
            zh, en = STREAMS.get(s["stream"], (s["stream"], s["stream"]))
            alerts.append({
                "level": "red", "kind": "nobody", "id": f"alert-nobody-{s['stream']}",
                "zh": f"{zh}业务有{s['waiting']}人等候，但没有开放的窗口",
                "en": f"{s['waiting']} waiting for {en.lower()} items and no window open for them",
            })
    for w in windows:
        waiting = (w.get("load") or {}).get("waiting", 0)
        if w["status"] == "paused" and waiting:
            alerts.append({
                "level": "yellow", "kind": "paused", "id": f"alert-paused-{w['number']}",
                "zh": f"{w['number']}号窗口暂停服务，{waiting}人可由其办理",
                "en": f"Window {w['number']} is paused with {waiting} waiting it could serve",
            })
    for h in state["help_calls"]:
        alerts.append({
            "level": "yellow", "kind": "help", "id": f"alert-help-{h['id']}",
            "zh": f"{h['kiosk']} 呼叫工作人员（{_clock(h['at'])}）",
            "en": f"{h['kiosk']} calls for staff (since {_clock(h['at'])})",
        })
    devices = state.get("device_health", [])
    for d in devices:
        level = DEVICE_ALERT.get(d["status"])
        if level is not None:
            zh, en = DEVICE_STATUS[d["status"]]
            reason = masked_ids(d["reason"])
            alerts.append({
                "level": level, "kind": "device", "id": f"alert-device-{d['reporter']}-{d['device']}",
                "zh": f"{d['reporter']} 的{d['device']}{zh}" + (f"：{reason}" if reason else ""),
                "en": f"{d['reporter']}'s {d['device']} {en}" + (f": {reason}" if reason else ""),
            })
    for w in windows:
        current = w.get("current")
        if current is not None:
            item = items.get(current["item_code"])
            current["item_name"] = {"zh": item.name.zh, "en": item.name.en} if item else None
    return {
        "seq": state["seq"],
        "windows": windows,
        "floor": fl,
        "waiting_total": state["waiting_total"],
        "help_calls": state["help_calls"],
        "devices": devices,
        "floor_alerts": alerts,
        "lights": LIGHTS,
        "streams": STREAMS,
        "device_status": DEVICE_STATUS,
        "clock": _clock,
        "minutes": _minutes,
    }


# ------------------------------------------------------------------ the desk
#: How long the desk's figures are shared by every dashboard while the hall's seq stays put.
DESK_TTL_S = 10.0
#: A fragment that got figures older than the hall asks again this soon (``deskStale``).
STALE_REFETCH_MS = 500

log = logging.getLogger("queue_server.web")


@dataclass(slots=True)
class _Shared:
    seq: int = -1
    at: float = 0.0
    data: dict[str, Any] | None = None
    refreshing: bool = False


_desk = _Shared()
_desk_lock = threading.Lock()


def desk_data() -> dict[str, Any]:
    """The desk's figures, shared by every open dashboard, made again when the hall's seq
    moved (a ticket, a rating, a step that is a hall event) or after DESK_TTL_S (case steps
    are no hall events; the fragment's poll brings them).

    Stale while revalidate: making them is SQL over a city's open cases, tens of milliseconds
    and more (``bench/dashboard.py``), so no request waits for it once there are figures. A
    request that finds them stale gets them at once, marked ``stale``, and starts one
    refresh in the background; its page asks again in STALE_REFETCH_MS and gets the new ones.
    Only the very first request of a server makes them itself."""
    loop, who = hall_loop(), actor()
    seq = loop.service.engine.last_seq
    with _desk_lock:
        data = _desk.data
        if data is not None and _desk.seq == seq and time.monotonic() - _desk.at < DESK_TTL_S:
            return {**data, "stale": False}
        if data is not None:
            if not _desk.refreshing:
                _desk.refreshing = True
                threading.Thread(target=_refresh, args=(loop, who, seq), name="dashboard-desk", daemon=True).start()
            return {**data, "stale": True}
        made = _desk_data(loop, who)  # the first: nothing to show meanwhile
        _desk.seq, _desk.at, _desk.data = seq, time.monotonic(), made
        return {**made, "stale": False}


def _refresh(loop: HallLoop, who: Actor, seq: int) -> None:
    try:
        made = _desk_data(loop, who)
    except Exception:  # the figures stay as they were; the next stale request tries again
        log.exception("the dashboard's desk figures could not be made")
        with _desk_lock:
            _desk.refreshing = False
        return
    with _desk_lock:
        _desk.seq, _desk.at, _desk.data, _desk.refreshing = seq, time.monotonic(), made, False


def _desk_data(loop: HallLoop, who: Actor) -> dict[str, Any]:
    """The desk's figures, from the loop and as ``who`` (no request context: it may run in
    the background refresh)."""

    def ask(type_: str, body: dict[str, Any]) -> dict[str, Any]:
        return _answer(loop.call(type_, body, who))

    today = datetime.now(loop.service.engine.tz).date().isoformat()  # ratings and closed cases of today only
    report = ask("report.dashboard", {"since": today, "until": today})
    supervision = ask("case.supervision", {"limit": SUPERVISION_LINES})
    follow_ups = ask("followup.list", {"state": "open", "limit": LIST_LINES})
    late_follow_ups = ask("followup.list", {"state": "open", "overdue": True, "limit": 1})["total"]
    complaints = ask("complaint.list", {"state": "open", "limit": LIST_LINES})
    flagged = ask("case.flagged_notices", {"limit": 10})
    reds = sum(d["red"] for d in report["cards_by_department"])
    yellows = sum(d["yellow"] for d in report["cards_by_department"])
    alerts: list[dict[str, Any]] = []
    warning = report["calendar"]["warning"]
    if warning:
        alerts.append({"level": "red", "kind": "calendar", "id": "alert-calendar", "zh": warning["zh"],
                       "en": warning["en"]})
    elif ahead := report["calendar"]["year_ahead_missing"]:
        alerts.append({"level": "yellow", "kind": "calendar", "id": "alert-calendar",
                       "zh": f"工作日历尚未收录{'、'.join(map(str, ahead))}年：请在其开始前升级 chinese_calendar 或填入国务院办公厅通知的日期",
                       "en": f"The working-day calendar does not know {', '.join(map(str, ahead))} yet: upgrade "
                             "chinese_calendar or enter the State Council notice's days before it begins"})
    if reds:
        alerts.append({"level": "red", "kind": "red-card", "id": "alert-red-cards",
                       "zh": f"{reds}件办件已超期（红牌）", "en": f"{reds} overdue (red card)"})
    overdue = complaints["counts"]["overdue"]
    if overdue:
        alerts.append({"level": "red", "kind": "complaint", "id": "alert-complaints",
                       "zh": f"{overdue}件投诉已超过处理期限", "en": f"{overdue} complaints past their deadline"})
    if late_follow_ups:
        alerts.append({"level": "red", "kind": "follow-up", "id": "alert-follow-ups",
                       "zh": f"{late_follow_ups}条差评整改已超期", "en": f"{late_follow_ups} bad-rating follow-ups overdue"})
    if flagged["total"]:
        alerts.append({"level": "yellow", "kind": "flagged", "id": "alert-flagged",
                       "zh": f"{flagged['total']}份一次性告知后又要求了新材料",
                       "en": f"{flagged['total']} later notices asked for materials the first did not"})
    bad_windows = [r for r in report["ratings_by_window"] if r["bad"]]
    cat = loop.service.context.catalogue
    for line in supervision["lines"]:
        item = cat.items.get(line["item_code"])
        dept = cat.departments.get(line["department"])
        line["item_name"] = {"zh": item.name.zh, "en": item.name.en} if item else None
        line["department_name"] = {"zh": dept.name.zh, "en": dept.name.en} if dept else None
    return {
        "report": report,
        "supervision": supervision["lines"],
        "follow_ups": follow_ups,
        "complaints": complaints,
        "flagged": flagged,
        "bad_windows": bad_windows,
        "reds": reds,
        "yellows": yellows,
        "desk_alerts": alerts,
        "clock": _clock,
    }


# ------------------------------------------------------------------ the routes
@web.get("/dashboard")
@signed_in(UserRole.MANAGER, UserRole.ADMIN)
def dashboard():  # type: ignore[no-untyped-def]
    return render_template("dashboard.html", stale_refetch_ms=STALE_REFETCH_MS, **{**floor_data(), **desk_data()})


@web.get("/dashboard/floor")
@signed_in(UserRole.MANAGER, UserRole.ADMIN)
def dashboard_floor():  # type: ignore[no-untyped-def]
    return render_template("_dash_floor.html", oob=True, **floor_data())


@web.get("/dashboard/desk")
@signed_in(UserRole.MANAGER, UserRole.ADMIN)
def dashboard_desk():  # type: ignore[no-untyped-def]
    data = desk_data()
    response = make_response(render_template("_dash_desk.html", oob=True, **data))
    if data["stale"]:  # newer figures are being made: the fragment asks again shortly
        response.headers["HX-Trigger-After-Settle"] = "deskStale"
    return response


@web.post("/dashboard/help/<int:help_id>/answered")
@signed_in(UserRole.MANAGER, UserRole.ADMIN)
def dashboard_help_answered(help_id: int):  # type: ignore[no-untyped-def]
    """A manager went to the kiosk: the call ends (``hall.help_answered``). A second click
    finds it answered already and says so; either way the floor shows the calls left."""
    outcome = hall_loop().call("hall.help_answered", {"help_id": help_id}, actor())
    message = None if outcome.ok else said(outcome)
    return render_template("_dash_floor.html", oob=True, message=message, **floor_data())
