"""Call-next must cost O(log n) in the waiting line, and the line's index must stay
proportional to the live line (DESIGN.md, "Call next" and "Scale").

No clocks here: the tests count work. ``Meter`` counts every heap operation of the lanes and
of the engine's timers (``heapq`` in ``lanes`` and ``hall`` is swapped for a counting
wrapper) and every ticket the engine looks up or iterates over (``engine.tickets`` is swapped
for a counting dict), so a table scan shows up as n units of work.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest

from queue_server.engine import HallEngine, HallRules, ItemRule, TicketState, WindowDef, WindowKind
from queue_server.engine import hall as hall_module
from queue_server.engine import lanes as lanes_module

from .support import CITIZEN, CLERKS, ENTERPRISE, MONDAY_0830, called_in

WINDOWS = (
    WindowDef(1, WindowKind.COMPREHENSIVE, CITIZEN),
    WindowDef(2, WindowKind.COMPREHENSIVE, CITIZEN),
    WindowDef(3, WindowKind.DEDICATED, CITIZEN, ("C2",)),
    WindowDef(4, WindowKind.ENTERPRISE, ENTERPRISE),
    WindowDef(5, WindowKind.GREEN_CHANNEL, CITIZEN),
)
NEVER = 10**8  # a wait target nobody reaches


def items(wait_target_s: int = NEVER) -> tuple[ItemRule, ...]:
    return (
        ItemRule("C1", CITIZEN, wait_target_s),
        ItemRule("C2", CITIZEN, wait_target_s),
        ItemRule("E1", ENTERPRISE, wait_target_s),
        ItemRule("E2", ENTERPRISE, wait_target_s),
    )


class Meter:
    def __init__(self) -> None:
        self.work = 0
        self.heap_ops = 0  # to check that the instrumentation still sees the heaps

    def reset(self) -> int:
        work, self.work = self.work, 0
        return work


class CountingHeapq:
    """``heapq`` with every pop, push and heapified entry counted."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter

    def heappush(self, heap: list, item: Any) -> None:
        self.meter.work += 1
        self.meter.heap_ops += 1
        heapq.heappush(heap, item)

    def heappop(self, heap: list) -> Any:
        self.meter.work += 1
        self.meter.heap_ops += 1
        return heapq.heappop(heap)

    def heapify(self, heap: list) -> None:
        self.meter.work += len(heap)
        heapq.heapify(heap)

    def __getattr__(self, name: str) -> Any:
        return getattr(heapq, name)


class CountingTickets(dict):
    """The engine's ticket table, counting each ticket looked up or iterated over."""

    meter: Meter

    def get(self, key: Any, default: Any = None) -> Any:
        self.meter.work += 1
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.meter.work += 1
        return super().__getitem__(key)

    def _count(self, it: Iterator) -> Iterator:
        for x in it:
            self.meter.work += 1
            yield x

    def __iter__(self) -> Iterator:
        return self._count(super().__iter__())

    def values(self) -> Any:
        return self._count(iter(super().values()))

    def items(self) -> Any:
        return self._count(iter(super().items()))

    def keys(self) -> Any:
        return self._count(iter(super().keys()))


def instrument(engine: HallEngine, monkeypatch: pytest.MonkeyPatch) -> Meter:
    meter = Meter()
    counting = CountingHeapq(meter)
    monkeypatch.setattr(lanes_module, "heapq", counting)
    monkeypatch.setattr(hall_module, "heapq", counting)
    tickets = CountingTickets(engine.tickets)
    tickets.meter = meter
    engine.tickets = tickets
    return meter


def build(n: int, *, wait_target_s: int = NEVER, spread_s: float = 1000.0, seed: int = 7) -> HallEngine:
    """A hall with ``n`` waiting tickets of mixed items (5% green) and every window open."""
    rng = random.Random(seed)
    engine = HallEngine(HallRules(), items(wait_target_s), WINDOWS, CLERKS)
    codes = ("C1", "C2", "E1", "E2")
    for i in range(n):
        prio = "green" if rng.random() < 0.05 else None
        engine.apply_all(
            engine.issue(codes[rng.randrange(4)], MONDAY_0830 + i * spread_s / n, f"t{i}", priority=prio)
        )
    for w in WINDOWS:
        engine.apply_all(engine.sign_in(w.number, f"k{w.number}", MONDAY_0830 + spread_s))
    return engine


def call_round_robin(engine: HallEngine, calls: int, now: float, step_s: float = 1.0) -> int:
    """Call ``calls`` times over the windows in turn (or until nobody waits); returns how many
    tickets were called."""
    called = 0
    numbers = [w.number for w in WINDOWS]
    for k in range(calls):
        if not engine.waiting_count():
            break
        now += step_s
        events = engine.call_next(numbers[k % len(numbers)], now)
        engine.apply_all(events)
        tid = called_in(events)
        if tid is not None:  # the visitor comes: calling the next closes their service
            engine.apply_all(engine.start(tid, now))
            called += 1
    return called


def all_heaps(engine: HallEngine) -> list[tuple[Any, str, Any]]:
    out = []
    for key, lane in engine._lanes._lanes.items():
        for tier in ("transfers", "priority", "normal"):
            out.append((key, tier, getattr(lane, tier)))
    return out


def assert_lanes_proportional_to_live_line(engine: HallEngine) -> None:
    live = engine.waiting_count()
    for key, tier, heap in all_heaps(engine):
        assert len(heap.entries) <= 2 * live + 600, (
            f"lane {key} {tier}: {len(heap.entries)} entries for {live} waiting tickets"
        )


# ------------------------------------------------------------------------------------ tests
def test_call_next_work_does_not_grow_with_the_waiting_line(monkeypatch):
    """Per call-next, the entries examined with 100 and with 100,000 waiting stay within a
    small constant times log n, and do not grow with n beyond that."""
    per_call = {}
    for n in (100, 100_000):
        engine = build(n)
        meter = instrument(engine, monkeypatch)
        calls = 60
        assert call_round_robin(engine, calls, MONDAY_0830 + 2000) > calls * 0.7
        per_call[n] = meter.reset() / calls
        assert meter.heap_ops > 0, "the lanes no longer use lanes.heapq: fix the instrumentation"
        assert per_call[n] <= 4 * math.log2(n) + 10, (n, per_call[n])
    assert per_call[100_000] <= 2 * per_call[100] + 10, per_call


def test_call_next_work_stays_bounded_while_the_line_empties(monkeypatch):
    """Calling everyone (and the stale entries this leaves in lanes other windows read) costs
    a bounded amount of work per call, amortised."""
    n = 5000
    engine = build(n)
    meter = instrument(engine, monkeypatch)
    called = call_round_robin(engine, 3 * n, MONDAY_0830 + 2000)
    assert called == n and engine.waiting_count() == 0
    assert meter.reset() / n <= 4 * math.log2(n) + 10


def test_cancelled_tickets_cost_amortised_constant_work(monkeypatch):
    """Cancelling leaves stale heap entries (lazy deletion); skipping them and compacting the
    heaps costs O(1) amortised per cancelled ticket, not a rescan per call."""
    n = 20_000
    engine = build(n)
    meter = instrument(engine, monkeypatch)
    rng = random.Random(3)
    # Cancel the front of the line (which call-next would otherwise have to skip) and a
    # random scattering of the rest.
    ids = [t.id for t in sorted(engine.tickets.values(), key=lambda t: t.seq)]
    doomed = ids[: n // 2] + rng.sample(ids[n // 2 :], n // 4)
    now = MONDAY_0830 + 2000
    for tid in doomed:
        engine.apply_all(engine.cancel(tid, now))
    calls = 2000
    assert call_round_robin(engine, calls, now) > calls * 0.7
    ops = len(doomed) + calls
    assert meter.reset() / ops <= 30, "work per operation"
    assert_lanes_proportional_to_live_line(engine)


def test_ageing_costs_amortised_constant_work_per_ticket(monkeypatch):
    """Every waiting ticket passes its wait target at once: each is promoted once (a bounded
    number of timers per ticket), not rescanned on every call."""
    n = 20_000
    engine = build(n, wait_target_s=600, spread_s=300)
    meter = instrument(engine, monkeypatch)
    calls = 1000
    assert call_round_robin(engine, calls, MONDAY_0830 + 5000) > calls * 0.7
    work = meter.reset()
    assert work / (n + calls) <= 30
    # All of them are in the priority tier now: call order is by when the priority began.
    waiting = [t for t in engine.tickets.values() if t.state is TicketState.WAITING and t.stream == CITIZEN]
    first = min(waiting, key=lambda t: (t.issued_at + 600 if t.priority is None else t.issued_at, t.seq))
    assert called_in(engine.call_next(1, MONDAY_0830 + 7000)) == first.id


def test_lanes_memory_stays_proportional_to_the_live_line_over_a_long_day():
    """Tickets are issued, called, cancelled, transferred and age for a long day; stale heap
    entries get compacted, so no heap outgrows 2 x live + 600 at any point."""
    rng = random.Random(11)
    engine = HallEngine(HallRules(), items(900), WINDOWS, CLERKS)
    now = MONDAY_0830
    for w in WINDOWS:
        engine.apply_all(engine.sign_in(w.number, f"k{w.number}", now))
    codes = ("C1", "C2", "E1", "E2")
    issued = 0
    max_entries = 0
    for step in range(40_000):
        now += 0.5
        r = rng.random()
        if r < 0.5:
            prio = "green" if rng.random() < 0.05 else None
            engine.apply_all(engine.issue(codes[rng.randrange(4)], now, f"t{issued}", priority=prio))
            issued += 1
        elif r < 0.93:
            w = WINDOWS[rng.randrange(len(WINDOWS))].number
            events = engine.call_next(w, now)
            engine.apply_all(events)
            tid = called_in(events)
            if tid is not None and rng.random() < 0.1:
                t = engine.tickets[tid]
                target = 5 if t.stream == CITIZEN else 4
                if target != w:
                    engine.apply_all(engine.transfer(tid, now, to_window=target, note="x"))
            elif tid is not None:  # the visitor comes to the window
                engine.apply_all(engine.start(tid, now))
        else:
            waiting = [t for t in list(engine.tickets.values())[:50] if t.state is TicketState.WAITING]
            if waiting:
                engine.apply_all(engine.cancel(rng.choice(waiting).id, now))
        if step % 500 == 0:
            assert_lanes_proportional_to_live_line(engine)
            max_entries = max(max_entries, sum(len(h.entries) for _, _, h in all_heaps(engine)))
    assert issued > 15_000
    assert_lanes_proportional_to_live_line(engine)
    # The line stayed short while the hall served thousands: so did the index.
    assert engine.waiting_count() < 2000
    assert max_entries < 20_000
