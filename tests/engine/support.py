"""A small hall for the engine tests, and a driver with a clock around ``HallEngine``.

Commands return events without changing state; ``do`` applies them, the way the store does.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.engine import (
    ClerkInfo,
    EngineError,
    Event,
    HallEngine,
    HallRules,
    ItemRule,
    Ticket,
    TicketState,
    WindowDef,
    WindowKind,
)
from queue_server.engine.state import dump_state

TZ = ZoneInfo("Asia/Shanghai")

CITIZEN, ENTERPRISE = "citizen", "enterprise"

#: Four items over two streams with varied wait targets (seconds).
ITEMS = (
    ItemRule("C1", CITIZEN, 1800),  # e.g. residence permit
    ItemRule("C2", CITIZEN, 3600),  # e.g. social insurance
    ItemRule("E1", ENTERPRISE, 2400),  # e.g. business licence
    ItemRule("E2", ENTERPRISE, 600),  # e.g. tax registration
)
ITEM_RULES = {i.code: i for i in ITEMS}

#: Five windows of every kind.
WINDOWS = (
    WindowDef(1, WindowKind.COMPREHENSIVE, CITIZEN),
    WindowDef(2, WindowKind.COMPREHENSIVE, CITIZEN),
    WindowDef(3, WindowKind.DEDICATED, CITIZEN, ("C2",)),
    WindowDef(4, WindowKind.ENTERPRISE, ENTERPRISE),
    WindowDef(5, WindowKind.GREEN_CHANNEL, CITIZEN),
)
WINDOW_DEFS = {w.number: w for w in WINDOWS}

CLERKS = tuple(ClerkInfo(f"k{i}", f"Clerk {i}", f"S{i:03d}") for i in range(1, 8))


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: float = 0.0) -> float:
    """POSIX seconds of a local (Asia/Shanghai) wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ).timestamp() + ss


#: Monday 6 May 2024, 08:30 in the hall.
MONDAY_0830 = local(2024, 5, 6, 8, 30)


def make_engine(
    rules: HallRules | None = None,
    items: tuple[ItemRule, ...] = ITEMS,
    windows: tuple[WindowDef, ...] = WINDOWS,
    clerks: tuple[ClerkInfo, ...] = CLERKS,
) -> HallEngine:
    return HallEngine(rules or HallRules(), items, windows, clerks)


def do(engine: HallEngine, events: list[Event]) -> list[Event]:
    engine.apply_all(events)
    return events


def called_in(events: list[Event]) -> str | None:
    ids = [e.data["ticket"] for e in events if e.type == "ticket.called"]
    assert len(ids) <= 1, events
    return ids[0] if ids else None


def json_state(engine: HallEngine) -> dict[str, Any]:
    """``dump_state`` through JSON, as the store keeps it."""
    return json.loads(json.dumps(dump_state(engine)))


def window_serves(w: WindowDef, item: ItemRule) -> bool:
    """Which items a window may serve, written from DESIGN.md independently of the engine."""
    if w.kind is WindowKind.DEDICATED:
        return item.code in w.items
    if w.kind is WindowKind.GREEN_CHANNEL:
        return True
    if w.kind is WindowKind.ENTERPRISE:
        return item.stream == ENTERPRISE
    return item.stream == w.stream


class Hall:
    """An engine with a clock: every command runs at ``self.now`` and is applied.

    ``call`` is a clerk calling the next visitor after serving the one before: the visitor
    called earlier at the window came (is started) unless ``visitors_come`` is off. Call-next
    over a visitor who never came is not a service (the engine's recall rules); the tests of
    that call ``engine.call_next`` or turn ``visitors_come`` off."""

    def __init__(self, engine: HallEngine | None = None, now: float = MONDAY_0830, *, visitors_come: bool = True) -> None:
        self.engine = engine or make_engine()
        self.now = now
        self.visitors_come = visitors_come
        self.log: list[Event] = []
        self._tokens = 0

    # time
    def at(self, ts: float) -> Hall:
        assert ts >= self.now, "time only moves forward"
        self.now = ts
        return self

    def tick(self, seconds: float = 1.0) -> Hall:
        self.now += seconds
        return self

    # commands
    def run(self, events: list[Event]) -> list[Event]:
        self.engine.apply_all(events)
        self.log.extend(events)
        return events

    def token(self) -> str:
        self._tokens += 1
        return f"tok{self._tokens:06d}"

    def issue(self, item: str, **kw: Any) -> Ticket:
        events = self.run(self.engine.issue(item, self.now, self.token(), **kw))
        return self.engine.tickets[events[0].data["ticket"]]

    def open(self, window: int, clerk: str) -> list[Event]:
        return self.run(self.engine.sign_in(window, clerk, self.now))

    def call(self, window: int) -> str | None:
        current = self.engine.windows[window].current
        if self.visitors_come and current is not None and self.engine.tickets[current].state is TicketState.CALLED:
            self.run(self.engine.start(current, self.now))
        return called_in(self.run(self.engine.call_next(window, self.now)))

    def number(self, window: int) -> str | None:
        """Call next at ``window``; the number called (None when nobody waits)."""
        tid = self.call(window)
        return None if tid is None else self.engine.tickets[tid].number

    def complete(self, ticket: str, outcome: str = "handled") -> list[Event]:
        return self.run(self.engine.complete(ticket, self.now, outcome))

    def transfer(self, ticket: str, **kw: Any) -> list[Event]:
        return self.run(self.engine.transfer(ticket, self.now, **kw))

    def current(self, window: int) -> str | None:
        return self.engine.windows[window].current

    def book(self, item: str, day: str, slot: str, code: str, id_hash: str | None = None) -> list[Event]:
        return self.run(self.engine.book(item, day, slot, self.now, code, id_hash=id_hash))

    def check_in(self, code: str) -> Ticket:
        events = self.run(self.engine.check_in(code, self.now, self.token()))
        return self.engine.tickets[events[0].data["ticket"]]


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> EngineError:
    """Run a command that must be refused with ``code``; return the error.

    Every refusal must say why in English and in Chinese."""
    try:
        fn(*args, **kw)
    except EngineError as e:
        assert e.code == code, (e.code, e.message)
        assert e.message and e.message_zh, e
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message_zh), e.message_zh
        return e
    raise AssertionError(f"{getattr(fn, '__name__', fn)} was not refused")
