"""Persistence: SQLAlchemy models, Alembic migrations, the hall store (event log + projections)."""

from .casestore import CaseStore, CaseSummary
from .db import DEFAULT_URL, make_engine, migrate
from .hallstore import HallStore, IdempotentReply, event_json

__all__ = ["DEFAULT_URL", "CaseStore", "CaseSummary", "HallStore", "IdempotentReply", "event_json", "make_engine", "migrate"]
