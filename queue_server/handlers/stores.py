"""The service's stores for cases, feedback and pages, and the hall's names, made on first use."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..store.casestore import CaseStore
from ..store.feedbackstore import FeedbackStore
from ..store.models import Hall
from ..store.pagestore import PageStore

if TYPE_CHECKING:
    from ..service import HallService

_store_lock = threading.Lock()


def case_store(svc: HallService) -> CaseStore:
    """The service's ``CaseStore``, made on first use (same database engine as the hall)."""
    store = getattr(svc, "_case_store", None)
    if store is None:
        rules = svc.case_rules
        store = CaseStore(
            svc.store.engine,
            rules.calendar(),
            timezone=svc.engine.tz.key,
            verification_days=rules.verification_days,
            card_rule=rules.card_rule(),
        )
        svc._case_store = store  # type: ignore[attr-defined]
    return store


def feedback_store(svc: HallService) -> FeedbackStore:
    """The service's ``FeedbackStore``, made on first use (same database engine as the hall)."""
    store = getattr(svc, "_feedback_store", None)
    if store is None:
        store = FeedbackStore(svc.store.engine, timezone=svc.engine.tz.key)
        svc._feedback_store = store  # type: ignore[attr-defined]
    return store


def page_store(svc: HallService) -> PageStore:
    """The service's ``PageStore`` (same database engine as the hall), made once."""
    store = getattr(svc, "_page_store", None)
    if store is None:
        with _store_lock:
            store = getattr(svc, "_page_store", None)
            if store is None:
                store = PageStore(svc.store.engine, svc.privacy)
                svc._page_store = store  # type: ignore[attr-defined]
    return store


def hall_names(svc: HallService) -> tuple[str, str]:
    """This hall's name in Chinese and English (from ``init``; read once)."""
    names = getattr(svc, "_hall_names", None)
    if names is None:
        with svc.store.engine.connect() as c:
            row = c.execute(select(Hall.name, Hall.name_en).where(Hall.code == svc.store.hall)).first()
        names = (row.name, row.name_en or row.name) if row else (svc.store.hall, svc.store.hall)
        svc._hall_names = names  # type: ignore[attr-defined]
    return names
