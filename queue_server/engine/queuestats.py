"""Queue statistics, pure: a ticket's recorded facts turned into counts, counts added up,
and the counts turned into the queue report's figures.

A ticket counts on the local day and hour it was issued, under the item it ended with (a
transfer may change it) and the clerk who last called it. Which tickets count where:

- arrivals: every ticket issued;
- waiting time: from issue to the (last) call, of every ticket called (a no-show waited too);
- service time: from the visitor coming to the window (``ticket.started``; the call when
  that moment is unknown) to the end, of tickets served (``done``);
- within target: served tickets whose wait was at most their item's wait target (an item the
  catalogue no longer lists has no target: its tickets are left out of the share);
- no-shows, cancelled, transferred: tickets that ended so (transferred: at least once); the
  no-show share is of the tickets called, the transferred share of the arrivals.

Times are summed and counted in buckets, so any number of days adds up exactly; a median or
90th percentile is given as the bucket it falls in ("90% within 15 minutes"), which is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

#: Upper edges of the waiting-time buckets, minutes (the last bucket is 60 and more).
WAIT_EDGES_MIN: tuple[int, ...] = (5, 10, 15, 20, 30, 45, 60)
#: Upper edges of the service-time buckets, minutes.
SERVICE_EDGES_MIN: tuple[int, ...] = (2, 5, 10, 15, 20, 30, 45, 60)
#: Counts summed as they are (the buckets and the maximum are handled apart).
COUNTS: tuple[str, ...] = (
    "arrivals", "called", "served", "no_shows", "cancelled", "transferred", "transfers", "timed",
    "within_target",
)  # fmt: skip
OPEN_STATES: tuple[str, ...] = ("waiting", "called", "serving")
WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"), ("周六", "Sat"), ("周日", "Sun"),
)  # fmt: skip

#: (local day of issue, "item" or "clerk", the item's code or the clerk's id, "" if never called)
StatKey = tuple[str, str, str]
#: (local day, hour of issue)
HourKey = tuple[str, int]


class TicketFacts(NamedTuple):
    """What the ``tickets`` projection records of one ticket, as the report needs it (a tuple:
    a day's thousands of rows are made from the database's rows cheaply)."""

    day: str
    issued_at: float
    item_code: str
    state: str
    called_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    clerk: str | None = None
    transfers: int = 0


def bucket(seconds: float, edges_min: tuple[int, ...]) -> int:
    """The bucket of a duration: the first edge it is under, or the last (open) bucket."""
    for i, edge in enumerate(edges_min):
        if seconds < edge * 60:
            return i
    return len(edges_min)


@dataclass(slots=True)
class Stat:
    """Counts of a set of tickets; ``add`` makes the counts of their union."""

    arrivals: int = 0
    called: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    transferred: int = 0
    transfers: int = 0
    timed: int = 0
    within_target: int = 0
    wait_sum: float = 0.0
    waits: list[int] = field(default_factory=lambda: [0] * (len(WAIT_EDGES_MIN) + 1))
    service_sum: float = 0.0
    service_max: float = 0.0
    services: list[int] = field(default_factory=lambda: [0] * (len(SERVICE_EDGES_MIN) + 1))

    def add(self, o: Stat) -> Stat:
        # Spelled out: a month of today's tickets goes through here (getattr loops cost 5x).
        self.arrivals += o.arrivals
        self.called += o.called
        self.served += o.served
        self.no_shows += o.no_shows
        self.cancelled += o.cancelled
        self.transferred += o.transferred
        self.transfers += o.transfers
        self.timed += o.timed
        self.within_target += o.within_target
        self.wait_sum += o.wait_sum
        self.service_sum += o.service_sum
        if o.service_max > self.service_max:
            self.service_max = o.service_max
        mine = self.waits
        for i, n in enumerate(o.waits):
            mine[i] += n
        mine = self.services
        for i, n in enumerate(o.services):
            mine[i] += n
        return self

    def count(self, f: TicketFacts, target_s: int | None) -> Stat:
        """Add one ticket."""
        self.arrivals += 1
        if f.transfers:
            self.transfers += f.transfers
            self.transferred += 1
        if f.called_at is not None:
            wait = max(0.0, f.called_at - f.issued_at)
            self.called += 1
            self.wait_sum += wait
            self.waits[bucket(wait, WAIT_EDGES_MIN)] += 1
            if f.state == "done":
                self.served += 1
                if target_s is not None:
                    self.timed += 1
                    if wait <= target_s:
                        self.within_target += 1
                start = f.started_at if f.started_at is not None else f.called_at
                if f.ended_at is not None:
                    service = max(0.0, f.ended_at - start)
                    self.service_sum += service
                    if service > self.service_max:
                        self.service_max = service
                    self.services[bucket(service, SERVICE_EDGES_MIN)] += 1
        if f.state == "no_show":
            self.no_shows += 1
        elif f.state == "cancelled":
            self.cancelled += 1
        return self

    @property
    def timed_services(self) -> int:
        return sum(self.services)

    # -------------------------------------------------- as a row of ticket_stat_days
    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in COUNTS}
        out.update(wait_sum=self.wait_sum, service_sum=self.service_sum, service_max=self.service_max)
        out.update({f"w{i}": n for i, n in enumerate(self.waits)})
        out.update({f"s{i}": n for i, n in enumerate(self.services)})
        return out

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> Stat:
        return cls(
            **{name: int(r[name] or 0) for name in COUNTS},
            wait_sum=float(r["wait_sum"] or 0),
            waits=[int(r[f"w{i}"] or 0) for i in range(len(WAIT_EDGES_MIN) + 1)],
            service_sum=float(r["service_sum"] or 0),
            service_max=float(r["service_max"] or 0),
            services=[int(r[f"s{i}"] or 0) for i in range(len(SERVICE_EDGES_MIN) + 1)],
        )


def clerk_of(f: TicketFacts) -> str:
    return (f.clerk or "") if f.called_at is not None else ""


def ticket_stat(f: TicketFacts, tz: ZoneInfo, target_s: int | None) -> tuple[str, str, int, Stat]:
    """One ticket's item, clerk ("" if never called), local hour of issue and counts."""
    return f.item_code, clerk_of(f), datetime.fromtimestamp(f.issued_at, tz).hour, Stat().count(f, target_s)


@dataclass(slots=True)
class DayCounts:
    """The counts of a set of tickets: the rows of ``ticket_stat_days`` and ``ticket_hour_days``."""

    stats: dict[StatKey, Stat] = field(default_factory=dict)
    hours: dict[HourKey, int] = field(default_factory=dict)


def day_stats(facts: Iterable[TicketFacts], tz: ZoneInfo, targets: Mapping[str, int]) -> DayCounts:
    """The counts of a set of tickets per day and item and per day and clerk (each ticket is
    in both), and their arrivals per day and hour."""
    out = DayCounts()
    hours = out.hours
    # Counted once per (day, item, clerk), then folded: each ticket is counted once, not twice.
    both: dict[tuple[str, str, str], Stat] = {}
    for f in facts:
        key = (f.day, f.item_code, clerk_of(f))
        s = both.get(key)
        if s is None:
            s = both[key] = Stat()
        s.count(f, targets.get(f.item_code))
        hk = (f.day, datetime.fromtimestamp(f.issued_at, tz).hour)
        hours[hk] = hours.get(hk, 0) + 1
    stats = out.stats
    for (day, item, clerk), s in both.items():
        for key in ((day, "item", item), (day, "clerk", clerk)):
            have = stats.get(key)
            stats[key] = Stat().add(s) if have is None else have.add(s)
    return out


@dataclass(slots=True)
class Rollup:
    """The counts a report shows: arrivals per (day, hour), and the counts per item and per clerk."""

    arrivals: dict[HourKey, int] = field(default_factory=dict)
    by_item: dict[str, Stat] = field(default_factory=dict)
    by_clerk: dict[str, Stat] = field(default_factory=dict)

    def add(self, o: Rollup) -> Rollup:
        for k, n in o.arrivals.items():
            self.arrivals[k] = self.arrivals.get(k, 0) + n
        for mine, theirs in ((self.by_item, o.by_item), (self.by_clerk, o.by_clerk)):
            for k, s in theirs.items():
                have = mine.get(k)
                mine[k] = Stat().add(s) if have is None else have.add(s)
        return self

    @property
    def total(self) -> Stat:
        out = Stat()
        for s in self.by_item.values():
            out.add(s)
        return out


def rollup(counts: DayCounts) -> Rollup:
    """Day counts summed as the report shows them (what the SQL ``GROUP BY`` does over the tables)."""
    out = Rollup(arrivals=dict(counts.hours))
    for (_day, kind, code), s in counts.stats.items():
        group = out.by_item if kind == "item" else out.by_clerk
        have = group.get(code)
        group[code] = Stat().add(s) if have is None else have.add(s)
    return out


# ------------------------------------------------------------------ figures
def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def within_edge(counts: list[int], edges_min: tuple[int, ...], p: float) -> int | None:
    """The smallest bucket edge (minutes) under which at least share ``p`` of the counts fall;
    None when none do (they fall in the open last bucket) or there are no counts."""
    total = sum(counts)
    if not total:
        return None
    running = 0
    for n, edge in zip(counts, edges_min, strict=False):
        running += n
        if running >= p * total:
            return edge
    return None


def time_figures(s: Stat) -> dict[str, Any]:
    """Service time of a set of served tickets: count, mean, longest (minutes), the bucket edges
    of the median and the 90th percentile."""
    n = s.timed_services
    return {
        "count": n,
        "mean_min": round(s.service_sum / n / 60, 1) if n else 0.0,
        "max_min": round(s.service_max / 60, 1),
        "median_within_min": within_edge(s.services, SERVICE_EDGES_MIN, 0.5),
        "p90_within_min": within_edge(s.services, SERVICE_EDGES_MIN, 0.9),
    }


def queue_figures(r: Rollup, days: list[date], name: Callable[[str, str], Any]) -> dict[str, Any]:
    """The report's figures from its counts. ``days``: the period's days (arrivals by weekday
    count each weekday of it); ``name(kind, code)`` how an item or a clerk is shown."""
    total = r.total
    by_hour = [0] * 24
    by_weekday = [0] * 7
    for (day, hour), n in r.arrivals.items():
        by_hour[hour] += n
        by_weekday[date.fromisoformat(day).weekday()] += n
    weekday_days = [0] * 7
    for d in days:
        weekday_days[d.weekday()] += 1
    hours = [h for h in range(24) if by_hour[h]]
    first, last = (min(hours), max(hours)) if hours else (8, 17)
    lo, hi = min(first, 8), max(last, 17)  # a working day is shown whole, even a quiet one
    waits = total.waits
    return {
        "totals": {
            "arrivals": total.arrivals,
            "called": total.called,
            "served": total.served,
            "no_shows": total.no_shows,
            "no_show_share": share(total.no_shows, total.called),
            "cancelled": total.cancelled,
            "transferred": total.transferred,
            "transfers": total.transfers,
            "transferred_share": share(total.transferred, total.arrivals),
            "timed": total.timed,
            "within_target": total.within_target,
            "within_target_share": share(total.within_target, total.timed),
            "wait_mean_min": round(total.wait_sum / total.called / 60, 1) if total.called else 0.0,
            "wait_median_within_min": within_edge(waits, WAIT_EDGES_MIN, 0.5),
            "wait_p90_within_min": within_edge(waits, WAIT_EDGES_MIN, 0.9),
        },
        "arrivals_by_hour": [{"hour": h, "arrivals": by_hour[h]} for h in range(lo, hi + 1)],
        "arrivals_by_weekday": [
            {
                "weekday": i + 1,
                "label": {"zh": WEEKDAYS[i][0], "en": WEEKDAYS[i][1]},
                "days": weekday_days[i],
                "arrivals": by_weekday[i],
            }
            for i in range(7)
        ],
        "wait_distribution": [
            {
                "from_min": ([0, *WAIT_EDGES_MIN])[i],
                "to_min": WAIT_EDGES_MIN[i] if i < len(WAIT_EDGES_MIN) else None,
                "tickets": n,
                "share": share(n, total.called),
            }
            for i, n in enumerate(waits)
        ],
        "service_by_item": [
            {"item_code": code, "name": name("item", code), **_group(s)}
            for code, s in sorted(r.by_item.items(), key=lambda kv: (-kv[1].arrivals, kv[0]))
        ],
        "service_by_clerk": [
            {"clerk": name("clerk", code), **_group(s)}
            for code, s in sorted(r.by_clerk.items(), key=lambda kv: (-kv[1].served, kv[0]))
            if code  # tickets never called have no clerk
        ],
    }


def _group(s: Stat) -> dict[str, Any]:
    return {
        "arrivals": s.arrivals,
        "served": s.served,
        "no_shows": s.no_shows,
        "transferred": s.transferred,
        "within_target_share": share(s.within_target, s.timed),
        "service": time_figures(s),
    }
