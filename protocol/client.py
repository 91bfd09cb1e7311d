"""The request client of kiosks, displays and device bridges: the ZeroMQ guide's "Lazy Pirate".

A REQ socket sends the request and polls for the reply with a timeout. When the timeout
passes, the socket is closed (linger 0) and a fresh one sends the SAME request again, with
the same idempotency key, so the server answers a retry with its first answer (never a second
ticket). After ``retries`` attempts, :class:`ServerUnavailable` is raised: the whole call
takes at most about ``retries × timeout`` (plus short pauses after ``unavailable`` replies).

An ``unavailable`` error reply (server overloaded or shutting down) is retried too, after a
short pause, within the same budget of attempts.

Threads: a HallClient (like the ZeroMQ socket inside it) belongs to one thread at a time.
Give each thread its own client; a call from a second thread while a request is in flight
raises RuntimeError rather than corrupting the socket.

Besides the blocking :meth:`HallClient.request`, :meth:`HallClient.begin` starts a request
without blocking and returns a :class:`PendingRequest` to poll from an event loop (the clone
subscriber uses it, so a GUI loop never blocks while the server is down).
"""

from __future__ import annotations

import logging
import threading
import time
from enum import Enum
from types import TracebackType
from typing import Any

import zmq

from protocol.fields import FieldError
from protocol.keys import CurveClientKeys, apply_client
from protocol.messages import ErrorCode, ProtocolError, decode_reply, encode_request, new_key
from protocol.models import Body, request_body

log = logging.getLogger(__name__)

#: Pause before re-sending after an ``unavailable`` reply: min(timeout, BASE × 2**n).
UNAVAILABLE_PAUSE_BASE = 0.1


class RequestFailed(Exception):
    """The server answered with an error (or could not be reached: ServerUnavailable)."""

    def __init__(
        self,
        code: ErrorCode | str,
        message: str,
        message_zh: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.details = details


class RefusedHere(RequestFailed):
    """A body its request model refuses, refused before it was sent (``HallClient(checked=True)``):
    ``bad_request`` in the server's own words; the server was not asked."""


class ServerUnavailable(RequestFailed):
    """No answer after all attempts (code ``unavailable``)."""

    def __init__(self, message: str = "The queue server cannot be reached.",
                 message_zh: str = "无法连接排队服务器，请稍后再试。",
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(ErrorCode.UNAVAILABLE, message, message_zh, details)


class _State(Enum):
    SENT = "sent"  # waiting for the reply until the deadline
    PAUSED = "paused"  # waiting to re-send after an `unavailable` reply
    DONE = "done"


class PendingRequest:
    """One request in flight, stepped without blocking (the Lazy Pirate state machine).

    Poll :attr:`socket` for ``zmq.POLLIN`` (it changes on a retry) and call :meth:`step`
    when it is readable or when :attr:`deadline` (``time.monotonic()``) has passed; then
    :meth:`result` once :attr:`done`.
    """

    def __init__(self, client: HallClient, type: str, key: str, payload: bytes) -> None:
        self.client = client
        self.type = type
        self.key = key
        self._payload = payload
        self.attempts = 0
        self._state = _State.SENT
        self._deadline = 0.0
        self._result: dict[str, Any] | None = None
        self._error: RequestFailed | None = None
        self._send()

    @property
    def done(self) -> bool:
        return self._state is _State.DONE

    @property
    def socket(self) -> zmq.Socket | None:
        """The socket to poll for the reply, or None while pausing or when done."""
        return self.client._socket if self._state is _State.SENT else None

    @property
    def deadline(self) -> float:
        return self._deadline

    def result(self) -> dict[str, Any]:
        """The reply body; raises RequestFailed / ServerUnavailable."""
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise RuntimeError("request not finished")
        return self._result

    def step(self) -> bool:
        """Take the reply if there is one, retry or give up when time is out. Never blocks."""
        if self._state is _State.SENT:
            sock = self.client._socket
            assert sock is not None
            try:
                raw = sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                raw = None
            if raw is not None:
                self._on_reply(raw)
            elif time.monotonic() >= self._deadline:
                log.info("no reply to %s %s after %.1fs (attempt %d)", self.type, self.key,
                         self.client.timeout, self.attempts)
                self.client._discard_socket()
                self._next_attempt()
        elif self._state is _State.PAUSED and time.monotonic() >= self._deadline:
            self._send()
        return self.done

    def wait(self) -> dict[str, Any]:
        """Block until done; return the body or raise."""
        while not self.done:
            sock = self.socket
            remaining = max(0.0, self._deadline - time.monotonic())
            if sock is not None:
                sock.poll(int(remaining * 1000) + 1, zmq.POLLIN)
            else:
                time.sleep(remaining)
            self.step()
        return self.result()

    def cancel(self) -> None:
        """Give up; the socket, which may still expect a reply, is discarded."""
        if not self.done:
            if self._state is _State.SENT:
                self.client._discard_socket()
            self._finish(error=ServerUnavailable("request cancelled", "请求已取消"))

    # --- internals ---

    def _send(self) -> None:
        self.attempts += 1
        sock = self.client._ensure_socket()
        try:
            sock.send(self._payload, zmq.NOBLOCK)
        except zmq.ZMQError as exc:  # Again: no pipe yet; EFSM can't happen on a fresh socket
            log.info("could not send %s %s: %s", self.type, self.key, exc)
        self._state = _State.SENT
        self._deadline = time.monotonic() + self.client.timeout

    def _next_attempt(self, last_error: RequestFailed | None = None) -> None:
        if self.attempts >= self.client.retries:
            if last_error is not None:
                self._finish(error=ServerUnavailable(last_error.message, last_error.message_zh,
                                                     last_error.details))
            else:
                self._finish(error=ServerUnavailable(
                    details={"attempts": self.attempts, "timeout": self.client.timeout}))
        else:
            self._send()

    def _on_reply(self, raw: bytes) -> None:
        try:
            reply = decode_reply(raw)
        except ProtocolError as exc:
            code = exc.code if exc.code is ErrorCode.UNSUPPORTED_VERSION else ErrorCode.INTERNAL
            self._finish(error=RequestFailed(code, f"malformed reply from server: {exc.message}",
                                             f"服务器应答格式有误：{exc.message_zh}"))
            return
        if reply.key is not None and reply.key != self.key:
            # Cannot happen with a fresh REQ socket per retry; be defensive: drop it, retry.
            log.warning("discarding reply for key %s while waiting for %s", reply.key, self.key)
            self.client._discard_socket()
            self._next_attempt()
            return
        if reply.ok:
            assert reply.body is not None
            self._finish(result=reply.body)
            return
        err = reply.error
        assert err is not None
        failure = RequestFailed(err.code, err.message, err.message_zh, err.details)
        if err.code == ErrorCode.UNAVAILABLE and self.attempts < self.client.retries:
            pause = min(self.client.timeout, UNAVAILABLE_PAUSE_BASE * 2 ** (self.attempts - 1))
            self._state = _State.PAUSED
            self._deadline = time.monotonic() + pause
        elif err.code == ErrorCode.UNAVAILABLE:
            self._next_attempt(failure)
        else:
            self._finish(error=failure)

    def _finish(self, result: dict[str, Any] | None = None, error: RequestFailed | None = None) -> None:
        self._state = _State.DONE
        self._result, self._error = result, error
        self.client._pending = None


class HallClient:
    """Lazy Pirate request client (see the module docstring). One thread at a time."""

    def __init__(
        self,
        endpoint: str,
        *,
        curve: CurveClientKeys | None = None,
        timeout: float = 2.5,
        retries: int = 3,
        context: zmq.Context | None = None,
        checked: bool = False,
    ) -> None:
        """``checked``: every body is checked by its request model before it is sent (a bad one
        raises RequestFailed ``bad_request`` in the server's words, and nothing travels); the
        kiosk and the displays check theirs. Bodies given as a model are always sent as built."""
        if timeout <= 0 or retries < 1:
            raise ValueError("timeout must be > 0 and retries >= 1")
        self.endpoint = endpoint
        self.curve = curve
        self.timeout = timeout
        self.retries = retries
        self.context = context or zmq.Context.instance()
        self._socket: zmq.Socket | None = None
        self._pending: PendingRequest | None = None
        self._busy = threading.Lock()
        self._closed = False
        self.checked = checked

    def request(self, type: str, body: Body | dict[str, Any] | None = None, *, key: str | None = None) -> dict[str, Any]:
        """Send a request and return the reply body.

        Raises RequestFailed (error reply), ServerUnavailable (no answer after all attempts)
        or ProtocolError (a ValueError: bad type, key or body, or body over MAX_REQUEST_BYTES).
        """
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("HallClient used from two threads at once; give each thread its own client")
        try:
            pending = self.begin(type, body, key=key)
            try:
                return pending.wait()
            except BaseException:  # e.g. KeyboardInterrupt: leave the client usable
                pending.cancel()
                raise
        finally:
            self._busy.release()

    def begin(
        self, type: str, body: Body | dict[str, Any] | None = None, *, key: str | None = None
    ) -> PendingRequest:
        """Start a request without blocking; see PendingRequest."""
        if self._closed:
            raise RuntimeError("HallClient is closed")
        if self._pending is not None:
            raise RuntimeError("a request is already in flight on this HallClient")
        if isinstance(body, Body) or self.checked:
            try:
                body = request_body(type, body)
            except FieldError as e:  # as the server would have answered it
                raise RefusedHere(ErrorCode.BAD_REQUEST, e.message, e.message_zh, {"field": e.field}) from None
        key = key or new_key()
        payload = encode_request(type, key, body)
        self._pending = PendingRequest(self, type, key, payload)
        return self._pending

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._discard_socket()
        self._closed = True

    def __enter__(self) -> HallClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- socket handling (used by PendingRequest) ---

    def _ensure_socket(self) -> zmq.Socket:
        if self._socket is None:
            sock = self.context.socket(zmq.REQ)
            sock.setsockopt(zmq.LINGER, 0)
            if self.curve is not None:
                apply_client(sock, self.curve)
            sock.connect(self.endpoint)
            self._socket = sock
        return self._socket

    def _discard_socket(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

