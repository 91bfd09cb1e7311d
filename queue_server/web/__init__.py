"""The web pages of the hall (staff consoles first), served by the queue server's own WSGI
server beside the REST API: Flask blueprints, Jinja templates rendered on the server, htmx
(and its server-sent-events extension) served from ``static/vendor`` — a hall's network has
no internet, so nothing is loaded from a CDN. Every page is in Chinese first, then English.

Sessions are Flask's signed cookies (the key kept in ``var/keys``, so a restart signs nobody
out); the account is looked up again on every request, so a disabled account stops at once.
CSRF (Flask-WTF) guards every state-changing request of these pages only: the REST API
authenticates with bearer tokens, never cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine

from ..endpoint import HallLoop
from ..paths import Paths
from ..throttle import FailureBudget

# The pages' modules put their routes on the web blueprint: imported before it is registered.
from . import accounts, admin, admin_access, audit, dashboard, desk, halls, reports, setup, visitor  # noqa: F401
from .events import LIVE_STREAMS, LiveStreams
from .phone import phone
from .views import web

SESSION_KEY_FILE = "web_session.key"
#: A working day: a clerk signs in in the morning and is not asked again before evening.
SESSION_HOURS = 12

csrf = CSRFProtect()


def session_key(paths: Paths | None) -> bytes:
    """The key that signs session cookies: made once and kept (0600) beside the server's
    keys; without ``paths`` (an app built in a test) a new one per process."""
    if paths is None:
        return secrets.token_bytes(32)
    path: Path = paths.keys / SESSION_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def init_web(app: Flask, loop: HallLoop, db: Engine, *, paths: Paths | None, live_streams: int = LIVE_STREAMS) -> None:
    app.config.update(
        SECRET_KEY=session_key(paths),
        SESSION_COOKIE_NAME="hall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # Checked by the web blueprint itself (``views.check_csrf``), not app-wide: the
        # bearer-token API must keep working without CSRF tokens.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A console stays open all day: the token lives as long as the session, not an hour.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.extensions["hall_db"] = db
    # Where device keys are made (the admin's devices page); None in an app made for a test.
    app.extensions["hall_paths"] = paths
    # Wrong passwords per client address, as wrong codes are counted (``throttle``).
    app.extensions["hall_login_budget"] = FailureBudget()
    if loop is not None:  # None: an app made for its OpenAPI document only (no requests served)
        app.extensions["hall_live"] = LiveStreams(loop.feed, live_streams)
    app.register_blueprint(web)
    app.register_blueprint(phone)


__all__ = ["csrf", "init_web"]
