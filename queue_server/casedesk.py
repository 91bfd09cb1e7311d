"""The case desk: case requests are handled beside the hall loop, not inside it.

A case command writes the case database in its own transaction (cases are city-wide, with
per-case logs, see ``store/casestore.py``), so it must not ride in the hall's batch: a hall
commit that failed after the case was written would answer "unavailable" and the retry would
make a second case, and its fsync would hold every ticket behind it. The desk runs them on a
few worker threads of their own:

- one answer per idempotency key, kept in the hall's ``idempotency_keys`` table right after
  the case's write, so a retry (even after a restart) gets the first answer; a retry arriving
  while the first is still running waits for it instead of running again;
- a submit also stores its key with the new case in the case's own transaction
  (``REQUEST_KEY``), which closes the gap between the case's write and the answer's;
- completions go back through ``deliver``, which the hall loop uses to send ZeroMQ replies
  from its own thread (sockets are not thread-safe).

Case handlers only read the hall engine (clerks, windows, item names); they never emit hall
events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .handlers import HANDLERS
from .service import NOT_KEPT, HallService, Outcome, Pending, decode_outcome, encode_outcome
from .store import IdempotentReply

log = logging.getLogger("queue_server.casedesk")

WORKERS = 2


class CaseDesk:
    def __init__(
        self,
        service: HallService,
        deliver: Callable[[Pending, Outcome], None],
        workers: int = WORKERS,
    ) -> None:
        self.service = service
        self.deliver = deliver
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="case-desk")
        self._lock = threading.Lock()
        self._running: dict[str, list[Pending]] = {}  # key → retries waiting for its answer

    @staticmethod
    def takes(p: Pending) -> bool:
        handler = HANDLERS.get(p.type)
        return handler is not None and handler.desk

    def submit(self, p: Pending) -> None:
        if p.key is not None:
            with self._lock:
                waiting = self._running.get(p.key)
                if waiting is not None:
                    waiting.append(p)
                    return
                self._running[p.key] = []
        self._pool.submit(self._run, p)

    def _run(self, p: Pending) -> None:
        try:
            outcome = self._answer(p)
        except Exception:  # the store is down, say: the request is not lost, it may be retried
            log.exception("%s failed on the case desk", p.type)
            outcome = Outcome(
                False,
                code="unavailable",
                message="the case database is not available; try again",
                message_zh="办件数据库暂时不可用，请重试",
            )
        waiting: list[Pending] = []
        if p.key is not None:
            with self._lock:
                waiting = self._running.pop(p.key, [])
        for q in (p, *waiting):
            self.deliver(q, outcome)

    def _answer(self, p: Pending) -> Outcome:
        svc = self.service
        handler = HANDLERS[p.type]
        keep = p.key is not None and handler.mutates
        if keep:
            assert p.key is not None
            first = svc.store.idempotent_reply(p.key)
            if first is not None:
                return decode_outcome(first)
        now = svc.clock()
        outcome = svc.answer(p, now)
        if keep and outcome.code not in NOT_KEPT:
            assert p.key is not None
            svc.store.save_reply(IdempotentReply(p.key, p.type, encode_outcome(outcome), now))
        return outcome

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
