"""The phone fan-out: every open ticket page's event stream, in one asyncio loop.

A page opens ``GET /live/ticket/<id>?token=``; the token is checked by the hall
(``ticket.follow``, counted like a wrong code when wrong), the first event carries the
ticket's facts, and from then on:

- one thread waits on the hall's event feed (``queue_server.feed``) and wakes the loop;
- the loop asks the hall once for the facts of every ticket with a page open
  (``ticket.watch``) and sends an event only to the pages whose ticket's facts changed. The
  first change after a quiet spell goes out after ``settle_s`` (the rest of its commit's
  events); changes arriving meanwhile go out together, at most every ``coalesce_s``;
- a ticket that ended (done, no-show, cancelled) gets its last event and its pages' streams
  end: the page shows the end without a stream;
- a comment every ``heartbeat_s`` finds pages that went away (a phone locked, out of
  reach), whose sockets are then closed; a page whose socket does not drain (a phone that
  stopped reading) is dropped rather than buffered without end.

Nothing here blocks the hall loop: it only answers two requests and hands events to the
feed, whose queue drops the oldest when full; a missed event only means a refresh that
would have come anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import orjson

from protocol.models.queue import ENDED_STAGES, MAX_WATCHED

from ..auth import Actor
from ..endpoint import HallLoop
from ..service import SYSTEM, Outcome
from .request import MAX_HEAD, BadRequest, Request, parse_head

log = logging.getLogger("queue_server.live")

#: Pages open at once, and per ticket (the holder's phone, a second tab, a family member's).
MAX_PAGES = 5000
PER_TICKET = 8
STREAM_PATH = "/live/ticket/"
#: A page's socket may hold this much unsent before the page is dropped (it reconnects).
MAX_UNSENT = 64 * 1024
#: The browser's EventSource reconnects after this (ms) when a stream breaks.
RETRY_MS = 2000
#: A ticket the hall did not find yet (its end not yet stored) is asked about again this
#: many times, ``settle_s`` apart at first.
MISSING_RETRIES = 20
STATUS = {
    400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 503: "Service Unavailable",
}
#: The hall's refusal of a page's token, as an HTTP status.
REFUSED = {"not_found": 404, "too_many": 429, "unavailable": 503, "bad_request": 400}


@dataclass(frozen=True, slots=True)
class LiveTiming:
    """The fan-out's times; shorter ones only in tests."""

    settle_s: float = 0.005
    coalesce_s: float = 0.1
    heartbeat_s: float = 15.0
    head_timeout_s: float = 5.0
    ask_timeout_s: float = 10.0


class Page:
    """One open ticket page: its stream's writer."""

    __slots__ = ("ticket", "writer")

    def __init__(self, ticket: str, writer: asyncio.StreamWriter) -> None:
        self.ticket = ticket
        self.writer = writer

    def send(self, data: bytes) -> bool:
        """Queue ``data``; False when the page stopped reading (it is then closed)."""
        if self.writer.is_closing():
            return False
        if self.writer.transport.get_write_buffer_size() > MAX_UNSENT:
            self.writer.close()
            return False
        self.writer.write(data)
        return True


def event(facts_json: bytes) -> bytes:
    return b"event: ticket\ndata: " + facts_json + b"\n\n"


class PhoneFanout:
    def __init__(
        self,
        hall: HallLoop,
        address: str,
        *,
        max_pages: int = MAX_PAGES,
        per_ticket: int = PER_TICKET,
        timing: LiveTiming = LiveTiming(),
    ) -> None:
        self.hall = hall
        self.address = address
        self.max_pages = max_pages
        self.per_ticket = per_ticket
        self.timing = timing
        self.pages: dict[str, set[Page]] = {}
        self._sent: dict[str, bytes] = {}  # ticket → the facts its pages last got
        self._missing: dict[str, int] = {}
        self._sock: socket.socket | None = None
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ outside the loop
    def bind(self) -> None:
        """Listen now, so a port in use stops ``serve`` before anything runs."""
        host, _, port = self.address.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
            sock.listen(512)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._sock = sock

    @property
    def port(self) -> int:
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    def start(self) -> None:
        if self._sock is None:
            self.bind()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), name="phone-fanout", daemon=True)
        self._thread.start()
        started.wait(5)

    def stop(self) -> None:
        self._stopping.set()
        aloop = self._aloop
        if aloop is not None and self._changed is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                aloop.call_soon_threadsafe(self._changed.set)
        if self._thread is not None:
            self._thread.join(5)

    def open_pages(self) -> int:
        return sum(len(p) for p in self.pages.values())

    # ------------------------------------------------------------------ the loop
    def _run(self, started: threading.Event) -> None:
        asyncio.run(self._main(started))

    async def _main(self, started: threading.Event) -> None:
        self._aloop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        server = await asyncio.start_server(self._serve, sock=self._sock, limit=MAX_HEAD)
        sub = self.hall.feed.subscribe()
        bridge = threading.Thread(target=self._bridge, args=(sub,), name="phone-feed", daemon=True)
        bridge.start()
        beat = asyncio.create_task(self._heartbeat())
        started.set()
        log.info("phone live updates on http://%s%s<id>", self.address, STREAM_PATH)
        try:
            await self._refresh_loop()
        finally:
            beat.cancel()
            server.close()
            for pages in list(self.pages.values()):
                for page in pages:
                    page.writer.close()
            sub.close()
            bridge.join(2)

    def _bridge(self, sub: Any) -> None:
        """The feed's thread side: wake the loop when the hall changed."""
        aloop, changed = self._aloop, self._changed
        assert aloop is not None and changed is not None
        while not self._stopping.is_set():
            if sub.wait(0.5):
                try:
                    aloop.call_soon_threadsafe(changed.set)
                except RuntimeError:
                    return

    async def _refresh_loop(self) -> None:
        changed = self._changed
        assert changed is not None
        t = self.timing
        while not self._stopping.is_set():
            await changed.wait()
            if self._stopping.is_set():
                return
            await asyncio.sleep(t.settle_s)  # the rest of the commit's events
            changed.clear()
            if self.pages:
                try:
                    await self._refresh()
                except Exception:  # a refresh that failed is retried at the next change
                    log.exception("phone pages: refresh failed")
            await asyncio.sleep(max(0.0, t.coalesce_s - t.settle_s))

    async def _ask(self, type_: str, body: dict[str, Any], actor: Actor) -> Outcome:
        fut = self.hall.submit(type_, body, actor)
        return await asyncio.wait_for(asyncio.wrap_future(fut), self.timing.ask_timeout_s)

    async def _refresh(self) -> None:
        tickets = list(self.pages)
        found: dict[str, Any] = {}
        for i in range(0, len(tickets), MAX_WATCHED):
            outcome = await self._ask("ticket.watch", {"tickets": tickets[i : i + MAX_WATCHED]}, SYSTEM)
            if not outcome.ok or outcome.body is None:
                log.warning("phone pages: ticket.watch refused: %s", outcome.message)
                return
            found.update(outcome.body["tickets"])
        again = False
        for tid in tickets:
            facts = found.get(tid)
            if facts is None:  # ended and not yet stored: ask again soon, a few times
                tries = self._missing.get(tid, 0) + 1
                self._missing[tid] = tries
                if tries <= MISSING_RETRIES:
                    again = True
                else:
                    self._drop_ticket(tid)
                continue
            self._missing.pop(tid, None)
            data = orjson.dumps(facts)
            if data == self._sent.get(tid):
                continue
            self._sent[tid] = data
            self._send(tid, event(data))
            if facts["state"] in ENDED_STAGES:
                self._drop_ticket(tid)
        if again and self._changed is not None:
            self._changed.set()

    def _send(self, tid: str, data: bytes) -> None:
        pages = self.pages.get(tid, set())
        for page in list(pages):
            if not page.send(data):
                pages.discard(page)

    def _drop_ticket(self, tid: str) -> None:
        """The ticket ended: its streams end (the page shows the end without one)."""
        for page in self.pages.pop(tid, set()):
            page.writer.close()
        self._sent.pop(tid, None)
        self._missing.pop(tid, None)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.timing.heartbeat_s)
            for tid in list(self.pages):
                self._send(tid, b": \n\n")

    # ------------------------------------------------------------------ one connection
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timing.head_timeout_s)
            req = parse_head(raw)
        except TimeoutError:
            return await self._refuse(writer, 408, "no request")
        except asyncio.LimitOverrunError:
            return await self._refuse(writer, 431, "request head too large")
        except BadRequest as e:
            return await self._refuse(writer, e.status, e.reason)
        if req.path == "/live/health":
            body = orjson.dumps({"pages": self.open_pages(), "tickets": len(self.pages)})
            writer.write(_head(200, "application/json", len(body)) + body)
            return await writer.drain()
        if not req.path.startswith(STREAM_PATH):
            return await self._refuse(writer, 404, "no such stream")
        await self._stream(req, reader, writer)

    async def _stream(self, req: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tid = req.path[len(STREAM_PATH) :]
        if self.open_pages() >= self.max_pages or len(self.pages.get(tid, ())) >= self.per_ticket:
            return await self._refuse(writer, 503, "too many pages open; the page retries")
        peer = writer.get_extra_info("peername")
        visitor = Actor("anonymous", f"ip:{peer[0] if peer else 'unknown'}", "public")
        outcome = await self._ask("ticket.follow", {"ticket": tid, "token": req.query.get("token")}, visitor)
        if not outcome.ok or outcome.body is None:
            return await self._refuse(writer, REFUSED.get(outcome.code, 400), outcome.message)
        facts = outcome.body
        data = orjson.dumps(facts)
        writer.write(_stream_head() + f"retry: {RETRY_MS}\n\n".encode() + event(data))
        await writer.drain()
        if facts["state"] in ENDED_STAGES or req.method == "HEAD":
            return
        page = Page(tid, writer)
        self.pages.setdefault(tid, set()).add(page)
        self._sent.setdefault(tid, data)
        if self._changed is not None:
            # A change between the hall's answer and now went out without this page: one more
            # refresh (coalesced with the others) sends it.
            self._changed.set()
        try:
            # A browser sends nothing more on a stream: the read ends when it goes away.
            while await reader.read(1024):
                pass
        finally:
            pages = self.pages.get(tid)
            if pages is not None:
                pages.discard(page)
                if not pages:
                    self.pages.pop(tid, None)
                    self._sent.pop(tid, None)

    async def _refuse(self, writer: asyncio.StreamWriter, status: int, reason: str) -> None:
        body = reason.encode("utf-8", "replace") + b"\n"
        extra = b"Retry-After: 5\r\n" if status == 503 else b""
        writer.write(_head(status, "text/plain; charset=utf-8", len(body), extra) + body)
        await _drained(writer.drain())


async def _drained(drain: Awaitable[None]) -> None:
    with contextlib.suppress(ConnectionError):
        await drain


def _head(status: int, content_type: str, length: int, extra: bytes = b"") -> bytes:
    reason = STATUS.get(status, "OK")
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n"
        "Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n"
    ).encode() + extra + b"\r\n"


def _stream_head() -> bytes:
    # Any origin: the stream tells only the facts of the ticket whose token is in its URL
    # (no cookies are sent), and the page may be opened under the hall's LAN name or its
    # public one.
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
        b"Access-Control-Allow-Origin: *\r\nX-Accel-Buffering: no\r\nConnection: keep-alive\r\n\r\n"
    )
