"""Server-sent events for the live pages: "something changed, refetch" with the hall's seq.

waitress serves with a fixed pool of threads (``serve --threads``) and an open SSE stream
holds one of them, so:

- at most ``threads - RESERVED_THREADS`` streams are open at once (at least one); beyond
  that the stream is refused with 503 and the page keeps its slow poll (``every 20s`` on
  the panel) until a slot is free (htmx's SSE extension retries by itself), so REST calls
  and page loads always find a thread. A hall with many consoles runs ``serve --threads``
  of about its windows plus ``RESERVED_THREADS``.
- a stream lasts at most ``STREAM_S`` and sends a comment every ``HEARTBEAT_S``: a browser
  that went away is noticed at the next write, and no stream holds its thread for long.
  The browser's EventSource reconnects by itself and sends ``Last-Event-ID`` (the seq it
  last saw); when the hall's seq moved meanwhile, the stream starts with a ``changed``
  event, so a page catches up from the current state after any gap.
- events are not sent one by one: the page refetches its panel on ``changed``, so a burst
  of events becomes one message (the latest seq), and a subscriber's queue that dropped
  events (``feed``) loses nothing the refetch does not bring back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from ..feed import EventFeed, FeedFull, Subscription

RESERVED_THREADS = 4
STREAM_S = 30.0
HEARTBEAT_S = 10.0
#: Events arriving this close together go out as one ``changed``.
COALESCE_S = 0.1
#: How soon the browser reconnects after a stream ends (EventSource's ``retry``).
RETRY_MS = 1000


class LiveStreams:
    def __init__(self, feed: EventFeed, threads: int) -> None:
        self.feed = feed
        self.limit = max(1, threads - RESERVED_THREADS)
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
        yield f"retry: {RETRY_MS}\n\n".encode()
        seq = feed.last_seq
        if self._last_seen != str(seq):  # a first visit, or a gap since the last stream
            yield _changed(seq)
        deadline = time.monotonic() + STREAM_S
        while (left := deadline - time.monotonic()) > 0:
            events = self._sub.wait(min(HEARTBEAT_S, left))
            if not events:
                yield b": alive\n\n"  # a write: a browser that went away is noticed here
                continue
            time.sleep(COALESCE_S)  # let a burst finish: one refetch for all of it
            events += self._sub.wait(0)
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
