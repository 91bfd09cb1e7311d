"""Persistence: SQLAlchemy models, Alembic migrations, the hall store (event log + projections)."""

from .casestore import CaseStore, CaseSummary
from .db import DEFAULT_URL, make_engine, migrate
from .hallstore import HallStore, IdempotentReply

__all__ = ["DEFAULT_URL", "CaseStore", "CaseSummary", "HallStore", "IdempotentReply", "make_engine", "migrate"]
