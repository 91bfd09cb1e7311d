"""The current visitor's cases at the clerk console: their ID shown whole on an explicit click
(audited, never cached), starting a case for them, and the clerk's steps on their cases —
accept (受理), refuse (不予受理), one-time notice (一次性告知) and its print at the window's
printer, hand out the result (出件).

Everything goes through the hall's requests (``visitor.at_window``, ``case.*``,
``window.print``): the server finds the visitor's cases from the ticket's ID card, so the
page never holds nor decrypts an ID number. A step is taken only on a case of the visitor
at the clerk's own window. Each click posts the panel's nonce as the hall's idempotency key,
as the queue buttons do: a double click acts once.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, render_template, request, session

from ..service import Outcome
from ..users import UserRole
from .views import actor, click_key, hall_loop, panel_reply, said, signed_in, web

#: The clerk's steps on a case: path → (hall request, shortcut key, 中文, English).
CASE_STEPS: dict[str, tuple[str, str, str, str]] = {
    "accept": ("case.accept", "A", "受理", "Accept"),
    "refuse": ("case.refuse", "F", "不予受理", "Refuse"),
    "notice": ("case.notice", "O", "一次性告知", "One-time notice"),
    "supplement": ("case.supplement", "M", "补正", "Supplement"),
    "print-notice": ("window.print", "I", "打印告知书", "Print the notice"),
    "print-receipt": ("window.print", "E", "打印受理回执", "Print the receipt"),
    "hand-out": ("case.hand_out", "H", "出件", "Hand out"),
}
#: The steps that ask for something first (a dialog: materials, a reason).
CASE_FORMS = frozenset({"accept", "refuse", "notice", "supplement"})
#: Which steps a case offers in each state (the hall's own rules decide; this only spares
#: the clerk buttons that cannot work).
OFFERED: dict[str, tuple[str, ...]] = {
    "submitted": ("accept", "refuse", "notice"),
    "supplemented": ("accept", "refuse", "notice"),
    "waiting_materials": ("supplement", "print-notice", "accept"),
    "accepted": ("print-receipt",),
    "in_review": ("print-receipt",),
    "result_ready": ("hand-out",),
}
#: 不予受理: the usual legal reasons (the clerk may write another).
REFUSAL_REASONS = (
    "申请事项不属于本机关职权范围 The matter is outside this authority's competence",
    "申请人不具备申请资格 The applicant is not eligible to apply",
    "申请事项依法不需要取得行政许可 The matter needs no administrative licence by law",
)
CASE_ID = re.compile(r"[A-Z]{2}-[0-9]{8}-[0-9]{6}")
DONE: dict[str, tuple[str, str]] = {
    "accept": ("已受理", "accepted"),
    "refuse": ("不予受理", "refused"),
    "notice": ("已出具一次性告知", "one-time notice issued"),
    "supplement": ("已补正", "materials supplemented"),
    "print-notice": ("告知书已发送至本窗口打印机", "the notice is sent to this window's printer"),
    "print-receipt": ("受理回执已发送至本窗口打印机", "the receipt is sent to this window's printer"),
    "hand-out": ("已出件", "handed out"),
    "new": ("已建件", "case started"),
}


def _visitor(reveal: bool = False) -> Outcome:
    return hall_loop().call("visitor.at_window", {"window": session["window"], "reveal": reveal}, actor())


def _case_of(visitor: dict[str, Any], case_id: str) -> dict[str, Any] | None:
    return next((c for c in visitor["cases"] if c["case"] == case_id), None)


def _not_here(case_id: str) -> dict[str, str]:
    return {
        "message_zh": f"办件 {case_id} 不是本窗口当前办事人的办件，不能在此办理",
        "message": f"case {case_id} is not a case of the visitor at your window: it cannot be handled here",
    }


def _dialog(template: str, **data: Any) -> tuple[str, int, dict[str, str]]:
    """A dialog for the console's prompt; a refusal too is a 200 (htmx swaps only those), in
    words. Forms and the whole ID are of one visitor at one moment: nothing keeps them."""
    return render_template(template, **data), 200, {"Cache-Control": "no-store"}


def _window_required() -> None:
    if not session.get("window"):
        abort(409, "sign in to a window first")


# ------------------------------------------------------------------ the whole ID number
@web.post("/console/visitor/reveal")
@signed_in(UserRole.CLERK)
def reveal_id():  # type: ignore[no-untyped-def]
    """显示完整证件号: the clerk's explicit click; the server writes it to the audit log."""
    _window_required()
    outcome = _visitor(reveal=True)
    if not outcome.ok:
        return _dialog("_id_reveal.html", refused=said(outcome), visitor=None)
    return _dialog("_id_reveal.html", visitor=outcome.body, refused=None)


# ------------------------------------------------------------------ a new case
@web.get("/console/case/new")
@signed_in(UserRole.CLERK)
def new_case_form():  # type: ignore[no-untyped-def]
    _window_required()
    outcome = _visitor()
    new = outcome.body.get("new_case") if outcome.ok and outcome.body else None
    if new is None:
        refused = said(outcome) if not outcome.ok else {
            "message_zh": "当前办事人无需新建办件", "message": "the visitor at your window needs no new case",
        }
        return _dialog("_case_dialog.html", step="new", refused=refused)
    return _dialog("_case_dialog.html", step="new", new=new, visitor=outcome.body, refused=None)


@web.post("/console/case/new")
@signed_in(UserRole.CLERK)
def new_case():  # type: ignore[no-untyped-def]
    _window_required()
    key = click_key(f"case-new:{session['window']}")
    body = {"window": session["window"], "materials": request.form.getlist("materials")}
    outcome = hall_loop().call("visitor.start_case", body, actor(), key)
    if not outcome.ok:
        return panel_reply(message=said(outcome))
    assert outcome.body is not None
    zh, en = DONE["new"]
    return panel_reply(done={"zh": f"{outcome.body['id']} {zh}", "en": f"{outcome.body['id']}: {en}"})


# ------------------------------------------------------------------ steps on a case
@web.get("/console/case/<case_id>/<step>")
@signed_in(UserRole.CLERK)
def case_form(case_id: str, step: str):  # type: ignore[no-untyped-def]
    if step not in CASE_FORMS or not CASE_ID.fullmatch(case_id):
        abort(404)
    _window_required()
    outcome = _visitor()
    if not outcome.ok:
        return _dialog("_case_dialog.html", step=step, refused=said(outcome))
    assert outcome.body is not None
    case = _case_of(outcome.body, case_id)
    if case is None:
        return _dialog("_case_dialog.html", step=step, refused=_not_here(case_id))
    return _dialog(
        "_case_dialog.html", step=step, case=case, visitor=outcome.body, reasons=REFUSAL_REASONS, refused=None
    )


@web.post("/console/case/<case_id>/<step>")
@signed_in(UserRole.CLERK)
def case_step(case_id: str, step: str):  # type: ignore[no-untyped-def]
    if step not in CASE_STEPS or not CASE_ID.fullmatch(case_id):
        abort(404)
    _window_required()
    key = click_key(f"case-{step}:{case_id}")
    # Only a case of the visitor in front of this clerk: not one of another window's visitor.
    seen = _visitor()
    if not seen.ok:
        return panel_reply(message=said(seen))
    assert seen.body is not None
    if _case_of(seen.body, case_id) is None:
        return panel_reply(message=_not_here(case_id))
    number = session["window"]
    form = request.form
    type_ = CASE_STEPS[step][0]
    body: dict[str, Any] = {"case": case_id, "window": number}
    if step == "accept":
        body |= {"materials": form.getlist("materials"), "commitment": form.get("commitment") == "1"}
    elif step == "refuse":
        body["reason"] = form.get("reason", "")
    elif step == "notice":
        body["materials"] = form.getlist("materials")
        if not body["materials"]:
            return panel_reply(message={
                "message_zh": "请勾选所缺的材料后再出具一次性告知书",
                "message": "tick the missing materials before issuing the one-time notice",
            })
    elif step == "supplement":
        body["materials"] = form.getlist("materials")
        if not body["materials"]:
            return panel_reply(message={
                "message_zh": "请勾选办事人补交的材料",
                "message": "tick the materials the visitor hands in now",
            })
    elif step in ("print-notice", "print-receipt"):
        body = {"window": number, "document": step.removeprefix("print-"), "case": case_id}
    outcome = hall_loop().call(type_, body, actor(), key)
    if not outcome.ok:
        return panel_reply(message=said(outcome))
    zh, en = DONE[step]
    if step == "accept" and body["commitment"]:
        zh, en = "已按告知承诺受理", "accepted on commitment"
    return panel_reply(done={"zh": f"{case_id} {zh}", "en": f"{case_id}: {en}"})


# ------------------------------------------------------------------ for the templates
MATERIAL_STATUS: dict[str, tuple[str, str]] = {
    "given": ("已交", "handed in"),
    "on_file": ("电子证照在档，免交复印件", "e-certificate on file, no copy needed"),
    "owed": ("待补正", "owed"),
    "missing": ("未交", "not given"),
}


@web.app_context_processor
def visitor_context() -> dict[str, Any]:
    return {
        "case_steps": CASE_STEPS,
        "case_forms": CASE_FORMS,
        "offered": OFFERED,
        "material_status": MATERIAL_STATUS,
    }
