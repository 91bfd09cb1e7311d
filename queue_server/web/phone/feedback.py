"""Complaints (投诉建议) and ratings (好差评) from the phone.

A complaint is filed on a plain form and the visitor is sent (post/redirect/get) to its
follow-up page, whose link holds the complaint's check code: the page they keep. A rating
comes from the slip's QR code (the ticket and its token) and ends on a thank-you page.

Both forms carry an idempotency key made when the form is drawn, so a double tap, or a
browser re-sending the post, files once; a form drawn again after a refusal gets a new key,
since the hall keeps its refusal under the old one.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for

from protocol.models.feedback import CATEGORY_LABEL

from . import ask, links, phone, refusal

#: The five levels, best first, in the kiosk's and the evaluation keypad's words.
LEVELS: tuple[tuple[int, str, str], ...] = (
    (5, "非常满意", "Very satisfied"),
    (4, "满意", "Satisfied"),
    (3, "基本满意", "Fairly satisfied"),
    (2, "不满意", "Dissatisfied"),
    (1, "非常不满意", "Very dissatisfied"),
)
#: A complaint's steps as its follow-up page lists them, each with its day.
STEP_WORDS = {
    "filed": ("已提交", "Received"),
    "accepted": ("已受理", "Accepted"),
    "answered": ("已答复", "Answered"),
    "closed": ("已办结", "Closed"),
}
#: The highest window number the form takes: a typo like 300 is refused here, in words.
MAX_WINDOW = 99
#: HTTP status of a page that shows a refusal, by the hall's error code.
STATUS = {"bad_request": 400, "not_found": 404, "conflict": 409, "too_many_requests": 429, "unavailable": 503}
#: The session key under which the thank-you page finds what was just rated.
RATED = "phone_rated"
KEEP_RATED = 5


def new_key() -> str:
    return secrets.token_urlsafe(16)


def status_of(outcome: Any) -> int:
    return STATUS.get(outcome.code, 400)


# ------------------------------------------------------------------ complaints
def complaint_form(values: dict[str, str], error: dict[str, str] | None = None, field: str | None = None,
                   status: int = 200) -> tuple[str, int]:
    page = render_template(
        "phone/complaint.html", categories=CATEGORY_LABEL, values=values, error=error, field=field, key=new_key()
    )
    return page, status


@phone.get("/complaint")
def complaint_new():  # type: ignore[no-untyped-def]
    return complaint_form({"category": "", "text": "", "phone": "", "window": ""})


@phone.post("/complaint")
def complaint_file():  # type: ignore[no-untyped-def]
    form = request.form
    values = {k: form.get(k, "").strip() for k in ("category", "text", "phone", "window")}
    window = values["window"]
    if window and not (window.isascii() and window.isdigit() and 1 <= int(window) <= MAX_WINDOW):
        return complaint_form(
            values,
            {"zh": f"窗口号应为 1 至 {MAX_WINDOW} 的数字，可不填", "en": f"The window is a number from 1 to {MAX_WINDOW}, or empty"},
            "window",
            400,
        )
    if not values["category"]:
        return complaint_form(values, {"zh": "请选择投诉类别", "en": "Please choose a category"}, "category", 400)
    text = values["text"]
    if window and text:
        # The hall's complaint has no window of its own (only a case): the window goes in the
        # words, where the manager who reads it sees it first.
        text = f"【{int(window)}号窗口】{text}"
    body: dict[str, Any] = {"category": values["category"], "text": text}
    if values["phone"]:
        body["phone"] = values["phone"]
    outcome = ask("complaint.file", body, form.get("key") or None)
    if not outcome.ok or outcome.body is None:
        return complaint_form(values, refusal(outcome), outcome.details.get("field"), status_of(outcome))
    return redirect(links().complaint(outcome.body["id"], outcome.body["check_code"]), 303)


@phone.get("/complaint/find")
def complaint_find():  # type: ignore[no-untyped-def]
    """Following a complaint by its number and code (a plain GET form: it changes nothing)."""
    number = request.args.get("complaint", "").strip()
    code = request.args.get("code", "").strip()
    if number and code:
        return redirect(links().complaint(number, code), 303)
    error = None
    if "complaint" in request.args:  # sent with a field left empty
        error = {"zh": "请填写投诉编号和查询码", "en": "Please give the complaint's number and its code"}
    page = render_template("phone/complaint_find.html", number=number, code=code, error=error)
    return page, 400 if error else 200


@phone.get("/complaint/<complaint_id>")
def complaint_follow(complaint_id: str):  # type: ignore[no-untyped-def]
    code = request.args.get("code", "").strip()
    outcome = ask("complaint.progress", {"complaint": complaint_id, "code": code})
    if not outcome.ok or outcome.body is None:
        # A wrong code reads as no such complaint (the hall says so): the lookup form again.
        page = render_template(
            "phone/complaint_find.html", number=complaint_id, code="", error=refusal(outcome)
        )
        return page, status_of(outcome)
    return render_template(
        "phone/complaint_view.html",
        c=outcome.body,
        code=code.upper(),
        step_words=STEP_WORDS,
        url=links().complaint(complaint_id, code.upper()),
    )


# ------------------------------------------------------------------ ratings
def rate_form(ticket_id: str, token: str, *, level: str = "", comment: str = "",
              error: dict[str, str] | None = None, closed: bool = False, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "phone/rate.html",
        ticket=ticket_id,
        token=token,
        levels=LEVELS,
        level=level,
        comment=comment,
        error=error,
        closed=closed,
        key=new_key(),
    )
    return page, status


@phone.get("/rate/<ticket_id>")
def rate_ticket(ticket_id: str):  # type: ignore[no-untyped-def]
    token = request.args.get("token", "")
    if not token:
        abort(404)
    # A ticket still in the queue says so at once; one served (or gone from the live queue,
    # which the hall does not show the public) gets the form, and the hall decides on sending.
    live = ask("ticket.status", {"ticket": ticket_id, "token": token})
    if live.ok and live.body is not None and live.body.get("state") == "waiting":
        return render_template("phone/rate_waiting.html", number=live.body.get("number")), 409
    return rate_form(ticket_id, token)


@phone.post("/rate/<ticket_id>")
def rate_ticket_send(ticket_id: str):  # type: ignore[no-untyped-def]
    form = request.form
    token = form.get("token", "")
    level, comment = form.get("level", ""), form.get("comment", "").strip()
    if level not in {str(n) for n, _zh, _en in LEVELS}:
        error = {"zh": "请选择一个满意程度", "en": "Please choose how satisfied you are"}
        return rate_form(ticket_id, token, comment=comment, error=error, status=400)
    body: dict[str, Any] = {"ticket": ticket_id, "token": token, "level": int(level)}
    if comment:
        body["comment"] = comment
    outcome = ask("ticket.rate", body, form.get("key") or None)
    if not outcome.ok or outcome.body is None:
        # Rated already, or not served yet: nothing more to send from this page.
        return rate_form(ticket_id, token, level=level, comment=comment, error=refusal(outcome),
                         closed=outcome.code == "conflict", status=status_of(outcome))
    rated = dict(session.get(RATED) or {})
    rated[ticket_id] = {k: outcome.body.get(k) for k in ("level", "window", "follow_up_due")}
    # the session is a cookie: the last few ratings are all a thank-you page needs
    session[RATED] = dict(list(rated.items())[-KEEP_RATED:])
    return redirect(url_for("phone.rate_thanks", ticket_id=ticket_id), 303)


@phone.get("/rate/<ticket_id>/thanks")
def rate_thanks(ticket_id: str):  # type: ignore[no-untyped-def]
    """What this phone just rated (kept in its session, so a reload shows it again)."""
    rated = (session.get(RATED) or {}).get(ticket_id)
    if rated is None:
        abort(404)
    words = {n: (zh, en) for n, zh, en in LEVELS}[rated["level"]]
    return render_template("phone/rate_thanks.html", rated=rated, words=words)
