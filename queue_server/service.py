"""The hall service: the single writer between the requests and the engine.

Every request, from ZeroMQ or HTTP, becomes a ``Pending`` and is handled in a batch by one
thread (the hall loop): the engine decides, the events of the whole batch are committed in
one transaction (group commit), and only then are replies sent and events published. So an
acknowledged ticket is always on disk, and two windows can never call the same ticket.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from .catalogue import Catalogue, CatalogueError, parse_catalogue
from .engine import EngineError, Event, HallEngine, ItemRule
from .engine.state import dump_state, load_state
from .hallconfig import CaseRules
from .handlers import HANDLERS, REQUEST_KEY, Handler
from .privacy import Privacy
from .replies import RecentReplies
from .store import HallStore, IdempotentReply

log = logging.getLogger("queue_server.service")

IDEMPOTENCY_WINDOW_S = 24 * 3600
PRUNE_EVERY_S = 60.0
CHECKPOINT_EVERY = 5_000
CHECKPOINT_MAX_LIVE = 500
#: Fields of event data that never leave the server on the PUB socket.
PRIVATE_FIELDS = frozenset({"token", "id_hash", "id_cipher", "id_masked"})

ROLE_RANK = {"public": 0, "display": 0, "kiosk": 1, "callpad": 2, "clerk": 2, "manager": 3, "admin": 4}


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # device / token / anonymous / system
    name: str
    role: str
    clerk: str | None = None
    window: int | None = None

    def at_least(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


ANONYMOUS = Actor("anonymous", "anonymous", "public")
SYSTEM = Actor("system", "system", "admin")


@dataclass(slots=True)
class Outcome:
    ok: bool
    body: dict[str, Any] | None = None
    code: str = ""
    message: str = ""
    message_zh: str = ""
    details: dict[str, Any] = field(default_factory=dict)


UNSAVED = Outcome(
    False,
    code="unavailable",
    message="the server could not save this; try again",
    message_zh="服务器暂时无法保存，请重试",
)


@dataclass(slots=True)
class Pending:
    type: str
    body: dict[str, Any]
    key: str | None
    actor: Actor
    done: Callable[[Outcome], None]
    outcome: Outcome | None = None


@dataclass(slots=True)
class Commit:
    """A decided batch on its way to the store."""

    batch: list[Pending]
    events: list[Event]
    replies: list[IdempotentReply]
    checkpoint: tuple[int, dict[str, Any], float] | None = None

    @staticmethod
    def merge(commits: list[Commit]) -> Commit:
        """Consecutive decided batches as one write (their requests stay with each batch)."""
        if len(commits) == 1:
            return commits[0]
        checkpoints = [c.checkpoint for c in commits if c.checkpoint is not None]
        return Commit(
            [],
            [e for c in commits for e in c.events],
            [r for c in commits for r in c.replies],
            checkpoints[-1] if checkpoints else None,
        )


class HallService:
    def __init__(
        self,
        store: HallStore,
        engine: HallEngine,
        catalogue: Catalogue,
        catalogue_version: int,
        privacy: Privacy,
        *,
        clock: Callable[[], float] = time.time,
        case_rules: CaseRules | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.catalogue = catalogue
        self.catalogue_version = catalogue_version
        self.catalogue_document = catalogue.to_document()
        self.privacy = privacy
        self.clock = clock
        self.case_rules = case_rules or CaseRules()
        self.epoch = uuid.uuid4().hex[:12]
        # First answers as UTF-8 JSON bytes, not str: a day of Chinese answers as str would
        # take twice the memory.
        self.replies = RecentReplies(IDEMPOTENCY_WINDOW_S)
        self._batch_events: list[Event] = []
        self._since_checkpoint = 0
        self._forget_replies_before = 0.0

    # --------------------------------------------------------------- recovery
    def recover(self) -> int:
        """Rebuild the live queue: newest checkpoint, then every event after it."""
        now = self.clock()
        checkpoint = self.store.latest_checkpoint()
        if checkpoint is not None:
            load_state(self.engine, checkpoint[1], now)
        replayed = 0
        for e in self.store.events_after(self.engine.last_seq):
            self.engine.apply(e)
            replayed += 1
        self.engine.reindex(now)
        self.engine.prune_appointments(now)
        self.replies = RecentReplies(IDEMPOTENCY_WINDOW_S)
        for key, at, answer in self.store.idempotent_replies(now - IDEMPOTENCY_WINDOW_S):
            self.replies.put(key, at, answer)
        self._forget_replies_before = now + PRUNE_EVERY_S
        if replayed or checkpoint is None:
            self.checkpoint()
        return replayed

    def checkpoint(self) -> None:
        self.store.save_checkpoint(self.engine.last_seq, dump_state(self.engine), self.clock())
        self._since_checkpoint = 0

    # ---------------------------------------------------------------- batches
    def emit(self, events: list[Event]) -> list[Event]:
        """Apply events decided by a handler; they are committed with the batch."""
        for e in events:
            e.seq = self.engine.last_seq + 1
            self.engine.apply(e)
            self._batch_events.append(e)
        return events

    def handle(self, batch: list[Pending]) -> Commit:
        """Decide a batch in memory. Nothing is acknowledged until ``commit`` has stored it
        and ``finish`` has completed the requests."""
        now = self.clock()
        self._batch_events = []
        fresh: list[IdempotentReply] = []
        seen: dict[str, Pending] = {}
        for p in batch:
            if p.key is not None:
                cached = self.replies.get(p.key)
                if cached is not None:
                    p.outcome = decode_outcome(cached)
                    continue
                first = seen.get(p.key)
                if first is not None:  # the same request twice in one batch
                    p.outcome = first.outcome
                    continue
            p.outcome = self.answer(p, now)
            handler = HANDLERS.get(p.type)
            if p.key is not None and handler is not None and handler.mutates:
                seen[p.key] = p
                encoded = encode_outcome(p.outcome)
                fresh.append(IdempotentReply(p.key, p.type, encoded, now))
                # A retry arriving while this batch is still being written gets this answer.
                self.replies.put(p.key, now, encoded)
        if now >= self._forget_replies_before:
            self._forget_old_replies(now)
        commit = Commit(batch, self._batch_events, fresh)
        self._since_checkpoint += len(commit.events)
        if self._since_checkpoint >= CHECKPOINT_EVERY and len(self.engine.tickets) <= CHECKPOINT_MAX_LIVE:
            # Checkpoint when it is cheap (a short live line, typically between visitors or
            # after hours): recovery replays only the events after it.
            commit.checkpoint = (self.engine.last_seq, dump_state(self.engine), now)
            self._since_checkpoint = 0
        return commit

    def _forget_old_replies(self, now: float) -> None:
        """Keep answers for retries within the idempotency window only (the store keeps them
        longer, for the record)."""
        self.replies.forget_before(now - IDEMPOTENCY_WINDOW_S)
        self._forget_replies_before = now + PRUNE_EVERY_S

    def commit(self, commit: Commit) -> bool:
        """Store a decided batch durably (any thread; one at a time, in order)."""
        try:
            self.store.commit_batch(commit.events, commit.replies)
            if commit.checkpoint is not None:
                self.store.save_checkpoint(*commit.checkpoint)
        except Exception:
            log.exception("commit of %d events failed", len(commit.events))
            return False
        return True

    def finish(self, commit: Commit, ok: bool) -> None:
        """Complete the batch's requests: their outcomes if stored, else 'unavailable'."""
        for p in commit.batch:
            assert p.outcome is not None
            p.done(p.outcome if ok else UNSAVED)

    def process(self, batch: list[Pending]) -> list[Event]:
        """Handle, commit and finish a batch in this thread. Returns the stored events."""
        commit = self.handle(batch)
        ok = self.commit(commit)
        if not ok:
            self.rebuild()
        self.finish(commit, ok)
        return commit.events if ok else []

    def rebuild(self) -> None:
        """After a failed commit: forget what was decided but not stored, reload the store."""
        log.warning("rebuilding the live queue from the store")
        fresh = HallEngine(
            self.engine.rules,
            self.engine.items.values(),
            [w.defn for w in self.engine.windows.values()],
            self.engine.clerks.values(),
        )
        self.engine = fresh
        self.recover()

    def answer(self, p: Pending, now: float) -> Outcome:
        """One request decided: its handler's reply, or the error it refused with."""
        handler: Handler | None = HANDLERS.get(p.type)
        if handler is None:
            return Outcome(
                False,
                code="unknown_type",
                message=f"unknown request type {p.type!r}",
                message_zh=f"未知的请求类型 {p.type!r}",
            )
        if not p.actor.at_least(handler.role):
            return Outcome(
                False,
                code="forbidden",
                message=f"{p.type} needs the {handler.role} role",
                message_zh=f"无权执行此操作（需要{handler.role}权限）",
            )
        token = REQUEST_KEY.set(p.key)
        try:
            return Outcome(True, handler.fn(self, p.body, p.actor, now))
        except EngineError as e:
            # Engine commands decide without changing anything, and handlers emit last, so a
            # refused request leaves no trace.
            return Outcome(False, code=e.code, message=e.message, message_zh=e.message_zh, details=e.details)
        except Exception:
            # Handlers check their input explicitly (inputs.py); anything else escaping one is
            # a bug. Its text may quote internals or personal data: it goes to the log (where
            # ID numbers are masked), never to the caller or the stored answer.
            log.exception("%s failed", p.type)
            return Outcome(False, code="internal", message="internal server error", message_zh="服务器内部错误")
        finally:
            REQUEST_KEY.reset(token)

    # ------------------------------------------------------------ used by handlers
    def new_token(self) -> str:
        return secrets.token_urlsafe(12)

    def returning_clerk(self, id_hash: str, now: float, days: int = 30) -> str | None:
        """The clerk a returning visitor goes back to (首问负责): the first-inquiry officer of
        their newest open case handled in this hall (cases are city-wide, clerk ids are per
        hall); else of their last matter ended at this hall's windows as accepted or with a
        one-time notice within ``days`` (a visit that did not become a case)."""
        cases, ticket = self.store.first_inquiry_of(id_hash, now - days * 86400)
        for clerk, *halls in cases:
            if clerk in self.engine.clerks and self.store.hall in halls:
                return clerk
        return ticket

    def replace_catalogue(self, document: dict[str, Any], by: str) -> tuple[int, bool]:
        try:
            catalogue = parse_catalogue(document, source="published document")
        except CatalogueError as e:
            raise EngineError(
                "bad_request",
                str(e),
                "事项目录有误：" + "；".join(e.problems[:5]),
                problems=e.problems,
            ) from None
        document = catalogue.to_document()
        version, created = self.store.publish_catalogue(document, catalogue.content_hash(), by)
        self.catalogue = catalogue
        self.catalogue_version = version
        self.catalogue_document = document
        self.engine.items.update(item_rules(catalogue))
        return version, created

    def public_event(self, e: Event) -> dict[str, Any]:
        return {
            "v": 1,
            "hall": self.store.hall,
            "epoch": self.epoch,
            "seq": e.seq,
            "type": e.type,
            "at": datetime.fromtimestamp(e.at, UTC).astimezone(self.engine.tz).isoformat(),
            "data": {k: v for k, v in e.data.items() if k not in PRIVATE_FIELDS},
        }


def item_rules(catalogue: Catalogue) -> dict[str, ItemRule]:
    return {
        code: ItemRule(code, item.stream.value, item.wait_target_s) for code, item in catalogue.items.items()
    }


def encode_outcome(o: Outcome) -> bytes:
    if o.ok:
        raw = orjson.dumps({"ok": True, "body": o.body})
    else:
        err = {"code": o.code, "message": o.message, "message_zh": o.message_zh, "details": o.details}
        raw = orjson.dumps({"ok": False, "error": err}, default=str)
    # orjson leaves about 4 KiB allocated behind every result; a kept answer is copied to
    # its own size, or a day of answers would take hundreds of megabytes.
    return bytes(memoryview(raw))


def decode_outcome(raw: bytes) -> Outcome:
    d = orjson.loads(raw)
    if d["ok"]:
        return Outcome(True, d["body"])
    err = d["error"]
    return Outcome(False, None, err["code"], err["message"], err["message_zh"], err.get("details") or {})


