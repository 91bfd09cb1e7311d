"""Tables. ``hall_events`` is the record of every state change (the engine replays it);
the other hall tables are projections of it kept in the same transaction, for queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Hall(Base):
    __tablename__ = "halls"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(16), default="district")  # district / town / village
    parent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CatalogueVersion(Base):
    """A published catalogue of one hall: halls of a city share a database, not a catalogue
    (a village point offers fewer items than its district hall)."""

    __tablename__ = "catalogue_versions"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]


class WindowRow(Base):
    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("hall", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall: Mapped[str] = mapped_column(String(16))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    stream: Mapped[str] = mapped_column(String(20))
    items: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"codes": [...]} for dedicated windows
    name: Mapped[str] = mapped_column(String(100), default="")


class Clerk(Base):
    __tablename__ = "clerks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hall: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50))
    staff_no: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(30), default="")
    department: Mapped[str] = mapped_column(String(32), default="")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    #: The hall the token works at; None only for a city admin's token (every hall).
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class User(Base):
    """A member of staff who signs in to the web pages (clerk, department reviewer, manager,
    admin). Only an argon2 hash of the password is kept. A clerk's or reviewer's account
    links to a clerk of the hall configuration (``clerks``), whose identity the hall's rules
    check (who signed in at a window, whose department decides)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("hall", "username"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # clerk / reviewer / manager / admin
    clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in session of the web pages. The cookie carries its ``sid``; a session is
    over once ``ended_at`` is set (sign-out; the account disabled or given a new password),
    which a signed cookie alone could not say: a copy of it would outlive sign-out."""

    __tablename__ = "web_sessions"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Device(Base):
    __tablename__ = "devices"
    #: Names are the hall's own: H01 and H77 may each have a kiosk-1.
    __table_args__ = (UniqueConstraint("hall", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # kiosk / display / callpad / console
    public_key: Mapped[str] = mapped_column(String(40), unique=True)  # Z85
    window: Mapped[int | None] = mapped_column(nullable=True)  # a call pad's window
    enrolled_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class HallEventRow(Base):
    __tablename__ = "hall_events"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[float] = mapped_column(Float)  # POSIX seconds, exact for replay
    ticket: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    data: Mapped[dict[str, Any]]


#: A ticket not yet ended, as the partial index ``ix_tickets_open`` and the queries using it
#: spell it (literal values: SQLite uses a partial index only for the very same terms).
OPEN_TICKETS = "state IN ('waiting', 'called', 'serving')"


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_hall_day", "hall", "day"),
        Index("ix_tickets_hall_state", "hall", "state"),
        # A returning visitor's last matter here: without hall and time in it, SQLite chose
        # (hall, state) and read every ticket of the hall for each visitor with an ID card.
        Index("ix_tickets_visitor", "id_hash", "hall", "issued_at"),
        # The few tickets still open: the queue report asks which days have some (queuestats);
        # over every ticket of the hall, SQLite read them all to find those few.
        Index(
            "ix_tickets_open",
            "hall",
            "day",
            sqlite_where=text(OPEN_TICKETS),
            postgresql_where=text(OPEN_TICKETS),
        ),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    hall: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(10))
    item_code: Mapped[str] = mapped_column(String(32))
    stream: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    token: Mapped[str] = mapped_column(String(40), index=True)
    id_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    id_cipher: Mapped[str | None] = mapped_column(Text, nullable=True)
    id_masked: Mapped[str | None] = mapped_column(String(20), nullable=True)
    priority: Mapped[str | None] = mapped_column(String(16), nullable=True)
    appointment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    issued_at: Mapped[float] = mapped_column(Float)
    called_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # When the visitor came to the window (ticket.started): service time is ended_at minus it
    # (migration 0012; before it only the event log had the moment).
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    window: Mapped[int | None] = mapped_column(nullable=True)
    clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    first_inquiry_clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    recalls: Mapped[int] = mapped_column(default=0)
    transfers: Mapped[int] = mapped_column(default=0)


class TicketStatDay(Base):
    """The queue report's counts per hall and local day of issue, once per item and once per
    serving clerk (``engine.queuestats``): a month's report reads a month of these instead of
    every ticket. Made for a day once it is over, by ``store.queuestats`` (migration 0012)."""

    __tablename__ = "ticket_stat_days"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "item" or "clerk"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # clerk "": never called
    arrivals: Mapped[int]
    called: Mapped[int]
    served: Mapped[int]
    no_shows: Mapped[int]
    cancelled: Mapped[int]
    transferred: Mapped[int]  # tickets transferred at least once
    transfers: Mapped[int]  # transfers made
    timed: Mapped[int]  # served tickets whose item has a wait target
    within_target: Mapped[int]
    wait_sum: Mapped[float] = mapped_column(Float)
    # wait buckets (minutes): <5, <10, <15, <20, <30, <45, <60, 60 and more
    w0: Mapped[int]
    w1: Mapped[int]
    w2: Mapped[int]
    w3: Mapped[int]
    w4: Mapped[int]
    w5: Mapped[int]
    w6: Mapped[int]
    w7: Mapped[int]
    service_sum: Mapped[float] = mapped_column(Float)
    service_max: Mapped[float] = mapped_column(Float)
    # service buckets (minutes): <2, <5, <10, <15, <20, <30, <45, <60, 60 and more
    s0: Mapped[int]
    s1: Mapped[int]
    s2: Mapped[int]
    s3: Mapped[int]
    s4: Mapped[int]
    s5: Mapped[int]
    s6: Mapped[int]
    s7: Mapped[int]
    s8: Mapped[int]


class TicketHourDay(Base):
    """Tickets issued per hall, local day and hour: arrivals by hour and weekday (kept apart
    from ``ticket_stat_days`` so that table has no row per hour as well)."""

    __tablename__ = "ticket_hour_days"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    arrivals: Mapped[int]


class TicketStatBuilt(Base):
    """A day whose ``ticket_stat_days`` are made, and how many of its tickets were still open
    then: when that number changes (one ended late), the day is made again."""

    __tablename__ = "ticket_stat_built"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    open: Mapped[int]
    built_at: Mapped[float] = mapped_column(Float)


class DailyCounter(Base):
    """Last ticket number per hall, day and prefix; updated in the issuing transaction."""

    __tablename__ = "daily_counters"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    last: Mapped[int]


class AppointmentRow(Base):
    __tablename__ = "appointments"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    hall: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    slot: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(12))
    id_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id_cipher: Mapped[str | None] = mapped_column(Text, nullable=True)
    name_masked: Mapped[str] = mapped_column(String(40), default="")
    ticket: Mapped[str | None] = mapped_column(String(40), nullable=True)
    booked_at: Mapped[float] = mapped_column(Float)


class IdempotencyKey(Base):
    """The first answer to a request key, so a retry gets it again (even after a restart)."""

    __tablename__ = "idempotency_keys"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    reply: Mapped[str] = mapped_column(Text)  # the encoded reply body
    at: Mapped[float] = mapped_column(Float, index=True)


class Checkpoint(Base):
    """The engine's state at an event sequence number; recovery starts from the newest."""

    __tablename__ = "checkpoints"
    hall: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[float] = mapped_column(Float)
    state: Mapped[dict[str, Any]]


class AuditEntry(Base):
    """Who read or changed personal data, or used an administrative power."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# ---------------------------------------------------------------- cases
# Cases are city-wide (同城通办): several halls' servers write them, so each case's log is
# appended with optimistic concurrency on (case_id, n); the other tables are projections
# updated in the same transaction (see ``casestore.py``).


class CaseEventRow(Base):
    """The log of one case: n = 1, 2, 3… gap-free per case; a duplicate key means another hall wrote first."""

    __tablename__ = "case_events"
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[float] = mapped_column(Float)  # POSIX seconds, exact for replay
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    data: Mapped[dict[str, Any]]


class CaseSubmission(Base):
    """Which case a submit request made: a retried submit (same request key, even after a
    crash between the case's write and its reply) finds its case instead of making another."""

    __tablename__ = "case_submissions"
    request_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[float] = mapped_column(Float)


class CaseRow(Base):
    """One row per case, the state after its last event (``version`` = that event's n).
    Card columns: ``yellow_on``/``red_on``/``due`` while the clock runs (the card is then two
    date comparisons); while paused they are NULL and ``card``/``held_remaining`` hold what
    stands still. ``due_ordinal`` is the working-day ordinal of ``due`` (days left = it minus
    today's). ``completed_on`` is the decision day: from then on the case carries no card."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_clerk_state", "first_inquiry_clerk", "state"),
        # Wide enough to answer the open-case cards from the index alone (bench/cases.py).
        Index("ix_cases_supervision", "state", "red_on", "yellow_on", "card", "completed_on", "lead_department"),
        Index("ix_cases_closed_report", "outcome", "closed_at", "statutory_days", "used_days", "visits"),
        Index("ix_cases_applicant", "applicant_hash"),
        Index("ix_cases_agent", "agent_hash"),
        Index("ix_cases_closed_at", "closed_at"),
        Index("ix_cases_verify", "lead_department", "verified", "verify_due"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int]
    item_code: Mapped[str] = mapped_column(String(32))
    lead_department: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    applicant_hash: Mapped[str] = mapped_column(String(128))
    agent_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    first_inquiry_clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hall_submitted: Mapped[str | None] = mapped_column(String(16), nullable=True)
    hall_accepted: Mapped[str | None] = mapped_column(String(16), nullable=True)
    hall_handed_out: Mapped[str | None] = mapped_column(String(16), nullable=True)
    submitted_at: Mapped[float] = mapped_column(Float)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    visits: Mapped[int] = mapped_column(default=0)
    notices: Mapped[int] = mapped_column(default=0)
    flagged_notices: Mapped[int] = mapped_column(default=0)
    commitment: Mapped[bool] = mapped_column(Boolean, default=False)
    statutory_days: Mapped[int]
    promised_days: Mapped[int]
    used_days: Mapped[int | None] = mapped_column(nullable=True)  # working days to the decision
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_ordinal: Mapped[int | None] = mapped_column(nullable=True)
    yellow_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    red_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    card: Mapped[str | None] = mapped_column(String(8), nullable=True)  # held card while paused
    held_remaining: Mapped[int | None] = mapped_column(nullable=True)
    # 告知承诺: the later check's due day, and its result once done (None: not checked yet)
    verify_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class CaseTaskRow(Base):
    """A department's share of a parallel case (并联办理), with its own card dates."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        Index("ix_case_tasks_supervision", "decision", "red_on", "yellow_on"),
        Index("ix_case_tasks_cards", "decision", "yellow_on", "department"),
    )
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead: Mapped[bool] = mapped_column(Boolean)
    opened_on: Mapped[date] = mapped_column(Date)
    limit_days: Mapped[int]
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    due: Mapped[date] = mapped_column(Date)
    due_ordinal: Mapped[int]
    yellow_on: Mapped[date] = mapped_column(Date)
    red_on: Mapped[date] = mapped_column(Date)


class CaseNoticeRow(Base):
    """一次性告知 as stored and printed; ``flagged`` when it asked for something the first did not."""

    __tablename__ = "case_notices"
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[float] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(32))
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    materials: Mapped[dict[str, Any]]  # {"materials": [...], "new": [...], "asked_again": [...]}
    flagged: Mapped[bool] = mapped_column(Boolean, index=True)


class CertificateRow(Base):
    """电子证照. The verification code is kept as its SHA-256 (recompute it from the hall secret to print)."""

    __tablename__ = "certificates"
    number: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    holder_hash: Mapped[str] = mapped_column(String(128), index=True)
    holder_name_masked: Mapped[str] = mapped_column(String(40), default="")
    department: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prints: Mapped[int] = mapped_column(default=0)


class EvaluationRow(Base):
    """好差评: one per service event (unique), a follow-up due for a bad rating."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", "service_event", name="uq_evaluations_service_event"),
        Index("ix_evaluations_follow_up", "follow_up_due"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[str] = mapped_column(String(40))
    service_event: Mapped[str] = mapped_column(String(80))
    level: Mapped[int]
    source: Mapped[str] = mapped_column(String(8))
    at: Mapped[float] = mapped_column(Float, index=True)
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    window: Mapped[int | None] = mapped_column(nullable=True)
    clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    follow_up_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    follow_up_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ComplaintRow(Base):
    """投诉: filed → accepted → answered → closed; ``history`` is [[state, at, by], ...]."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_state", "state"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))
    filed_at: Mapped[float] = mapped_column(Float)
    accept_due: Mapped[date] = mapped_column(Date)
    subject_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # ``cases.ComplaintCategory``; complaints filed before revision 0009 are "other"
    category: Mapped[str] = mapped_column(String(12), server_default="other")
    # the number to answer on, encrypted (``Privacy.encrypt_text``); shown masked
    phone_cipher: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(10))
    handler: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answer_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    history: Mapped[dict[str, Any]]  # {"steps": [[state, at, by], ...]}


class CaseTierDay(Base):
    """三四三 counts kept as cases close: closed, handled cases (outcome ``handed_out`` or
    ``rejected``) per closing day and tier (``reports.case_tier``), so a report over years of
    history sums a few thousand rows instead of reading a million cases (bench/cases.py).
    ``closed_day`` numbers days from 1970-01-01 in China Standard Time (``casereports.closing_day``).
    ``CaseStore._project`` moves a case's count in the transaction that writes its row; a row
    whose count falls to zero is deleted, so the table equals ``casereports.recount_tier_days``."""

    __tablename__ = "case_tier_days"
    closed_day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    cases: Mapped[int]


# The supervision list's case lines from the index alone, over the cases with no decision yet
# (the open ones and the withdrawn ones, which the state prefix skips): the million closed
# cases are not in it, so neither database plans a scan of ``cases`` (bench/cases.py).
OPEN_CASE_COLUMNS = (
    "state", "yellow_on", "red_on", "card", "held_remaining", "due_ordinal", "due", "promised_days",
    "item_code", "lead_department", "first_inquiry_clerk", "id", "completed_on",
)  # fmt: skip
Index(
    "ix_cases_open",
    *(CaseRow.__table__.c[name] for name in OPEN_CASE_COLUMNS),
    sqlite_where=CaseRow.__table__.c.completed_on.is_(None),
    postgresql_where=CaseRow.__table__.c.completed_on.is_(None),
)


# ---------------------------------------------------------------- captured pages
# A kiosk's camera pages arrive in chunks that fit one ZeroMQ frame. They are addressed by their
# SHA-256, so a retried or repeated chunk, or the same page sent again, stores nothing twice.
# See ``pagestore.py``.


class PageUpload(Base):
    """A page being uploaded: its shape is fixed by the first chunk; gone once assembled."""

    __tablename__ = "page_uploads"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    count: Mapped[int]
    started_at: Mapped[float] = mapped_column(Float, index=True)
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kiosk: Mapped[str] = mapped_column(String(64), index=True)


class PageChunk(Base):
    """One received chunk of a page being uploaded (bytes ``index * L`` on, L = ceil(size / count))."""

    __tablename__ = "page_chunks"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[float] = mapped_column(Float)


class PageBlob(Base):
    """A complete page whose bytes hashed to its key. ``seen_at`` is the last upload or
    submit naming it: pages no case took are pruned by it."""

    __tablename__ = "page_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[float] = mapped_column(Float)
    seen_at: Mapped[float] = mapped_column(Float, index=True)
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kiosk: Mapped[str] = mapped_column(String(64))


class CasePageRow(Base):
    """A captured page of a case (numbered from 1 per case), the material it shows and where it was captured."""

    __tablename__ = "case_pages"
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    material: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    captured_at: Mapped[float] = mapped_column(Float)
    hall: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kiosk: Mapped[str] = mapped_column(String(64))
