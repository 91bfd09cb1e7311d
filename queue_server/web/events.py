"""Server-sent events for the live pages: "something changed, refetch" with the hall's seq.

waitress serves with a fixed pool of threads and an open SSE stream holds one of them for
as long as it lasts, so the pool is the request threads (``serve --threads``) plus the live
streams (``serve --live-streams``, LIVE_STREAMS by default), and:

- at most ``live-streams`` streams are open at once; beyond that the stream is refused with
  503 and the page keeps its slow poll (``every 20s`` on the panel) until a slot is free
  (htmx's SSE extension retries by itself). Streams never take a request thread, so REST
  calls and page loads always find one however many pages are open. A hall with more
  consoles and dashboards open at once than LIVE_STREAMS raises ``--live-streams``.
- a stream lasts at most ``STREAM_S`` and sends a comment every ``HEARTBEAT_S``: a browser
  that went away is noticed at the next write, and a signed-out or disabled account's
  stream (which carries only seq numbers; every refetch checks the session) soon ends. The
  browser's EventSource reconnects by itself after ``RETRY_MS`` and sends ``Last-Event-ID``
  (the seq it last saw); when the hall's seq moved meanwhile, the stream starts with a
  ``changed`` event, so a page catches up from the current state after any gap. A call
  during a reconnect reaches that page up to ``RETRY_MS`` late: short enough, and rare
  enough (``RETRY_MS / STREAM_S`` of the time), that the 99th percentile of call-to-page
  stays under 100 ms (``bench/web.py``; with 1 s and 30 s it was about 650 ms).
- events are not sent one by one: the page refetches its panel on ``changed``, so a burst
  of events becomes one message (the latest seq), and a subscriber's queue that dropped
  events (``feed``) loses nothing the refetch does not bring back. The first event after a
  quiet spell goes out at once (after ``SETTLE_S``, for the rest of its commit's events):
  waiting ``COALESCE_S`` before every message put 100 ms on every call. Only events that
  follow a message within ``COALESCE_S`` wait for the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from ..feed import EventFeed, FeedFull, Subscription

#: Streams open at once by default: a large hall's consoles (one per window), its managers'
#: dashboards, with room to spare. Each is an idle thread waiting on its subscription.
LIVE_STREAMS = 64
STREAM_S = 60.0
HEARTBEAT_S = 10.0
#: Messages of one stream are at least this far apart: events arriving meanwhile go out
#: together, as one ``changed``.
COALESCE_S = 0.1
#: How long the first event of a quiet spell waits for the rest of its commit (the hall
#: loop hands a commit's events to the feed one after the other, in microseconds).
SETTLE_S = 0.005
#: How soon the browser reconnects after a stream ends (EventSource's ``retry``). Also how
#: often a page tries while the server is down: a few times a second, on the hall's LAN.
RETRY_MS = 250


@dataclass(frozen=True, slots=True)
class Timing:
    """A stream's times; shorter ones only in tests (which must not wait 30 s for an end)."""

    stream_s: float = STREAM_S
    heartbeat_s: float = HEARTBEAT_S
    coalesce_s: float = COALESCE_S
    settle_s: float = SETTLE_S


class LiveStreams:
    def __init__(self, feed: EventFeed, limit: int = LIVE_STREAMS, timing: Timing = Timing()) -> None:
        self.feed = feed
        self.limit = max(1, limit)
        self.timing = timing
        self._slots = threading.BoundedSemaphore(self.limit)

    def open(self, last_seen: str | None) -> Stream | None:
        """A stream, or None when every slot is taken."""
        if not self._slots.acquire(blocking=False):
            return None
        try:
            sub = self.feed.subscribe()
        except FeedFull:
            self._slots.release()
            return None
        return Stream(self, sub, last_seen)


class Stream:
    """One open SSE response. The WSGI server calls ``close`` when it is done with it, even
    when it never started iterating (a generator's ``finally`` would not run then), so the
    slot and the subscription are given back exactly once."""

    def __init__(self, streams: LiveStreams, sub: Subscription, last_seen: str | None) -> None:
        self._streams = streams
        self._sub = sub
        self._last_seen = last_seen
        self._closed = False
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[bytes]:
        feed = self._streams.feed
        timing = self._streams.timing
        yield f"retry: {RETRY_MS}\n\n".encode()
        seq = feed.last_seq
        if self._last_seen != str(seq):  # a first visit, or a gap since the last stream
            yield _changed(seq)
        deadline = time.monotonic() + timing.stream_s
        sent = -timing.coalesce_s  # when the last message went (monotonic): none yet
        while (left := deadline - time.monotonic()) > 0:
            events = self._sub.wait(min(timing.heartbeat_s, left))
            if not events:
                yield b": alive\n\n"  # a write: a browser that went away is noticed here
                continue
            # At once after a quiet spell; within COALESCE_S of the last message, at its end,
            # with all that came meanwhile: a burst is one or two refetches, never one each.
            time.sleep(max(timing.settle_s, sent + timing.coalesce_s - time.monotonic()))
            events += self._sub.wait(0)
            sent = time.monotonic()
            yield _changed(int(events[-1]["seq"]))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._sub.close()
        self._streams._slots.release()


def _changed(seq: int) -> bytes:
    return f"id: {seq}\nevent: changed\ndata: {seq}\n\n".encode()
