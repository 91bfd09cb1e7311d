"""Sign-in, a clerk's window and the clerk console (the first pages of the hall's web)."""

from __future__ import annotations

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
from ..service import Outcome
from ..throttle import client_of
from ..users import Account, UserRole, authenticate, live_account

# Not /static: the app (Flask("queue_server")) has its own static route there, which would win.
web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

#: Console actions: path → (hall request, shortcut key, 中文, English). The ticket actions
#: act on the window's current visitor.
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "call-next": ("window.call_next", "N", "呼叫下一位", "Call next"),
    "recall": ("ticket.recall", "R", "重呼", "Recall"),
    "start": ("ticket.start", "S", "开始办理", "Start"),
    "complete": ("ticket.complete", "C", "办结", "Complete"),
    "no-show": ("ticket.no_show", "X", "过号", "No-show"),
}


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
    user_id = session.get("user_id")
    account = live_account(current_app.extensions["hall_db"], user_id) if isinstance(user_id, int) else None
    if account is not None and account.hall != this_hall():
        account = None  # a cookie of another hall's server with the same key folder
    if account is None and user_id is not None:
        session.clear()  # disabled or removed since: the session ends now
    g.account = account


@web.app_context_processor
def page_context() -> dict[str, Any]:
    return {"account": g.get("account"), "csrf_token": generate_csrf, "hall_code": this_hall()}


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


def signed_in(*roles: UserRole) -> Callable[..., Any]:
    """The view needs a signed-in account, of one of ``roles`` when given."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            account: Account | None = g.account
            if account is None:
                if request.headers.get("HX-Request"):
                    return Response(status=401, headers={"HX-Redirect": url_for("web.login")})
                return redirect(url_for("web.login", next=request.path))
            if roles and account.role not in roles:
                abort(403)
            return view(*args, **kwargs)

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
    session["user_id"] = account.id
    g.account = account
    return redirect(url_for("web.home"))


@web.post("/logout")
def logout():  # type: ignore[no-untyped-def]
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
        return render_template("window.html", windows=windows, refused=_said(outcome)), 409
    session["window"] = number
    return redirect(url_for("web.console"))


# ------------------------------------------------------------------ the console
@web.get("/console")
@signed_in(UserRole.CLERK)
def console():  # type: ignore[no-untyped-def]
    if not session.get("window"):
        return redirect(url_for("web.choose_window"))
    return render_template("console.html", actions=ACTIONS, **_panel_data())


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
    type_ = ACTIONS[action][0]
    message = None
    if type_.startswith("window."):
        body: dict[str, Any] = {"window": number}
    else:
        current = _window(_state(), number).get("current")
        body = {"ticket": current["id"]} if current else {}
    if type_.startswith("ticket.") and not body:
        message = {"message_zh": "当前没有办事人", "message": "no visitor at this window"}
    else:
        outcome = hall_loop().call(type_, body, actor())
        if not outcome.ok:
            message = _said(outcome)
        elif type_ == "window.call_next" and outcome.body.get("ticket") is None:
            message = {"message_zh": "没有等候的办事人", "message": "nobody is waiting for this window"}
    return render_template("_panel.html", actions=ACTIONS, message=message, **_panel_data())


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
def _state() -> dict[str, Any]:
    outcome = hall_loop().call("queue.state", {"limit": 0}, actor())
    if not outcome.ok:
        raise EngineError(outcome.code, outcome.message, outcome.message_zh)
    assert outcome.body is not None
    return outcome.body


def _said(outcome: Outcome) -> dict[str, str]:
    """What the hall said when it refused, for the page."""
    return {"message_zh": outcome.message_zh, "message": outcome.message}


def _window(state: dict[str, Any], number: int) -> dict[str, Any]:
    return next((w for w in state["windows"] if w["number"] == number), {})


def _panel_data() -> dict[str, Any]:
    state = _state()
    number = session["window"]
    window = _window(state, number)
    current = window.get("current")
    if current is not None:
        current = {**current, "item_name": _item_name(current["item_code"])}
    return {
        "window": window,
        "current": current,
        "waiting": state["waiting_by_stream"].get(window.get("stream"), state["waiting_total"]),
        "seq": state["seq"],
    }


def _item_name(code: str) -> dict[str, str] | None:
    # The catalogue object is replaced whole on publish, never changed in place: reading it
    # from a web thread sees one version or the next.
    item = hall_loop().service.context.catalogue.items.get(code)
    return {"zh": item.name.zh, "en": item.name.en} if item else None
