"""The HTTP side of the queue server (Flask app factory, blueprints).

Views translate REST into the same requests the kiosks send over ZeroMQ and hand them to the
hall loop, so there is one set of rules and one writer.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine

from ..endpoint import HallLoop
from ..paths import Paths
from ..web import init_web
from ..web.events import LIVE_STREAMS
from .api import api
from .auth import TokenCache
from .cases import cases_api
from .converters import AsciiIntConverter
from .errors import register_error_handlers
from .manage import manage_api
from .pages import pages_api

MAX_BODY_BYTES = 64 * 1024


def create_app(loop: HallLoop, db: Engine, *, paths: Paths | None = None, live_streams: int = LIVE_STREAMS) -> Flask:
    """``paths``: where the web pages keep their session key (None: a new key per process);
    ``live_streams``: the live pages' SSE streams open at once (each holds a WSGI thread of
    its own, beside the request threads: ``queue_server.web.events``)."""
    app = Flask("queue_server")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["hall_loop"] = loop
    app.extensions["hall_tokens"] = TokenCache(db)
    # Before the blueprints: their rules look the converter up when they are added.
    app.url_map.converters["int"] = AsciiIntConverter
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(cases_api, url_prefix="/api/v1")
    app.register_blueprint(pages_api, url_prefix="/api/v1")
    app.register_blueprint(manage_api, url_prefix="/api/v1")
    register_error_handlers(app)
    init_web(app, loop, db, paths=paths, live_streams=live_streams)
    return app


__all__ = ["create_app"]
