"""The kiosk's link to the queue server, off the UI thread.

A touchscreen must never freeze while a request waits: the Lazy Pirate client
(:class:`protocol.HallClient`) can take ``retries × timeout`` seconds when the server is
gone. So every request runs on one worker thread, in order, and its answer is handed back
through ``post`` (the app passes a function that schedules on Kivy's clock; tests may pass
one that runs at once). The link also watches the hall: every ``watch_s`` it asks
``queue.state`` for the waiting counts, which doubles as the connection check behind the
"server unreachable" banner. Device health changes are queued and re-sent until the server
has them, so a fault that happened while the server was down is still reported.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocol import CurveClientKeys, HallClient, RefusedHere, RequestFailed, ServerUnavailable, new_key

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class Answer:
    """What came back for one request: ``body`` on success, else ``error``."""

    type: str
    body: dict[str, Any] | None = None
    error: RequestFailed | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def unreachable(self) -> bool:
        return isinstance(self.error, ServerUnavailable)

    @property
    def code(self) -> str:
        return "" if self.error is None else str(self.error.code)


class Retry:
    """One thing a visitor asks for, asked again after the server could not be reached: the
    same idempotency key while the request is the same (a lost answer is never decided twice:
    never a second ticket, case or rating), a fresh one once the server answered or when the
    request changed."""

    def __init__(self) -> None:
        self._request: tuple[str, dict[str, Any]] | None = None
        self._key = ""

    def key(self, type: str, body: dict[str, Any]) -> str:
        if self._request != (type, body):
            self._request, self._key = (type, dict(body)), new_key()
        return self._key

    def answered(self, answer: Answer) -> None:
        if not answer.unreachable:
            self._request = None


@dataclass
class HallWatch:
    """What the home screen shows of the hall; ``connected`` is the last contact's outcome."""

    connected: bool = False
    seen_at: float = 0.0
    waiting_total: int = 0
    waiting_by_stream: dict[str, int] = field(default_factory=dict)
    waiting_by_item: dict[str, int] = field(default_factory=dict)
    version: int = 0  # bumped on every change, so screens redraw only then


@dataclass
class _Job:
    type: str
    body: dict[str, Any]
    key: str
    done: Callable[[Answer], None] | None
    fn: Callable[[HallClient], Any] | None = None  # a ``call``: run with the link's client


CALL = "call"
"""The ``type`` of the answer to :meth:`ServerLink.call`; its ``body`` is ``{"result": …}``."""


class ServerLink:
    """See the module docstring. ``request`` may be called from any thread."""

    def __init__(
        self,
        router: str,
        *,
        curve: CurveClientKeys | None = None,
        post: Post,
        timeout: float = 1.5,
        retries: int = 2,
        watch_s: float = 3.0,
        on_watch: Callable[[HallWatch], None] | None = None,
    ) -> None:
        self.router = router
        self.curve = curve
        self.post = post
        self.timeout = timeout
        self.retries = retries
        self.watch_s = watch_s
        self.on_watch = on_watch
        self.watch = HallWatch()
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._reports: list[tuple[str, dict[str, Any]]] = []  # (key, health) not yet taken by the server
        self._reports_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-link", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._jobs.put(None)
        if self._started:
            self._thread.join(self.timeout * self.retries + 2)

    # ---------------------------------------------------------------- requests
    def request(
        self, type: str, body: dict[str, Any] | None = None, done: Callable[[Answer], None] | None = None,
        *, key: str | None = None,
    ) -> str:
        """Queue a request; ``done(answer)`` runs through ``post``. Returns the idempotency key:
        a caller that repeats a request (the visitor taps again after a failure) passes it back
        so the server answers the first decision instead of deciding twice."""
        key = key or new_key()
        self._jobs.put(_Job(type, dict(body or {}), key, done))
        return key

    def call(self, fn: Callable[[HallClient], Any], done: Callable[[Answer], None] | None = None) -> None:
        """Run ``fn(client)`` on the worker thread, in turn with the requests (a page upload:
        several requests that belong together). ``done`` gets ``Answer(CALL, body={"result":
        fn's value})``, or the ``RequestFailed`` it raised (``ServerUnavailable`` when the
        server cannot be reached); a ``ValueError`` becomes a ``bad_request``."""
        self._jobs.put(_Job(CALL, {}, "", done, fn))

    def report_health(self, message: dict[str, Any]) -> None:
        """A device's health changed: sent now, and again after each failure until taken."""
        with self._reports_lock:
            self._reports.append((new_key(), dict(message)))
        self._jobs.put(_Job("", {}, "", None))  # wake the worker

    @property
    def unsent_reports(self) -> int:
        with self._reports_lock:
            return len(self._reports)

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        # checked: a body its model refuses is refused here, in the server's words, unsent
        with HallClient(
            self.router, curve=self.curve, timeout=self.timeout, retries=self.retries, checked=True
        ) as client:
            next_watch = 0.0
            while not self._stop.is_set():
                wait = max(0.0, next_watch - time.monotonic())
                try:
                    job = self._jobs.get(timeout=wait)
                except queue.Empty:
                    job = _Job("", {}, "", None)
                if job is None or self._stop.is_set():
                    break
                if job.fn is not None:
                    self._answer(job, self._call(client, job.fn))
                elif job.type:
                    self._answer(job, self._send(client, job.type, job.body, job.key))
                if time.monotonic() >= next_watch:
                    self._watch(client)
                    next_watch = time.monotonic() + self.watch_s
                self._send_reports(client)

    def _send(self, client: HallClient, type: str, body: dict[str, Any], key: str) -> Answer:
        try:
            answer = Answer(type, body=client.request(type, body, key=key))
        except RefusedHere as e:  # never sent: says nothing of the server
            return Answer(type, error=e)
        except RequestFailed as e:
            answer = Answer(type, error=e)
        except Exception as e:  # a defect must not kill the link: say so, keep going
            log.exception("request %s failed", type)
            answer = Answer(type, error=RequestFailed("internal", str(e), "终端内部错误"))
        self._contact(not answer.unreachable)
        return answer

    def _call(self, client: HallClient, fn: Callable[[HallClient], Any]) -> Answer:
        try:
            answer = Answer(CALL, body={"result": fn(client)})
        except RequestFailed as e:
            answer = Answer(CALL, error=e)
        except ValueError as e:
            answer = Answer(CALL, error=RequestFailed("bad_request", str(e), "内容有误，无法发送"))
        except Exception as e:  # a defect must not kill the link
            log.exception("call %r failed", fn)
            answer = Answer(CALL, error=RequestFailed("internal", str(e), "终端内部错误"))
        self._contact(not answer.unreachable)
        return answer

    def _answer(self, job: _Job, answer: Answer) -> None:
        if job.done is not None:
            done = job.done
            self.post(lambda: done(answer))

    def _watch(self, client: HallClient) -> None:
        answer = self._send(client, "queue.state", {"limit": 0}, new_key())
        if answer.ok and answer.body is not None:
            b = answer.body
            fresh = (b.get("waiting_total", 0), b.get("waiting_by_stream", {}), b.get("waiting_by_item", {}))
            w = self.watch
            if fresh != (w.waiting_total, w.waiting_by_stream, w.waiting_by_item):
                w.waiting_total, w.waiting_by_stream, w.waiting_by_item = fresh
                self._changed()

    def _contact(self, reached: bool) -> None:
        if reached:
            self.watch.seen_at = time.time()
        if reached != self.watch.connected:
            self.watch.connected = reached
            self._changed()

    def _changed(self) -> None:
        self.watch.version += 1
        if self.on_watch is not None:
            snapshot = HallWatch(**{**self.watch.__dict__})
            callback = self.on_watch
            self.post(lambda: callback(snapshot))

    def _send_reports(self, client: HallClient) -> None:
        while True:
            with self._reports_lock:
                if not self._reports or not self.watch.connected:
                    return
                key, message = self._reports[0]
            answer = self._send(client, "device.health", message, key)
            if answer.unreachable:
                return
            if not answer.ok:  # refused (a defect of ours or an old server): log, do not loop
                log.warning("device health report refused: %s", answer.error)
            with self._reports_lock:
                self._reports.pop(0)
