"""The hall service: the single writer between the requests and the engine.

Every request, from ZeroMQ or HTTP, becomes a ``Pending`` and is handled in a batch by one
thread (the hall loop): the engine decides, the events of the whole batch are committed in
one transaction (group commit), and only then are replies sent and events published. So an
acknowledged ticket is always on disk, and two windows can never call the same ticket.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from protocol.fields import field_error
from protocol.models import REQUESTS, Spec

from .auth import AccessRole, Actor
from .catalogue import Catalogue, CatalogueError, parse_catalogue
from .engine import EngineError, Event, HallEngine, ItemRule
from .engine.state import dump_state, load_state
from .hallconfig import CaseRules, PublicInfo
from .handlers import HANDLERS, REQUEST_KEY, Handler
from .handlers.context import HallContext
from .inputs import refusal
from .links import PublicLinks
from .privacy import Privacy
from .replies import RecentReplies
from .store import HallStore, IdempotentReply, event_json

log = logging.getLogger("queue_server.service")

IDEMPOTENCY_WINDOW_S = 24 * 3600
PRUNE_EVERY_S = 60.0
CHECKPOINT_EVERY = 5_000
CHECKPOINT_MAX_LIVE = 500
#: Fields of event data that never leave the server on the PUB socket.
#: A ticket's company (``enterprise``) is public data, but a hall board has no business with it.
PRIVATE_FIELDS = frozenset({"token", "id_hash", "id_cipher", "id_masked", "enterprise"})
#: Check every reply against its model before it is sent (the test suite sets it, so each
#: reply any test sees proves its model; in production the check costs time and proves
#: nothing new). A reply that breaks its model is a bug: answered ``internal``, logged.
CHECK_REPLIES = os.environ.get("HALL_CHECK_REPLIES") == "1"

#: Anonymous callers without a client of their own (the hall's health and catalogue reads).
#: Requests that check a code or a token carry a per-client actor instead (``kind ==
#: "anonymous"``, e.g. ``ip:203.0.113.9`` over HTTP): failures are counted per client.
ANONYMOUS = Actor("anonymous", "anonymous", AccessRole.PUBLIC)
SYSTEM = Actor("system", "system", AccessRole.ADMIN)


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
#: What a request that broke on a defect of ours is answered: no internal text leaves the server.
INTERNAL = Outcome(False, code="internal", message="internal server error", message_zh="服务器内部错误")

#: Answers that are not decisions, so never kept for a key's retries: a retry after one of
#: them runs again (our failure, the store's, or a client's spent budget of wrong codes).
NOT_KEPT = frozenset({"internal", "unavailable", "too_many_requests"})

#: Idempotency keys are stored in a column of this width (``store.models.IdempotencyKey``).
MAX_KEY_CHARS = 160


def request_key(type_: str, key: str | None) -> str | None:
    """The key a request is remembered under: the caller's key scoped by the request type, so a
    key sent again with another request type is another request (a complaint's key reused for a
    ticket must not get the complaint's answer, nor collide with it in the store)."""
    if key is None:
        return None
    scoped = f"{type_}|{key}"
    if len(scoped) <= MAX_KEY_CHARS:
        return scoped
    return f"{type_}|#" + hashlib.sha256(key.encode()).hexdigest()


@dataclass(slots=True)
class Pending:
    type: str
    body: dict[str, Any]
    key: str | None
    actor: Actor
    done: Callable[[Outcome], None]
    outcome: Outcome | None = None


class StoreUnavailable(Exception):
    """The store could not be read while the live queue had to be rebuilt from it: the hall
    answers 'unavailable' until a rebuild succeeds (see ``HallLoop``)."""


@dataclass(slots=True, eq=False)  # compared by identity: finish() finds it among the unstored
class Commit:
    """A decided batch on its way to the store."""

    batch: list[Pending]
    events: list[Event]
    replies: list[IdempotentReply]
    checkpoint: tuple[int, dict[str, Any], float] | None = None
    #: Each event's data as the JSON text that is stored, encoded when its request was decided,
    #: so an event that cannot be stored fails its own request instead of the whole batch.
    event_json: list[str] = field(default_factory=list)

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
            [j for c in commits for j in c.event_json],
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
        links: PublicLinks | None = None,
        public: PublicInfo | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.catalogue = catalogue
        self.catalogue_version = catalogue_version
        self.catalogue_document = catalogue.to_document()
        self.privacy = privacy
        self.clock = clock
        self.case_rules = case_rules or CaseRules()
        #: The hall's public URLs (``queue_server.links``) and what its phone pages tell.
        self.links = links or PublicLinks()
        self.public = public or PublicInfo()
        self.epoch = uuid.uuid4().hex[:12]
        # First answers as UTF-8 JSON bytes, not str: a day of Chinese answers as str would
        # take twice the memory.
        self.replies = RecentReplies(IDEMPOTENCY_WINDOW_S)
        self._batch_events: list[Event] = []
        self._batch_json: list[str] = []
        # Batches decided and not yet finished (in the committer's hands), oldest first: the
        # engine holds their events, the store may not yet.
        self._unstored: deque[Commit] = deque()
        self._since_checkpoint = 0
        self._forget_replies_before = 0.0
        #: Why the last commit failed (set by the committer thread, read after its hand-over).
        self.last_store_error: BaseException | None = None
        #: What the handlers reach (stores, the failure budget, ...), made once, here: before
        #: the hall loop and the case desk's threads run any handler.
        self.context = HallContext(self)

    # --------------------------------------------------------------- recovery
    def recover(self) -> int:
        """Rebuild the live queue: newest checkpoint, then every event after it; and the
        answers kept for retries. Raises if the store cannot be read."""
        now = self.clock()
        had_checkpoint, replayed = self._load_committed(now)
        self._load_replies(now)
        if replayed or not had_checkpoint:
            self.checkpoint()
        return replayed

    def _load_committed(self, now: float) -> tuple[bool, int]:
        """Into the current (fresh) engine: the newest checkpoint, then every stored event after it."""
        checkpoint = self.store.latest_checkpoint()
        if checkpoint is not None:
            load_state(self.engine, checkpoint[1], now)
        replayed = 0
        for e in self.store.events_after(self.engine.last_seq):
            self.engine.apply(e)
            replayed += 1
        self.engine.reindex(now)
        self.engine.prune_appointments(now)
        return checkpoint is not None, replayed

    def _load_replies(self, now: float) -> None:
        replies = RecentReplies(IDEMPOTENCY_WINDOW_S)
        for key, at, answer in self.store.idempotent_replies(now - IDEMPOTENCY_WINDOW_S):
            replies.put(key, at, answer)
        self.replies = replies
        self._forget_replies_before = now + PRUNE_EVERY_S

    def _fresh_engine(self) -> HallEngine:
        """An empty engine with the current rules, items, windows and clerks."""
        e = self.engine
        return HallEngine(e.rules, e.items.values(), [w.defn for w in e.windows.values()], e.clerks.values())

    def checkpoint(self) -> bool:
        """Save the live queue as the newest checkpoint, but only when it is exactly what the
        store holds: a checkpoint of state that was decided and never committed would bring it
        back on every restart. A failure to save is logged, not raised (a checkpoint only
        shortens recovery). Returns whether it was saved."""
        if self._unstored or self._batch_events:
            log.warning("checkpoint skipped: %d decided batches are not stored yet", len(self._unstored))
            return False
        try:
            stored = self.store.last_event_seq()
            if stored != self.engine.last_seq:
                log.error(
                    "checkpoint skipped: the live queue is at event %d but the store at %d",
                    self.engine.last_seq,
                    stored,
                )
                return False
            self.store.save_checkpoint(self.engine.last_seq, dump_state(self.engine), self.clock())
        except Exception:
            log.warning("checkpoint not saved", exc_info=True)
            return False
        self._since_checkpoint = 0
        return True

    @property
    def has_unstored(self) -> bool:
        """Whether decided batches are still on their way to the store."""
        return bool(self._unstored)

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
        and ``finish`` has completed the requests. Each request is decided alone: one that
        fails leaves no trace in the engine, the batch or the answers kept for retries.
        Raises ``StoreUnavailable`` when undoing a failed request needed the store and it
        could not be read (the batch is then not decided at all)."""
        now = self.clock()
        self._batch_events = []
        self._batch_json = []
        fresh: list[IdempotentReply] = []
        seen: dict[str, Pending] = {}
        try:
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
                p.outcome, encoded = self._decide(p, now)
                if encoded is not None:
                    assert p.key is not None
                    seen[p.key] = p
                    fresh.append(IdempotentReply(p.key, p.type, encoded, now))
        except StoreUnavailable:
            self._batch_events = []
            self._batch_json = []
            raise
        for r in fresh:
            # A retry arriving while this batch is still being written gets this answer.
            self.replies.put(r.key, now, r.reply)
        if now >= self._forget_replies_before:
            self._forget_old_replies(now)
        commit = Commit(batch, self._batch_events, fresh, event_json=self._batch_json)
        self._batch_events = []
        self._batch_json = []
        self._unstored.append(commit)
        self._since_checkpoint += len(commit.events)
        if self._since_checkpoint >= CHECKPOINT_EVERY and len(self.engine.tickets) <= CHECKPOINT_MAX_LIVE:
            # Checkpoint when it is cheap (a short live line, typically between visitors or
            # after hours): recovery replays only the events after it.
            commit.checkpoint = (self.engine.last_seq, dump_state(self.engine), now)
            self._since_checkpoint = 0
        return commit

    def _decide(self, p: Pending, now: float) -> tuple[Outcome, bytes | None]:
        """One request: its outcome, and the answer to keep for retries (a mutating request
        with a key). Its events join the batch only if everything about it succeeded,
        including encoding them for the store and its answer for the retries."""
        mark = len(self._batch_events)
        handler = HANDLERS.get(p.type)
        keep = p.key is not None and handler is not None and handler.mutates
        outcome = self.answer(p, now)  # never raises: a handler's failure is its outcome
        new = self._batch_events[mark:]
        if new and not outcome.ok:  # it broke "emit last": refused (or failed) after changing the hall
            log.error("%s from %s was refused after it changed the hall; its events are undone", p.type, p.actor.name)
            self._undo_from(mark)
            return INTERNAL, None
        try:
            stored = [event_json(e.data) for e in new]
            # Only decisions are kept for retries: a retry after a failure of ours runs again.
            encoded = encode_outcome(outcome) if keep and outcome.code not in NOT_KEPT else None
        except Exception:
            log.exception("%s from %s cannot be stored; it is answered 'internal' and changes nothing", p.type, p.actor.name)
            if new:
                self._undo_from(mark)
            return INTERNAL, None
        self._batch_json.extend(stored)
        return outcome, encoded

    def _undo_from(self, mark: int) -> None:
        """Forget the events of a request that failed after the engine applied them. The
        engine has no undo: it is rebuilt from the store plus every event decided since and
        not yet stored (batches in flight, this batch's earlier requests)."""
        del self._batch_events[mark:]
        keep = [e for c in self._unstored for e in c.events] + self._batch_events
        now = self.clock()
        self.engine = self._fresh_engine()
        try:
            self._load_committed(now)
        except Exception as e:
            log.exception("the live queue could not be rebuilt from the store")
            raise StoreUnavailable(str(e)) from e
        for e in keep:
            if e.seq > self.engine.last_seq:  # the committer may have stored some meanwhile
                self.engine.apply(e)
        log.warning("live queue rebuilt without the failed request's %d events", len(keep))

    def _forget_old_replies(self, now: float) -> None:
        """Keep answers for retries within the idempotency window only (the store keeps them
        longer, for the record)."""
        self.replies.forget_before(now - IDEMPOTENCY_WINDOW_S)
        self._forget_replies_before = now + PRUNE_EVERY_S

    def commit(self, commit: Commit) -> bool:
        """Store a decided batch durably (any thread; one at a time, in order)."""
        try:
            self.store.commit_batch(commit.events, commit.replies, commit.event_json or None)
            if commit.checkpoint is not None:
                self.store.save_checkpoint(*commit.checkpoint)
        except Exception as e:
            log.exception("commit of %d events failed", len(commit.events))
            self.last_store_error = e
            return False
        self.last_store_error = None
        return True

    def finish(self, commit: Commit, ok: bool, refused: Outcome = UNSAVED) -> None:
        """Complete the batch's requests: their outcomes if stored, else ``refused``."""
        if commit in self._unstored:  # a merged or foreign commit is not tracked
            self._unstored.remove(commit)
        for p in commit.batch:
            assert p.outcome is not None
            complete(p, p.outcome if ok else refused)

    def process(self, batch: list[Pending]) -> list[Event]:
        """Handle, commit and finish a batch in this thread. Returns the stored events."""
        commit = self.handle(batch)
        ok = self.commit(commit)
        self.finish(commit, ok)
        if not ok:
            self.rebuild()
        return commit.events if ok else []

    def rebuild(self) -> None:
        """After a failed commit, once every batch decided on the lost state has been
        finished: forget what was decided but not stored and reload the live queue and the
        kept answers from the store. Raises if the store cannot be read (the caller retries)."""
        log.warning("rebuilding the live queue from the store")
        if self._unstored:
            raise RuntimeError("rebuild while batches are still on their way to the store")
        self.engine = self._fresh_engine()
        now = self.clock()
        self._load_committed(now)
        self._load_replies(now)

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
            spec = REQUESTS[p.type]  # a handler is registered only with its models
            reply = handler.fn(self.context, self.checked_body(spec, p.body, now), p.actor, now)
            if CHECK_REPLIES:
                check_reply(spec, p.type, reply)
            return Outcome(True, reply)
        except EngineError as e:
            # Engine commands decide without changing anything, and handlers emit last, so a
            # refused request leaves no trace.
            return Outcome(False, code=e.code, message=e.message, message_zh=e.message_zh, details=e.details)
        except Exception:
            # Handlers check their input explicitly (inputs.py); anything else escaping one is
            # a bug. Its text may quote internals or personal data: it goes to the log (where
            # ID numbers are masked), never to the caller or the stored answer.
            log.exception("%s failed", p.type)
            return INTERNAL
        finally:
            REQUEST_KEY.reset(token)

    def checked_body(self, spec: Spec, body: dict[str, Any], now: float) -> Any:
        """The body as its request model, or the ``bad_request`` naming the first field it
        refuses. ID numbers' birth dates are checked against the hall's day."""
        try:
            return spec.request.model_validate(body, context={"today": self.context.today(now)})
        except ValidationError as e:
            raise refusal(field_error(e)) from None

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


def check_reply(spec: Spec, type_: str, reply: dict[str, Any]) -> None:
    try:
        spec.reply.model_validate(reply)
    except ValidationError as e:
        problems = e.errors(include_url=False, include_input=False)  # no values: they may be personal
        raise AssertionError(f"the reply to {type_} breaks its model {spec.reply.__name__}: {problems}") from None


def complete(p: Pending, outcome: Outcome) -> None:
    """Hand a request its outcome. An answer that cannot be sent (it cannot be encoded, say)
    is logged and answered 'internal' instead: it never raises into the hall loop."""
    try:
        p.done(outcome)
    except Exception:
        log.exception("the answer to %s from %s could not be sent", p.type, p.actor.name)
        if outcome is INTERNAL:
            return
        try:
            p.done(INTERNAL)
        except Exception:
            log.exception("the 'internal' answer to %s could not be sent either", p.type)


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


