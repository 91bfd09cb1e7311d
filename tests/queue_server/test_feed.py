"""The hall's in-process event feed (``queue_server.feed``) and the live pages' SSE streams
built on it (``queue_server.web.events``): bounded queues that drop their oldest event, a
bounded number of listeners, slots given back, and the stream's framing (retry, id, the
``changed`` event, heartbeats, the catch-up after a gap, the stream's end).

The streams run with short times (``Timing``) so that nothing here waits seconds; what is
asserted is what a page receives, never how long it took."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from queue_server.feed import MAX_SUBSCRIBERS, QUEUE_LEN, EventFeed, FeedFull
from queue_server.web.events import RETRY_MS, LiveStreams, Stream, Timing

#: A stream that ends soon and beats often: a test reads a whole one in well under a second.
QUICK = Timing(stream_s=0.4, heartbeat_s=0.05, coalesce_s=0.01)
#: A stream that neither beats nor ends while a test reads its first frames.
STILL = Timing(stream_s=30.0, heartbeat_s=30.0, coalesce_s=0.01)


def event(seq: int) -> dict[str, object]:
    return {"seq": seq, "type": "ticket.called", "data": {"number": f"A{seq:03d}"}}


def frames(chunks: Iterator[bytes], count: int) -> list[str]:
    """The next ``count`` SSE frames of a stream, as text (each ends with a blank line)."""
    return [next(chunks).decode() for _ in range(count)]


# ------------------------------------------------------------------ the feed
def test_a_listener_that_does_not_read_keeps_the_newest_events_and_counts_the_lost_ones() -> None:
    feed = EventFeed()
    with feed.subscribe() as sub:
        for seq in range(1, QUEUE_LEN + 37):
            feed.publish(event(seq))  # never waits for the listener
        got = sub.wait(0)
    assert len(got) == QUEUE_LEN == 64
    assert [e["seq"] for e in got] == list(range(37, QUEUE_LEN + 37))  # the oldest went first
    assert sub.dropped == 36  # the gap is known: the page refetches the state


def test_a_slow_listener_loses_only_its_own_events() -> None:
    feed = EventFeed(queue_len=4)
    slow, quick = feed.subscribe(), feed.subscribe()
    seen: list[int] = []
    for seq in range(1, 11):
        feed.publish(event(seq))
        seen += [int(e["seq"]) for e in quick.wait(0)]
    assert seen == list(range(1, 11))
    assert quick.dropped == 0
    late = [int(e["seq"]) for e in slow.wait(0)]
    assert late == [7, 8, 9, 10]
    # The slow one sees where it stands: its first seq is past what it saw last (nothing),
    # and the feed's last seq is the state it catches up to.
    assert slow.dropped == 6 and late[-1] == feed.last_seq == 10


def test_at_most_256_listeners_and_leaving_frees_a_place() -> None:
    feed = EventFeed()
    subs = [feed.subscribe() for _ in range(MAX_SUBSCRIBERS)]
    assert MAX_SUBSCRIBERS == 256 and feed.subscribers() == 256
    with pytest.raises(FeedFull):
        feed.subscribe()
    subs.pop().close()
    assert feed.subscribers() == 255
    again = feed.subscribe()
    feed.publish(event(1))
    assert [e["seq"] for e in again.wait(0)] == [1]


def test_a_listener_that_left_gets_nothing_more_and_others_still_do() -> None:
    feed = EventFeed()
    gone, stays = feed.subscribe(), feed.subscribe()
    gone.close()
    gone.close()  # twice: no harm
    feed.publish(event(5))
    assert gone.wait(0) == []
    assert [e["seq"] for e in stays.wait(0)] == [5]


def test_wait_returns_nothing_when_nothing_came_and_an_event_as_soon_as_one_does() -> None:
    feed = EventFeed()
    sub = feed.subscribe()
    assert sub.wait(0.01) == []
    threading.Timer(0.02, feed.publish, args=(event(3),)).start()
    assert [e["seq"] for e in sub.wait(10)] == [3]  # woken by the event, not the timeout


def test_the_feed_knows_the_hall_s_latest_seq_whatever_order_events_come_in() -> None:
    feed = EventFeed()
    for seq in (4, 9, 7):
        feed.publish(event(seq))
    assert feed.last_seq == 9


# ------------------------------------------------------------------ live streams: slots
def test_streams_beyond_the_limit_are_refused_until_one_closes() -> None:
    feed = EventFeed()
    streams = LiveStreams(feed, 2, QUICK)
    a, b = streams.open(None), streams.open(None)
    assert a is not None and b is not None
    assert streams.open(None) is None  # the page shows a 503 and keeps its slow poll
    a.close()
    a.close()  # the WSGI server may close twice: the slot comes back once
    c = streams.open(None)
    assert c is not None
    assert streams.open(None) is None
    assert feed.subscribers() == 2
    b.close()
    c.close()
    assert feed.subscribers() == 0


def test_a_full_feed_refuses_a_stream_and_keeps_its_slot() -> None:
    feed = EventFeed(max_subscribers=1)
    streams = LiveStreams(feed, 5, QUICK)
    first = streams.open(None)
    assert first is not None
    assert streams.open(None) is None  # the feed is full: refused, no slot taken
    first.close()
    assert streams.open(None) is not None


def test_a_stream_closed_before_it_started_gives_its_place_back() -> None:
    feed = EventFeed()
    streams = LiveStreams(feed, 1, QUICK)
    s = streams.open(None)
    assert s is not None and feed.subscribers() == 1
    s.close()  # the browser went away before the first byte
    assert feed.subscribers() == 0 and streams.open(None) is not None


# ------------------------------------------------------------------ live streams: framing
def open_stream(feed: EventFeed, last_seen: str | None, timing: Timing = STILL) -> Stream:
    s = LiveStreams(feed, 4, timing).open(last_seen)
    assert s is not None
    return s


def test_a_first_visit_is_told_the_current_seq_at_once() -> None:
    feed = EventFeed()
    feed.publish(event(12))
    s = open_stream(feed, None)
    try:
        assert frames(iter(s), 2) == [f"retry: {RETRY_MS}\n\n", "id: 12\nevent: changed\ndata: 12\n\n"]
    finally:
        s.close()


def test_a_reconnect_after_a_gap_catches_up_and_one_without_a_gap_does_not() -> None:
    feed = EventFeed()
    for seq in range(1, 21):
        feed.publish(event(seq))
    behind = open_stream(feed, "15")  # Last-Event-ID: the page saw seq 15, the hall is at 20
    current = open_stream(feed, "20")
    try:
        assert frames(iter(behind), 2)[1] == "id: 20\nevent: changed\ndata: 20\n\n"
        chunks = iter(current)
        assert frames(chunks, 1) == [f"retry: {RETRY_MS}\n\n"]
        feed.publish(event(21))
        assert frames(chunks, 1) == ["id: 21\nevent: changed\ndata: 21\n\n"]  # nothing before it
    finally:
        behind.close()
        current.close()


def test_a_burst_of_events_is_one_changed_with_the_latest_seq() -> None:
    feed = EventFeed()
    s = open_stream(feed, "0")
    try:
        chunks = iter(s)
        frames(chunks, 1)
        for seq in (1, 2, 3):
            feed.publish(event(seq))
        assert frames(chunks, 1) == ["id: 3\nevent: changed\ndata: 3\n\n"]
    finally:
        s.close()


def test_a_page_whose_queue_overflowed_still_gets_the_latest_seq() -> None:
    feed = EventFeed(queue_len=4)
    s = open_stream(feed, "0")
    try:
        chunks = iter(s)
        frames(chunks, 1)
        for seq in range(1, 51):  # far more than the queue holds, before the stream reads
            feed.publish(event(seq))
        assert frames(chunks, 1) == ["id: 50\nevent: changed\ndata: 50\n\n"]  # refetch: nothing missed
    finally:
        s.close()


def test_a_quiet_stream_beats_and_ends_by_itself() -> None:
    feed = EventFeed()
    s = open_stream(feed, "0", QUICK)
    got = list(s)  # returns: the stream ends after stream_s (the browser reconnects)
    assert got[0] == f"retry: {RETRY_MS}\n\n".encode()
    assert set(got[1:]) == {b": alive\n\n"} and len(got) >= 2
    assert feed.subscribers() == 1  # until the WSGI server closes it
    s.close()
    assert feed.subscribers() == 0


def test_events_right_after_a_message_go_together_in_the_next_one() -> None:
    feed = EventFeed()
    s = open_stream(feed, "0", Timing(stream_s=30.0, heartbeat_s=30.0, coalesce_s=0.2))
    try:
        chunks = iter(s)
        frames(chunks, 1)
        feed.publish(event(1))
        assert frames(chunks, 1) == ["id: 1\nevent: changed\ndata: 1\n\n"]  # the first: at once
        for seq in (2, 3, 4):
            feed.publish(event(seq))
        assert frames(chunks, 1) == ["id: 4\nevent: changed\ndata: 4\n\n"]  # the rest: one message
    finally:
        s.close()
