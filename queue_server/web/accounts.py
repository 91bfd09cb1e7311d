"""The admin's accounts page: the hall's staff accounts, made, disabled, enabled and given a
new password in the browser, as ``python -m queue_server user ...`` does on the command line.

A new or reset password is made here (random, shown once on the answer page), never typed
by the admin: nobody has to pass a password around that someone else chose and remembers.
Every change is in the audit log under the admin's name.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, current_app, g, make_response, render_template, request

from ..auth import AccessError
from ..users import (
    ROLE_NAMES,
    Account,
    UserRole,
    create_user,
    list_clerks,
    list_users,
    set_disabled,
    set_password,
)
from .views import signed_in, this_hall, web


def _db() -> Any:
    return current_app.extensions["hall_db"]


def _by() -> str:
    account: Account = g.account
    return f"user:{account.username}"


def _page(status: int = 200, **shown: Any) -> Response:
    hall = this_hall()
    response = make_response(
        render_template(
            "accounts.html",
            users=list_users(_db(), hall),
            clerks=list_clerks(_db(), hall),
            roles=ROLE_NAMES,
            **shown,
        ),
        status,
    )
    # A page that may carry a new password is never kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@web.get("/accounts")
@signed_in(UserRole.ADMIN)
def accounts():  # type: ignore[no-untyped-def]
    return _page()


@web.post("/accounts")
@signed_in(UserRole.ADMIN)
def account_create():  # type: ignore[no-untyped-def]
    form = request.form
    username = form.get("username", "").strip()
    password = secrets.token_urlsafe(9)
    try:
        create_user(
            _db(), this_hall(), username, password, form.get("role", ""), form.get("clerk") or None, by=_by()
        )
    except AccessError as e:
        return _page(409, refused={"zh": e.zh, "en": e.en})
    return _page(password_for={"username": username, "password": password})


@web.post("/accounts/<username>/<change>")
@signed_in(UserRole.ADMIN)
def account_change(username: str, change: str):  # type: ignore[no-untyped-def]
    if change not in ("disable", "enable", "password"):
        return _page(404, refused={"zh": "不支持此操作", "en": f"no such change: {change}"})
    account: Account = g.account
    if change == "disable" and username == account.username:
        # The last admin could lock everyone out of the accounts page.
        return _page(409, refused={"zh": "不能停用自己的账号", "en": "you cannot disable your own account"})
    try:
        if change == "password":
            password = secrets.token_urlsafe(9)
            set_password(_db(), this_hall(), username, password, by=_by())
            return _page(password_for={"username": username, "password": password})
        set_disabled(_db(), this_hall(), username, change == "disable", by=_by())
    except AccessError as e:
        return _page(409, refused={"zh": e.zh, "en": e.en})
    return _page(changed={"username": username, "change": change})
