"""The web pages' security matrix, over plain HTTP against a real queue server process (a
browser adds nothing to a status code): every route of the pages, read from the app's URL map
so that a route added later is covered without touching this file —

- without a session a page leads to sign-in (an htmx request gets 401 and ``HX-Redirect``);
- an account of a role the route does not let in is refused with 403 (the roles are the ones
  ``views.signed_in`` recorded on the view, never a copy kept here);
- every POST without the CSRF token is refused with 400, and with it passes that check;
- a clerk acts only at the window the hall has them signed in at: a forged window in the form,
  another clerk's window, a session cookie changed by hand, a session older than the hall's
  sign-out — all refused by the server;
- signing out ends the session; a disabled account stops at its next request.

A route without ``signed_in`` must be listed in PUBLIC, on purpose: a page that forgets its
guard fails here instead of being open."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine

from queue_server.http import create_app
from queue_server.users import UserRole, create_user, set_disabled, set_password
from queue_server.web.views import CITY_ATTR, ROLES_ATTR
from tests.support.hall import HallProcess
from tests.web.support import CLERK2_PASSWORD, CLERK_PASSWORD, MANAGER_PASSWORD, add_user, issue

#: Routes of the pages that need no sign-in: the sign-in itself, ``/`` (which leads to it),
#: sign-out, and the pages' own static files (htmx, the style sheet).
PUBLIC = frozenset({"web.login", "web.home", "web.logout", "web.static"})
#: The visitor's phone pages (``queue_server/web/phone``) need no sign-in by design: a QR
#: code's token or a code proves what they open (tests/phone checks each).
PUBLIC_BLUEPRINT = "phone."
REVIEWER_PASSWORD = "sun-jianhua-2026"
ADMIN_PASSWORD = "admin-pass-2026"
#: A city admin's account (an admin of no one hall, ``users.CITY``): the key of its session.
CITY = "city admin"
CITY_PASSWORD = "city-admin-2026"
HUANG_PASSWORD = "huang-zhiqiang-2026"
ACCOUNTS: dict[str, tuple[str, str]] = {
    UserRole.CLERK: ("chen", CLERK_PASSWORD),
    UserRole.REVIEWER: ("sun", REVIEWER_PASSWORD),
    UserRole.MANAGER: ("boss", MANAGER_PASSWORD),
    UserRole.ADMIN: ("root", ADMIN_PASSWORD),
    CITY: ("city", CITY_PASSWORD),
}
#: What the pages say when the CSRF token is missing (views.csrf_refused).
CSRF_REFUSED = "请求已失效"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    method: str
    #: The roles let in (empty: every signed-in account); None: a public route.
    roles: frozenset[str] | None
    path: str
    #: Only a city admin's account (``signed_in(city=True)``).
    city: bool = False

    def lets_in(self, account: str) -> bool:
        """Whether the route lets in the session of ``account`` (a key of ACCOUNTS)."""
        role = UserRole.ADMIN if account == CITY else account
        return (not self.roles or role in self.roles) and (not self.city or account == CITY)

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def web_routes() -> list[Route]:
    """Every route of the pages (everything the app serves outside the REST API at /api/)."""
    app = create_app(None, create_engine("sqlite://"))  # type: ignore[arg-type]  # the URL map needs no hall
    adapter = app.url_map.bind("127.0.0.1")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue  # the REST API (bearer tokens, its own tests) and Flask's app-wide static
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, ROLES_ATTR, None)
        # Any value fits an argument here: the guard runs before the view looks at it.
        path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), force_external=False)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append(Route(rule.rule, rule.endpoint, method, roles, path, getattr(view, CITY_ATTR, False)))
    return routes


ROUTES = web_routes()
GUARDED = [r for r in ROUTES if r.roles is not None]
POSTS = [r for r in ROUTES if r.method == "POST"]
WRONG_ROLE = [(r, key) for r in GUARDED for key in ACCOUNTS if not r.lets_in(key)]


# ------------------------------------------------------------------ sessions
def csrf_token(s: requests.Session, hall: HallProcess, path: str = "/login") -> str:
    """The session's CSRF token, as a page of it carries it."""
    found = TOKEN.search(s.get(hall.http + path, timeout=10).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def signed_in(hall: HallProcess, username: str, password: str) -> tuple[requests.Session, str]:
    """A new browser session signed in as ``username``, and its CSRF token."""
    s = requests.Session()
    token = csrf_token(s, hall)
    r = s.post(hall.http + "/login", data={"username": username, "password": password, "csrf_token": token},
               allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    return s, csrf_token(s, hall, "/login")  # a new session at sign-in: a new token


def at_window(hall: HallProcess, username: str, password: str, window: int) -> tuple[requests.Session, str]:
    s, token = signed_in(hall, username, password)
    r = s.post(hall.http + "/window", data={"window": window, "csrf_token": token}, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].endswith("/console"), r.text
    return s, token


def send(s: requests.Session, hall: HallProcess, route: Route, token: str | None = None, **kw: Any) -> requests.Response:
    data = {"csrf_token": token} if token else {}
    if route.method == "GET":
        # stream: /events would otherwise be read to its end; the status and headers suffice.
        r = s.get(hall.http + route.path, allow_redirects=False, stream=True, timeout=10, **kw)
    else:
        r = s.post(hall.http + route.path, data=data, allow_redirects=False, stream=True, timeout=10, **kw)
    if r.headers.get("Content-Type", "").startswith("text/event-stream"):
        r.close()
    return r


@pytest.fixture(scope="module")
def accounts(hall: HallProcess) -> dict[str, tuple[requests.Session, str]]:
    """A signed-in session of each role (none of them at a window)."""
    add_user(hall, "sun", "reviewer", REVIEWER_PASSWORD, clerk="d-education")
    add_user(hall, "root", "admin", ADMIN_PASSWORD)
    db = create_engine(hall.db)
    create_user(db, None, "city", CITY_PASSWORD, UserRole.ADMIN)
    db.dispose()
    return {role: signed_in(hall, *ACCOUNTS[role]) for role in ACCOUNTS}


@pytest.fixture(scope="module")
def manager_token(hall: HallProcess) -> str:
    return hall.token("manager")


def queue(hall: HallProcess, token: str) -> dict[int, Any]:
    """The hall's windows as the REST API tells a manager: number → window."""
    r = requests.get(f"{hall.http}/api/v1/queue", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return {w["number"]: w for w in r.json()["windows"]}


# ------------------------------------------------------------------ the routes
def test_the_pages_have_routes_and_every_one_is_guarded_or_public_on_purpose() -> None:
    endpoints = {r.endpoint for r in ROUTES}
    assert {"web.console", "web.console_action", "web.events", "web.choose_window"} <= endpoints
    unguarded = sorted(
        str(r) for r in ROUTES
        if r.roles is None and r.endpoint not in PUBLIC and not r.endpoint.startswith(PUBLIC_BLUEPRINT)
    )
    assert unguarded == [], f"routes without @signed_in: add the guard, or list them in PUBLIC: {unguarded}"


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_without_a_session_a_page_leads_to_sign_in(hall: HallProcess, route: Route) -> None:
    s = requests.Session()
    token = csrf_token(s, hall)  # an anonymous session's token: the CSRF check passes, the guard does not
    r = send(s, hall, route, token)
    assert r.status_code == 302
    assert r.headers["Location"].split("?")[0].endswith("/login")
    htmx = send(s, hall, route, token, headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"] == "/login"


@pytest.mark.parametrize(("route", "role"), WRONG_ROLE, ids=lambda x: str(x))
def test_an_account_of_another_role_is_refused(
    hall: HallProcess, accounts: dict[str, tuple[requests.Session, str]], route: Route, role: str
) -> None:
    s, token = accounts[role]
    r = send(s, hall, route, token)
    assert r.status_code == 403
    assert "无权访问" in r.text  # said in plain words, in both languages
    assert r.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("route", [r for r in GUARDED if r.method == "GET"], ids=str)
def test_an_account_of_an_allowed_role_is_let_in(
    hall: HallProcess, accounts: dict[str, tuple[requests.Session, str]], route: Route
) -> None:
    assert route.roles is not None
    for role in sorted(key for key in ACCOUNTS if route.lets_in(key)):
        s, _ = accounts[role]
        r = send(s, hall, route)
        assert r.status_code not in (401, 403), role
        if r.status_code == 302:  # e.g. the console of a clerk not yet at a window: choose one
            assert not r.headers["Location"].split("?")[0].endswith("/login")


@pytest.mark.parametrize("route", POSTS, ids=str)
def test_every_post_without_its_csrf_token_is_refused(
    hall: HallProcess, accounts: dict[str, tuple[requests.Session, str]], route: Route
) -> None:
    role = sorted(route.roles)[0] if route.roles else UserRole.CLERK
    if route.endpoint == "web.logout":
        s, token = signed_in(hall, *ACCOUNTS[role])  # its own session: this one is signed out below
    else:
        s, token = accounts[role]
    refused = send(s, hall, route)
    assert refused.status_code == 400
    assert CSRF_REFUSED in refused.text
    wrong = send(s, hall, route, "x" + token[1:])
    assert wrong.status_code == 400 and CSRF_REFUSED in wrong.text
    # With the token, in the form or in htmx's header, the CSRF check lets it through (what
    # the route then answers is its own business: a clerk at no window, a form left empty).
    accepted = send(s, hall, route, token)
    assert accepted.status_code != 400 or CSRF_REFUSED not in accepted.text
    if route.endpoint != "web.logout":
        header = send(s, hall, route, headers={"X-CSRFToken": token})
        assert header.status_code != 400 or CSRF_REFUSED not in header.text


def test_a_token_of_another_session_is_refused(hall: HallProcess) -> None:
    mine, _ = signed_in(hall, *ACCOUNTS[UserRole.CLERK])
    _, theirs = signed_in(hall, "wang", CLERK2_PASSWORD)
    r = mine.post(hall.http + "/window", data={"window": 4, "csrf_token": theirs}, allow_redirects=False, timeout=10)
    assert r.status_code == 400 and CSRF_REFUSED in r.text


# ------------------------------------------------------------------ a clerk's window
def test_a_forged_window_in_the_form_acts_at_the_clerk_s_own_window(hall: HallProcess, manager_token: str) -> None:
    chen, token = at_window(hall, "chen", CLERK_PASSWORD, 1)
    at_window(hall, "wang", CLERK2_PASSWORD, 2)
    number = issue(hall)
    r = chen.post(hall.http + "/console/call-next",
                  data={"key": secrets.token_urlsafe(12), "window": "2", "csrf_token": token}, timeout=10)
    assert r.status_code == 200
    windows = queue(hall, manager_token)
    assert windows[1]["current"]["number"] == number  # the session's window, not the form's
    assert windows[2]["current"] is None
    for action, extra in (("start", {}), ("complete", {"outcome": "handled"})):  # the visitor done with
        r = chen.post(hall.http + f"/console/{action}",
                      data={"key": secrets.token_urlsafe(12), "csrf_token": token, **extra}, timeout=10)
        assert r.status_code == 200
    assert queue(hall, manager_token)[1]["current"] is None


def refusal(page: requests.Response) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page.text, re.S)
    assert found, page.text
    return found.group(1)


def test_a_clerk_cannot_sign_in_at_another_clerk_s_window_nor_at_a_second_one(hall: HallProcess, manager_token: str) -> None:
    add_user(hall, "huang", "clerk", HUANG_PASSWORD, clerk="c07")  # signed in at no window yet
    huang, token = signed_in(hall, "huang", HUANG_PASSWORD)
    at_window(hall, "wang", CLERK2_PASSWORD, 2)
    taken = huang.post(hall.http + "/window", data={"window": 2, "csrf_token": token}, allow_redirects=False, timeout=10)
    assert taken.status_code == 409
    assert "2号窗口已由c02签到" in refusal(taken) and "window 2 is taken by c02" in refusal(taken)
    chen, token = at_window(hall, "chen", CLERK_PASSWORD, 1)
    second = chen.post(hall.http + "/window", data={"window": 4, "csrf_token": token}, allow_redirects=False, timeout=10)
    assert second.status_code == 409
    assert "已在1号窗口签到" in refusal(second) and "signed in at window 1" in refusal(second)
    windows = queue(hall, manager_token)
    assert windows[2]["clerk"]["id"] == "c02" and windows[4]["clerk"] is None
    assert windows[1]["clerk"]["id"] == "c01"
    # The console of a session that never signed in at a window sends its clerk to choose one.
    console = huang.get(hall.http + "/console", allow_redirects=False, timeout=10)
    assert console.status_code == 302 and console.headers["Location"].endswith("/window")


def test_a_session_cookie_changed_by_hand_is_no_session(hall: HallProcess) -> None:
    chen, _ = at_window(hall, "chen", CLERK_PASSWORD, 1)
    cookie = chen.cookies["hall_session"]
    payload, _, rest = cookie.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    s = requests.Session()
    s.cookies.set("hall_session", forged)
    r = s.get(hall.http + "/console", allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].split("?")[0].endswith("/login")


def test_a_clerk_signed_out_of_the_window_at_the_hall_acts_there_no_more(hall: HallProcess, manager_token: str) -> None:
    chen, token = at_window(hall, "chen", CLERK_PASSWORD, 1)
    windows = queue(hall, manager_token)
    assert windows[1]["current"] is None
    r = requests.post(f"{hall.http}/api/v1/windows/1/sign-out", json={},
                      headers={"Authorization": f"Bearer {manager_token}"}, timeout=10)
    assert r.status_code == 200, r.text
    number = issue(hall)
    # The session still names window 1; the hall has nobody there, so it refuses the call.
    r = chen.post(hall.http + "/console/call-next", data={"key": secrets.token_urlsafe(12), "csrf_token": token}, timeout=10)
    assert r.status_code == 200
    assert queue(hall, manager_token)[1]["current"] is None
    assert number not in r.text
    # Another clerk takes window 1 and calls: chen's open console shows none of it, and goes
    # back to choosing a window.
    huang, huang_token = at_window(hall, "huang", HUANG_PASSWORD, 1)  # made above, at no window
    huang.post(hall.http + "/console/call-next", data={"key": secrets.token_urlsafe(12), "csrf_token": huang_token},
               timeout=10)
    assert queue(hall, manager_token)[1]["current"]["number"] == number
    page = chen.get(hall.http + "/console", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and page.headers["Location"].endswith("/window")
    panel = chen.get(hall.http + "/console/panel", headers={"HX-Request": "true"}, allow_redirects=False, timeout=10)
    assert panel.headers.get("HX-Redirect") == "/window" and number not in panel.text
    for action, extra in (("start", {}), ("complete", {"outcome": "handled"})):  # huang done with them
        huang.post(hall.http + f"/console/{action}",
                   data={"key": secrets.token_urlsafe(12), "csrf_token": huang_token, **extra}, timeout=10)
    out = requests.post(f"{hall.http}/api/v1/windows/1/sign-out", json={},
                        headers={"Authorization": f"Bearer {manager_token}"}, timeout=10)
    assert out.status_code == 200, out.text
    at_window(hall, "chen", CLERK_PASSWORD, 1)  # back as the other tests left it


# ------------------------------------------------------------------ the session's end
def test_signing_out_ends_the_session(hall: HallProcess) -> None:
    s, token = signed_in(hall, "wang", CLERK2_PASSWORD)
    assert s.get(hall.http + "/window", allow_redirects=False, timeout=10).status_code == 200
    out = s.post(hall.http + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert out.status_code == 302 and out.headers["Location"].endswith("/login")
    after = s.get(hall.http + "/window", allow_redirects=False, timeout=10)
    assert after.status_code == 302 and after.headers["Location"].split("?")[0].endswith("/login")


def test_a_copy_of_the_cookie_is_over_at_sign_out_too(hall: HallProcess) -> None:
    s, token = signed_in(hall, "wang", CLERK2_PASSWORD)
    copy = requests.Session()
    copy.cookies.update(s.cookies)  # the cookie taken off the machine before sign-out
    assert copy.get(hall.http + "/window", allow_redirects=False, timeout=10).status_code == 200
    s.post(hall.http + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    after = copy.get(hall.http + "/window", allow_redirects=False, timeout=10)
    assert after.status_code == 302 and after.headers["Location"].split("?")[0].endswith("/login")
    # Signing in again starts a session that works.
    s2, _ = signed_in(hall, "wang", CLERK2_PASSWORD)
    assert s2.get(hall.http + "/window", allow_redirects=False, timeout=10).status_code == 200


def test_a_new_password_ends_the_old_sessions(hall: HallProcess) -> None:
    s, _ = signed_in(hall, "wang", CLERK2_PASSWORD)
    db = create_engine(hall.db)
    try:
        set_password(db, "H01", "wang", CLERK2_PASSWORD, by="test")  # as the admin's reset does
    finally:
        db.dispose()
    after = s.get(hall.http + "/window", allow_redirects=False, timeout=10)
    assert after.status_code == 302 and after.headers["Location"].split("?")[0].endswith("/login")


@contextmanager
def disabled(hall: HallProcess, username: str) -> Iterator[None]:
    """The account disabled (as the admin will from their pages), then enabled again."""
    db = create_engine(hall.db)

    set_disabled(db, "H01", username, True, by="test")
    try:
        yield
    finally:
        set_disabled(db, "H01", username, False, by="test")
        db.dispose()


def test_a_disabled_account_stops_at_its_next_request(hall: HallProcess) -> None:
    s, token = at_window(hall, "wang", CLERK2_PASSWORD, 2)
    assert s.get(hall.http + "/console", allow_redirects=False, timeout=10).status_code == 200
    with disabled(hall, "wang"):
        # The action of a page still open: refused, the page is sent to sign-in.
        act = s.post(hall.http + "/console/call-next", data={"key": secrets.token_urlsafe(12), "csrf_token": token},
                     headers={"HX-Request": "true"}, allow_redirects=False, timeout=10)
        assert act.status_code == 401 and act.headers["HX-Redirect"] == "/login"
        page = s.get(hall.http + "/console", allow_redirects=False, timeout=10)
        assert page.status_code == 302 and page.headers["Location"].split("?")[0].endswith("/login")
        again = requests.Session()
        login = again.post(hall.http + "/login", allow_redirects=False, timeout=10, data={
            "username": "wang", "password": CLERK2_PASSWORD, "csrf_token": csrf_token(again, hall)})
        assert login.status_code == 401 and "/login" not in login.headers.get("Location", "")
