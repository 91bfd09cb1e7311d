"""Live hall state for displays: the ZeroMQ guide's "Clone" pattern (state snapshot + updates).

Sequence (see protocol/README.md):

1. Subscribe to the hall's events first (SUB, topic ``hall.<code>``).
2. Then ask for a snapshot (``queue.snapshot`` through the Lazy Pirate :class:`HallClient`),
   buffering the events that arrive meanwhile.
3. Hand the snapshot to ``on_snapshot``, then apply the buffered events with
   ``seq > snapshot seq`` in order, dropping older ones (already in the snapshot).
4. Apply each later event whose seq is ``last + 1``. Duplicates and old seqs are dropped.
   A gap (``seq > last + 1``), a heartbeat whose seq is above the last applied one (an
   event was lost), or a new epoch (the server restarted) starts again at step 2.

The subscriber never raises for a missing server: a failed snapshot is retried with
exponential backoff, ZeroMQ reconnects the SUB socket by itself, and ``connected`` turns
False when neither event nor heartbeat has come for ``heartbeat_timeout`` seconds.

Run it either from a GUI loop, calling ``poll_once(0)`` from a timer (Kivy's Clock), or in
a background thread with ``start()``/``stop()``. Callbacks run in the thread that polls. The
HallClient passed in is used from that same thread only, so give the subscriber its own
client rather than sharing one with other code.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

import zmq

from protocol.client import HallClient, PendingRequest, RequestFailed
from protocol.keys import CurveClientKeys, apply_client
from protocol.messages import (
    SNAPSHOT_TYPE,
    ErrorCode,
    Event,
    ProtocolError,
    decode_event,
    decode_snapshot,
    hall_topic,
)

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.25  # seconds before the 2nd snapshot attempt after a failure; doubles after
MAX_BUFFER = 10_000  # events kept while waiting for a snapshot (the oldest go first)
DRAIN_BATCH = 10_000  # messages handled per poll before yielding to the caller


class CloneSubscriber:
    """Snapshot + sequenced events of one hall (Clone pattern); see the module docstring."""

    def __init__(
        self,
        events_endpoint: str,
        client: HallClient,
        hall: str | None,
        *,
        on_snapshot: Callable[[dict[str, Any]], None],
        on_event: Callable[[dict[str, Any]], None],
        curve: CurveClientKeys | None = None,
        heartbeat_timeout: float = 3.0,
        backoff_max: float = 5.0,
        context: zmq.Context | None = None,
    ) -> None:
        #: None: the hall the server serves, learnt from its first snapshot (a display need not
        #: be told which hall it is in; one server serves one hall).
        self.hall = hall
        self.heartbeat_timeout = heartbeat_timeout
        self.backoff_max = backoff_max
        self._client = client
        self._on_snapshot = on_snapshot
        self._on_event = on_event
        self._conn_callbacks: list[Callable[[bool], None]] = []

        self.epoch: str | None = None
        self.last_seq: int | None = None
        self.snapshots_taken = 0
        self.events_applied = 0
        self.gaps_detected = 0
        self.epoch_changes = 0
        self.duplicates_dropped = 0
        self.stale_dropped = 0
        self.malformed_dropped = 0
        self.snapshot_failures = 0

        self._awaiting = True  # no valid state: buffer events until a snapshot comes
        self._pending: PendingRequest | None = None
        self._retry_at = 0.0
        self._failures_in_row = 0
        self._buffer: list[Event] = []
        self._buffer_heartbeat: Event | None = None
        self._retired_epochs: deque[str] = deque(maxlen=16)
        self._last_message_at: float | None = None
        self._connected = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

        ctx = context or client.context
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.RCVHWM, 100_000)
        # ZMTP heartbeats notice a silently dead server (no TCP reset) so ZeroMQ reconnects.
        sub.setsockopt(zmq.HEARTBEAT_IVL, 1000)
        sub.setsockopt(zmq.HEARTBEAT_TIMEOUT, max(3000, int(heartbeat_timeout * 2000)))
        if curve is not None:
            apply_client(sub, curve)
        sub.setsockopt(zmq.SUBSCRIBE, hall_topic(hall or ""))
        sub.connect(events_endpoint)
        self._sub: zmq.Socket | None = sub

    # --- public API ---

    @property
    def connected(self) -> bool:
        """True while messages (events or heartbeats) keep coming."""
        last = self._last_message_at
        return last is not None and time.monotonic() - last < self.heartbeat_timeout

    @property
    def synced(self) -> bool:
        """True when a snapshot is applied and no re-sync is under way."""
        return not self._awaiting

    def on_connection(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(connected)`` on every change of :attr:`connected`."""
        self._conn_callbacks.append(callback)

    def poll_once(self, timeout_s: float = 0.0) -> int:
        """Handle what has arrived, waiting up to ``timeout_s`` for something to happen.

        Returns the number of events applied. Never raises for network trouble.
        """
        if self._sub is None:
            raise RuntimeError("CloneSubscriber is closed")
        applied_before = self.events_applied
        deadline = time.monotonic() + timeout_s
        while True:
            self._tick()
            now = time.monotonic()
            wait_ms = max(0.0, min(deadline, self._next_timer()) - now) * 1000
            poller = zmq.Poller()
            poller.register(self._sub, zmq.POLLIN)
            req_socket = self._pending.socket if self._pending is not None else None
            if req_socket is not None:
                poller.register(req_socket, zmq.POLLIN)
            ready = dict(poller.poll(math.ceil(wait_ms)))
            progressed = False
            if self._sub in ready:
                self._drain()
                progressed = True
            if self._pending is not None:
                self._pending.step()
                if self._pending.done:
                    self._finish_snapshot()
                    progressed = True
            self._tick()
            if progressed or time.monotonic() >= deadline:
                return self.events_applied - applied_before

    def start(self) -> None:
        """Run poll_once in a background thread until stop()."""
        if self._thread is not None:
            raise RuntimeError("already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"clone-subscriber-{self.hall}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Stop, drop a snapshot request in flight, close the SUB socket (not the client)."""
        self.stop()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self._sub is not None:
            self._sub.close(linger=0)
            self._sub = None

    def __enter__(self) -> CloneSubscriber:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- loop ---

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(0.1)
            except Exception:  # keep the display alive; a bug here must not end the thread
                log.exception("clone subscriber loop error")
                self._stop.wait(0.5)

    def _next_timer(self) -> float:
        """When something is due without any message: retry, request timeout, silence."""
        times = [time.monotonic() + 1.0]
        if self._pending is not None:
            times.append(self._pending.deadline)
        elif self._awaiting:
            times.append(self._retry_at)
        if self._connected and self._last_message_at is not None:
            times.append(self._last_message_at + self.heartbeat_timeout)
        return min(times)

    def _tick(self) -> None:
        now = time.monotonic()
        if self._pending is not None and now >= self._pending.deadline:
            self._pending.step()
            if self._pending.done:
                self._finish_snapshot()
        if self._awaiting and self._pending is None and now >= self._retry_at:
            self._start_snapshot()
        if self._connected and not self.connected:
            self._set_connected(False)

    def _drain(self) -> None:
        assert self._sub is not None
        for _ in range(DRAIN_BATCH):
            try:
                frames = self._sub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                event = decode_event(frames)
            except ProtocolError as exc:
                self.malformed_dropped += 1
                log.warning("dropping malformed event: %s", exc)
                continue
            if self.hall is not None and event.hall != self.hall:  # topic prefix match of another hall (H01 vs H010)
                continue
            self._last_message_at = time.monotonic()
            if not self._connected:
                self._set_connected(True)
            if self._awaiting and self._pending is None:
                # A message from the server proves it is up: ask for the snapshot now rather
                # than at the end of a backoff (a display started before its server).
                self._retry_at = 0.0
            self._handle(event, from_buffer=False)

    # --- clone logic ---

    def _handle(self, event: Event, *, from_buffer: bool) -> None:
        if self._awaiting:
            self._stash(event)
            return
        if event.epoch != self.epoch:
            if from_buffer or event.epoch in self._retired_epochs:
                # Received before the snapshot that replaced that epoch: covered by it.
                self.stale_dropped += 1
                return
            log.info("hall %s: epoch %s -> %s (server restarted); re-syncing", self.hall, self.epoch, event.epoch)
            self.epoch_changes += 1
            self._resync()
            self._stash(event)
            return
        assert self.last_seq is not None
        if event.is_heartbeat:
            if event.seq > self.last_seq:
                log.info("hall %s: heartbeat at seq %d, applied %d; re-syncing", self.hall, event.seq, self.last_seq)
                self.gaps_detected += 1
                self._resync()
            return
        if event.seq <= self.last_seq:
            self.duplicates_dropped += 1
            return
        if event.seq > self.last_seq + 1:
            log.info("hall %s: gap, got seq %d after %d; re-syncing", self.hall, event.seq, self.last_seq)
            self.gaps_detected += 1
            self._resync()
            self._stash(event)
            return
        try:
            self._on_event(event.as_dict())
        except Exception:
            log.exception("on_event failed for %s seq %d; re-syncing", event.type, event.seq)
            self._resync()
            return
        self.last_seq = event.seq
        self.events_applied += 1

    def _stash(self, event: Event) -> None:
        if event.is_heartbeat:
            self._buffer_heartbeat = event
            return
        self._buffer.append(event)
        if len(self._buffer) > MAX_BUFFER:
            del self._buffer[0]

    def _resync(self) -> None:
        self._awaiting = True
        self._retry_at = time.monotonic()

    def _start_snapshot(self) -> None:
        try:
            self._pending = self._client.begin(SNAPSHOT_TYPE, {})
        except RuntimeError as exc:  # client busy or closed: try again later
            self._snapshot_failed(str(exc))

    def _snapshot_failed(self, why: str) -> None:
        self.snapshot_failures += 1
        self._failures_in_row += 1
        delay = min(self.backoff_max, BACKOFF_BASE * 2 ** (self._failures_in_row - 1))
        self._retry_at = time.monotonic() + delay
        self._awaiting = True
        log.warning("hall %s: snapshot failed (%s); retrying in %.2fs", self.hall, why, delay)

    def _finish_snapshot(self) -> None:
        pending, self._pending = self._pending, None
        assert pending is not None
        try:
            snapshot = decode_snapshot(pending.result())
            if self.hall is None:
                self.hall = snapshot.hall
                self._buffer = [e for e in self._buffer if e.hall == snapshot.hall]
                if self._buffer_heartbeat is not None and self._buffer_heartbeat.hall != snapshot.hall:
                    self._buffer_heartbeat = None
                log.info("hall %s: learnt from the server's snapshot", self.hall)
            if snapshot.hall != self.hall:
                raise ProtocolError(ErrorCode.BAD_REQUEST, f"snapshot is of hall {snapshot.hall!r}",
                                    f"快照属于大厅 {snapshot.hall!r}")
        except (RequestFailed, ProtocolError) as exc:
            self._snapshot_failed(str(exc))
            return
        if self.epoch is not None and self.epoch != snapshot.epoch:
            self._retired_epochs.append(self.epoch)
        self.epoch, self.last_seq = snapshot.epoch, snapshot.seq
        try:
            self._on_snapshot(snapshot.as_dict())
        except Exception:
            log.exception("on_snapshot failed")
            self._snapshot_failed("on_snapshot raised")
            return
        self.snapshots_taken += 1
        self._failures_in_row = 0
        self._awaiting = False
        buffered = sorted(self._buffer, key=lambda e: e.seq)
        if self._buffer_heartbeat is not None:
            buffered.append(self._buffer_heartbeat)
        self._buffer, self._buffer_heartbeat = [], None
        for event in buffered:
            self._handle(event, from_buffer=True)

    def _set_connected(self, value: bool) -> None:
        self._connected = value
        for callback in list(self._conn_callbacks):
            try:
                callback(value)
            except Exception:
                log.exception("on_connection callback failed")
