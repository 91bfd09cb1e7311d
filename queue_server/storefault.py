"""When the store fails: what went wrong, in words for ``/health`` and for the visitors
refused meanwhile, and how long to wait before the next attempt to recover.

The hall loop keeps one ``StoreFault`` while its writes fail (a database outage, a full
disk, a read-only file):

1. refusing: every request is answered 'unavailable' at once with the fault's message;
   after ``retry_delay`` seconds (doubling up to ``MAX_RETRY_S``, so the hall serves again
   within about a second of the fault ending) the loop rebuilds the live queue from what was
   committed;
2. on probation: the rebuild worked (the store can be read), so requests are taken again,
   but the fault is still reported until a write succeeds (a batch, or a probe write when
   the hall is quiet). A failed write goes back to refusing with a longer delay; a full
   disk can be read long before it can be written.

A fault that comes back within ``RELAPSE_S`` of its end is the same fault going on (its
start and its backoff continue), so a disk that fills again at once is not hammered.
"""

from __future__ import annotations

import errno
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .service import Outcome

FIRST_RETRY_S = 0.05
MAX_RETRY_S = 1.0
RELAPSE_S = 30.0
QUIET_PROBE_S = 0.5  # on probation with no batch to prove it, a probe write after this

#: problem -> (English, Chinese): what a visitor, clerk or manager is told.
PROBLEMS: dict[str, tuple[str, str]] = {
    "database_unreachable": ("the hall's database cannot be reached", "无法连接大厅数据库"),
    "disk_full": ("the hall server's disk is full", "大厅服务器磁盘已满"),
    "read_only": ("the hall's database cannot be written", "大厅数据库无法写入"),
    "disk_error": ("the hall server's disk cannot be written", "大厅服务器磁盘读写出错"),
    "database_error": ("the hall's database reports errors", "大厅数据库出错"),
    "database_busy": ("the hall's database is locked by another program", "大厅数据库被其他程序占用"),
}


def classify(exc: BaseException | None) -> str:
    """A store failure as one of ``PROBLEMS`` (the full exception goes to the log only)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "disk_full"
        if isinstance(exc, OSError) and exc.errno in (errno.EIO, errno.EROFS, errno.EPERM):
            return "disk_error"
        text = str(exc).lower()
        sqlstate = getattr(exc, "sqlstate", None) or ""
        if "disk is full" in text or "no space left" in text or sqlstate == "53100":
            return "disk_full"
        if "readonly" in text or "read-only" in text or "read only" in text or sqlstate == "25006":
            return "read_only"
        if "database is locked" in text:
            return "database_busy"
        if "disk i/o error" in text:
            return "disk_error"
        if (
            "connection" in text
            or "could not connect" in text
            or "server closed" in text
            or "terminating" in text
            or sqlstate.startswith("08")
            or sqlstate in ("57P01", "57P02", "57P03")
        ):
            return "database_unreachable"
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return "database_error"


@dataclass
class StoreFault:
    problem: str
    since: float = field(default_factory=time.time)
    attempts: int = 0
    next_try: float = field(default_factory=time.monotonic)
    #: Since when (time.monotonic()) requests are taken again after a rebuild; None while refusing.
    probation: float | None = None

    def failed_again(self, exc: BaseException | None) -> None:
        """A recovery attempt (a rebuild, or a write on probation) failed: refuse again and
        wait longer before the next attempt."""
        self.problem = classify(exc) if exc is not None else self.problem
        self.attempts += 1
        self.probation = None
        self.next_try = time.monotonic() + self.retry_delay

    @property
    def refusing(self) -> bool:
        return self.probation is None

    @property
    def retry_delay(self) -> float:
        return min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** min(self.attempts, 16))

    def details(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "since": datetime.fromtimestamp(self.since, UTC).isoformat(timespec="seconds"),
            "recovery_attempts": self.attempts,
            "retry_after_s": 1,
        }

    def outcome(self) -> Outcome:
        """What every request is answered while the fault lasts."""
        en, zh = PROBLEMS.get(self.problem, PROBLEMS["database_error"])
        return Outcome(
            False,
            code="unavailable",
            message=f"the hall cannot take requests right now ({en}); please try again shortly",
            message_zh=f"大厅暂时无法办理（{zh}），请稍后重试",
            details=self.details(),
        )
