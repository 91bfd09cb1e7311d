"""Sign-in, a clerk's window and the clerk console (the first pages of the hall's web)."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException

from ..auth import Actor
from ..endpoint import HallLoop
from ..engine.errors import EngineError
from ..engine.waits import light as wait_light
from ..service import Outcome
from ..throttle import client_of
from ..users import ROLE_NAMES, Account, UserRole, authenticate, end_session, session_account, start_session
from .words import words

# Not /static: the app (Flask("queue_server")) has its own static route there, which would win.
web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

#: Console actions: path → (hall request, shortcut key, 中文, English). The ticket actions
#: act on the window's current visitor; ``dialog`` ones open a small form first (a note, an
#: outcome, a reason), whose submit posts to the same path.
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "call-next": ("window.call_next", "N", "呼叫下一位", "Call next"),
    "recall": ("ticket.recall", "R", "重呼", "Recall"),
    "start": ("ticket.start", "S", "开始办理", "Start"),
    "complete": ("ticket.complete", "C", "办结", "Complete"),
    "transfer": ("ticket.transfer", "T", "转办", "Transfer"),
    "no-show": ("ticket.no_show", "X", "过号", "No-show"),
    "pause": ("window.pause", "P", "暂停服务", "Pause"),
    "resume": ("window.resume", "U", "恢复服务", "Resume"),
}
#: The actions that ask for something first (a dialog of the console page).
DIALOGS = frozenset({"complete", "transfer", "pause"})

#: protocol/models/queue.py ``Outcome``, as the clerk chooses it (digit shortcuts in the dialog).
OUTCOMES: dict[str, tuple[str, str]] = {
    "handled": ("办结", "Handled"),
    "consultation": ("咨询", "Consultation"),
    "accepted": ("受理", "Accepted"),
    "one_time_notice": ("一次性告知", "One-time notice"),
    "refused": ("不予受理", "Refused"),
    "left": ("办事人已离开", "Visitor left"),
}
WINDOW_STATUS: dict[str, tuple[str, str]] = {"open": ("开放", "open"), "paused": ("暂停", "paused"), "closed": ("关闭", "closed")}
TICKET_STATE: dict[str, tuple[str, str]] = {
    "waiting": ("等候中", "waiting"),
    "called": ("已呼叫", "called"),
    "serving": ("办理中", "serving"),
}
LIGHTS: dict[str, tuple[str, str]] = {"green": ("正常", "on time"), "yellow": ("接近目标", "near target"),
                                      "red": ("超时", "over target")}
#: The nonce each rendered panel carries: a click's idempotency key (a double click acts once).
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def hall_loop() -> HallLoop:
    return current_app.extensions["hall_loop"]


def this_hall() -> str:
    return hall_loop().service.store.hall


# ------------------------------------------------------------------ every request
@web.before_request
def check_csrf() -> None:
    """Every state-changing request of the pages carries the session's CSRF token (a form
    field, or htmx's X-CSRFToken header)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        current_app.extensions["csrf"].protect()


@web.before_request
def load_account() -> None:
    sid = session.get("sid")
    account = session_account(current_app.extensions["hall_db"], sid) if isinstance(sid, str) else None
    if account is not None and account.hall not in (None, this_hall()):
        account = None  # a cookie of another hall's server with the same key folder (a city admin's works)
    if account is None and sid is not None:
        session.clear()  # signed out, disabled or given a new password since: over now
    g.account = account


@web.app_context_processor
def page_context() -> dict[str, Any]:
    return {
        **words(),
        "role_names": ROLE_NAMES,
        "account": g.get("account"),
        "csrf_token": generate_csrf,
        "hall_code": this_hall(),
        "hall_name": hall_name,
        "window_status": WINDOW_STATUS,
        "ticket_state": TICKET_STATE,
    }


def hall_name() -> dict[str, str]:
    """The hall's configured name (``hall.info``: the halls table), once per request."""
    name = g.get("hall_name")
    if name is None:
        outcome = hall_loop().call("hall.info", {}, Actor("anonymous", "web", "public"))
        name = g.hall_name = (
            outcome.body["name"] if outcome.ok and outcome.body else {"zh": "政务服务大厅", "en": "Government Service Hall"}
        )
    return name


@web.errorhandler(CSRFError)
def csrf_refused(e: CSRFError):  # type: ignore[no-untyped-def]
    return _error(400, "请求已失效，请刷新页面后重试", "The form has expired or lacks its security token; reload the page")


@web.errorhandler(EngineError)
def hall_refused(e: EngineError):  # type: ignore[no-untyped-def]
    return _error(409 if e.code != "unavailable" else 503, e.message_zh, str(e))


@web.errorhandler(HTTPException)
def http_error(e: HTTPException):  # type: ignore[no-untyped-def]
    zh = {403: "您的账号无权访问此页面", 404: "页面不存在", 405: "不支持此操作"}.get(e.code or 500, "请求有误")
    return _error(e.code or 500, zh, e.description or e.name)


def _error(status: int, zh: str, en: str) -> tuple[str, int]:
    return render_template("error.html", status=status, zh=zh, en=en), status


#: The attributes ``signed_in`` sets on a view: the roles it lets in (empty: every signed-in
#: account) and whether only a city admin (an account of no one hall) may open it, so the
#: security tests read each route's rule from the app instead of a copy.
ROLES_ATTR = "signed_in_roles"
CITY_ATTR = "signed_in_city"


def signed_in(*roles: UserRole, city: bool = False) -> Callable[..., Any]:
    """The view needs a signed-in account, of one of ``roles`` when given; with ``city``, a
    city admin's (``users.CITY``): a hall's own admin sees their hall only."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            account: Account | None = g.account
            if account is None:
                if request.headers.get("HX-Request"):
                    return Response(status=401, headers={"HX-Redirect": url_for("web.login")})
                return redirect(url_for("web.login", next=request.path))
            if (roles and account.role not in roles) or (city and account.hall is not None):
                abort(403)
            return view(*args, **kwargs)

        setattr(inner, ROLES_ATTR, frozenset(roles))
        setattr(inner, CITY_ATTR, city)
        return inner

    return wrap


def actor() -> Actor:
    account: Account = g.account
    return account.actor()


# ------------------------------------------------------------------ sign-in
@web.get("/")
def home():  # type: ignore[no-untyped-def]
    account: Account | None = g.account
    if account is None:
        return redirect(url_for("web.login"))
    if account.role == UserRole.CLERK:
        return redirect(url_for("web.console") if session.get("window") else url_for("web.choose_window"))
    if account.role == UserRole.REVIEWER:
        return redirect(url_for("web.tasks"))  # a reviewer's work is their department's tasks
    return render_template("home.html")


@web.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return render_template("login.html", failed=False)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    account = authenticate(current_app.extensions["hall_db"], this_hall(), username, password) if username else None
    client = client_of(Actor("anonymous", f"ip:{request.remote_addr or 'unknown'}", "public"))
    wait = current_app.extensions["hall_login_budget"].record(f"login:{client}", account is not None)
    if wait is not None:
        # Even the right password is refused while the budget is spent: guessing learns nothing.
        return render_template("login.html", failed=False, wait_s=int(wait) + 1), 429
    if account is None:
        return render_template("login.html", failed=True, username=username), 401
    session.clear()  # a new session for the new account (nothing of the old one carries over)
    session.permanent = True
    session["sid"] = start_session(current_app.extensions["hall_db"], account)
    g.account = account
    return redirect(url_for("web.home"))


@web.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    sid = session.get("sid")
    if isinstance(sid, str):
        end_session(current_app.extensions["hall_db"], sid)
    session.clear()
    return redirect(url_for("web.login"))


# ------------------------------------------------------------------ a clerk's window
@web.route("/window", methods=["GET", "POST"])
@signed_in(UserRole.CLERK)
def choose_window():  # type: ignore[no-untyped-def]
    windows = _state()["windows"]
    if request.method == "GET":
        return render_template("window.html", windows=windows, refused=None)
    try:
        number = int(request.form.get("window", ""))
    except ValueError:
        abort(400)
    outcome = hall_loop().call("window.sign_in", {"window": number}, actor())
    if not outcome.ok:
        return render_template("window.html", windows=windows, refused=said(outcome)), 409
    session["window"] = number
    return redirect(url_for("web.console"))


# ------------------------------------------------------------------ the console
@web.get("/console")
@signed_in(UserRole.CLERK)
def console():  # type: ignore[no-untyped-def]
    if not session.get("window"):
        return redirect(url_for("web.choose_window"))
    return render_template(
        "console.html", actions=ACTIONS, dialogs=DIALOGS, **_dialog_choices(session["window"]), **_panel_data()
    )


@web.get("/console/panel")
@signed_in(UserRole.CLERK)
def console_panel():  # type: ignore[no-untyped-def]
    return render_template("_panel.html", actions=ACTIONS, **_panel_data())


@web.post("/console/<action>")
@signed_in(UserRole.CLERK)
def console_action(action: str):  # type: ignore[no-untyped-def]
    if action not in ACTIONS:
        abort(404)
    number = session.get("window")
    if not number:
        abort(409)
    key = click_key(action)
    type_ = ACTIONS[action][0]
    form = request.form
    message = done = None
    again = _seen(key)  # sent to the hall before
    current = _window(_state(), number).get("current")
    if type_ == "window.call_next" and current is not None and form.get("confirmed") != "1" and not again:
        # Not yet: the clerk confirms first (the engine completes a visitor being served,
        # and passes over one called and never started).
        return render_template(
            "_panel.html", actions=ACTIONS, confirm=_confirm_next(current), notice=True, **_panel_data()
        )
    body: dict[str, Any] = {"window": number} if type_.startswith("window.") else {}
    if type_.startswith("ticket."):
        if current is not None:
            body["ticket"] = current["id"]
        if action == "complete":
            body["outcome"] = form.get("outcome", "handled")
        elif action == "transfer":
            body["note"] = form.get("note", "")
            body |= _transfer_target(form.get("to", ""))
    if action == "pause":
        body["reason"] = form.get("reason", "")
    if type_.startswith("ticket.") and "ticket" not in body:
        message = {"message_zh": "当前没有办事人", "message": "no visitor at this window"}
    else:
        # The key names the clerk, the action and the panel it was clicked on: a second click
        # before the page showed the first one's answer gets that answer, and acts no more.
        _remember(key)
        outcome = hall_loop().call(type_, body, actor(), key)
        if not outcome.ok:
            message = said(outcome)
        elif type_ == "window.call_next" and outcome.body.get("ticket") is None:
            message = {"message_zh": "没有等候的办事人", "message": "nobody is waiting for this window"}
        elif action in ("complete", "transfer") and current is not None:
            done = _done(action, current["number"], body)
    return render_template(
        "_panel.html", actions=ACTIONS, message=message, done=done, notice=True, **_panel_data()
    )


def _done(action: str, number: str, body: dict[str, Any]) -> dict[str, str]:
    """What the clerk is told once a visitor has left the window."""
    if action == "complete":
        zh, en = OUTCOMES.get(body["outcome"], (body["outcome"], body["outcome"]))
        return {"zh": f"{number} 已办结：{zh}", "en": f"{number} completed: {en}"}
    if "to_window" in body:
        return {"zh": f"{number} 已转办至 {body['to_window']}号窗口", "en": f"{number} transferred to window {body['to_window']}"}
    return {"zh": f"{number} 已转办至事项 {body['to_item']}", "en": f"{number} transferred to item {body['to_item']}"}


def click_key(what: str) -> str:
    """The hall's idempotency key of a click: the account, what it does (and to what), and the
    nonce of the panel or list it was clicked on, which the page posts as ``key``: a second
    click before the page showed the first one's answer gets that answer, and acts no more."""
    nonce = request.form.get("key", "")
    if not NONCE.fullmatch(nonce):
        abort(400, "the click lacks the key of the page it was made on; reload the page")
    return f"web:{actor().name}:{what}:{nonce}"


#: Keys of the console's recent clicks (this process), newest last.
_recent_keys: OrderedDict[str, None] = OrderedDict()
_recent_lock = threading.Lock()
RECENT_KEYS = 1000


def _seen(key: str) -> bool:
    """Whether a click with this key was sent to the hall before: the hall answers it from its
    idempotency record, so it goes as it is, never stopped for a confirmation the first passed."""
    with _recent_lock:
        return key in _recent_keys


def _remember(key: str) -> None:
    with _recent_lock:
        _recent_keys[key] = None
        while len(_recent_keys) > RECENT_KEYS:
            _recent_keys.popitem(last=False)


def _transfer_target(to: str) -> dict[str, Any]:
    """The dialog's one choice: ``window:2`` or ``item:C-HJ-001`` (the engine wants one of them)."""
    kind, _, value = to.partition(":")
    if kind == "window" and value.isdigit():
        return {"to_window": int(value)}
    if kind == "item" and value:
        return {"to_item": value}
    return {}


def _confirm_next(current: dict[str, Any]) -> dict[str, str]:
    if current["state"] == "serving":
        return {
            "zh": f"{current['number']} 正在办理中，呼叫下一位将按“办结”结束其办理。",
            "en": f"{current['number']} is being served: calling the next visitor completes it as handled.",
        }
    return {
        "zh": f"{current['number']} 已呼叫但尚未开始办理，呼叫下一位将使其过号（回到队列顺延，多次未到则作过号处理）。",
        "en": f"{current['number']} was called and not started: calling the next visitor passes them over "
        "(back in line; after too many missed calls, a no-show).",
    }


@web.get("/events")
@signed_in()
def events():  # type: ignore[no-untyped-def]
    stream = current_app.extensions["hall_live"].open(request.headers.get("Last-Event-ID"))
    if stream is None:
        return Response("all live slots are taken\n", status=503, headers={"Retry-After": "20"}, mimetype="text/plain")
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        direct_passthrough=True,
    )


# ------------------------------------------------------------------ the hall's state
def _state(limit: int = 0) -> dict[str, Any]:
    outcome = hall_loop().call("queue.state", {"limit": limit}, actor())
    if not outcome.ok:
        raise EngineError(outcome.code, outcome.message, outcome.message_zh)
    assert outcome.body is not None
    return outcome.body


def said(outcome: Outcome) -> dict[str, str]:
    """What the hall said when it refused, for the page."""
    return {"message_zh": outcome.message_zh, "message": outcome.message}


def _window(state: dict[str, Any], number: int) -> dict[str, Any]:
    return next((w for w in state["windows"] if w["number"] == number), {})


class LeftWindow(Exception):
    """The hall no longer has this clerk at the session's window (signed out there, another
    clerk signed in since): the console must not show that window's visitor."""


@web.errorhandler(LeftWindow)
def left_window(e: LeftWindow):  # type: ignore[no-untyped-def]
    session.pop("window", None)
    if request.headers.get("HX-Request"):
        return Response(status=200, headers={"HX-Redirect": url_for("web.choose_window")})
    return redirect(url_for("web.choose_window"))


def _panel_data() -> dict[str, Any]:
    number = session.get("window")
    if not number:
        raise LeftWindow()
    state = _state()
    window = _window(state, number)
    account: Account = g.account
    if (window.get("clerk") or {}).get("id") != account.clerk:
        raise LeftWindow(number)
    current = window.get("current")
    if current is not None:
        current = _visitor(current)
    return {
        "window": window,
        "current": current,
        "load": _load(window),
        "seq": state["seq"],
        "nonce": secrets.token_urlsafe(12),
    }


def _visitor(current: dict[str, Any]) -> dict[str, Any]:
    """The current visitor as the clerk sees them: the ticket (its transfer note, the masked
    ID), the item's name and the guide's materials checklist."""
    outcome = hall_loop().call("ticket.status", {"ticket": current["id"]}, actor())
    ticket = outcome.body if outcome.ok and outcome.body else {}
    item = catalogue().items.get(current["item_code"])
    materials = [
        {
            "zh": m.name.zh,
            "en": m.name.en,
            "original": m.original,
            "copies": m.copies,
            "required": m.required,
            "note": {"zh": m.note.zh, "en": m.note.en} if m.note else None,
        }
        for m in (item.guide.materials if item else ())
    ]
    # Their cases and certificates on file, found by the server from the ticket's ID card
    # (the page never holds the number): ``visitor.at_window``, audited once per clerk and ticket.
    desk = hall_loop().call("visitor.at_window", {"window": session["window"]}, actor())
    return {
        **current,
        "item_name": {"zh": item.name.zh, "en": item.name.en} if item else None,
        "transfer": ticket.get("transfer"),
        "id_masked": ticket.get("id_masked"),
        "materials": materials,
        "item": item,  # its guide (办事指南), for the clerk to read from
        "desk": desk.body if desk.ok and desk.body and desk.body["ticket"] == current["id"] else None,
        "desk_refused": None if desk.ok else said(desk),
    }


def panel_reply(message: dict[str, str] | None = None, done: dict[str, str] | None = None) -> str:
    """The console's panel after an action of another module (the visitor's cases), with its
    answer beside it: what ``console_action`` answers with."""
    return render_template("_panel.html", actions=ACTIONS, message=message, done=done, notice=True, **_panel_data())


def _load(window: dict[str, Any]) -> dict[str, Any]:
    """The window's load at a glance: who waits that it may call, the longest wait, and a
    traffic light of the worst wait against its item's wait target (both over the first of
    each of its lines, which the hall gives: the whole line is never walked for it)."""
    load = window.get("load") or {"waiting": 0, "heads": []}
    items = catalogue().items
    now = time.time()
    longest = max((now - h["issued_at"] for h in load["heads"]), default=0.0)
    worst = 0.0
    for h in load["heads"]:
        item = items.get(h["item_code"])
        if item is not None:
            worst = max(worst, (now - h["issued_at"]) / item.wait_target_s)
    light = wait_light(worst)
    return {"waiting": load["waiting"], "longest_min": int(longest // 60), "light": light, "light_name": LIGHTS[light]}


def catalogue() -> Any:
    # The catalogue object is replaced whole on publish, never changed in place: reading it
    # from a web thread sees one version or the next.
    return hall_loop().service.context.catalogue


def _dialog_choices(number: int) -> dict[str, Any]:
    """What the console's dialogs offer: the other windows and the items to transfer to, the outcomes."""
    state = _state()
    return {
        "windows": [w for w in state["windows"] if w["number"] != number],
        "items": [
            {"code": code, "zh": item.name.zh, "en": item.name.en} for code, item in sorted(catalogue().items.items())
        ],
        "outcomes": OUTCOMES,
    }
