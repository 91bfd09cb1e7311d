"""The staff's desks in the browser: a clerk's cases (我的案件, 首问负责) with their cards and
their next steps, and a department reviewer's tasks (待审批任务) with the decision form.

Every step is a hall request (``case.result_ready``, ``case.hand_out``, ``case.close``,
``case.decide``, ``window.print``) run as the REST API runs it; each click posts the nonce of
the list it was clicked on, which makes the hall's idempotency key (a double click acts once,
as on the console). The lists refetch themselves on the hall's events (``events.py``) and
every 20 s: case steps are not hall events, so another desk's step shows by the next poll.
"""

from __future__ import annotations

import secrets
import time
from datetime import date
from typing import Any

from flask import abort, g, render_template, request, session

from ..engine.errors import EngineError
from ..users import UserRole
from .views import actor, catalogue, click_key, hall_loop, said, signed_in, web
from .words import CARDS, CASE_STATE_EN

CARD_RANK = {"red": 0, "yellow": 1, "green": 2}
#: Cases the open list leaves out: the result is with the visitor, or the case is closed.
DONE_STATES = frozenset({"handed_out", "closed"})

#: A clerk's steps on a case: path → (hall request, 中文, English, the states it applies to).
CASE_ACTIONS: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "result-ready": ("case.result_ready", "制证完成", "Result ready", frozenset({"approved"})),
    "hand-out": ("case.hand_out", "出件", "Hand out", frozenset({"result_ready"})),
    "close": ("case.close", "办结", "Close", frozenset({"handed_out", "refused", "rejected"})),
    "print-receipt": (
        "window.print",
        "打印受理回执",
        "Print receipt",
        frozenset({"accepted", "in_review", "approved", "result_ready"}),
    ),
}
#: What the clerk is told once a step went through.
DONE: dict[str, tuple[str, str]] = {
    "result-ready": ("已标记制证完成", "marked result ready"),
    "hand-out": ("已出件", "handed out"),
    "close": ("已办结", "closed"),
    "print-receipt": ("受理回执已发送至窗口打印机", "receipt sent to the window's printer"),
}
#: A receipt's print job as the row shows it (``window.print_pending``).
PRINT_STATE: dict[str, tuple[str, str]] = {
    "pending": ("回执打印中", "receipt printing"),
    "kept": ("打印机缺纸，回执已保留，恢复后打印", "printer out of paper: the receipt is kept and printed later"),
}
DECISIONS: dict[str, tuple[str, str]] = {"approved": ("准予", "Approve"), "rejected": ("不予批准", "Reject")}


# ------------------------------------------------------------------ my cases
@web.get("/cases")
@signed_in(UserRole.CLERK)
def my_cases():  # type: ignore[no-untyped-def]
    return render_template("my_cases.html", **_cases_data(_include_closed()))


@web.get("/cases/list")
@signed_in(UserRole.CLERK)
def my_cases_list():  # type: ignore[no-untyped-def]
    return render_template("_my_cases.html", **_cases_data(_include_closed()))


@web.post("/cases/<case_id>/<action>")
@signed_in(UserRole.CLERK)
def case_action(case_id: str, action: str):  # type: ignore[no-untyped-def]
    if action not in CASE_ACTIONS:
        abort(404)
    key = click_key(f"{action}:{case_id}")
    type_ = CASE_ACTIONS[action][0]
    message = done = None
    if type_ == "window.print":
        window = session.get("window")
        if not window:
            message = {
                "message_zh": "请先选择您所在的窗口，回执将在该窗口的打印机上打印",
                "message": "choose your window first: the receipt prints on that window's printer",
            }
        else:
            outcome = hall_loop().call(type_, {"window": window, "document": "receipt", "case": case_id}, actor(), key)
            message = None if outcome.ok else said(outcome)
    else:
        outcome = hall_loop().call(type_, {"case": case_id}, actor(), key)
        message = None if outcome.ok else said(outcome)
    if message is None:
        done = {"zh": f"{case_id} {DONE[action][0]}", "en": f"{case_id} {DONE[action][1]}"}
    return render_template(
        "_my_cases.html", message=message, done=done, notice=True, **_cases_data(_include_closed())
    )


def _include_closed() -> bool:
    return request.values.get("closed") in ("1", "on", "true")


def _cases_data(include_closed: bool) -> dict[str, Any]:
    outcome = hall_loop().call("case.mine", {"include_closed": include_closed}, actor())
    if not outcome.ok:
        raise EngineError(outcome.code, outcome.message, outcome.message_zh)
    assert outcome.body is not None
    printing = _receipts_printing()
    today = _today()
    listed = outcome.body["cases"]
    # Handed out, the result is with the visitor: the case leaves the open list (its closing
    # is a formality, done from the list with the closed ones).
    shown = [c for c in listed if include_closed or c["state"] not in DONE_STATES]
    rows = [_row(c, today, printing.get(c["id"])) for c in shown]
    # Most urgent first: red, yellow, then green; fewest working days left first; closed last.
    rows.sort(key=lambda r: (r["closed"], CARD_RANK.get(r["card"] or "", 3), _sort_days(r["days_left"]), r["due"] or "~"))
    return {
        "cases": rows,
        "more": outcome.body["total"] - len(listed),
        "include_closed": include_closed,
        "actions": CASE_ACTIONS,
        "window_number": session.get("window"),
        "nonce": secrets.token_urlsafe(12),
    }


def _sort_days(days: int | None) -> int:
    return days if days is not None else 1 << 30


def _row(c: dict[str, Any], today: date | None, printing: dict[str, Any] | None) -> dict[str, Any]:
    item = catalogue().items.get(c["item_code"])
    closed = c["state"] in DONE_STATES
    return {
        **c,
        "state_en": CASE_STATE_EN.get(c["state"], c["state"]),
        "item_name": {"zh": item.name.zh, "en": item.name.en} if item else None,
        "closed": closed,
        "card_words": CARDS.get(c["card"]) if c["card"] else None,
        "days_left": _days_left(today, c["due"]),
        "steps": [path for path, (_t, _z, _e, states) in CASE_ACTIONS.items() if c["state"] in states],
        "printing": PRINT_STATE.get(printing["state"]) if printing else None,
    }


def _days_left(today: date | None, due: str | None) -> int | None:
    """Working days from today to the due date (negative: overdue), as the cards count them."""
    if today is None or not due:
        return None
    calendar = hall_loop().service.context.cases.calendar
    day = date.fromisoformat(due)
    if not (calendar.covers(today) and calendar.covers(day)):
        return None
    return int(calendar.workdays_between(today, day))


def _today() -> date | None:
    try:
        return hall_loop().service.context.today(time.time())  # type: ignore[no-any-return]
    except EngineError:
        return None


def _receipts_printing() -> dict[str, dict[str, Any]]:
    """The receipts waiting on the clerk's window printer, by case."""
    window = session.get("window")
    if not window:
        return {}
    outcome = hall_loop().call("window.print_pending", {"window": window}, actor())
    if not outcome.ok or not outcome.body:
        return {}
    return {j["case"]: j for j in outcome.body["jobs"] if j["document"] == "receipt"}


# ------------------------------------------------------------------ a department's tasks
@web.get("/tasks")
@signed_in(UserRole.REVIEWER, UserRole.MANAGER)
def tasks():  # type: ignore[no-untyped-def]
    return render_template("tasks.html", **_tasks_data())


@web.get("/tasks/list")
@signed_in(UserRole.REVIEWER, UserRole.MANAGER)
def tasks_list():  # type: ignore[no-untyped-def]
    return render_template("_tasks.html", **_tasks_data())


@web.post("/tasks/<case_id>/decide")
@signed_in(UserRole.REVIEWER, UserRole.MANAGER)
def decide(case_id: str):  # type: ignore[no-untyped-def]
    form = request.form
    key = click_key(f"decide:{case_id}")
    decision = form.get("decision", "")
    body: dict[str, Any] = {"case": case_id, "decision": decision}
    reason = form.get("reason", "").strip()
    if reason:
        body["reason"] = reason
    department = _department()
    if department:
        body["department"] = department
    message = done = None
    if decision not in DECISIONS:
        message = {"message_zh": "请选择准予或不予批准", "message": "choose approve or reject"}
    elif decision == "rejected" and not reason:
        # Said here in plain words (the hall would refuse it too): the reason is what the visitor reads.
        message = {"message_zh": "不予批准须填写理由", "message": "a rejection needs its reason"}
    else:
        outcome = hall_loop().call("case.decide", body, actor(), key)
        if outcome.ok:
            zh, en = DECISIONS[decision]
            done = {"zh": f"{case_id} 已审批：{zh}", "en": f"{case_id} decided: {en}"}
        else:
            message = said(outcome)
    return render_template("_tasks.html", message=message, done=done, notice=True, **_tasks_data())


def _department() -> str | None:
    """The department a manager names (a reviewer always sees their own)."""
    if g.account.role != UserRole.MANAGER:
        return None
    name = request.values.get("department", "").strip()
    return name or None


def _tasks_data() -> dict[str, Any]:
    department = _department()
    departments = sorted(
        ({"code": code, "zh": d.name.zh, "en": d.name.en} for code, d in catalogue().departments.items()),
        key=lambda d: d["code"],
    )
    base = {
        "department": department,
        "departments": departments,
        "decisions": DECISIONS,
        "nonce": secrets.token_urlsafe(12),
        "tasks": [],
        "list": None,
        "refused": None,
    }
    if g.account.role == UserRole.MANAGER and department is None:
        return base  # the manager chooses a department first
    outcome = hall_loop().call("case.tasks", {"department": department} if department else {}, actor())
    if not outcome.ok:
        return {**base, "refused": said(outcome)}
    assert outcome.body is not None
    rows = [{**t, "card_words": CARDS.get(t["card"])} for t in outcome.body["tasks"]]
    rows.sort(key=lambda t: (CARD_RANK.get(t["card"], 3), t["due"]))
    return {**base, "list": outcome.body, "tasks": rows}


# ------------------------------------------------------------------ shared
