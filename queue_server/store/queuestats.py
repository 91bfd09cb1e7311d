"""The queue report's counts in the database (``engine.queuestats`` says what counts where).

A day that is over is read from ``ticket_stat_days`` (its counts per item and per clerk) and
``ticket_hour_days`` (its arrivals per hour), made once from its tickets by the same pure
function, ``queuestats.day_stats``; today, and
any day not made yet, is counted from its tickets. Over a year of 1,000,000 tickets a month
is ~80,000 tickets but ~1,500 day rows (bench/web.py --only reports).

A day is made the first time a report covers it, after it is over. Tickets left open at the
end of their day (waiting when the hall closed) may still end later: the day remembers how
many were open when it was made, and is made again when that number has changed. The counts
are not moved in the transaction that ends a ticket: that transaction is the hall's hot
path, and a report of today reads today's few thousand tickets as fast as their counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..engine.queuestats import (
    COUNTS,
    OPEN_STATES,
    SERVICE_EDGES_MIN,
    WAIT_EDGES_MIN,
    DayCounts,
    Rollup,
    Stat,
    TicketFacts,
    day_stats,
    rollup,
)
from .models import OPEN_TICKETS, TicketHourDay, TicketRow, TicketStatBuilt, TicketStatDay

_D = TicketStatDay.__table__
_H = TicketHourDay.__table__
_B = TicketStatBuilt.__table__
_T = TicketRow.__table__
_SUMMED = [*COUNTS, "wait_sum", *(f"w{i}" for i in range(len(WAIT_EDGES_MIN) + 1)), "service_sum",
           *(f"s{i}" for i in range(len(SERVICE_EDGES_MIN) + 1))]  # fmt: skip
_FACTS = (_T.c.day, _T.c.issued_at, _T.c.item_code, _T.c.state, _T.c.called_at, _T.c.started_at, _T.c.ended_at,
          _T.c.clerk, _T.c.transfers)  # fmt: skip


def _facts(rows: Iterable[Any]) -> Iterable[TicketFacts]:
    make = TicketFacts._make
    for r in rows:
        yield make(r)


class QueueStats:
    """One hall's queue counts for a period of local days."""

    def __init__(self, engine: Engine, hall: str) -> None:
        self.engine = engine
        self.hall = hall

    # ------------------------------------------------------------------ reading
    def period(self, since: date, until: date, today: date, tz: ZoneInfo, targets: Mapping[str, int]) -> Rollup:
        """The counts of the tickets issued from ``since`` to ``until`` (both included)."""
        last_over = min(until, today - timedelta(days=1))
        if since <= last_over:
            self.make_days(since, last_over, tz, targets)
        out = Rollup()
        with self.engine.connect() as c:
            if since <= last_over:
                out.add(self._summed(c, since.isoformat(), last_over.isoformat()))
            first_open = max(since, today)
            if first_open <= until:
                out.add(rollup(self._counted(c, first_open.isoformat(), until.isoformat(), tz, targets)))
        return out

    def _summed(self, c: Connection, since: str, until: str) -> Rollup:
        where = (_D.c.hall == self.hall, _D.c.day >= since, _D.c.day <= until)
        sums = [func.sum(_D.c[name]).label(name) for name in _SUMMED]
        out = Rollup()
        for day, hour, n in c.execute(
            select(_H.c.day, _H.c.hour, _H.c.arrivals).where(_H.c.hall == self.hall, _H.c.day >= since, _H.c.day <= until)
        ):
            out.arrivals[(day, int(hour))] = int(n)
        for r in c.execute(
            select(_D.c.kind, _D.c.code, *sums, func.max(_D.c.service_max).label("service_max"))
            .where(*where)
            .group_by(_D.c.kind, _D.c.code)
        ).mappings():
            (out.by_item if r["kind"] == "item" else out.by_clerk)[r["code"]] = Stat.from_row(r)
        return out

    def _counted(
        self, c: Connection, since: str, until: str, tz: ZoneInfo, targets: Mapping[str, int]
    ) -> DayCounts:
        rows = c.execute(select(*_FACTS).where(_T.c.hall == self.hall, _T.c.day >= since, _T.c.day <= until))
        return day_stats(_facts(rows), tz, targets)

    # ------------------------------------------------------------------ making days
    def make_days(self, since: date, until: date, tz: ZoneInfo, targets: Mapping[str, int]) -> int:
        """Make the counts of the days from ``since`` to ``until`` that are not made yet, or whose
        open tickets have changed since; returns how many days were made."""
        s, u = since.isoformat(), until.isoformat()
        with self.engine.connect() as c:
            made = dict(
                c.execute(select(_B.c.day, _B.c.open).where(_B.c.hall == self.hall, _B.c.day >= s, _B.c.day <= u)).all()
            )
            # Few tickets are ever left open: the partial index ix_tickets_open has only those
            # (the query must spell its predicate as it does, literally, for SQLite to use it).
            still_open = dict(
                c.execute(
                    text(
                        f"SELECT day, count(*) FROM tickets WHERE hall = :h AND {OPEN_TICKETS}"
                        " AND day >= :s AND day <= :u GROUP BY day"
                    ),
                    {"h": self.hall, "s": s, "u": u},
                ).all()
            )
        todo = []
        d = since
        while d <= until:
            key = d.isoformat()
            if made.get(key) != still_open.get(key, 0):
                todo.append(key)
            d += timedelta(days=1)
        for day in todo:
            self.make_day(day, tz, targets)
        return len(todo)

    def make_day(self, day: str, tz: ZoneInfo, targets: Mapping[str, int]) -> None:
        """(Re)make one day's counts from its tickets, in one transaction."""
        try:
            with self.engine.begin() as c:
                facts = list(
                    _facts(c.execute(select(*_FACTS).where(_T.c.hall == self.hall, _T.c.day == day)))
                )
                counts = day_stats(facts, tz, targets)
                for table in (_D, _H, _B):
                    c.execute(delete(table).where(table.c.hall == self.hall, table.c.day == day))
                if counts.stats:
                    c.execute(
                        insert(_D),
                        [
                            {"hall": self.hall, "day": k[0], "kind": k[1], "code": k[2], **s.row()}
                            for k, s in counts.stats.items()
                        ],
                    )
                    c.execute(
                        insert(_H),
                        [{"hall": self.hall, "day": d, "hour": h, "arrivals": n} for (d, h), n in counts.hours.items()],
                    )
                c.execute(
                    insert(_B).values(
                        hall=self.hall, day=day, open=sum(f.state in OPEN_STATES for f in facts), built_at=time.time()
                    )
                )
        except IntegrityError:
            pass  # another report made the same day at the same moment: theirs stands


__all__ = ["QueueStats"]
