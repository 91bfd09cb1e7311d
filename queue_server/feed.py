"""The hall's public events for in-process listeners (the web pages' server-sent events).

The hall loop publishes each stored event on PUB for displays; the same public event is also
handed to this feed, which fans it out to subscribers (one per open SSE stream). The loop
must never wait for a browser: each subscriber has a small bounded queue that drops its
oldest event when full, and every event carries the hall's ``seq``, so a subscriber that
missed some sees the gap and refetches the state (as the displays do with a snapshot).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

#: Events kept per subscriber: a page only needs to know that something changed and the
#: last seq, so a short queue suffices; more only delays a page's catch-up refetch.
QUEUE_LEN = 64
#: Subscribers at most: each is an open SSE stream (the web layer bounds them tighter).
MAX_SUBSCRIBERS = 256


class FeedFull(RuntimeError):
    """No room for another subscriber."""


class Subscription:
    """One listener's bounded queue; read by one thread (its SSE stream)."""

    def __init__(self, feed: EventFeed, maxlen: int) -> None:
        self._feed = feed
        self._events: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._ready = threading.Event()
        self.dropped = 0

    def _push(self, event: dict[str, Any]) -> None:  # under the feed's lock
        if len(self._events) == self._events.maxlen:
            self.dropped += 1
        self._events.append(event)
        self._ready.set()

    def wait(self, timeout: float) -> list[dict[str, Any]]:
        """The events since the last call (oldest first), waiting up to ``timeout`` for one."""
        self._ready.wait(timeout)
        with self._feed.lock:
            events = list(self._events)
            self._events.clear()
            self._ready.clear()
        return events

    def close(self) -> None:
        self._feed.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class EventFeed:
    """Thread-safe fan-out: ``publish`` from the hall loop, ``subscribe`` from web threads."""

    def __init__(self, *, queue_len: int = QUEUE_LEN, max_subscribers: int = MAX_SUBSCRIBERS) -> None:
        self.lock = threading.Lock()
        self.queue_len = queue_len
        self.max_subscribers = max_subscribers
        self._subs: set[Subscription] = set()
        self.last_seq = 0

    def subscribe(self) -> Subscription:
        with self.lock:
            if len(self._subs) >= self.max_subscribers:
                raise FeedFull(f"{len(self._subs)} subscribers already")
            sub = Subscription(self, self.queue_len)
            self._subs.add(sub)
            return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self.lock:
            self._subs.discard(sub)

    def publish(self, event: dict[str, Any]) -> None:
        """Never blocks beyond a short lock: a full queue loses its oldest event."""
        with self.lock:
            self.last_seq = max(self.last_seq, int(event.get("seq", 0)))
            for sub in self._subs:
                sub._push(event)  # the feed owns its subscriptions' queues

    def subscribers(self) -> int:
        with self.lock:
            return len(self._subs)
