"""The ticket's live page: what the slip's QR code opens (``links.ticket``).

The page is rendered here, whole, from the hall's ``ticket.follow`` (so it reads without
JavaScript: a reload shows the present); ``static/phone.js`` then keeps it live from the
phone fan-out's stream (``queue_server/live``), which sends the same facts on every change,
and raises the alerts: the call (full screen, a chime, a vibration) and "my turn is near".
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import redirect, render_template, request, url_for

from . import ask, links, page_error, phone, refusal

#: How the matter ended at the window (protocol/models/queue.py ``Outcome``), for the holder.
OUTCOMES: dict[str, tuple[str, str]] = {
    "handled": ("已办结", "Done"),
    "consultation": ("咨询已答复", "Your question was answered"),
    "accepted": ("已受理，请凭受理回执查询办件进度", "Accepted: follow your case with its receipt"),
    "one_time_notice": ("已出具一次性告知书，请按告知补齐材料", "You were given a one-time notice of what to bring"),
    "refused": ("不予受理，原因见窗口出具的告知", "Not accepted: the window told you why"),
    "left": ("办事人已离开", "You left before the matter was finished"),
}
#: How many people ahead the alert waits for by default ("tell me when I am 3rd").
ALERT_AT = 3
NO_TICKET = ("找不到该票号：请扫描取号单上的二维码", "No such ticket: scan the QR code on your slip")


def _page(facts: dict[str, Any], token: str, refused: dict[str, str] | None = None, status: int = 200) -> Any:
    urls = links()
    tid = facts["id"]
    return render_template(
        "phone/ticket.html",
        t=facts,
        token=token,
        outcomes=OUTCOMES,
        alert_at=ALERT_AT,
        stream_url=urls.ticket_stream(tid, token),
        rate_url=urls.rate_ticket(tid, token),
        nonce=secrets.token_urlsafe(12),
        refused=refused,
        unconfirmed=request.args.get("unconfirmed") == "1",
    ), status


def _follow(ticket_id: str, token: str) -> Any:
    outcome = ask("ticket.follow", {"ticket": ticket_id, "token": token})
    if outcome.ok and outcome.body is not None:
        return outcome.body
    if outcome.code == "unavailable":
        return page_error(503, "系统繁忙，请稍后刷新", "The hall is busy: reload in a moment")
    return page_error(404, *NO_TICKET)


@phone.get("/ticket/<ticket_id>")
def ticket(ticket_id: str):  # type: ignore[no-untyped-def]
    token = request.args.get("token", "")
    facts = _follow(ticket_id, token)
    return _page(facts, token) if isinstance(facts, dict) else facts


@phone.post("/ticket/<ticket_id>/cancel")
def cancel(ticket_id: str):  # type: ignore[no-untyped-def]
    token = request.form.get("token", "")
    here = url_for("phone.ticket", ticket_id=ticket_id, token=token)
    if request.form.get("confirm") != "yes":  # the box "I am sure" was not ticked
        return redirect(url_for("phone.ticket", ticket_id=ticket_id, token=token, unconfirmed=1) + "#cancel", 303)
    # The form's nonce is the request's idempotency key: a second tap cancels once.
    nonce = "".join(c for c in request.form.get("nonce", "") if c.isalnum())[:40] or secrets.token_hex(8)
    outcome = ask("ticket.cancel", {"ticket": ticket_id, "token": token}, key=f"phone-cancel-{nonce}")
    if outcome.ok:
        return redirect(here, 303)
    facts = _follow(ticket_id, token)
    if not isinstance(facts, dict):
        return facts
    return _page(facts, token, refusal(outcome), 409)
