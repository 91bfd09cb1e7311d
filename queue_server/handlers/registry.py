"""The table of request handlers: which function answers a request type, the role it needs,
whether it changes state (only those are remembered for idempotent retries) and whether the
case desk runs it beside the hall loop.

Imports nothing of the handler modules, so every one of them can register here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from protocol.models import REQUESTS

from ..auth import AccessRole
from ..engine.errors import EngineError

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

#: (context, the request as its model of ``protocol.models``, checked, actor, now) -> the reply
HandlerFn = Callable[["HallContext", Any, "Actor", float], dict[str, Any]]

log = logging.getLogger("queue_server.cases")


@dataclass(frozen=True, slots=True)
class Handler:
    fn: HandlerFn
    role: AccessRole
    mutates: bool
    #: Handled by the case desk beside the hall loop (it writes the case database itself and
    #: never emits hall events), so its disk writes never hold the queue.
    desk: bool = False


HANDLERS: dict[str, Handler] = {}

#: The idempotency key of the request being handled, for handlers that must store it with
#: what they create (a case submit), so a retry finds it even if the reply was lost.
REQUEST_KEY: ContextVar[str | None] = ContextVar("request_key", default=None)


def handler(
    type_: str,
    role: AccessRole = AccessRole.PUBLIC,
    mutates: bool = False,
    *,
    desk: bool = False,
) -> Callable[[HandlerFn], HandlerFn]:
    """Register ``fn`` as the handler of ``type_``. With ``desk=True`` it runs on the case
    desk, guarded: database failures become 'unavailable' and anything unexpected
    'internal', so that a case request can never stop the hall loop."""

    def register(fn: HandlerFn) -> HandlerFn:
        if type_ not in REQUESTS:  # every request has its models: the handler takes the request's
            raise LookupError(f"{type_} has no models in protocol.models")
        HANDLERS[type_] = Handler(_guarded(type_, fn) if desk else fn, role, mutates, desk)
        return fn

    return register


def _guarded(type_: str, fn: HandlerFn) -> HandlerFn:
    @wraps(fn)
    def guarded(ctx: HallContext, req: Any, actor: Actor, now: float) -> dict[str, Any]:
        try:
            return fn(ctx, req, actor, now)
        except (EngineError, KeyError, TypeError, ValueError):
            raise
        except SQLAlchemyError:
            log.exception("%s: database error", type_)
            raise EngineError(
                "unavailable",
                "the case database is not available; try again",
                "办件数据库暂时不可用，请重试",
            ) from None
        except Exception:
            log.exception("%s failed", type_)
            raise EngineError("internal", "internal server error", "服务器内部错误") from None

    return guarded
