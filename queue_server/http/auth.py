"""Bearer tokens for clerks, managers and admins; anonymous callers are the public."""

from __future__ import annotations

import threading
import time
from functools import wraps
from typing import Any

from flask import current_app, g, request
from sqlalchemy import Engine

from ..auth import Actor, actor_for_token
from .errors import ApiError

CACHE_S = 30.0


class TokenCache:
    """Token → actor, remembered briefly so a busy console does not hit the database on
    every click; a revoked token stops working within ``CACHE_S``."""

    def __init__(self, db: Engine) -> None:
        self.db = db
        self._cache: dict[str, tuple[float, Actor | None]] = {}
        self._lock = threading.Lock()
        #: Counts ``forget`` calls: a lookup that read the store before one is not remembered.
        self._generation = 0

    def forget(self) -> None:
        """Drop every remembered token: a token revoked just now is refused at its next use
        (the cache knows tokens, not their ids, so it cannot drop one alone)."""
        with self._lock:
            self._cache.clear()
            self._generation += 1

    def actor(self, token: str) -> Actor | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(token)
            generation = self._generation
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        actor = actor_for_token(self.db, token)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            if generation == self._generation:  # else it may have read the token before its revocation
                self._cache[token] = (now, actor)
        return actor


def current_actor() -> Actor:
    header = request.headers.get("Authorization", "")
    if not header:
        # One actor per client address: wrong codes are counted per client (``throttle``), and
        # idempotency keys of two visitors can never meet. The direct peer's address: behind a
        # reverse proxy, configure it to pass the client's (werkzeug's ProxyFix).
        return Actor("anonymous", f"ip:{request.remote_addr or 'unknown'}", "public")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "use 'Authorization: Bearer <token>'", "请使用 Bearer 令牌认证")
    actor = current_app.extensions["hall_tokens"].actor(token.strip())
    if actor is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token", "令牌无效或已注销")
    check_hall(actor)
    return actor


def this_hall() -> str:
    """The code of the hall this server runs."""
    return current_app.extensions["hall_loop"].service.store.hall


def check_hall(actor: Actor) -> None:
    """Halls of a city share a database, so a token of any of them is known here: only this
    hall's tokens and a city admin's (no hall) act here."""
    here = this_hall()
    if actor.hall is not None and actor.hall != here:
        raise ApiError(
            403,
            "forbidden",
            f"this token is for hall {actor.hall}; this server is hall {here}",
            f"该令牌属于大厅 {actor.hall}，本服务是大厅 {here}，不能使用",
            {"token_hall": actor.hall, "hall": here},
        )


def requires(role: str):  # type: ignore[no-untyped-def]
    """The endpoint needs a token of at least this role."""

    def wrap(view):  # type: ignore[no-untyped-def]
        @wraps(view)
        def inner(*args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
            actor = current_actor()
            if actor.kind == "anonymous":
                raise ApiError(
                    401, "unauthorized", f"this needs a {role} token", f"需要{role}权限的令牌",
                )
            if not actor.at_least(role):
                raise ApiError(403, "forbidden", f"this needs the {role} role", f"无权执行此操作（需要{role}权限）")
            g.actor = actor
            return view(*args, **kwargs)

        inner.required_role = role  # type: ignore[attr-defined]  # read by the OpenAPI document
        return inner

    return wrap
