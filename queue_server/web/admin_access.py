"""The admin's devices and tokens pages: who may talk to the hall, as ``python -m queue_server
device ...`` and ``token ...`` do on the command line, but effective at once in this running
server: the device registry the ZAP handler and the hall loop read is refreshed, and the
bearer tokens this process remembers are forgotten, in ``take_effect``.

A device's secret key and a new token are shown once, on a page no browser or proxy keeps;
the device's secret key file is not left on the server (the device holds the only copy).
Every change is in the audit log under the admin's name.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, g, make_response, render_template, request

from ..auth import (
    DEVICE_KINDS,
    ROLES,
    AccessError,
    AccessRole,
    create_token,
    enroll_device,
    list_devices,
    list_tokens,
    revoke_device,
    revoke_token,
)
from ..paths import Paths
from ..users import Account, UserRole, list_clerks
from .views import hall_loop, signed_in, this_hall, web

log = logging.getLogger("queue_server.web")

#: Device kinds as the page names them (a window agent talks as its window's call pad).
DEVICE_KIND_NAMES: dict[str, tuple[str, str]] = {
    AccessRole.KIOSK: ("自助终端", "Kiosk"),
    AccessRole.CALLPAD: ("窗口代理（呼叫器）", "Window agent (call pad)"),
    AccessRole.DISPLAY: ("显示屏", "Display"),
}
TOKEN_ROLE_NAMES: dict[str, tuple[str, str]] = {
    AccessRole.CLERK: ("窗口工作人员", "Clerk"),
    AccessRole.MANAGER: ("大厅管理员", "Manager"),
    AccessRole.ADMIN: ("系统管理员", "Administrator"),
}


@web.app_template_filter("hall_time")
def hall_time(value: datetime | None) -> str:
    """A stored moment in the hall's time zone, to the minute (SQLite gives it back naive, in UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(hall_loop().service.engine.tz).strftime("%Y-%m-%d %H:%M")


def take_effect() -> None:
    """Make a change of devices or tokens hold in this server now, not at the hall loop's
    next registry refresh or the token cache's expiry. The one place that knows both."""
    registry = hall_loop().registry
    if registry is not None:  # None: a server run --insecure, which checks no device
        registry.refresh()
    current_app.extensions["hall_tokens"].forget()


def _db() -> Any:
    return current_app.extensions["hall_db"]


def _by() -> str:
    account: Account = g.account
    return f"user:{account.username}"


def _paths() -> Paths:
    paths = current_app.extensions.get("hall_paths")
    if paths is None:
        raise RuntimeError("the app was made without paths: devices cannot be enrolled")
    return paths


def _no_store(body: str, status: int) -> Response:
    response = make_response(body, status)
    # A page that may carry a secret key or a token is never kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ devices
def _devices_page(status: int = 200, **shown: Any) -> Response:
    state = hall_loop().call("queue.state", {"limit": 0}, g.account.actor())
    windows = [w["number"] for w in (state.body or {}).get("windows", [])] if state.ok else []
    registry = hall_loop().registry
    seen = {
        name: datetime.fromtimestamp(at, UTC) for name, at in (registry.last_seen() if registry else {}).items()
    }
    return _no_store(
        render_template(
            "admin_devices.html", devices=list_devices(_db(), this_hall()), kinds=DEVICE_KIND_NAMES,
            windows=windows, can_change=g.account.role == UserRole.ADMIN, seen=seen, **shown,
        ),
        status,
    )


@web.get("/admin/devices")
@signed_in(UserRole.ADMIN, UserRole.MANAGER)
def admin_devices():  # type: ignore[no-untyped-def]
    return _devices_page()


@web.post("/admin/devices")
@signed_in(UserRole.ADMIN)
def admin_device_enroll():  # type: ignore[no-untyped-def]
    form = request.form
    name = form.get("name", "").strip()
    kind = form.get("kind", "")
    window: int | None = None
    if kind == AccessRole.CALLPAD:
        try:
            window = int(form.get("window", ""))
        except ValueError:
            return _devices_page(422, refused={"zh": "窗口代理须选择窗口", "en": "a window agent needs its window"})
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        return _devices_page(
            422, refused={"zh": "设备名称须为字母、数字、-、_ 或 .", "en": "a device name is letters, digits, - _ or ."}
        )
    try:
        pair = enroll_device(
            _db(), _paths(), this_hall(), name, kind, window, replace=form.get("replace") == "1", by=_by()
        )
    except AccessError as e:
        return _devices_page(409, refused={"zh": e.zh, "en": e.en})
    secret = pair.secret.read_text(encoding="ascii")
    try:
        pair.secret.unlink()  # the device holds the only copy from now on
    except OSError as e:
        log.warning("the secret key file of %s stays on the server: %s", name, e)
    server_public = _paths().server_public
    take_effect()
    return _devices_page(
        201,
        enrolled={
            "name": name, "secret": secret, "file": f"{name}.key_secret",
            "server_public": server_public.read_text(encoding="ascii") if server_public.exists() else "",
        },
    )


@web.post("/admin/devices/<name>/revoke")
@signed_in(UserRole.ADMIN)
def admin_device_revoke(name: str):  # type: ignore[no-untyped-def]
    if not revoke_device(_db(), this_hall(), name, by=_by()):
        return _devices_page(
            404, refused={"zh": f"本大厅没有在用的设备 {name}", "en": f"this hall has no live device {name}"}
        )
    take_effect()
    return _devices_page(revoked={"zh": f"设备 {name} 已注销，即时生效", "en": f"device {name} revoked, at once"})


# ------------------------------------------------------------------ tokens
def _tokens_page(status: int = 200, **shown: Any) -> Response:
    return _no_store(
        render_template(
            "admin_tokens.html", tokens=list_tokens(_db(), this_hall()), roles=TOKEN_ROLE_NAMES,
            clerks=list_clerks(_db(), this_hall()), **shown,
        ),
        status,
    )


@web.get("/admin/tokens")
@signed_in(UserRole.ADMIN)
def admin_tokens():  # type: ignore[no-untyped-def]
    return _tokens_page()


@web.post("/admin/tokens")
@signed_in(UserRole.ADMIN)
def admin_token_create():  # type: ignore[no-untyped-def]
    form = request.form
    role = form.get("role", "")
    if role not in ROLES:
        return _tokens_page(422, refused={"zh": "请选择令牌角色", "en": "choose the token's role"})
    name = form.get("name", "").strip()[:100]
    try:
        # A hall's admin makes tokens of their hall only; a city admin's token is made on the
        # command line (``token create --all-halls``).
        token = create_token(_db(), role, name, form.get("clerk") or None, hall=this_hall(), by=_by())
    except AccessError as e:
        return _tokens_page(409, refused={"zh": e.zh, "en": e.en})
    return _tokens_page(201, created={"name": name or role, "token": token})


@web.post("/admin/tokens/<int:token_id>/revoke")
@signed_in(UserRole.ADMIN)
def admin_token_revoke(token_id: int):  # type: ignore[no-untyped-def]
    # The hall's own tokens only: a city admin's token (no hall) is the city's to revoke.
    if not any(t.id == token_id and t.hall == this_hall() for t in list_tokens(_db(), this_hall())) or not revoke_token(
        _db(), token_id, this_hall(), by=_by()
    ):
        return _tokens_page(
            404, refused={"zh": f"本大厅没有在用的令牌 {token_id}", "en": f"this hall has no live token {token_id}"}
        )
    take_effect()
    return _tokens_page(revoked={"zh": f"令牌 {token_id} 已注销，即时生效", "en": f"token {token_id} revoked, at once"})


__all__ = ["DEVICE_KINDS", "take_effect"]
