"""The waiting line as heaps, so call-next costs O(log n) instead of a scan.

A waiting ticket sits in one or more *lanes*: its item's lane and its stream's lane (a
dedicated window reads item lanes, a comprehensive window its stream lane), a target window's
lane after a transfer, or its first-inquiry clerk's lane while reserved. Each lane holds three
heaps for the tiers of the call-next order: transfers, priority and normal.

Entries are never removed from the middle of a heap. When a ticket leaves the line or moves
to another tier its generation goes up, and entries with an older generation are dropped
when they reach the top (lazy deletion). A heap whose stale entries outnumber its live ones is
rebuilt, so memory stays proportional to the live line.
"""

from __future__ import annotations

import heapq
from typing import Any

from .model import Ticket, TicketState

COMPACT_MIN_STALE = 512


def is_live(tickets: dict[str, Ticket], entry: tuple[Any, ...]) -> bool:
    """An entry counts while its ticket waits at the entry's generation. (``Heap.peek``
    repeats this inline: it is the hot path of every call.)"""
    t = tickets.get(entry[-2])
    return t is not None and t.gen == entry[-1] and t.state is TicketState.WAITING


class Heap:
    __slots__ = ("entries", "stale")

    def __init__(self) -> None:
        # Entries are tuples (*key, ticket_id, generation); keys are unique because each
        # key ends with the ticket's issue sequence number.
        self.entries: list[tuple[Any, ...]] = []
        self.stale = 0

    def push(self, entry: tuple[Any, ...]) -> None:
        heapq.heappush(self.entries, entry)

    def peek(self, tickets: dict[str, Ticket]) -> tuple[Any, ...] | None:
        entries = self.entries
        while entries:
            top = entries[0]
            t = tickets.get(top[-2])
            if t is not None and t.gen == top[-1] and t.state is TicketState.WAITING:
                return top
            heapq.heappop(entries)
            if self.stale:
                self.stale -= 1
        return None

    def mark_stale(self, tickets: dict[str, Ticket]) -> None:
        self.stale += 1
        if self.stale > COMPACT_MIN_STALE and self.stale * 2 > len(self.entries):
            self.compact(tickets)

    def compact(self, tickets: dict[str, Ticket]) -> None:
        self.entries = [e for e in self.entries if is_live(tickets, e)]
        heapq.heapify(self.entries)
        self.stale = 0

    def __len__(self) -> int:
        return len(self.entries) - self.stale


class Lane:
    __slots__ = ("normal", "priority", "transfers")

    def __init__(self) -> None:
        self.transfers = Heap()  # key: (transferred_at, seq)
        self.priority = Heap()  # key: (priority_since, seq)
        self.normal = Heap()  # key: (seq,)


class LaneIndex:
    """All lanes of a hall, created on first use."""

    def __init__(self) -> None:
        self._lanes: dict[tuple[str, object], Lane] = {}

    def lane(self, scope: str, key: object) -> Lane:
        k = (scope, key)
        lane = self._lanes.get(k)
        if lane is None:
            lane = self._lanes[k] = Lane()
        return lane

    def existing(self, scope: str, key: object) -> Lane | None:
        return self._lanes.get((scope, key))

    def clear(self) -> None:
        self._lanes.clear()


def place(ticket: Ticket, heap: Heap, key: tuple[Any, ...]) -> None:
    heap.push((*key, ticket.id, ticket.gen))
    ticket.homes.append(heap)


def unplace(ticket: Ticket, tickets: dict[str, Ticket]) -> None:
    """Invalidate every entry of the ticket (its generation moves on)."""
    ticket.gen += 1
    for heap in ticket.homes:
        heap.mark_stale(tickets)
    ticket.homes = []


def best(candidates: list[tuple[Any, ...] | None]) -> tuple[Any, ...] | None:
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


