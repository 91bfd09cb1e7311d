"""Tables. ``hall_events`` is the record of every state change (the engine replays it);
the other hall tables are projections of it kept in the same transaction, for queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
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
    __tablename__ = "catalogue_versions"
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
    name: Mapped[str] = mapped_column(String(100), default="")
    clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), unique=True)
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


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_hall_day", "hall", "day"),
        Index("ix_tickets_hall_state", "hall", "state"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    hall: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(10))
    item_code: Mapped[str] = mapped_column(String(32))
    stream: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    token: Mapped[str] = mapped_column(String(40), index=True)
    id_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id_cipher: Mapped[str | None] = mapped_column(Text, nullable=True)
    id_masked: Mapped[str | None] = mapped_column(String(20), nullable=True)
    priority: Mapped[str | None] = mapped_column(String(16), nullable=True)
    appointment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    issued_at: Mapped[float] = mapped_column(Float)
    called_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    window: Mapped[int | None] = mapped_column(nullable=True)
    clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    first_inquiry_clerk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    recalls: Mapped[int] = mapped_column(default=0)
    transfers: Mapped[int] = mapped_column(default=0)


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
