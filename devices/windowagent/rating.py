"""The evaluation pad's side of a service: prompted when the window's service completes, its
key stored as that service's 好差评 (``ticket.rate``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from devices.keypad import Evaluation, EvaluationKeypad, Refused
from devices.windowagent.actions import refusal, request_key
from protocol.client import RequestFailed

THANKS_TEXT = "谢谢 Thanks"


class RatingDesk:
    """Which service the pad was prompted for, and storing its rating. ``on_event`` takes the
    hall's events (the subscriber's thread); ``handle`` the pad's keys (the pad's thread)."""

    def __init__(self, window: int, request: Callable[..., dict[str, Any]]) -> None:
        self.window = window
        self._request = request
        self.pad: EvaluationKeypad | None = None
        self._lock = threading.Lock()
        self._prompted: dict[str, str] = {}  # number on the pad → ticket id (a number repeats daily)

    def on_event(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        if event.get("type") != "ticket.completed" or data.get("window") != self.window:
            return
        number, ticket = str(data["number"]), str(data["ticket"])
        with self._lock:
            self._prompted = {number: ticket}  # the newest service only: the visitor at the pad
        if self.pad is not None:
            self.pad.prompt(number)

    def handle(self, ev: Evaluation) -> str:
        with self._lock:
            ticket = self._prompted.pop(ev.ticket, None) if ev.ticket else None
        if ticket is None:
            raise Refused("IDLE")  # not prompted: no service to rate
        try:
            self._request(
                "ticket.rate",
                {"ticket": ticket, "level": ev.level},
                key=request_key(ev.idempotency_key, "rate"),
            )
        except RequestFailed as exc:
            raise refusal(exc) from exc
        return THANKS_TEXT
