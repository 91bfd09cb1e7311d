"""Properties of the hall engine over generated command sequences (hypothesis).

A sequence is a list of small commands (issue, call, recall, start, no-show, complete,
transfer, cancel, sign in/out, pause/resume, book, check in, wait, jump across days) run at
increasing times against the five-window hall of ``support``. Refused commands are part of
the game: they must raise ``EngineError`` and leave the state unchanged.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_server.engine import (
    EngineError,
    HallRules,
    Priority,
    Ticket,
    TicketState,
    WindowStatus,
)
from queue_server.engine.state import dump_state, load_state
from queue_server.engine.views import hall_view

from .support import (
    CLERKS,
    ITEM_RULES,
    ITEMS,
    MONDAY_0830,
    WINDOW_DEFS,
    Hall,
    called_in,
    json_state,
    make_engine,
    window_serves,
)

RULES = HallRules(reservation_s=900, no_show_after_recalls=2)
ITEM_CODES = [i.code for i in ITEMS]
CLERK_IDS = [c.id for c in CLERKS]
WINDOW_NUMBERS = sorted(WINDOW_DEFS)
OUTCOMES = ["handled", "consultation", "accepted", "one_time_notice", "refused", "left"]
SLOTS = [s.start for s in RULES.appointment_slots]

PROFILE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------------- commands
# A command is (op, a, b); ``Driver.command`` reads a and b modulo what it needs (a window, an
# item, a clerk, a ticket issued earlier...), so every generated command means something and
# shrinks towards small numbers. Common operations are listed several times (weights).
OPS = (
    *("wait", "issue", "call", "issue", "call", "complete", "transfer_window", "transfer_item"),
    *("issue", "call", "recall", "issue", "call", "start", "issue", "call", "book", "check_in"),
    *("issue", "call", "transfer_window", "transfer_item", "recall", "no_show", "complete"),
    *("issue", "call", "cancel", "sign_in", "sign_out", "pause", "resume", "wait", "wait"),
    *("book", "check_in", "cancel_appointment", "sign_in", "issue", "call", "wait", "book", "check_in"),
)
COMMAND = st.tuples(st.sampled_from(OPS), st.integers(0, 1000), st.integers(0, 1000))
#: Also jumps of 4 to 20 hours, over nights: per-day numbering, appointment days.
COMMAND_WITH_JUMPS = st.one_of(COMMAND, st.tuples(st.just("jump"), st.integers(0, 1000), st.just(0)))

commands = st.lists(COMMAND, min_size=25, max_size=120)
commands_with_jumps = st.lists(COMMAND_WITH_JUMPS, min_size=25, max_size=120)
start_at = st.integers(0, 10 * 3600).map(lambda s: MONDAY_0830 + s)  # 08:30 to 18:30


# -------------------------------------------------------------------- reference call order
def reference_choice(engine: Any, number: int, now: float) -> str | None:
    """The ticket window ``number`` must call at ``now``: a slow scan over the whole line that
    computes each ticket's tier key from DESIGN.md ("Call next") and the engine's docstring:
    1. transferred to this window, or to an item it serves: by transfer time;
    2. reserved for the first-inquiry clerk sitting here (until ``reserved_until``);
    3. priority (green, appointment from its slot start unless late, waited past the item's
       wait target): by the time the priority began;
    4. everyone else by issue order."""
    w = engine.windows[number]
    defn = WINDOW_DEFS[number]
    on_duty = {x.clerk for x in engine.windows.values() if x.clerk}
    best: tuple | None = None
    for t in engine.tickets.values():
        if t.state is not TicketState.WAITING:
            continue
        item = ITEM_RULES[t.item]
        key: tuple | None
        if t.transfer is not None:
            tr = t.transfer
            if tr.to_window is not None:
                key = (1, tr.at, t.seq) if tr.to_window == number else None
            else:
                key = (1, tr.at, t.seq) if window_serves(defn, item) else None
        elif t.reserved_until is not None and t.reserved_until > now and t.first_inquiry_clerk in on_duty:
            key = (2, 0.0, t.seq) if t.first_inquiry_clerk == w.clerk else None
        elif not window_serves(defn, item):
            key = None
        else:
            since = []
            if t.priority is Priority.GREEN:
                since.append(t.issued_at)
            if t.priority is Priority.APPOINTMENT and not t.late and max(t.slot_start, t.issued_at) <= now:
                since.append(max(t.slot_start, t.issued_at))
            if t.issued_at + item.wait_target_s <= now:
                since.append(t.issued_at + item.wait_target_s)
            key = (3, min(since), t.seq) if since else (4, 0.0, t.seq)
        if key is not None and (best is None or key < best[0]):
            best = (key, t.id)
    return None if best is None else best[1]


# ---------------------------------------------------------------------------------- driver
class Driver:
    """Runs generated commands against a hall and checks properties as it goes."""

    def __init__(self, start: float, *, check_reference: bool = False, check_transfers: bool = False):
        self.h = Hall(make_engine(RULES), now=start)
        self.check_reference = check_reference
        self.check_transfers = check_transfers
        self.issued: list[str] = []  # ticket ids in issue order
        self.tickets: dict[str, Ticket] = {}  # every ticket object ever issued
        self.appointments: list[str] = []
        self.calls: Counter[str] = Counter()
        self.transfers: Counter[str] = Counter()
        self.requeued: Counter[str] = Counter()  # passed over before they came, back in line
        self.cancelled: set[str] = set()
        self.numbers: set[tuple[str, str]] = set()
        self.refusals = 0
        # Open a few windows so that sequences do something from the start.
        for n, clerk in ((1, "k1"), (3, "k3"), (4, "k4"), (5, "k5")):
            self.h.open(n, clerk)

    @property
    def engine(self) -> Any:
        return self.h.engine

    def current(self, window: int) -> str | None:
        return self.engine.windows[window].current

    def pick(self, seq: list[str], i: int) -> str | None:
        return seq[i % len(seq)] if seq else None

    def run_all(self, cmds: list[tuple]) -> None:
        for cmd in cmds:
            self.step(cmd)
            self.check_invariants()

    def step(self, cmd: tuple) -> None:
        h, eng = self.h, self.engine
        op, a, b = cmd
        if op == "wait":  # up to 2 minutes, sometimes up to 2.8 hours
            h.tick(a % 120 if b % 8 else a * 10)
            return
        if op == "jump":
            h.tick(4 * 3600 + a * 60)
            return
        h.tick(3)
        now = h.now
        before = dump_state(eng)
        try:
            events = self.command(op, a, b, now)
        except EngineError as e:
            assert e.code in {"not_found", "conflict", "bad_request"}, e.code
            assert e.message and e.message_zh
            assert dump_state(eng) == before, f"refused {cmd} changed the state"
            self.refusals += 1
            return
        if events is None:
            return
        h.run(events)
        self.record(events)

    def command(self, op: str, a: int, b: int, now: float) -> list | None:
        eng = self.engine
        win = WINDOW_NUMBERS[a % len(WINDOW_NUMBERS)]
        if op == "issue":
            item = ITEM_CODES[a % len(ITEM_CODES)]
            green = "green" if b % 4 == 0 else None
            fic = CLERK_IDS[b % len(CLERK_IDS)] if (a // 4) % 2 == 0 else None
            return eng.issue(item, now, self.h.token(), priority=green, first_inquiry_clerk=fic)
        if op == "call":
            return self.call(win, now)
        if op in ("recall", "start", "no_show", "complete", "transfer_window", "transfer_item"):
            busy = [n for n in WINDOW_NUMBERS if self.current(n) is not None]
            if not busy:
                return None
            tid = self.current(busy[a % len(busy)])
            if op == "recall":
                return eng.recall(tid, now)
            if op == "start":
                return eng.start(tid, now)
            if op == "no_show":
                return eng.no_show(tid, now)
            if op == "complete":
                return eng.complete(tid, now, OUTCOMES[b % len(OUTCOMES)])
            if op == "transfer_window":
                to = WINDOW_NUMBERS[b % len(WINDOW_NUMBERS)]
                return eng.transfer(tid, now, to_window=to, note="please take over")
            return eng.transfer(tid, now, to_item=ITEM_CODES[b % len(ITEM_CODES)], note="another item")
        if op == "cancel":
            tid = self.pick(self.issued, a)
            return None if tid is None else eng.cancel(tid, now)
        if op == "sign_in":
            return eng.sign_in(win, CLERK_IDS[b % len(CLERK_IDS)], now)
        if op == "sign_out":
            return eng.sign_out(win, now)
        if op == "pause":
            return eng.pause(win, now, "break")
        if op == "resume":
            return eng.resume(win, now)
        if op == "book":  # a slot still open today (so check-in comes early, on time or late)
            item = ITEM_CODES[a % len(ITEM_CODES)]
            day = eng.local_day(now)
            open_slots = [s["start"] for s in eng.slots(item, day, now) if s["open"]]
            if not open_slots or (a // 4) % 5 == 0:
                day, open_slots = eng.local_day(now + 86400), SLOTS
            slot = open_slots[b % min(3, len(open_slots))]
            code = f"AP{len(self.appointments) + 1:04d}"
            return eng.book(item, day, slot, now, code, id_hash=f"person{(b // 12) % 6}")
        if op == "check_in":
            booked = [c for c in self.appointments if eng.appointments[c].state.value == "booked"]
            code = self.pick(booked or self.appointments, a)
            return None if code is None else eng.check_in(code, now, self.h.token())
        if op == "cancel_appointment":
            code = self.pick(self.appointments, a)
            return None if code is None else eng.cancel_appointment(code, now)
        raise AssertionError(op)

    def call(self, number: int, now: float) -> list:
        eng = self.engine
        expected = reference_choice(eng, number, now) if self.check_reference else None
        to_here = [
            t.id
            for t in eng.tickets.values()
            if t.state is TicketState.WAITING and t.transfer is not None and t.transfer.to_window == number
        ]
        events = eng.call_next(number, now)  # refusals propagate to ``step``
        chosen = called_in(events)
        if self.check_reference:
            assert chosen == expected, f"window {number} called {chosen}, reference says {expected}"
        if self.check_transfers and to_here:
            # (c) a ticket transferred to this window goes before any non-transferred ticket.
            assert chosen is not None, f"window {number} called nobody, {to_here} were transferred to it"
            assert eng.tickets[chosen].transfer is not None, (
                f"window {number} called untransferred {chosen} while {to_here} were transferred to it"
            )
        return events

    def record(self, events: list) -> None:
        eng = self.engine
        for e in events:
            tid = e.data.get("ticket")
            if e.type == "ticket.issued":
                key = (e.data["day"], e.data["number"])
                assert key not in self.numbers, f"number {key} issued twice"
                self.numbers.add(key)
                assert tid not in self.tickets, f"ticket id {tid} issued twice"
                self.issued.append(tid)
                self.tickets[tid] = eng.tickets[tid]
            elif e.type == "ticket.called":
                self.calls[tid] += 1
            elif e.type == "ticket.transferred":
                self.transfers[tid] += 1
            elif e.type == "ticket.requeued":
                self.requeued[tid] += 1
            elif e.type == "ticket.cancelled":
                self.cancelled.add(tid)
            elif e.type == "appointment.booked":
                self.appointments.append(e.data["appointment"])

    def check_invariants(self) -> None:
        """(a) a ticket is never current at two windows, and every ticket at a window is the
        current ticket of exactly that window."""
        eng = self.engine
        holders: dict[str, int] = {}
        for n, w in eng.windows.items():
            if w.current is not None:
                assert w.current not in holders, (
                    f"{w.current} current at windows {holders[w.current]} and {n}"
                )
                holders[w.current] = n
                t = eng.tickets[w.current]
                assert t.state in (TicketState.CALLED, TicketState.SERVING), (w.current, t.state)
                assert t.window == n
            if w.status is WindowStatus.CLOSED:
                assert w.clerk is None and w.current is None
        for t in eng.tickets.values():
            if t.state in (TicketState.CALLED, TicketState.SERVING):
                assert holders.get(t.id) == t.window, f"{t.id} is {t.state} but not current at its window"
        clerks = [w.clerk for w in eng.windows.values() if w.clerk]
        assert len(clerks) == len(set(clerks)), "a clerk signed in at two windows"
        # The line's counters agree with the tickets.
        waiting = [t for t in eng.tickets.values() if t.state is TicketState.WAITING]
        assert eng.waiting_count() == len(waiting)

    def drain(self) -> list[str]:
        """Open every window, resume the paused ones, and keep calling with time advancing
        until nobody waits; the visitors called come to the window (are started), so calling
        the next closes their service. Returns the tickets called during the drain, in order."""
        h, eng = self.h, self.engine
        free = [c for c in CLERK_IDS if c not in {w.clerk for w in eng.windows.values()}]
        for n, w in eng.windows.items():
            if w.status is WindowStatus.CLOSED:
                h.open(n, free.pop())
            elif w.status is WindowStatus.PAUSED:
                h.run(eng.resume(n, h.now))
        for n in WINDOW_NUMBERS:  # the visitors called already come to their windows too
            tid = self.current(n)
            if tid is not None:
                h.run(eng.start(tid, h.now))
        called: list[str] = []
        limit = eng.waiting_count() + 5
        for _ in range(limit):
            if eng.waiting_count() == 0:
                break
            h.tick(60)
            for n in WINDOW_NUMBERS:
                events = self.call(n, h.now)
                h.run(events)
                self.record(events)
                self.check_invariants()
                tid = called_in(events)
                if tid is not None:
                    called.append(tid)
                    h.run(eng.start(tid, h.now))
        # Close the last visitors' service too.
        for n in WINDOW_NUMBERS:
            tid = self.current(n)
            if tid is not None:
                events = h.run(eng.complete(tid, h.now))
                self.record(events)
        return called


# ------------------------------------------------------------------------------ properties
@PROFILE
@given(start=start_at, cmds=commands)
def test_a_ticket_is_never_called_by_two_windows(start, cmds):
    d = Driver(start)
    d.run_all(cmds)  # checks (a) after every command
    # Every call came from the waiting line: a ticket is called once per time it waited
    # (issued, transferred, or passed over and back in line).
    for tid, n in d.calls.items():
        again = d.transfers[tid] + d.requeued[tid]
        assert n <= 1 + again, f"{tid} called {n} times after {again} transfers and requeues"


@PROFILE
@given(start=start_at, cmds=commands)
def test_every_waiting_ticket_is_eventually_called_while_windows_keep_calling(start, cmds):
    d = Driver(start)
    d.run_all(cmds)
    waiting = {t.id for t in d.engine.tickets.values() if t.state is TicketState.WAITING}
    called = d.drain()
    assert d.engine.waiting_count() == 0, "the line did not empty"
    assert not d.engine.tickets, "live tickets left after the drain"
    assert set(called) == waiting and len(called) == len(waiting), "each waiting ticket once"
    for tid in d.issued:
        expected = d.transfers[tid] + d.requeued[tid] + (0 if tid in d.cancelled else 1)
        assert d.calls[tid] == expected, f"{tid}: called {d.calls[tid]} times, expected {expected}"


@PROFILE
@given(start=start_at, cmds=commands)
def test_a_ticket_transferred_to_a_window_is_called_there_before_untransferred_tickets(start, cmds):
    d = Driver(start, check_transfers=True)
    d.run_all(cmds)
    d.drain()


@PROFILE
@given(start=start_at, cmds=commands_with_jumps)
def test_numbers_are_unique_per_hall_and_day(start, cmds):
    d = Driver(start)
    d.run_all(cmds)  # ``record`` refuses a (day, number) or ticket id issued twice
    per_day: dict[tuple[str, str], list[int]] = {}
    for tid in d.issued:
        t = d.tickets[tid]
        assert t.day == d.engine.local_day(t.issued_at)
        assert t.id == f"H01-{t.day.replace('-', '')}-{t.number}"
        per_day.setdefault((t.day, t.number[0]), []).append(int(t.number[1:]))
    for counts in per_day.values():
        assert counts == list(range(1, len(counts) + 1)), "numbers count 1, 2, 3... per day and prefix"


@PROFILE
@given(start=start_at, cmds=commands_with_jumps)
def test_replaying_the_events_into_a_fresh_engine_gives_the_same_state(start, cmds):
    d = Driver(start)
    d.run_all(cmds)
    replayed = make_engine(RULES)
    replayed.apply_all(d.h.log)
    now = d.h.now
    assert dump_state(replayed) == dump_state(d.engine)
    # The windows' loads are read off the lanes, which follow the clock (ageing): both at now.
    replayed.advance(now)
    d.engine.advance(now)
    assert hall_view(replayed) == hall_view(d.engine)
    # And the same future: both drain in the same order.
    twin = Driver(start)
    twin.h = Hall(replayed, now=now)
    assert twin.drain() == d.drain()


@PROFILE
@given(start=start_at, cmds=commands_with_jumps)
def test_call_next_chooses_per_the_documented_order(start, cmds):
    d = Driver(start, check_reference=True)
    d.run_all(cmds)
    d.drain()  # the drain calls every window many times: each call is compared too


@PROFILE
@given(start=start_at, cmds=commands, later=st.lists(COMMAND, max_size=30))
def test_dump_and_load_midway_gives_the_same_future(start, cmds, later):
    d = Driver(start)
    d.run_all(cmds)
    fresh = make_engine(RULES)
    load_state(fresh, json_state(d.engine), d.h.now)
    twin = Driver(start)
    twin.h = Hall(fresh, now=d.h.now)
    twin.h._tokens = d.h._tokens
    twin.issued, twin.appointments = list(d.issued), list(d.appointments)
    mark = len(d.h.log)
    d.run_all(later)
    twin.run_all(later)
    assert [(e.type, e.at, e.data) for e in twin.h.log] == [(e.type, e.at, e.data) for e in d.h.log[mark:]]
    assert twin.drain() == d.drain()
