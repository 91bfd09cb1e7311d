"""Persistence of one hall: its configuration, its event log with projections, checkpoints
and idempotency keys. Every write of the live queue happens in ``commit_batch``, one
transaction per batch of requests (group commit)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..engine import events as ev
from ..engine.events import Event
from .models import (
    AppointmentRow,
    AuditEntry,
    CatalogueVersion,
    Checkpoint,
    Clerk,
    DailyCounter,
    Hall,
    HallEventRow,
    IdempotencyKey,
    TicketRow,
)


@dataclass(frozen=True, slots=True)
class IdempotentReply:
    key: str
    type: str
    reply: bytes  # UTF-8 JSON
    at: float


_T = TicketRow.__table__


def _ticket_update(**values: Any):  # type: ignore[no-untyped-def]
    return update(_T).where(_T.c.id == bindparam("_id")).values(**values)


# One statement per kind of change, so a batch runs each as a single executemany.
_UPDATES = {
    ev.TICKET_CALLED: _ticket_update(
        state=bindparam("_state"),
        called_at=bindparam("_at"),
        window=bindparam("_window"),
        clerk=bindparam("_clerk"),
        first_inquiry_clerk=func.coalesce(_T.c.first_inquiry_clerk, bindparam("_fic")),
    ),
    ev.TICKET_RECALLED: _ticket_update(recalls=bindparam("_recalls")),
    ev.TICKET_STARTED: _ticket_update(state=bindparam("_state"), started_at=bindparam("_at")),
    "ended": _ticket_update(
        state=bindparam("_state"), ended_at=bindparam("_at"), outcome=bindparam("_outcome")
    ),
    # Called, never came, back in line by the recall rules (顺延): waiting, not a service.
    ev.TICKET_REQUEUED: _ticket_update(state=bindparam("_state"), window=None),
    ev.TICKET_TRANSFERRED: _ticket_update(
        state=bindparam("_state"),
        window=None,
        item_code=func.coalesce(bindparam("_item"), _T.c.item_code),
        transfers=_T.c.transfers + 1,
    ),
}

_ENDED = {
    ev.TICKET_COMPLETED: "done",
    ev.TICKET_NO_SHOW: "no_show",
    ev.TICKET_CANCELLED: "cancelled",
}


_TICKET_COLUMNS = (
    "id", "hall", "day", "number", "item_code", "stream", "state", "token", "id_hash", "id_cipher",
    "id_masked", "priority", "appointment", "issued_at", "first_inquiry_clerk", "recalls", "transfers",
)  # fmt: skip


def event_json(data: dict[str, Any]) -> str:
    """An event's data as the JSON text stored in ``hall_events.data`` (raises for data that
    JSON cannot carry, such as a lone surrogate)."""
    return orjson.dumps(data).decode()


class _HotSql:
    """The statements of every ticket issue as plain driver SQL (the three inserts, and the
    first-inquiry read for a visitor with an ID card): a burst of 5,000 issues a second spends
    its time in SQLAlchemy's statement building and compilation otherwise. Rows are tuples in
    column order; JSON columns get JSON text (SQLAlchemy's JSON type reads it back)."""

    def __init__(self, dialect: str) -> None:
        mark = "%s" if dialect == "postgresql" else "?"
        as_json = "%s::json" if dialect == "postgresql" else "?"

        def sql(table: str, columns: tuple[str, ...], json_columns: tuple[str, ...] = ()) -> str:
            marks = ", ".join(as_json if c in json_columns else mark for c in columns)
            return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"

        self._events = sql("hall_events", ("hall", "seq", "type", "at", "ticket", "data"), ("data",))
        self._tickets = sql("tickets", _TICKET_COLUMNS)
        self._replies = sql("idempotency_keys", ("hall", "key", "type", "reply", "at"))
        # A batch's answers: a key already stored but no longer kept in memory (older than the
        # idempotency window, reused by a client) takes the newest answer instead of failing
        # the whole batch with a unique violation.
        self._batch_replies = self._replies + (
            " ON CONFLICT (hall, key) DO UPDATE SET type = excluded.type, reply = excluded.reply, at = excluded.at"
        )
        # A returning visitor's first-inquiry clerk, read for every ticket issued with an ID card.
        self._open_case_officers = (
            "SELECT first_inquiry_clerk, hall_submitted, hall_accepted FROM cases"
            f" WHERE (applicant_hash = {mark} OR agent_hash = {mark}) AND state != 'closed'"
            " AND first_inquiry_clerk IS NOT NULL ORDER BY submitted_at DESC, id DESC"
        )
        self._last_officer = (
            f"SELECT first_inquiry_clerk FROM tickets WHERE id_hash = {mark} AND hall = {mark}"
            f" AND outcome IN ('accepted', 'one_time_notice') AND issued_at >= {mark}"
            " AND first_inquiry_clerk IS NOT NULL ORDER BY issued_at DESC LIMIT 1"
        )

    def events(self, c: Connection, rows: list[tuple[Any, ...]]) -> None:
        c.exec_driver_sql(self._events, rows)

    def tickets(self, c: Connection, rows: list[tuple[Any, ...]]) -> None:
        c.exec_driver_sql(self._tickets, rows)

    def replies(self, c: Connection, rows: list[tuple[Any, ...]], *, newest_wins: bool = False) -> None:
        c.exec_driver_sql(self._batch_replies if newest_wins else self._replies, rows)

    def first_inquiry(
        self, c: Connection, id_hash: str, hall: str, since: float
    ) -> tuple[list[tuple[str, str | None, str | None]], str | None]:
        cases = [(r[0], r[1], r[2]) for r in c.exec_driver_sql(self._open_case_officers, (id_hash, id_hash))]
        row = c.exec_driver_sql(self._last_officer, (id_hash, hall, since)).first()
        return cases, (row[0] if row else None)


class HallStore:
    def __init__(self, engine: Engine, hall: str) -> None:
        self.engine = engine
        self.hall = hall
        self.dialect = engine.dialect.name
        self._fast = _HotSql(self.dialect)
        self._counter_upsert: Any = None

    # ---------------------------------------------------------------- recovery
    def latest_checkpoint(self) -> tuple[int, dict[str, Any]] | None:
        with self.engine.connect() as c:
            row = c.execute(
                select(Checkpoint.seq, Checkpoint.state)
                .where(Checkpoint.hall == self.hall)
                .order_by(Checkpoint.seq.desc())
                .limit(1)
            ).first()
        return (row.seq, row.state) if row else None

    def events_after(self, seq: int, chunk: int = 5000) -> Iterator[Event]:
        last = seq
        while True:
            with self.engine.connect() as c:
                rows = c.execute(
                    select(HallEventRow.seq, HallEventRow.type, HallEventRow.at, HallEventRow.data)
                    .where(HallEventRow.hall == self.hall, HallEventRow.seq > last)
                    .order_by(HallEventRow.seq)
                    .limit(chunk)
                ).all()
            for r in rows:
                yield Event(r.type, r.at, r.data, r.seq)
            if len(rows) < chunk:
                return
            last = rows[-1].seq

    def probe(self) -> None:
        """A round trip to the database (raises when it cannot be reached)."""
        with self.engine.connect() as c:
            c.exec_driver_sql("SELECT 1").all()

    def probe_write(self) -> None:
        """A small real write (a row of this hall rewritten as it is): raises when the
        database cannot be written."""
        with self.engine.begin() as c:
            c.execute(update(Hall).where(Hall.code == self.hall).values(name=Hall.name))

    def last_event_seq(self) -> int:
        with self.engine.connect() as c:
            return c.execute(
                select(func.coalesce(func.max(HallEventRow.seq), 0)).where(HallEventRow.hall == self.hall)
            ).scalar_one()

    def save_checkpoint(self, seq: int, state: dict[str, Any], at: float) -> None:
        with self.engine.begin() as c:
            exists = c.execute(
                select(Checkpoint.seq).where(Checkpoint.hall == self.hall, Checkpoint.seq == seq)
            ).first()
            if exists is None:
                # Values as execution parameters, not in the statement: SQLAlchemy's statement
                # cache would otherwise keep the first (large) state alive.
                c.execute(insert(Checkpoint), {"hall": self.hall, "seq": seq, "at": at, "state": state})
            # Older checkpoints are no longer needed for recovery.
            c.execute(
                Checkpoint.__table__.delete().where(Checkpoint.hall == self.hall, Checkpoint.seq < seq)
            )

    def idempotent_replies(self, since: float) -> list[tuple[str, float, bytes]]:
        """(key, time, answer) of the answers given since ``since``, oldest first."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(IdempotencyKey.key, IdempotencyKey.at, IdempotencyKey.reply)
                .where(IdempotencyKey.hall == self.hall, IdempotencyKey.at >= since)
                .order_by(IdempotencyKey.at)
            ).all()
        return [(r.key, r.at, r.reply.encode()) for r in rows]

    def first_inquiry_of(
        self, id_hash: str, since: float
    ) -> tuple[list[tuple[str, str | None, str | None]], str | None]:
        """Where a returning visitor's first-inquiry clerk may be found (首问负责): (clerk, hall
        submitted, hall accepted) of their open cases, newest first (cases are city-wide), and
        the clerk of their last ticket at this hall since ``since`` that ended accepted or
        with a one-time notice. Plain driver SQL: it runs in the hall loop for every ticket
        issued with an ID card, where building the statements cost ten times the query."""
        with self.engine.connect() as c:
            return self._fast.first_inquiry(c, id_hash, self.hall, since)

    # ---------------------------------------------------------------- reads for handlers
    def names(self) -> tuple[str, str]:
        """This hall's name in Chinese and English (its code when it has none)."""
        with self.engine.connect() as c:
            row = c.execute(select(Hall.name, Hall.name_en).where(Hall.code == self.hall)).first()
        return (row.name, row.name_en or row.name) if row else (self.hall, self.hall)

    def clerk_department(self, clerk: str) -> str:
        """The department a clerk works for ("" for comprehensive-window clerks)."""
        with self.engine.connect() as c:
            return c.execute(select(Clerk.department).where(Clerk.id == clerk)).scalar() or ""

    def served_ticket(self, ticket_id: str) -> Any:
        """A ticket of this hall as its rating needs it (token, window, clerk, called_at,
        id_hash), from the store: it may have left the live queue. None if there is none."""
        with self.engine.connect() as c:
            return c.execute(
                select(TicketRow.token, TicketRow.window, TicketRow.clerk, TicketRow.called_at, TicketRow.id_hash).where(
                    TicketRow.id == ticket_id, TicketRow.hall == self.hall
                )
            ).first()

    def ended_tickets(self, ticket_ids: list[str]) -> list[Any]:
        """Tickets of this hall that have left the live queue, as their holders' pages show
        them (number, item, state, window, outcome), of those asked about."""
        if not ticket_ids:
            return []
        with self.engine.connect() as c:
            return list(
                c.execute(
                    select(
                        TicketRow.id, TicketRow.number, TicketRow.item_code, TicketRow.state, TicketRow.window,
                        TicketRow.outcome, TicketRow.token,
                    ).where(TicketRow.hall == self.hall, TicketRow.id.in_(ticket_ids))
                )
            )

    def id_cipher_of(self, ticket_id: str) -> str | None:
        """The encrypted ID number a ticket of this hall was taken with: its own, or (checked
        in from an appointment) the appointment's. None when it was taken without a card."""
        with self.engine.connect() as c:
            row = c.execute(
                select(TicketRow.id_cipher, TicketRow.appointment).where(
                    TicketRow.id == ticket_id, TicketRow.hall == self.hall
                )
            ).first()
            if row is None:
                return None
            if row.id_cipher is None and row.appointment is not None:
                return c.execute(
                    select(AppointmentRow.id_cipher).where(AppointmentRow.code == row.appointment)
                ).scalar()
            return row.id_cipher  # type: ignore[no-any-return]

    def done_tickets_of(self, id_hash: str, day: str) -> list[Any]:
        """The tickets of one visitor (ID number's hash) done at this hall on ``day``, oldest
        first: (id, number, item_code, window, called_at)."""
        with self.engine.connect() as c:
            return list(
                c.execute(
                    select(TicketRow.id, TicketRow.number, TicketRow.item_code, TicketRow.window, TicketRow.called_at)
                    .where(
                        TicketRow.id_hash == id_hash,
                        TicketRow.hall == self.hall,
                        TicketRow.day == day,
                        TicketRow.state == "done",
                    )
                    .order_by(TicketRow.issued_at)
                ).all()
            )

    def idempotent_reply(self, key: str) -> bytes | None:
        """The answer given to one key, if any (the case desk asks per request)."""
        with self.engine.connect() as c:
            reply = c.execute(
                select(IdempotencyKey.reply).where(IdempotencyKey.hall == self.hall, IdempotencyKey.key == key)
            ).scalar()
        return reply.encode() if reply is not None else None

    def save_reply(self, r: IdempotentReply) -> None:
        """Keep one answer outside a batch (the case desk). A key already kept stays as it was."""
        try:
            with self.engine.begin() as c:
                self._fast.replies(c, [(self.hall, r.key, r.type, r.reply.decode(), r.at)])
        except IntegrityError:
            pass

    # ------------------------------------------------------------------ writing
    def commit_batch(
        self, events: list[Event], replies: list[IdempotentReply], data: list[str] | None = None
    ) -> None:
        """Persist a batch durably: events, their projections, counters and replies.
        ``data`` is each event's ``event_json``, when the caller has it already."""
        if not events and not replies:
            return
        if data is None:
            data = [event_json(e.data) for e in events]
        with self.engine.begin() as c:
            if events:
                self._fast.events(
                    c, [(self.hall, e.seq, e.type, e.at, e.data.get("ticket"), d) for e, d in zip(events, data, strict=True)]
                )
                self._project(c, events)
            if replies:
                self._fast.replies(
                    c, [(self.hall, r.key, r.type, r.reply.decode(), r.at) for r in replies], newest_wins=True
                )

    def _project(self, c: Connection, events: list[Event]) -> None:
        """Update the projection tables in event order, running consecutive changes of one
        kind as a single executemany (a burst of issues becomes one INSERT)."""
        run_kind: str | None = None
        run: list[dict[str, Any]] = []
        counters: dict[tuple[str, str], int] = {}

        def flush() -> None:
            if not run:
                return
            if run_kind == "issued":
                self._fast.tickets(c, [tuple(r[col] for col in _TICKET_COLUMNS) for r in run])
            else:
                c.execute(_UPDATES[run_kind], list(run))
            run.clear()

        for e in events:
            kind, params = self._ticket_change(e)
            if kind is None:
                flush()
                self._project_other(c, e)
                continue
            if kind != run_kind:
                flush()
                run_kind = kind
            run.append(params)
            if kind == "issued":
                counters[(e.data["day"], e.data["prefix"])] = e.data["counter"]
        flush()
        for (day, prefix), last in counters.items():
            self._upsert_counter(c, day, prefix, last)

    def _ticket_change(self, e: Event) -> tuple[str | None, dict[str, Any]]:
        d = e.data
        t = e.type
        if t == ev.TICKET_ISSUED:
            return "issued", {
                "id": d["ticket"],
                "hall": self.hall,
                "day": d["day"],
                "number": d["number"],
                "item_code": d["item"],
                "stream": d["stream"],
                "state": "waiting",
                "token": d["token"],
                "id_hash": d.get("id_hash"),
                "id_cipher": d.get("id_cipher"),
                "id_masked": d.get("id_masked"),
                "priority": d.get("priority"),
                "appointment": d.get("appointment"),
                "issued_at": e.at,
                "first_inquiry_clerk": d.get("first_inquiry_clerk"),
                "recalls": 0,
                "transfers": 0,
            }
        if t == ev.TICKET_CALLED:
            return t, {
                "_id": d["ticket"],
                "_state": "called",
                "_at": e.at,
                "_window": d["window"],
                "_clerk": d.get("clerk"),
                "_fic": d.get("first_inquiry_clerk"),
            }
        if t == ev.TICKET_RECALLED:
            return t, {"_id": d["ticket"], "_recalls": d["recalls"]}
        if t == ev.TICKET_STARTED:
            return t, {"_id": d["ticket"], "_state": "serving", "_at": e.at}
        if t in _ENDED:
            return "ended", {"_id": d["ticket"], "_state": _ENDED[t], "_at": e.at, "_outcome": d.get("outcome")}
        if t == ev.TICKET_TRANSFERRED:
            return t, {"_id": d["ticket"], "_state": "waiting", "_item": d.get("to_item")}
        if t == ev.TICKET_REQUEUED:
            return t, {"_id": d["ticket"], "_state": "waiting"}
        return None, {}

    def _project_other(self, c: Connection, e: Event) -> None:
        d = e.data
        if e.type == ev.APPOINTMENT_BOOKED:
            c.execute(
                insert(AppointmentRow).values(
                    code=d["appointment"],
                    hall=self.hall,
                    item_code=d["item"],
                    day=d["day"],
                    slot=d["slot"],
                    state="booked",
                    id_hash=d.get("id_hash"),
                    id_cipher=d.get("id_cipher"),
                    name_masked=d.get("name_masked", ""),
                    booked_at=e.at,
                )
            )
        elif e.type == ev.APPOINTMENT_CHECKED_IN:
            c.execute(
                update(AppointmentRow)
                .where(AppointmentRow.code == d["appointment"])
                .values(state="checked_in", ticket=d["ticket"])
            )
        elif e.type == ev.APPOINTMENT_CANCELLED:
            c.execute(update(AppointmentRow).where(AppointmentRow.code == d["appointment"]).values(state="cancelled"))
        # Window events change no projection: the event log is their record.

    def _upsert_counter(self, c: Connection, day: str, prefix: str, last: int) -> None:
        if self._counter_upsert is None:
            ins = (postgresql if self.dialect == "postgresql" else sqlite).insert(DailyCounter)
            stmt = ins.values(hall=bindparam("h"), day=bindparam("d"), prefix=bindparam("p"), last=bindparam("n"))
            self._counter_upsert = stmt.on_conflict_do_update(
                index_elements=["hall", "day", "prefix"], set_={"last": stmt.excluded.last}
            )
        c.execute(self._counter_upsert, {"h": self.hall, "d": day, "p": prefix, "n": last})

    # --------------------------------------------------------------- catalogue
    def latest_catalogue(self) -> CatalogueVersion | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.execute(
                select(CatalogueVersion)
                .where(CatalogueVersion.hall == self.hall)
                .order_by(CatalogueVersion.version.desc())
                .limit(1)
            ).scalar_one_or_none()

    def publish_catalogue(self, document: dict[str, Any], content_hash: str, by: str) -> tuple[int, bool]:
        """Store a new version of this hall's catalogue unless its newest has the same content
        (other halls of the database keep theirs). Returns (version, created)."""
        with self.engine.begin() as c:
            row = c.execute(
                select(CatalogueVersion.version, CatalogueVersion.content_hash)
                .where(CatalogueVersion.hall == self.hall)
                .order_by(CatalogueVersion.version.desc())
                .limit(1)
            ).first()
            if row is not None and row.content_hash == content_hash:
                return row.version, False
            version = (row.version if row else 0) + 1
            c.execute(
                insert(CatalogueVersion).values(
                    hall=self.hall,
                    version=version,
                    published_at=datetime.now(UTC),
                    published_by=by,
                    content_hash=content_hash,
                    document=document,
                )
            )
            c.execute(
                insert(AuditEntry).values(
                    at=datetime.now(UTC).timestamp(),
                    actor=by,
                    action="catalogue.publish",
                    subject=f"v{version}",
                    detail={"hall": self.hall, "content_hash": content_hash},
                )
            )
        return version, True

    def audited(self, actor: str, action: str, subject: str) -> bool:
        """Whether the audit log has ``actor``'s ``action`` on ``subject`` already."""
        with self.engine.connect() as c:
            return c.execute(
                select(AuditEntry.id)
                .where(AuditEntry.actor == actor, AuditEntry.action == action, AuditEntry.subject == subject)
                .limit(1)
            ).first() is not None

    def audit(self, actor: str, action: str, subject: str = "", **detail: Any) -> None:
        with self.engine.begin() as c:
            c.execute(
                insert(AuditEntry).values(
                    at=datetime.now(UTC).timestamp(), actor=actor, action=action, subject=subject, detail=detail
                )
            )
