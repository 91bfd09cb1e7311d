"""Call-pad keys as the window's queue requests: what the console's buttons do, one press one
request, and the pad's answer (the number on its display, or a one-word refusal).

``WindowActions`` takes a ``request(type, body, key)`` function (a :class:`HallClient`'s
``request``), so it needs no sockets of its own and is tested against a real server.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from devices.keypad import CallAction, CallCommand, Refused
from protocol.client import RequestFailed, ServerUnavailable

Request = Callable[..., dict[str, Any]]
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_-]")

#: The pad's display: at most a few characters besides the number (64-byte lines).
PAUSED_TEXT = "暂停"
RESUMED_TEXT = "恢复"


def request_key(idempotency_key: str, action: str) -> str:
    """The server's idempotency key for a press: the pad's ``<device>:<session>:<seq>`` in the
    wire's alphabet (8..64 of A-Z a-z 0-9 _ -), so a press the agent sends again (the server
    did not answer in time) is acted on once."""
    key = _KEY_CHARS.sub("-", f"{idempotency_key}-{action}")
    if len(key) > 64 or len(key) < 8:
        key = hashlib.blake2b(key.encode(), digest_size=24).hexdigest()
    return key


def refusal(exc: RequestFailed) -> Refused:
    """The server's refusal as the pad's one word (devices/README.md, NAK reasons)."""
    if isinstance(exc, ServerUnavailable):
        return Refused("OFFLINE")
    text = f"{exc.message} {exc.details or ''}".lower()
    if exc.code == "forbidden":
        return Refused("BADWIN")
    if exc.code == "conflict":
        if "paused" in text:
            return Refused("PAUSED")
        if "closed" in text:
            return Refused("CLOSED")
        return Refused("STATE")
    if exc.code == "not_found":
        return Refused("EMPTY")
    if exc.code == "bad_request":
        return Refused("BADARGS")
    return Refused("ERROR")


class WindowActions:
    """The queue actions of window ``window``, as its call pad's keys."""

    def __init__(self, window: int, request: Request) -> None:
        self.window = window
        self._request = request

    def handle(self, cmd: CallCommand) -> str | None:
        """Act on one key; the text for the pad's display. Raises :class:`Refused`."""
        if cmd.window != str(self.window):
            raise Refused("BADWIN")  # the pad's own window check is optional; this one is not
        key = request_key(cmd.idempotency_key, cmd.action.value)
        try:
            return self._act(cmd, key)
        except RequestFailed as exc:
            raise refusal(exc) from exc

    def _act(self, cmd: CallCommand, key: str) -> str | None:
        action = cmd.action
        if action is CallAction.NEXT:
            reply = self._request("window.call_next", {"window": self.window}, key=key)
            if reply["ticket"] is None:
                raise Refused("EMPTY")
            return str(reply["ticket"]["number"])
        if action is CallAction.PAUSE:
            self._request("window.pause", {"window": self.window, "reason": "呼叫器暂停 / paused at the pad"}, key=key)
            return PAUSED_TEXT
        if action is CallAction.RESUME:
            self._request("window.resume", {"window": self.window}, key=key)
            return RESUMED_TEXT
        current = self.current()
        if current is None:
            raise Refused("EMPTY")  # nobody at the window to start, recall, pass or transfer
        ticket = {"ticket": current["id"]}
        if action is CallAction.START:
            self._request("ticket.start", ticket, key=key)
        elif action is CallAction.RECALL:
            reply = self._request("ticket.recall", ticket, key=key)
            if reply.get("state") == "no_show":  # the recall rules gave up on them
                return f"{current['number']} 过号"
        elif action is CallAction.NO_SHOW:
            self._request("ticket.no_show", ticket, key=key)
            return f"{current['number']} 过号"
        elif action is CallAction.TRANSFER:
            target = cmd.target or ""
            where = {"to_window": int(target)} if target.isdigit() else {"to_item": target}
            self._request("ticket.transfer", {**ticket, **where}, key=key)
            return f"{current['number']} >{target}"
        return str(current["number"])

    def current(self) -> dict[str, Any] | None:
        """The ticket at the window now (called or being served), as the server sees it: the
        console may have acted since the pad's last key."""
        state = self._request("queue.state", {"limit": 0})
        for w in state["windows"]:
            if w["number"] == self.window:
                return w["current"]  # type: ignore[no-any-return]
        raise Refused("BADWIN")  # no such window in this hall
