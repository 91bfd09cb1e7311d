"""Request handlers: one function per request type, shared by ZeroMQ and HTTP.

Each takes its request as its model of ``protocol.models``, already checked (the service
validates every body before the handler runs), asks the engine (or a store), emits the
events and returns the reply body. ``registry.HANDLERS`` says which role a request needs,
whether it changes state and whether the case desk runs it. One module per request-type
prefix (``ticket.*`` in ``ticket.py``, ...), importing only the shared ``registry``,
``views`` (shaping replies), ``access`` (who may act), ``codes``, ``ratings``, and
``context`` (``HallContext``, their first argument: the service, its engine, the stores,
...); importing this package registers them all.
"""

from __future__ import annotations

from . import (
    appointment,
    case,
    catalogue,
    certificate,
    complaint,
    device,
    followup,
    hall,
    kiosk,
    page,
    queue,
    report,
    setup,
    ticket,
    visitor,
    window,
)
from .registry import HANDLERS, REQUEST_KEY, Handler, HandlerFn, handler

__all__ = [
    "HANDLERS",
    "REQUEST_KEY",
    "Handler",
    "HandlerFn",
    "appointment",
    "case",
    "catalogue",
    "certificate",
    "complaint",
    "device",
    "followup",
    "hall",
    "handler",
    "kiosk",
    "page",
    "queue",
    "report",
    "setup",
    "ticket",
    "visitor",
    "window",
]
