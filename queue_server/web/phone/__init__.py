"""The visitor's phone: public pages that the QR codes of slips, receipts and certificates
open, and that people at home use, without signing in and without an app.

Phone first (a 360×640 screen), Chinese then English, readable without JavaScript: every
page is rendered on the server and every form is a plain HTML form that posts and
redirects (post/redirect/get, so a reload never sends it twice). JavaScript only adds what
cannot work without it: the ticket's live updates and its alerts (``static/phone.js``).

The pages ask the hall as the public does, one anonymous actor per client address (wrong
codes are counted per client, ``throttle``); they never show an ID number, a token or a
hash. Their URLs are built in one place, ``queue_server.links``.

Modules, one per part of the visitor's story: ``ticket`` (the live ticket page),
``cases`` (case progress, supplements), ``booking`` (appointments), ``guides`` (the
catalogue, the hall's address and hours), ``certificates`` (the certificate check),
``feedback`` (complaints and ratings).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError

from ...auth import Actor
from ...endpoint import HallLoop
from ...links import PHONE_PREFIX, PublicLinks
from ...service import Outcome

phone = Blueprint("phone", __name__, url_prefix=PHONE_PREFIX)


def hall_loop() -> HallLoop:
    return current_app.extensions["hall_loop"]


def links() -> PublicLinks:
    """The hall's public URLs: a page links to another as the QR codes do."""
    return hall_loop().service.links


def visitor() -> Actor:
    """The caller as the hall sees the public: one actor per client address, so wrong codes
    are counted per client and two visitors' idempotency keys never meet."""
    return Actor("anonymous", f"ip:{request.remote_addr or 'unknown'}", "public")


def ask(type_: str, body: dict[str, Any], key: str | None = None) -> Outcome:
    """A hall request as the visitor; a busy hall answers 'unavailable' (never raises)."""
    try:
        return hall_loop().call(type_, body, visitor(), key)
    except TimeoutError:
        return Outcome(False, code="unavailable", message="the hall is busy; try again", message_zh="系统繁忙，请稍后重试")


def refusal(outcome: Outcome) -> dict[str, str]:
    """What the hall said when it refused, for the page (both languages)."""
    return {"zh": outcome.message_zh or "", "en": outcome.message or ""}


def public_info() -> Any:
    """What the hall tells the public: its address, buses, phone (``public`` in hall.yaml)."""
    return hall_loop().service.public


@phone.before_request
def check_csrf() -> None:
    """Every form the pages post carries the CSRF token of the visitor's (anonymous) session."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        current_app.extensions["csrf"].protect()


@phone.after_request
def phone_headers(response):  # type: ignore[no-untyped-def]
    # A page behind a QR code holds a token in its URL: it must not leak as a Referer to
    # another site, nor stay in a shared cache.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@phone.context_processor
def phone_context() -> dict[str, Any]:
    return {"links": links(), "public": public_info()}


def page_error(status: int, zh: str, en: str) -> tuple[str, int]:
    return render_template("phone/error.html", status=status, zh=zh, en=en), status


@phone.errorhandler(CSRFError)
def csrf_refused(e: CSRFError):  # type: ignore[no-untyped-def]
    return page_error(400, "请求已失效：页面已过期，请返回后刷新再提交", "The page has expired; go back, reload it and send again")


@phone.errorhandler(404)
def not_found(e: Exception):  # type: ignore[no-untyped-def]
    return page_error(404, "页面不存在", "There is no such page")


@phone.get("/")
def home():  # type: ignore[no-untyped-def]
    return render_template("phone/home.html")


# The pages' modules put their routes on the blueprint: imported after it exists.
from . import booking, cases, certificates, feedback, guides, ticket  # noqa: E402, F401

__all__ = ["ask", "links", "page_error", "phone", "public_info", "refusal", "visitor"]
