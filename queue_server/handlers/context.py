"""What the handlers reach through the hall, made once when the hall opens (``HallService``):
the service itself, its engine and catalogue (both replaced at times: read through here),
privacy, the stores of cases, feedback, pages and reports, the failure budget of wrong
codes, the hall's names and the clock.

Handlers run on the hall loop's thread and on the case desk's worker threads at once: every
store is made here, before either starts, so none is made twice; the hall's names are read
on first use under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..store.casereports import CaseReports
from ..store.casestore import CaseStore
from ..store.feedbackstore import FeedbackStore
from ..store.pagestore import PageStore
from ..store.queuestats import QueueStats
from ..throttle import FailureBudget

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..engine import HallEngine
    from ..links import PublicLinks
    from ..privacy import Privacy
    from ..service import HallService


class HallContext:
    """The first argument of every handler."""

    def __init__(self, service: HallService) -> None:
        self.service = service
        self.privacy: Privacy = service.privacy
        self.clock: Callable[[], float] = service.clock
        rules = service.case_rules
        db = service.store.engine
        timezone = service.engine.tz.key
        self.cases = CaseStore(
            db,
            rules.calendar(),
            timezone=timezone,
            verification_days=rules.verification_days,
            card_rule=rules.card_rule(),
        )
        self.feedback = FeedbackStore(db, timezone=timezone)
        self.pages = PageStore(db, service.privacy)
        self.reports = CaseReports(db)
        self.queue_stats = QueueStats(db, service.store.hall)
        #: Wrong codes and tokens counted per client (``throttle``); tests give their own clock.
        self.budget = FailureBudget()
        #: When unfinished page uploads are next pruned (``page.upload`` checks it).
        self.pages_prune_at = 0.0
        self._hall_names: tuple[str, str] | None = None
        self._names_lock = threading.Lock()

    # ------------------------------------------------------------ read through the service
    @property
    def engine(self) -> HallEngine:
        """The live queue (the service rebuilds it after a failed commit)."""
        return self.service.engine

    @property
    def catalogue(self) -> Catalogue:
        """The published catalogue (a new one replaces it)."""
        return self.service.catalogue

    @property
    def links(self) -> PublicLinks:
        """The hall's public URLs: every link a reply carries is built by it."""
        return self.service.links

    @property
    def hall(self) -> str:
        """This hall's code."""
        return self.service.store.hall

    # ------------------------------------------------------------ derived
    def today(self, now: float) -> date:
        """The hall's local date at ``now``."""
        return datetime.fromtimestamp(now, self.engine.tz).date()

    def hall_names(self) -> tuple[str, str]:
        """This hall's name in Chinese and English (from ``init``; read once)."""
        names = self._hall_names
        if names is None:
            with self._names_lock:
                names = self._hall_names
                if names is None:
                    names = self._hall_names = self.service.store.names()
        return names
