"""The hall loop: the one thread that owns the engine.

It reads requests from the ROUTER socket (kiosks, displays, call pads) and from in-process
callers (the HTTP API), takes everything that is waiting as one batch, lets the service
handle and commit it, then replies and publishes the batch's events on the PUB socket with
their sequence numbers (the server half of the Clone pattern; snapshots are the
``queue.snapshot`` request). A heartbeat carrying the last sequence number goes out every
second so subscribers notice gaps and lost connections.

Bad input never stops the loop: a malformed, oversized or unknown request gets an error
reply and a log line, and a request that fails on a defect of ours fails alone (see
``HallService.handle``). When the store fails (a database outage, a full disk), every
request is answered 'unavailable' at once while the loop retries, with backoff, to rebuild
the live queue from what was committed, and serves again by itself once that works
(``storefault.py``). If the loop itself cannot go on, it says so in the log and calls
``on_fatal``: the process exits non-zero and its supervisor restarts it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import orjson
import zmq

from protocol.keys import apply_server
from protocol.messages import (
    MAX_REQUEST_BYTES,
    ErrorCode,
    ProtocolError,
    decode_request,
    encode_reply_error,
    hall_topic,
)

from .auth import ZAP_DOMAIN, Actor, DeviceRegistry, start_authenticator
from .casedesk import CaseDesk
from .feed import EventFeed
from .service import (
    ANONYMOUS,
    Commit,
    HallService,
    Outcome,
    Pending,
    StoreUnavailable,
    complete,
    request_key,
)
from .storefault import QUIET_PROBE_S, RELAPSE_S, StoreFault, classify

log = logging.getLogger("queue_server.endpoint")

MAX_BATCH = 512
PIPELINE_DEPTH = 16
_RESET = object()
HEARTBEAT_S = 1.0
REGISTRY_REFRESH_S = 5.0
#: The sender of a request over a connection whose key is no longer enrolled (revoked since).
REVOKED = Actor("device", "revoked", "public")
NOT_RUNNING = Outcome(
    False,
    code="unavailable",
    message="the hall is not running; try again shortly",
    message_zh="大厅服务未运行，请稍后重试",
)


@dataclass(frozen=True)
class EndpointConfig:
    router: str = "tcp://127.0.0.1:5570"
    pub: str = "tcp://127.0.0.1:5571"
    curve_secret: str | None = None  # the server's key_secret file; None = no encryption


def _dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=str)


class HallLoop:
    def __init__(
        self,
        service: HallService,
        config: EndpointConfig,
        registry: DeviceRegistry | None = None,
        context: zmq.Context | None = None,
        on_fatal: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.service = service
        self.on_fatal = on_fatal
        self.config = config
        self.registry = registry
        self.ctx = context or zmq.Context.instance()
        self._inbox: queue.SimpleQueue[Pending] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._auth = None
        # Decided batches waiting to be stored; bounded, so a slow disk slows intake instead
        # of piling up unacknowledged work.
        self._to_commit: queue.Queue[Commit | object | None] = queue.Queue(maxsize=PIPELINE_DEPTH)
        self._stored: queue.SimpleQueue[tuple[Commit, bool]] = queue.SimpleQueue()
        #: Set while the store fails; every request is answered 'unavailable' meanwhile.
        self.fault: StoreFault | None = None
        self._last_fault: tuple[StoreFault, float] | None = None  # (fault, when it ended)
        self.crashed: BaseException | None = None
        self._published_seq = service.engine.last_seq  # heartbeats announce only stored events
        #: The same public events for in-process listeners (the web pages' live updates).
        self.feed = EventFeed()
        self.feed.last_seq = self._published_seq
        # Case requests go to the case desk; their answers come back here to be sent.
        self.desk = CaseDesk(service, self._desk_answered)
        self._desk_done: queue.SimpleQueue[tuple[Pending, Outcome]] = queue.SimpleQueue()
        self.requests = 0
        self.batches = 0

    # ------------------------------------------------------------ in-process use
    def submit(self, type_: str, body: dict[str, Any], actor: Actor, key: str | None = None) -> Future[Outcome]:
        fut: Future[Outcome] = Future()
        if not self.running:
            fut.set_result(NOT_RUNNING)  # at once: nobody would ever answer it
            return fut
        self._inbox.put(Pending(type_, body, request_key(type_, key), actor, fut.set_result))
        os.write(self._wake_w, b"x")
        return fut

    def call(self, type_: str, body: dict[str, Any], actor: Actor, key: str | None = None, timeout: float = 10.0) -> Outcome:
        return self.submit(type_, body, actor, key).result(timeout)

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        """Whether the hall loop is there to answer (before ``start`` requests just wait)."""
        return self.crashed is None and (self._thread is None or self._thread.is_alive())

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="hall-loop", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("hall loop did not start")

    def stop(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(10)

    def _bind(self) -> tuple[zmq.Socket, zmq.Socket]:
        router = self.ctx.socket(zmq.ROUTER)
        pub = self.ctx.socket(zmq.PUB)
        for s in (router, pub):
            s.linger = 0
            # A client cannot make us buffer more than this per message.
            s.maxmsgsize = MAX_REQUEST_BYTES * 4
        router.router_mandatory = False
        pub.sndhwm = 100_000
        if self.config.curve_secret:
            if self.registry is None:
                raise ValueError("CURVE needs a device registry")
            self._auth = start_authenticator(self.ctx, self.registry)
            apply_server(router, self.config.curve_secret, ZAP_DOMAIN)
            apply_server(pub, self.config.curve_secret, ZAP_DOMAIN)
        router.bind(self.config.router)
        pub.bind(self.config.pub)
        return router, pub

    def run(self) -> None:
        try:
            self._run()
        except BaseException as e:
            self._fatal("hall loop", e)

    def _fatal(self, where: str, e: BaseException) -> None:
        """The loop or its committer cannot go on: say so, and let the process exit non-zero
        (its supervisor restarts it) instead of living on with nobody answering."""
        self.crashed = e
        log.critical("%s crashed; the hall cannot go on", where, exc_info=e)
        self._stop.set()
        if self.on_fatal is not None:
            self.on_fatal(e)

    def _run(self) -> None:
        router, pub = self._bind()
        poller = zmq.Poller()
        poller.register(router, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        topic = hall_topic(self.service.store.hall)
        committer = threading.Thread(target=self._commit_loop, name="hall-committer", daemon=True)
        committer.start()
        next_beat = time.monotonic()
        next_refresh = time.monotonic() + REGISTRY_REFRESH_S
        self._ready.set()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= next_beat:
                    self._heartbeat(pub, topic)
                    next_beat = now + HEARTBEAT_S
                if self.registry is not None and now >= next_refresh:
                    self._refresh_registry()
                    next_refresh = now + REGISTRY_REFRESH_S
                wake_at = next_beat if self.fault is None else min(next_beat, now + 0.05)
                poller.poll(max(1, int((wake_at - time.monotonic()) * 1000)))
                self._clear_wake()
                self._finish_stored(pub, topic)
                self._finish_desk()
                if self.fault is not None:
                    self._try_recover()
                batch = self._drain(router)
                if batch:
                    self.batches += 1
                    self.requests += len(batch)
                    self._decide(batch)
            self._to_commit.put(None)
            committer.join(30)
            self._finish_stored(pub, topic)
            self.desk.stop()
            self._finish_desk()
        finally:
            router.close(0)
            pub.close(0)
            if self._auth is not None:
                self._auth.stop()

    def _decide(self, batch: list[Pending]) -> None:
        """Decide now, store in the committer thread: the next batch is decided while this
        one is being written (pipelined group commit)."""
        try:
            commit = self.service.handle(batch)
        except StoreUnavailable as e:
            self._enter_fault(e)
            outcome = self._fault_outcome()
            for p in batch:
                complete(p, outcome)
            return
        self._to_commit.put(commit)

    def store_failed(self, e: BaseException) -> None:
        """Before ``start``: the store was found unwritable (a probe at start-up), so the
        loop starts refusing and recovers like after any failed write."""
        self._enter_fault(e)

    def _enter_fault(self, e: BaseException | None) -> None:
        """A write failed: refuse from now on (see ``storefault.py`` for the states)."""
        if self.fault is not None:
            if not self.fault.refusing:
                self.fault.failed_again(e)
            return
        if self._last_fault is not None and time.monotonic() - self._last_fault[1] < RELAPSE_S:
            self.fault = self._last_fault[0]  # the same fault going on
            self.fault.failed_again(e)
            return
        self.fault = StoreFault(classify(e))
        log.error("the store failed (%s): answering 'unavailable' until the live queue is rebuilt", self.fault.problem)

    def _fault_outcome(self) -> Outcome:
        return self.fault.outcome() if self.fault is not None else NOT_RUNNING

    def _try_recover(self) -> None:
        """Refusing: once every batch decided on the lost state has been answered and the
        backoff has passed, rebuild the live queue from what was committed and take requests
        on probation. On probation with nothing to prove a write: probe one."""
        fault = self.fault
        assert fault is not None
        if self.service.has_unstored:
            return
        now = time.monotonic()
        if not fault.refusing:
            if now - fault.probation >= QUIET_PROBE_S:  # type: ignore[operator]
                try:
                    self.service.store.probe_write()
                except Exception as e:
                    fault.failed_again(e)
                    return
                self._serving_again()
            return
        if now < fault.next_try:
            return
        try:
            # Fresh connections: one SQLite opened read-only, or one to a server that went
            # away, would stay so after the store is back.
            self.service.store.engine.dispose()
            self.service.rebuild()
        except Exception as e:
            fault.failed_again(e)
            if fault.attempts in (1, 10) or fault.attempts % 60 == 0:
                log.warning("store still failing (%s, attempt %d): %s", fault.problem, fault.attempts, e)
            return
        self._to_commit.put(_RESET)
        fault.probation = now

    def _serving_again(self) -> None:
        fault = self.fault
        assert fault is not None
        self.fault = None
        self._last_fault = (fault, time.monotonic())
        log.warning(
            "hall serving again: the store failed for %.1f s (%s), %d recovery attempts; live queue at event %d",
            time.time() - fault.since,
            fault.problem,
            fault.attempts + 1,
            self.service.engine.last_seq,
        )

    def _refresh_registry(self) -> None:
        assert self.registry is not None
        try:
            self.registry.refresh()
        except Exception as e:  # the database is away: the devices enrolled so far stay
            log.warning("device registry not refreshed: %s", e)

    def _commit_loop(self) -> None:
        try:
            self._store_batches()
        except BaseException as e:
            self._fatal("hall committer", e)
            os.write(self._wake_w, b"c")

    def _store_batches(self) -> None:
        """Store decided batches in order, everything waiting in one transaction (one fsync
        for all: true group commit). After a failure nothing later is stored until the loop
        has rebuilt the engine (a reset marker), since later batches built on the lost one."""
        failed = False
        while True:
            item = self._to_commit.get()
            if item is None:
                return
            if item is _RESET:
                failed = False
                continue
            group = [item]
            marker = None
            while True:
                try:
                    more = self._to_commit.get_nowait()
                except queue.Empty:
                    break
                if more is None or more is _RESET:
                    marker = more
                    break
                group.append(more)
            ok = False if failed else self.service.commit(Commit.merge(group))
            failed = failed or not ok
            for c in group:
                self._stored.put((c, ok))
            os.write(self._wake_w, b"c")
            if marker is _RESET:
                failed = False
            elif marker is not None:
                return

    def _finish_stored(self, pub: zmq.Socket, topic: bytes) -> None:
        while True:
            try:
                commit, ok = self._stored.get_nowait()
            except queue.Empty:
                return
            if not ok:
                self._enter_fault(self.service.last_store_error)
            elif self.fault is not None and not self.fault.refusing and (commit.events or commit.replies):
                self._serving_again()  # a write went through (a batch of reads proves nothing)
            self.service.finish(commit, ok, self._fault_outcome())
            if ok:
                for e in commit.events:
                    try:
                        raw = _dumps(self.service.public_event(e))
                    except Exception:  # stored, so it is in every snapshot: never publish half of it
                        log.exception("event %d could not be published", e.seq)
                        continue
                    pub.send_multipart([topic, raw])
                    self._published_seq = e.seq
                    self.feed.publish(orjson.loads(raw))  # a copy: listeners share nothing with the loop

    def _desk_answered(self, p: Pending, outcome: Outcome) -> None:
        """From a desk thread: the answer is sent by the loop, which owns the sockets."""
        self._desk_done.put((p, outcome))
        os.write(self._wake_w, b"d")

    def _finish_desk(self) -> None:
        while True:
            try:
                p, outcome = self._desk_done.get_nowait()
            except queue.Empty:
                return
            complete(p, outcome)

    def _heartbeat(self, pub: zmq.Socket, topic: bytes) -> None:
        svc = self.service
        beat = {
            "v": 1,
            "hall": svc.store.hall,
            "epoch": svc.epoch,
            "seq": self._published_seq,
            "type": "heartbeat",
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "data": {},
        }
        pub.send_multipart([topic, _dumps(beat)])

    def _clear_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _drain(self, router: zmq.Socket) -> list[Pending]:
        batch: list[Pending] = []
        while len(batch) < MAX_BATCH:
            try:
                self._take(batch, self._inbox.get_nowait())
            except queue.Empty:
                break
        while len(batch) < MAX_BATCH:
            try:
                frames = router.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                break
            pending = self._from_wire(router, frames)
            if pending is not None:
                self._take(batch, pending)
        return batch

    def _take(self, batch: list[Pending], p: Pending) -> None:
        if CaseDesk.takes(p):
            self.desk.submit(p)  # the case desk meets a failing store on its own
        elif self.fault is not None and self.fault.refusing:
            # At once, not after a client's timeout: the live queue may hold what was never
            # stored until it is rebuilt, so nothing is read from it either.
            complete(p, self.fault.outcome())
        else:
            batch.append(p)

    def _from_wire(self, router: zmq.Socket, frames: list[zmq.Frame]) -> Pending | None:
        envelope = [f.bytes for f in frames[:-1]]
        payload = frames[-1]

        def reply(raw: bytes) -> None:
            try:
                router.send_multipart([*envelope, raw], zmq.NOBLOCK)
            except zmq.ZMQError as e:  # the client went away; nothing to do
                log.info("reply dropped: %s", e)

        actor = self._actor(payload)
        try:
            req = decode_request(payload.bytes)
        except ProtocolError as e:
            log.warning("bad request from %s: %s", actor.name, e.message)
            reply(e.reply())
            return None
        if actor is REVOKED:
            # ZAP checks a key only when a connection is made: a device revoked since keeps its
            # connection, and without this its next request would be served as the public's.
            reply(encode_reply_error(
                req.key, ErrorCode.FORBIDDEN, "this device has been revoked", "该设备已被注销，不能再使用",
            ))
            return None

        def done(o: Outcome) -> None:
            if o.ok:
                reply(_dumps({"v": 1, "key": req.key, "ok": True, "body": o.body}))
            else:
                if o.code in (ErrorCode.UNKNOWN_TYPE, ErrorCode.BAD_REQUEST, "internal"):
                    log.warning("%s from %s refused: %s", req.type, actor.name, o.message)
                reply(encode_reply_error(req.key, o.code, o.message, o.message_zh, o.details or None))

        return Pending(req.type, req.body, request_key(req.type, f"{actor.name}:{req.key}"), actor, done)

    def _actor(self, frame: zmq.Frame) -> Actor:
        if self.registry is None or not self.config.curve_secret:
            # Without CURVE (tests of the loop alone, or --insecure) devices act as kiosks.
            return Actor("device", "insecure", "kiosk")
        try:
            key = frame.get("User-Id")
        except zmq.ZMQError:
            key = None
        if not key:
            return ANONYMOUS
        return self.registry.actor(key) or REVOKED

