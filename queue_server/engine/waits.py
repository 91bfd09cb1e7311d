"""The hall's waits against their targets, for the manager's dashboard (``hall.floor``).

Pure: the engine's live tickets and a clock in, plain numbers out. One pass over the live
tickets (10,000 waiting cost a few milliseconds), never a walk of the line per window.

The share of today's visitors called within their item's wait target comes from
:class:`ServedTally`, which the engine keeps as tickets are first called. The engine drops a
ticket once it is done, so the live tickets cannot tell; the store's ``tickets`` rows could
(``called_at``), but a query per dashboard refresh would run on the hall loop and keeps only
the *last* call of a ticket that was passed over or transferred. The tally costs two integer
additions per call, counts the first call (the visitor's real wait), is saved in the
engine's checkpoints and rebuilt by replaying the day's events, so it survives a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import ItemRule, Ticket, TicketState

#: The longest wait against the item's wait target: below this share of it green, then
#: yellow until the target, red past it (the clerk console's traffic light uses the same).
YELLOW_AT = 0.75


def light(ratio: float) -> str:
    return "green" if ratio < YELLOW_AT else "yellow" if ratio < 1 else "red"


@dataclass(slots=True)
class ServedTally:
    """Today's first calls per item: how many, and how many within the item's wait target.
    Only one day is kept (the newest seen): yesterday's figures are the reports' business."""

    day: str = ""
    #: item -> [called, within target]
    by_item: dict[str, list[int]] = field(default_factory=dict)

    def record(self, day: str, item: str, waited_s: float, target_s: int) -> None:
        if day != self.day:
            if day < self.day:  # a ticket of an earlier day called late: not today's visitor
                return
            self.day, self.by_item = day, {}
        row = self.by_item.get(item)
        if row is None:
            row = self.by_item[item] = [0, 0]
        row[0] += 1
        if waited_s <= target_s:
            row[1] += 1

    def of(self, day: str) -> dict[str, list[int]]:
        return self.by_item if day == self.day else {}

    def dump(self) -> dict[str, Any]:
        return {"day": self.day, "by_item": {k: list(v) for k, v in self.by_item.items()}}

    @classmethod
    def load(cls, data: Mapping[str, Any] | None) -> ServedTally:
        if not data:
            return cls()
        return cls(str(data["day"]), {k: [int(v[0]), int(v[1])] for k, v in data["by_item"].items()})


@dataclass(slots=True)
class ItemWait:
    item: str
    stream: str
    waiting: int = 0
    over_target: int = 0
    oldest_at: float | None = None  # issue time of the longest waiting


@dataclass(frozen=True, slots=True)
class Floor:
    """What the dashboard shows of the queue: per item and per stream who waits, the longest
    wait against the target, and the share called within target today."""

    items: list[dict[str, Any]]
    streams: list[dict[str, Any]]
    served: dict[str, Any]
    over_target: int


def floor(
    tickets: Iterable[Ticket],
    items: Mapping[str, ItemRule],
    tally: ServedTally,
    today: str,
    now: float,
) -> Floor:
    """Waits of the live ``tickets`` at ``now``. Items are listed worst first (the longest
    wait against its target), then by code; an item nobody waits for is not listed.

    The share served within target counts today's first calls, and also the tickets of
    today still waiting past their target: they can no longer be called in time, and leaving
    them out would make a hall that stopped calling look punctual."""
    waits: dict[str, ItemWait] = {}
    for t in tickets:
        if t.state is not TicketState.WAITING:
            continue
        w = waits.get(t.item)
        if w is None:
            w = waits[t.item] = ItemWait(t.item, t.stream)
        w.waiting += 1
        if w.oldest_at is None or t.issued_at < w.oldest_at:
            w.oldest_at = t.issued_at
        rule = items.get(t.item)
        if rule is not None and now - t.issued_at > rule.wait_target_s and t.day == today:
            w.over_target += 1
    lines = []
    streams: dict[str, dict[str, Any]] = {}
    for w in waits.values():
        rule = items.get(w.item)
        longest = max(0.0, now - w.oldest_at) if w.oldest_at is not None else 0.0
        target = rule.wait_target_s if rule is not None else 0
        ratio = longest / target if target else 0.0
        lines.append(
            {
                "item_code": w.item,
                "stream": w.stream,
                "waiting": w.waiting,
                "longest_wait_s": int(longest),
                "wait_target_s": target,
                "ratio": round(ratio, 3),
                "light": light(ratio),
                "over_target": w.over_target,
            }
        )
        s = streams.get(w.stream)
        if s is None:
            s = streams[w.stream] = {"stream": w.stream, "waiting": 0, "longest_wait_s": 0, "over_target": 0,
                                     "ratio": 0.0}
        s["waiting"] += w.waiting
        s["longest_wait_s"] = max(s["longest_wait_s"], int(longest))
        s["over_target"] += w.over_target
        s["ratio"] = max(s["ratio"], round(ratio, 3))
    lines.sort(key=lambda x: (-x["ratio"], x["item_code"]))
    for s in streams.values():
        s["light"] = light(s["ratio"])
    called = within = 0
    for c, w_in in tally.of(today).values():
        called += c
        within += w_in
    late = sum(w.over_target for w in waits.values())
    counted = called + late
    served = {
        "day": today,
        "called": called,
        "within_target": within,
        "waiting_over_target": late,
        "share": round(within / counted, 4) if counted else None,
    }
    return Floor(lines, sorted(streams.values(), key=lambda s: s["stream"]), served, late)
