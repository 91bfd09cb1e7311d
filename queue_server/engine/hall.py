"""The hall engine: the rules of DESIGN.md as a pure state machine.

Commands check the rules against the current state and return the events that carry them
out; ``apply`` performs an event. Nothing here touches a clock, a file or a socket: callers
pass ``now`` and any random values (tokens, appointment codes), so the same events always
give the same state, and a stored event log replays into exactly the queue it came from.

Call-next order at window W (DESIGN.md, "Call next"):
1. transferred to W, or to an item W serves (转办), by transfer time;
2. returning visitors reserved for the first-inquiry clerk now at W (首问负责);
3. priority: green channel, an appointment inside its slot, or a ticket that has waited past
   its item's wait target (ageing), by the time the priority began;
4. everyone else by issue order.
"""

from __future__ import annotations

import heapq
import itertools
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sortedcontainers import SortedList

from . import events as ev
from .errors import EngineError, bad_request, conflict, not_found
from .events import Event
from .hours import minutes
from .lanes import Heap, Lane, LaneIndex, best, is_live, place, unplace
from .model import (
    Appointment,
    AppointmentState,
    ClerkInfo,
    DeviceHealth,
    HallRules,
    HelpCall,
    ItemRule,
    Outcome,
    PrintJob,
    Priority,
    Ticket,
    TicketState,
    Transfer,
    Window,
    WindowDef,
    WindowKind,
    WindowStatus,
)
from .waits import ServedTally

RECENT_CALLS = 6
MAX_NOTICES = 10
#: Open help calls kept at most (one per kiosk is the rule; this bounds a misbehaving hall).
MAX_HELP_CALLS = 500
MAX_PRINT_JOBS = 50  # per window: a printer out of paper all day keeps the day's slips, not more
#: Device health rows kept at most (a kiosk has a handful of devices).
MAX_DEVICE_HEALTH = 2000
HEALTH_STATUSES = ("ok", "degraded", "missing")
SERVICE_EMA_WEIGHT = 0.1


class HallEngine:
    def __init__(
        self,
        rules: HallRules,
        items: Iterable[ItemRule],
        windows: Iterable[WindowDef],
        clerks: Iterable[ClerkInfo] = (),
    ) -> None:
        self.rules = rules
        self.tz = ZoneInfo(rules.timezone)
        self.items: dict[str, ItemRule] = {i.code: i for i in items}
        self.windows: dict[int, Window] = {w.number: Window(w) for w in windows}
        self.clerks: dict[str, ClerkInfo] = {c.id: c for c in clerks}
        self.tickets: dict[str, Ticket] = {}  # live tickets only, in issue order
        self.counters: dict[tuple[str, str], int] = {}  # (day, prefix) -> last number
        self.next_seq = 1
        self.appointments: dict[str, Appointment] = {}
        self.bookings: Counter[tuple[str, str, float]] = Counter()  # (item, day, slot_start)
        self.avg_service_s: dict[str, float] = {}  # per stream
        self.avg_wait_s: dict[str, float] = {}  # per stream, from issue to call
        self.notices: list[dict[str, str]] = []  # scrolling notices on the hall board
        self.help_calls: dict[int, HelpCall] = {}  # open ones only, by id
        self.next_help = 1
        self.print_jobs: dict[int, PrintJob] = {}  # not yet printed, by id (oldest first)
        self.next_print_job = 1
        self.device_health: dict[tuple[str, str], DeviceHealth] = {}  # (reporter, device) -> newest
        # Walk-in tickets per (day, item), for the daily caps: kept after the tickets end.
        self.issued_walk_in: Counter[tuple[str, str]] = Counter()
        self.waiting_by_item: Counter[str] = Counter()
        self.served_today = ServedTally()  # first calls within their wait target (dashboard)
        # stream -> the waiting tickets' call-order keys (see _rank), for people ahead in O(log n)
        self._line_order: dict[str, SortedList] = {}
        self._rank_of: dict[str, tuple[int, float, int]] = {}  # ticket -> its key in _line_order
        self.last_seq = 0  # seq of the last applied stored event
        self._lanes = LaneIndex()
        self._timers: list[tuple[float, int, str, int]] = []  # (when, kind, ticket, gen)
        self._clerk_window: dict[str, int] = {}
        self._reserved: dict[str, set[str]] = {}  # clerk -> tickets issued with a reservation

    # ------------------------------------------------------------------ helpers
    def local_day(self, now: float) -> str:
        return sys.intern(datetime.fromtimestamp(now, self.tz).date().isoformat())

    def _local_ts(self, day: str, hhmm: str) -> float:
        if hhmm == "24:00":  # a slot may end the day (the configuration takes it)
            return self._day_end(day, hhmm)
        h, m = (int(x) for x in hhmm.split(":"))
        return datetime.combine(date.fromisoformat(day), time(h, m), self.tz).timestamp()

    def ticket(self, ticket_id: str) -> Ticket:
        t = self.tickets.get(ticket_id)
        if t is None:
            raise not_found("live ticket", "在办票号", ticket_id)
        return t

    def window(self, number: int) -> Window:
        w = self.windows.get(number)
        if w is None:
            raise not_found("window", "窗口", number)
        return w

    def item(self, code: str) -> ItemRule:
        i = self.items.get(code)
        if i is None:
            raise not_found("service item", "事项", code)
        return i

    def streams(self) -> list[str]:
        return [s for s, _ in self.rules.prefixes]

    def served_streams(self, w: Window) -> tuple[str, ...]:
        """The streams a window serves (a dedicated window: its own, for its listed items)."""
        kind = w.defn.kind
        if kind is WindowKind.GREEN_CHANNEL:
            return tuple(self.streams())
        if kind is WindowKind.ENTERPRISE:
            return ("enterprise",)
        return (w.defn.stream,)

    def window_scopes(self, w: Window) -> list[Lane]:
        """The lanes a window reads, besides its own transfer lane."""
        if w.defn.kind is WindowKind.DEDICATED:
            return [self._lanes.lane("item", code) for code in w.defn.items]
        return [self._lanes.lane("stream", s) for s in self.served_streams(w)]

    def window_load(self, w: Window) -> tuple[int, list[Ticket]]:
        """Who waits that the window may call, and the first of each of its lines (transfers,
        priorities, the normal line, per stream or item): the longest waits are among them.
        The console's load at a glance, without walking the whole line."""
        if w.defn.kind is WindowKind.DEDICATED:
            count = sum(self.waiting_by_item.get(code, 0) for code in w.defn.items)
        else:
            count = sum(self.waiting_count(s) for s in self.served_streams(w))
        heaps = [h for lane in self.window_scopes(w) for h in (lane.transfers, lane.priority, lane.normal)]
        own = self._lanes.existing("window", w.number)
        if own is not None:
            heaps.append(own.transfers)
        reserved = self._lanes.existing("clerk", w.clerk) if w.clerk is not None else None
        if reserved is not None:  # returning visitors kept for this window's clerk
            heaps.append(reserved.normal)
        heads = [self.tickets[top[-2]] for top in (h.peek(self.tickets) for h in heaps) if top is not None]
        return count, heads

    def window_serves(self, w: Window, item: ItemRule) -> bool:
        if w.defn.kind is WindowKind.DEDICATED:
            return item.code in w.defn.items
        return item.stream in self.served_streams(w)

    def clerk_on_duty(self, clerk: str | None) -> bool:
        return clerk is not None and clerk in self._clerk_window

    def window_of(self, clerk: str | None) -> int | None:
        """The window the clerk is signed in at, if any."""
        return None if clerk is None else self._clerk_window.get(clerk)

    # ------------------------------------------------------------ the line index
    def _priority_since(self, t: Ticket, now: float) -> float | None:
        since: list[float] = []
        if t.priority is Priority.GREEN:
            since.append(t.issued_at)
        if t.priority is Priority.APPOINTMENT and t.slot_start is not None and not t.late:
            start = max(t.slot_start, t.issued_at)
            if start <= now:
                since.append(start)
        aged = t.issued_at + self.items[t.item].wait_target_s if t.item in self.items else None
        if aged is not None and aged <= now:
            since.append(aged)
        return min(since) if since else None

    def _rank(self, t: Ticket, key: tuple[int, float, int]) -> None:
        """Keep the ticket's place in its stream's call order: (tier, since, seq), tiers as
        call-next takes them (0 transfers, 1 reserved, 2 priority, 3 everyone else). People
        ahead are those before it there, whatever the order they took their numbers in."""
        order = self._line_order.get(t.stream)
        if order is None:
            order = self._line_order[t.stream] = SortedList()
        old = self._rank_of.get(t.id)
        if old is not None:
            order.remove(old)
        order.add(key)
        self._rank_of[t.id] = key

    def _enqueue(self, t: Ticket, now: float) -> None:
        """(Re)place a waiting ticket in the lanes of its tier."""
        unplace(t, self.tickets)
        gen = t.gen
        if t.transfer is not None:
            tr = t.transfer
            lanes = (
                [self._lanes.lane("window", tr.to_window)]
                if tr.to_window is not None
                else [self._lanes.lane("item", t.item), self._lanes.lane("stream", t.stream)]
            )
            for lane in lanes:
                place(t, lane.transfers, (tr.at, t.seq))
            self._rank(t, (0, tr.at, t.seq))
            return
        # Reserved while the time lasts and the clerk is on duty; the ticket keeps its
        # reserved_until (state changes only through events), the lanes follow the clock.
        if t.reserved_until is not None and t.reserved_until > now and self.clerk_on_duty(t.first_inquiry_clerk):
            place(t, self._lanes.lane("clerk", t.first_inquiry_clerk).normal, (t.seq,))
            heapq.heappush(self._timers, (t.reserved_until, 0, t.id, gen))
            self._rank(t, (1, 0.0, t.seq))
            return
        lanes = [self._lanes.lane("item", t.item), self._lanes.lane("stream", t.stream)]
        since = self._priority_since(t, now)
        if since is not None:
            for lane in lanes:
                place(t, lane.priority, (since, t.seq))
            self._rank(t, (2, since, t.seq))
            return
        for lane in lanes:
            place(t, lane.normal, (t.seq,))
        self._rank(t, (3, 0.0, t.seq))
        # Wake up when the ticket's priority begins: ageing past the wait target, or the
        # start of its appointment slot.
        # Only future times: a timer at or before `now` would fire again at once and, should
        # this rule and _priority_since ever disagree, spin advance() forever.
        rule = self.items.get(t.item)
        if rule is not None and t.issued_at + rule.wait_target_s > now:
            heapq.heappush(self._timers, (t.issued_at + rule.wait_target_s, 1, t.id, gen))
        if t.priority is Priority.APPOINTMENT and t.slot_start is not None and not t.late:
            starts = max(t.slot_start, t.issued_at)
            if starts > now:
                heapq.heappush(self._timers, (starts, 1, t.id, gen))

    def advance(self, now: float) -> None:
        """Let time pass: promote aged tickets and appointments whose slot began, release
        reservations that ran out. Each ticket has a bounded number of timers, so the cost is
        O(log n) amortised per ticket."""
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, _, tid, gen = heapq.heappop(timers)
            t = self.tickets.get(tid)
            if t is None or t.gen != gen or t.state is not TicketState.WAITING:
                continue
            self._enqueue(t, now)

    def _leave_line(self, t: Ticket) -> None:
        unplace(t, self.tickets)
        self.waiting_by_item[t.item] -= 1
        self._line_order[t.stream].remove(self._rank_of.pop(t.id))

    def _join_line(self, t: Ticket, now: float) -> None:
        self.waiting_by_item[t.item] += 1
        self._enqueue(t, now)

    def waiting_count(self, stream: str | None = None) -> int:
        if stream is None:
            return sum(len(o) for o in self._line_order.values())
        order = self._line_order.get(stream)
        return 0 if order is None else len(order)

    def reindex(self, now: float) -> None:
        """Rebuild every lane from the tickets (after loading a snapshot)."""
        self._lanes.clear()
        self._timers = []
        self.waiting_by_item.clear()
        self._line_order.clear()
        self._rank_of.clear()
        self._clerk_window = {w.clerk: n for n, w in self.windows.items() if w.clerk}
        self._reserved = {}
        for t in self.tickets.values():
            t.homes = []
            if t.reserved_until is not None and t.first_inquiry_clerk:
                self._reserved.setdefault(t.first_inquiry_clerk, set()).add(t.id)
            if t.state is TicketState.WAITING:
                self._join_line(t, now)

    # ----------------------------------------------------------------- commands
    def issue(
        self,
        item_code: str,
        now: float,
        token: str,
        *,
        id_hash: str | None = None,
        id_masked: str | None = None,
        priority: Priority | str | None = None,
        first_inquiry_clerk: str | None = None,
        appointment: Appointment | None = None,
        enterprise: dict[str, str] | None = None,
    ) -> list[Event]:
        rule = self.item(item_code)
        try:
            prio = Priority(priority) if priority else None
        except ValueError:
            raise bad_request(
                f"unknown priority {priority!r}; one of {', '.join(p.value for p in Priority)}",
                f"未知的优先类型 {priority!r}",
                priority=priority,
            ) from None
        if prio is Priority.APPOINTMENT and appointment is None:
            raise bad_request(
                "appointment priority comes only from an appointment check-in",
                "预约优先只能通过预约签到获得",
            )
        day = self.local_day(now)
        if appointment is None:
            # An appointment is honoured whatever the hour or the day's numbers: it was
            # booked for its slot (and slots have their own capacity).
            self._check_open(now)
            self._check_cap(rule.code, day, now)
        prefix = self.rules.prefix(rule.stream)
        n = self.counters.get((day, prefix), 0) + 1
        number = f"{prefix}{n:03d}"
        data: dict[str, Any] = {
            "ticket": f"{self.rules.hall}-{day.replace('-', '')}-{number}",
            "number": number,
            "day": day,
            "counter": n,
            "prefix": prefix,
            "seq": self.next_seq,
            "item": rule.code,
            "stream": rule.stream,
            "token": token,
            "id_hash": id_hash,
            "id_masked": id_masked,
            "priority": prio.value if prio else None,
        }
        if enterprise is not None:
            data["enterprise"] = enterprise
        if appointment is not None:
            late = now > appointment.slot_end
            data |= {
                "priority": None if late else Priority.APPOINTMENT.value,
                "appointment": appointment.code,
                "slot_start": appointment.slot_start,
                "slot_end": appointment.slot_end,
                "late": late,
            }
        if first_inquiry_clerk:
            data["first_inquiry_clerk"] = first_inquiry_clerk
            if self.clerk_on_duty(first_inquiry_clerk):
                data["reserved_until"] = now + self.rules.reservation_s
        return [Event(ev.TICKET_ISSUED, now, data)]

    # -------------------------------------------------- opening hours and caps
    def is_open(self, now: float) -> bool:
        hours = self.rules.hours
        return hours is None or hours.is_open(now, self.tz)

    def hours_on(self, day: str) -> list[dict[str, str]]:
        """The open periods of a local day: always the whole day for a hall without hours."""
        hours = self.rules.hours
        if hours is None:
            return [{"start": "00:00", "end": "24:00"}]
        return [{"start": a, "end": b} for a, b in hours.periods_on(date.fromisoformat(day))]

    def next_opening(self, now: float) -> float | None:
        """When the hall next opens, if it is closed now (None when open, or never again)."""
        hours = self.rules.hours
        if hours is None or hours.is_open(now, self.tz):
            return None
        return hours.next_opening(now, self.tz)

    def _iso(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).isoformat()

    def _check_open(self, now: float) -> None:
        """Refuse a walk-in number outside the opening hours, saying why (before opening,
        the lunch break, after closing, a closed day) and when the hall opens next."""
        if self.is_open(now):
            return
        nxt = self.next_opening(now)
        today = self.local_day(now)
        periods = self.hours_on(today)
        clock = self._clock(now)
        if not periods:
            reason, en, zh = "closed_day", "the hall is closed today", "大厅今日闭厅"
        elif clock < periods[0]["start"]:
            reason, en, zh = "before_hours", "the hall has not opened yet", "大厅尚未开始办公"
        elif clock >= periods[-1]["end"]:
            reason, en, zh = "after_hours", "today's service has ended", "大厅今日办公时间已结束"
        else:
            reason, en, zh = "break", "the hall is on its lunch break", "大厅午间休息中"
        hours = "、".join(f"{p['start']}-{p['end']}" for p in periods) or "全天闭厅"
        hours_en = ", ".join(f"{p['start']}-{p['end']}" for p in periods) or "closed all day"
        when = self._iso(nxt) if nxt is not None else None
        shown = when[:16].replace("T", " ") if when else None
        raise EngineError(
            "hall_closed",
            f"{en}; no numbers are issued now (today's hours: {hours_en})"
            + (f"; it opens at {shown}" if shown else ""),
            f"{zh}，暂停取号（今日营业时间：{hours}）" + (f"，下次开放：{shown}" if shown else ""),
            next_open=when,
            hours_today=periods,
            today=today,
            reason=reason,
        )

    def tickets_left(self, item: str, day: str) -> int | None:
        cap = self.rules.cap(item)
        return None if cap is None else max(0, cap - self.issued_walk_in[(day, item)])

    def _check_cap(self, item: str, day: str, now: float) -> None:
        left = self.tickets_left(item, day)
        if left is None or left > 0:
            return
        cap = self.rules.cap(item)
        slot = self.next_free_slot(item, now)
        raise EngineError(
            "cap_reached",
            f"today's {cap} numbers for {item} are all taken; book an appointment instead",
            f"该事项今日{cap}个号已放完，请预约其他时段办理",
            item=item,
            cap=cap,
            next_slot=slot,
        )

    def next_free_slot(self, item: str, now: float) -> dict[str, Any] | None:
        """The first appointment slot of ``item`` still bookable, from now on: today's later
        slots first, then the days ahead the hall books (days the hall is closed skipped)."""
        today = date.fromisoformat(self.local_day(now))
        hours = self.rules.hours
        for i in range(self.rules.appointment_days_ahead + 1):
            d = today + timedelta(days=i)
            if hours is not None and not hours.periods_on(d):
                continue
            day = d.isoformat()
            for s in self.slots(item, day, now):
                if s["open"] and s["available"] > 0:
                    return {"day": day, "start": s["start"], "end": s["end"], "available": s["available"]}
        return None

    # ------------------------------------------------------------ help and health
    def open_help_of(self, kiosk: str) -> HelpCall | None:
        return next((h for h in self.help_calls.values() if h.kiosk == kiosk), None)

    def request_help(self, kiosk: str, now: float, *, reason: str = "", screen: str = "") -> list[Event]:
        """A kiosk's 呼叫工作人员. A press while the kiosk's call is still open is that same call
        (no event): a visitor pressing three times wants one clerk, not three."""
        if self.open_help_of(kiosk) is not None:
            return []
        if len(self.help_calls) >= MAX_HELP_CALLS:
            raise conflict("too many open help calls: answer some first", "未处理的呼叫过多，请先处理")
        return [
            Event(
                ev.HALL_HELP_REQUESTED,
                now,
                {"help": self.next_help, "kiosk": kiosk, "reason": reason[:200], "screen": screen[:64]},
            )
        ]

    def answer_help(self, help_id: int, now: float, by: str) -> list[Event]:
        h = self.help_calls.get(help_id)
        if h is None:
            raise not_found("open help call", "未处理的呼叫", help_id)
        return [
            Event(
                ev.HALL_HELP_ANSWERED,
                now,
                {"help": h.id, "kiosk": h.kiosk, "by": by, "waited_s": round(max(0.0, now - h.at), 3)},
            )
        ]

    # ------------------------------------------------------------------- printing
    def print_jobs_of(self, window_number: int) -> list[PrintJob]:
        # Copied first (one step under the GIL): the case desk's thread reads it too.
        return [j for j in tuple(self.print_jobs.values()) if j.window == window_number]

    def print_job(self, window_number: int, job_id: int) -> PrintJob:
        j = self.print_jobs.get(job_id)
        if j is None or j.window != window_number:
            raise not_found("print job", "打印任务", job_id)
        return j

    def request_print(self, window_number: int, document: str, case: str, now: float) -> list[Event]:
        """The console asks window ``window_number``'s printer for a case's slip. The same slip
        asked again while not yet printed is that same job (no event)."""
        self.window(window_number)
        same = next(
            (j for j in self.print_jobs_of(window_number) if (j.document, j.case) == (document, case)), None
        )
        if same is not None:
            return []
        if len(self.print_jobs_of(window_number)) >= MAX_PRINT_JOBS:
            raise conflict(
                f"window {window_number} has {MAX_PRINT_JOBS} slips not yet printed: check its printer",
                f"{window_number}号窗口未打印的任务过多，请检查打印机",
            )
        data = {"job": self.next_print_job, "window": window_number, "document": document, "case": case}
        return [Event(ev.WINDOW_PRINT_REQUESTED, now, data)]

    def report_print(
        self, window_number: int, job_id: int, now: float, *, printed: bool, kept: bool, reason: str
    ) -> list[Event]:
        """The agent's word on a job: printed or failed ends it; kept (paper out) keeps it, one
        event per change of reason (the agent may say so again at each retry)."""
        j = self.print_job(window_number, job_id)
        base = {"job": j.id, "window": j.window, "document": j.document, "case": j.case}
        if printed or not kept:
            return [Event(ev.WINDOW_PRINT_DONE, now, {**base, "printed": printed, "reason": reason})]
        if j.state == "kept" and j.reason == reason:
            return []
        return [Event(ev.WINDOW_PRINT_KEPT, now, {**base, "reason": reason})]

    def report_health(
        self,
        reporter: str,
        device: str,
        kind: str,
        status: str,
        now: float,
        *,
        old: str | None,
        reason: str,
        reported_at: str,
    ) -> list[Event]:
        if status not in HEALTH_STATUSES or (old is not None and old not in HEALTH_STATUSES):
            raise bad_request(
                f"status must be one of {', '.join(HEALTH_STATUSES)}",
                "设备状态只能为 ok、degraded 或 missing",
                field="status" if status not in HEALTH_STATUSES else "old",
            )
        if (reporter, device) not in self.device_health and len(self.device_health) >= MAX_DEVICE_HEALTH:
            raise conflict("too many devices reported", "上报的设备过多")
        return [
            Event(
                ev.DEVICE_HEALTH,
                now,
                {
                    "reporter": reporter,
                    "device": device,
                    "kind": kind,
                    "status": status,
                    "old": old,
                    "reason": reason,
                    "reported_at": reported_at,
                },
            )
        ]

    def call_next(self, window_number: int, now: float) -> list[Event]:
        w = self.window(window_number)
        if w.status is not WindowStatus.OPEN:
            raise conflict(
                f"window {w.number} is {w.status.value}: resume it first",
                f"{w.number}号窗口当前{_STATUS_ZH[w.status]}，请先恢复服务",
                window=w.number,
            )
        out: list[Event] = []
        if w.current is not None:
            # A call pad has no "complete" key: calling the next visitor closes the current one.
            # Only a visitor who was served counts as served: one called and never started
            # did not come (yet), and goes by the recall rules instead.
            current = self.tickets[w.current]
            if current.state is TicketState.SERVING:
                out.append(self._completion(w, current, Outcome.HANDLED.value, now, True))
            else:
                out.append(self._passed_over(w, current, now))
        self.advance(now)
        tid = self._choose(w)
        if tid is None:
            return out
        t = self.tickets[tid]
        out.append(
            Event(
                ev.TICKET_CALLED,
                now,
                {
                    "ticket": t.id,
                    "number": t.number,
                    "window": w.number,
                    "clerk": w.clerk,
                    "item": t.item,
                    "first_inquiry_clerk": t.first_inquiry_clerk or w.clerk,
                    "waited_s": round(now - t.issued_at, 3),
                }
                # The window's screen and the console show the note of a transfer (转办)
                # with the call: the clerk reads why the visitor was sent before they arrive.
                | (
                    {"transfer": {"from_window": t.transfer.from_window, "note": t.transfer.note}}
                    if t.transfer is not None
                    else {}
                ),
            )
        )
        return out

    def _choose(self, w: Window) -> str | None:
        tickets = self.tickets
        scopes = self.window_scopes(w)
        own = self._lanes.existing("window", w.number)
        heaps: list[Heap] = [lane.transfers for lane in scopes]
        if own is not None:
            heaps.append(own.transfers)
        top = best([h.peek(tickets) for h in heaps])
        if top is None and w.clerk is not None:
            reserved = self._lanes.existing("clerk", w.clerk)
            if reserved is not None:
                top = reserved.normal.peek(tickets)
        if top is None:
            top = best([lane.priority.peek(tickets) for lane in scopes])
        if top is None:
            top = best([lane.normal.peek(tickets) for lane in scopes])
        return None if top is None else top[-2]

    def _current(self, t: Ticket, w: Window | None = None) -> Window:
        if t.state not in (TicketState.CALLED, TicketState.SERVING) or t.window is None:
            raise conflict(
                f"ticket {t.number} is {t.state.value}, not at a window",
                f"{t.number}号当前状态为{_STATE_ZH[t.state]}，不在窗口办理中",
                ticket=t.id,
            )
        return self.windows[t.window]

    def recall(self, ticket_id: str, now: float) -> list[Event]:
        t = self.ticket(ticket_id)
        w = self._current(t)
        if t.state is not TicketState.CALLED:
            raise conflict(
                f"{t.number} is already being served",
                f"{t.number}号已在办理中，无需重呼",
                ticket=t.id,
            )
        limit = self.rules.no_show_after_recalls
        if self._missed_calls(t) >= limit:
            return [
                Event(
                    ev.TICKET_NO_SHOW,
                    now,
                    {"ticket": t.id, "number": t.number, "window": w.number, "reason": "recall_limit"},
                )
            ]
        return [
            Event(
                ev.TICKET_RECALLED,
                now,
                {"ticket": t.id, "number": t.number, "window": w.number, "recalls": t.recalls + 1},
            )
        ]

    def _missed_calls(self, t: Ticket) -> int:
        """How often the visitor was called again in vain: recalls at this call and the
        earlier calls passed over."""
        return t.missed + t.recalls

    def _passed_over(self, w: Window, t: Ticket, now: float) -> Event:
        """The window calls the next visitor while ``t`` was called and never came (过号).
        Once it has been called again as often as ``no_show_after_recalls`` allows, it is a
        no-show; before that it goes back to its place in the line, to be called again
        (顺延), the pass counting as one more call in vain."""
        missed = self._missed_calls(t)
        if missed >= self.rules.no_show_after_recalls:
            return Event(
                ev.TICKET_NO_SHOW,
                now,
                {"ticket": t.id, "number": t.number, "window": w.number, "reason": "passed_over", "missed": missed},
            )
        return Event(
            ev.TICKET_REQUEUED,
            now,
            {
                "ticket": t.id,
                "number": t.number,
                "window": w.number,
                "item": t.item,
                "stream": t.stream,
                "missed": missed + 1,
                "reason": "passed_over",
            },
        )

    def start(self, ticket_id: str, now: float) -> list[Event]:
        t = self.ticket(ticket_id)
        w = self._current(t)
        if t.state is TicketState.SERVING:
            return []
        return [Event(ev.TICKET_STARTED, now, {"ticket": t.id, "number": t.number, "window": w.number})]

    def no_show(self, ticket_id: str, now: float) -> list[Event]:
        t = self.ticket(ticket_id)
        w = self._current(t)
        if t.state is not TicketState.CALLED:
            raise conflict(
                f"{t.number} came to the window; complete or transfer it instead",
                f"{t.number}号已到窗口办理，请办结或转办",
                ticket=t.id,
            )
        limit = self.rules.no_show_after_recalls
        made = self._missed_calls(t)
        if made < limit:
            raise conflict(
                f"recall {t.number} first: {made} of {limit} recalls made",
                f"请先重呼{t.number}号：已重呼{made}次，需{limit}次",
                ticket=t.id,
                recalls=made,
                needed=limit,
            )
        return [
            Event(
                ev.TICKET_NO_SHOW,
                now,
                {"ticket": t.id, "number": t.number, "window": w.number, "reason": "clerk"},
            )
        ]

    def complete(self, ticket_id: str, now: float, outcome: str = Outcome.HANDLED.value) -> list[Event]:
        t = self.ticket(ticket_id)
        w = self._current(t)
        try:
            Outcome(outcome)
        except ValueError:
            raise bad_request(
                f"unknown outcome {outcome!r}; one of {', '.join(o.value for o in Outcome)}",
                f"未知的办理结果 {outcome!r}",
                outcome=outcome,
            ) from None
        return [self._completion(w, t, outcome, now, False)]

    def _completion(self, w: Window, t: Ticket, outcome: str, now: float, implicit: bool) -> Event:
        began = t.served_at or t.called_at or now
        return Event(
            ev.TICKET_COMPLETED,
            now,
            {
                "ticket": t.id,
                "number": t.number,
                "window": w.number,
                "clerk": w.clerk,
                "outcome": outcome,
                "implicit": implicit,
                "service_s": round(max(0.0, now - began), 3),
            },
        )

    def transfer(
        self,
        ticket_id: str,
        now: float,
        *,
        to_window: int | None = None,
        to_item: str | None = None,
        note: str = "",
    ) -> list[Event]:
        t = self.ticket(ticket_id)
        w = self._current(t)
        if (to_window is None) == (to_item is None):
            raise bad_request(
                "transfer to a window or to an item, not both or neither",
                "转办须指定目标窗口或目标事项（二选一）",
            )
        if not note.strip():
            raise bad_request("a transfer needs a note for the next clerk", "转办须填写说明")
        if to_window is not None:
            target = self.window(to_window)
            if target.number == w.number:
                raise conflict("cannot transfer to the same window", "不能转办到本窗口")
            if target.status is WindowStatus.CLOSED:
                raise conflict(
                    f"window {target.number} is closed; transfer to the item instead",
                    f"{target.number}号窗口未开放，请转办到事项",
                    window=target.number,
                )
            if not self.window_serves(target, self.items[t.item]):
                raise conflict(
                    f"window {target.number} does not handle {t.item}",
                    f"{target.number}号窗口不办理该事项 {t.item}",
                    window=target.number,
                    item=t.item,
                )
        if to_item is not None:
            self.item(to_item)
        return [
            Event(
                ev.TICKET_TRANSFERRED,
                now,
                {
                    "ticket": t.id,
                    "number": t.number,
                    "from_window": w.number,
                    "to_window": to_window,
                    "to_item": to_item,
                    "note": note.strip()[:500],
                    "clerk": w.clerk,
                },
            )
        ]

    def cancel(self, ticket_id: str, now: float, reason: str = "visitor") -> list[Event]:
        t = self.ticket(ticket_id)
        if t.state is not TicketState.WAITING:
            raise conflict(
                f"{t.number} has been called; only a waiting ticket can be cancelled",
                f"{t.number}号已叫号，只能取消等候中的票",
            )
        return [Event(ev.TICKET_CANCELLED, now, {"ticket": t.id, "number": t.number, "reason": reason})]

    def sign_in(self, window_number: int, clerk: str, now: float) -> list[Event]:
        w = self.window(window_number)
        if clerk not in self.clerks:
            raise not_found("clerk", "工作人员", clerk)
        at = self._clerk_window.get(clerk)
        if at is not None and at != w.number:
            raise conflict(
                f"clerk {clerk} is signed in at window {at}",
                f"工作人员{clerk}已在{at}号窗口签到",
                window=at,
            )
        if w.clerk == clerk and w.status is not WindowStatus.CLOSED:
            return []
        if w.clerk is not None and w.clerk != clerk:
            raise conflict(
                f"window {w.number} is taken by {w.clerk}",
                f"{w.number}号窗口已由{w.clerk}签到",
                window=w.number,
            )
        info = self.clerks[clerk]
        return [
            Event(
                ev.WINDOW_SIGNED_IN,
                now,
                {"window": w.number, "clerk": clerk, "clerk_name": info.name, "staff_no": info.staff_no,
                 "phone": info.phone},
            )
        ]

    def sign_out(self, window_number: int, now: float) -> list[Event]:
        w = self.window(window_number)
        if w.status is WindowStatus.CLOSED:
            return []
        if w.current is not None:
            t = self.tickets[w.current]
            raise conflict(
                f"window {w.number} still has {t.number}: complete or transfer it first",
                f"{w.number}号窗口仍在办理{t.number}号，请先办结或转办",
            )
        return [Event(ev.WINDOW_SIGNED_OUT, now, {"window": w.number, "clerk": w.clerk})]

    def pause(self, window_number: int, now: float, reason: str = "") -> list[Event]:
        w = self.window(window_number)
        if w.status is WindowStatus.CLOSED:
            raise conflict(f"window {w.number} is closed", f"{w.number}号窗口未开放")
        if w.status is WindowStatus.PAUSED:
            return []
        return [Event(ev.WINDOW_PAUSED, now, {"window": w.number, "reason": reason[:200]})]

    def resume(self, window_number: int, now: float) -> list[Event]:
        w = self.window(window_number)
        if w.status is WindowStatus.CLOSED:
            raise conflict(f"window {w.number} is closed: sign in first", f"{w.number}号窗口未开放，请先签到")
        if w.status is WindowStatus.OPEN:
            return []
        return [Event(ev.WINDOW_RESUMED, now, {"window": w.number})]

    def set_notices(self, notices: list[dict[str, str]], now: float) -> list[Event]:
        """The manager's scrolling notices for the hall board, Chinese and English."""
        if not isinstance(notices, list) or len(notices) > MAX_NOTICES:
            raise bad_request(f"notices: a list of at most {MAX_NOTICES}", f"公告最多{MAX_NOTICES}条")
        clean = []
        for i, n in enumerate(notices):
            if not isinstance(n, dict) or not all(isinstance(n.get(k), str) and n[k].strip() for k in ("zh", "en")):
                raise bad_request(f"notices[{i}] needs non-empty zh and en texts", f"第{i + 1}条公告须有中文和英文")
            if max(len(n["zh"]), len(n["en"])) > 200:
                raise bad_request(f"notices[{i}] is longer than 200 characters", f"第{i + 1}条公告过长")
            clean.append({"zh": n["zh"].strip(), "en": n["en"].strip()})
        return [Event(ev.HALL_NOTICES, now, {"notices": clean})]

    # ------------------------------------------------------------- appointments
    def slots(self, item_code: str, day: str, now: float) -> list[dict[str, Any]]:
        """The hall's appointment slots of a day with the places left. A slot is not open
        once it is over, or when the hall does not open during it that day (a closed day,
        the lunch break of a shorter day)."""
        self.item(item_code)
        d = _parse_day(day)
        out = []
        for s in self.rules.appointment_slots:
            start, end = self._local_ts(day, s.start), self._local_ts(day, s.end)
            booked = self.bookings[(item_code, day, start)]
            capacity = self.rules.slot_capacity(s)
            out.append(
                {
                    "start": s.start,
                    "end": s.end,
                    "capacity": capacity,
                    "available": max(0, capacity - booked),
                    "open": end > now and self._hall_opens_during(d, s.start, s.end),
                }
            )
        return out

    def _hall_opens_during(self, d: date, start: str, end: str) -> bool:
        """Whether the slot start-end lies inside one of the hall's open periods that day
        (always, for a hall without hours)."""
        hours = self.rules.hours
        if hours is None:
            return True
        a, b = minutes(start), minutes(end)
        return any(minutes(p) <= a and b <= minutes(q) for p, q in hours.periods_on(d))

    def book(
        self,
        item_code: str,
        day: str,
        slot: str,
        now: float,
        code: str,
        *,
        id_hash: str | None,
        name_masked: str = "",
    ) -> list[Event]:
        self.item(item_code)
        d = _parse_day(day)
        template = next((s for s in self.rules.appointment_slots if s.start == slot), None)
        if template is None:
            starts = ", ".join(s.start for s in self.rules.appointment_slots)
            raise bad_request(
                f"no slot starts at {slot}; slots: {starts}",
                f"没有 {slot} 开始的预约时段（可约时段：{starts}）",
                slots=[s.start for s in self.rules.appointment_slots],
            )
        today = date.fromisoformat(self.local_day(now))
        if d < today or d > today + timedelta(days=self.rules.appointment_days_ahead):
            raise conflict(
                f"appointments can be made from today up to {self.rules.appointment_days_ahead} days ahead",
                f"只能预约今天起{self.rules.appointment_days_ahead}天内的时段",
            )
        start, end = self._local_ts(day, template.start), self._local_ts(day, template.end)
        if end <= now:
            raise conflict(f"the {slot} slot on {day} is over", f"{day} {slot} 时段已过")
        if not self._hall_opens_during(d, template.start, template.end):
            raise conflict(
                f"the hall is not open during the {slot} slot on {day}",
                f"{day} {slot} 时段大厅不办公，请选择其他时段",
                next_slot=self.next_free_slot(item_code, now),
            )
        capacity = self.rules.slot_capacity(template)
        if self.bookings[(item_code, day, start)] >= capacity:
            raise conflict(
                f"the {slot} slot on {day} is full ({capacity} places)",
                f"{day} {slot} 时段已约满（共{capacity}个名额），请选择其他时段",
                full=True,
                capacity=capacity,
                next_slot=self.next_free_slot(item_code, now),
            )
        if id_hash is not None:
            for a in self.appointments.values():
                if (
                    a.id_hash == id_hash
                    and a.item == item_code
                    and a.day == day
                    and a.state is AppointmentState.BOOKED
                ):
                    raise conflict(
                        f"already booked {a.code} for this item on {day}",
                        f"您已预约{day}该事项（预约号 {a.code}）",
                        appointment=a.code,
                    )
        if code in self.appointments:
            raise conflict("appointment code in use", "预约号重复")
        return [
            Event(
                ev.APPOINTMENT_BOOKED,
                now,
                {
                    "appointment": code,
                    "item": item_code,
                    "day": day,
                    "slot": slot,
                    "slot_start": start,
                    "slot_end": end,
                    "id_hash": id_hash,
                    "name_masked": name_masked,
                },
            )
        ]

    def appointment(self, code: str) -> Appointment:
        a = self.appointments.get(code)
        if a is None:
            raise not_found("appointment", "预约", code)
        return a

    def check_in(self, code: str, now: float, token: str) -> list[Event]:
        a = self.appointment(code)
        if a.state is not AppointmentState.BOOKED:
            raise conflict(
                f"appointment {code} is {a.state.value}",
                f"预约 {code} 已{'签到' if a.state is AppointmentState.CHECKED_IN else '取消'}",
                ticket=a.ticket,
            )
        today = self.local_day(now)
        if a.day != today:
            raise conflict(
                f"appointment {code} is for {a.day}, not today",
                f"预约 {code} 的日期是 {a.day}，不是今天",
                day=a.day,
            )
        issued = self.issue(a.item, now, token, id_hash=a.id_hash, appointment=a)
        issued.append(
            Event(
                ev.APPOINTMENT_CHECKED_IN,
                now,
                {
                    "appointment": code,
                    "ticket": issued[0].data["ticket"],
                    "late": issued[0].data["late"],
                },
            )
        )
        return issued

    def cancel_appointment(self, code: str, now: float) -> list[Event]:
        a = self.appointment(code)
        if a.state is not AppointmentState.BOOKED:
            raise conflict(f"appointment {code} is {a.state.value}", f"预约 {code} 无法取消")
        return [Event(ev.APPOINTMENT_CANCELLED, now, {"appointment": code})]

    # -------------------------------------------------------------------- apply
    def apply(self, e: Event) -> None:
        handler = _APPLY.get(e.type)
        if handler is None:
            raise EngineError("internal", f"unknown event type {e.type}", f"未知事件类型 {e.type}")
        handler(self, e)
        if e.seq:
            self.last_seq = e.seq

    def apply_all(self, events: Iterable[Event]) -> None:
        for e in events:
            self.apply(e)

    def _on_issued(self, e: Event) -> None:
        d = e.data
        self.counters[(d["day"], d["prefix"])] = max(self.counters.get((d["day"], d["prefix"]), 0), d["counter"])
        self.next_seq = max(self.next_seq, d["seq"] + 1)
        t = Ticket(
            id=d["ticket"],
            number=d["number"],
            day=sys.intern(d["day"]),  # shared by a day's tickets, not one copy each
            seq=d["seq"],
            item=sys.intern(d["item"]),
            stream=sys.intern(d["stream"]),
            issued_at=e.at,
            token=d["token"],
            id_hash=d.get("id_hash"),
            id_masked=d.get("id_masked"),
            enterprise=d.get("enterprise"),
            priority=Priority(d["priority"]) if d.get("priority") else None,
            appointment=d.get("appointment"),
            slot_start=d.get("slot_start"),
            slot_end=d.get("slot_end"),
            late=bool(d.get("late")),
            first_inquiry_clerk=d.get("first_inquiry_clerk"),
            reserved_until=d.get("reserved_until"),
        )
        self.tickets[t.id] = t
        if not t.appointment:
            self.issued_walk_in[(t.day, t.item)] += 1
        if t.reserved_until is not None and t.first_inquiry_clerk:
            self._reserved.setdefault(t.first_inquiry_clerk, set()).add(t.id)
        self._join_line(t, e.at)

    def _on_called(self, e: Event) -> None:
        d = e.data
        t = self.tickets[d["ticket"]]
        w = self.windows[d["window"]]
        self._leave_line(t)
        t.state = TicketState.CALLED
        t.window = w.number
        t.clerk = d.get("clerk")
        t.called_at = e.at
        t.served_at = None  # service time counts from this call, not an earlier window's
        t.recalls = 0
        self._unreserve(t)
        if t.first_inquiry_clerk is None:
            t.first_inquiry_clerk = d.get("first_inquiry_clerk")
        waited = d.get("waited_s")
        if t.transfers == 0 and t.missed == 0:  # a first call: the visitor's real wait
            rule = self.items.get(t.item)
            if rule is not None:
                self.served_today.record(t.day, t.item, e.at - t.issued_at, rule.wait_target_s)
        if waited is not None and t.transfers == 0 and t.missed == 0:  # a first call only
            prev = self.avg_wait_s.get(t.stream, waited)
            self.avg_wait_s[t.stream] = prev + SERVICE_EMA_WEIGHT * (waited - prev)
        w.current = t.id
        w.recent.insert(0, t.number)
        del w.recent[RECENT_CALLS:]

    def _on_recalled(self, e: Event) -> None:
        self.tickets[e.data["ticket"]].recalls = e.data["recalls"]

    def _on_started(self, e: Event) -> None:
        t = self.tickets[e.data["ticket"]]
        t.state = TicketState.SERVING
        t.served_at = e.at

    def _unreserve(self, t: Ticket) -> None:
        if t.reserved_until is not None and t.first_inquiry_clerk:
            self._reserved.get(t.first_inquiry_clerk, set()).discard(t.id)
        t.reserved_until = None

    def _finish(self, t: Ticket, state: TicketState) -> None:
        self._unreserve(t)
        t.state = state
        if t.window is not None:
            w = self.windows[t.window]
            if w.current == t.id:
                w.current = None
        del self.tickets[t.id]

    def _on_requeued(self, e: Event) -> None:
        t = self.tickets[e.data["ticket"]]
        w = self.windows[e.data["window"]]
        if w.current == t.id:
            w.current = None
        t.state = TicketState.WAITING
        t.window = None
        t.missed = e.data["missed"]
        t.recalls = 0
        self._join_line(t, e.at)

    def _on_no_show(self, e: Event) -> None:
        self._finish(self.tickets[e.data["ticket"]], TicketState.NO_SHOW)

    def _on_completed(self, e: Event) -> None:
        t = self.tickets[e.data["ticket"]]
        service_s = e.data.get("service_s")
        if service_s and not e.data.get("implicit"):
            prev = self.avg_service_s.get(t.stream, self.rules.default_service_s)
            self.avg_service_s[t.stream] = prev + SERVICE_EMA_WEIGHT * (service_s - prev)
        self._finish(t, TicketState.DONE)

    def _on_cancelled(self, e: Event) -> None:
        t = self.tickets[e.data["ticket"]]
        if t.state is TicketState.WAITING:
            self._leave_line(t)
        self._finish(t, TicketState.CANCELLED)

    def _on_transferred(self, e: Event) -> None:
        d = e.data
        t = self.tickets[d["ticket"]]
        w = self.windows[d["from_window"]]
        if w.current == t.id:
            w.current = None
        if d.get("to_item"):
            t.item = d["to_item"]
            t.stream = self.items[t.item].stream if t.item in self.items else t.stream
        t.transfer = Transfer(
            from_window=d["from_window"],
            to_window=d.get("to_window"),
            to_item=d.get("to_item"),
            note=d.get("note", ""),
            at=e.at,
            clerk=d.get("clerk"),
        )
        t.transfers += 1
        t.state = TicketState.WAITING
        t.window = None
        t.recalls = 0
        self._join_line(t, e.at)

    def _on_help_requested(self, e: Event) -> None:
        d = e.data
        self.help_calls[d["help"]] = HelpCall(d["help"], d["kiosk"], e.at, d.get("reason", ""), d.get("screen", ""))
        self.next_help = max(self.next_help, d["help"] + 1)

    def _on_help_answered(self, e: Event) -> None:
        self.help_calls.pop(e.data["help"], None)

    def _on_print_requested(self, e: Event) -> None:
        d = e.data
        self.print_jobs[d["job"]] = PrintJob(d["job"], d["window"], d["document"], d["case"], e.at)
        self.next_print_job = max(self.next_print_job, d["job"] + 1)

    def _on_print_kept(self, e: Event) -> None:
        j = self.print_jobs.get(e.data["job"])
        if j is not None:
            j.state, j.reason = "kept", e.data.get("reason", "")

    def _on_print_done(self, e: Event) -> None:
        self.print_jobs.pop(e.data["job"], None)

    def _on_device_health(self, e: Event) -> None:
        d = e.data
        self.device_health[(d["reporter"], d["device"])] = DeviceHealth(
            d["reporter"], d["device"], d["kind"], d["status"], d.get("old"), d.get("reason", ""), d.get("reported_at", ""), e.at
        )

    def _on_signed_in(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        w.clerk = e.data["clerk"]
        w.status = WindowStatus.OPEN
        w.pause_reason = None
        self._clerk_window[w.clerk] = w.number

    def _on_signed_out(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        clerk = w.clerk
        w.clerk = None
        w.status = WindowStatus.CLOSED
        if clerk is None:
            return
        self._clerk_window.pop(clerk, None)
        # Their reserved visitors go to any window now, keeping their place by issue order.
        # (From the record of reservations, not the lanes: the lanes depend on when calls
        # looked at the line, and replaying the events must give this same state.)
        for tid in sorted(self._reserved.pop(clerk, ())):
            t = self.tickets[tid]
            t.reserved_until = None
            if t.state is TicketState.WAITING:
                self._enqueue(t, e.at)
        # Visitors transferred to this window stay first in line, at any window of their item.
        lane = self._lanes.existing("window", w.number)
        if lane is not None:
            moved = [self.tickets[x[-2]] for x in lane.transfers.entries if is_live(self.tickets, x)]
            for t in moved:
                assert t.transfer is not None
                t.transfer.to_window = None
                self._enqueue(t, e.at)

    def _on_paused(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        w.status = WindowStatus.PAUSED
        w.pause_reason = e.data.get("reason") or None

    def _on_resumed(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        w.status = WindowStatus.OPEN
        w.pause_reason = None

    def _on_notices(self, e: Event) -> None:
        self.notices = list(e.data["notices"])

    def _on_booked(self, e: Event) -> None:
        d = e.data
        a = Appointment(
            code=d["appointment"],
            item=d["item"],
            day=d["day"],
            slot_start=d["slot_start"],
            slot_end=d["slot_end"],
            id_hash=d.get("id_hash"),
            name_masked=d.get("name_masked", ""),
            booked_at=e.at,
        )
        self.appointments[a.code] = a
        self.bookings[(a.item, a.day, a.slot_start)] += 1

    def _on_checked_in(self, e: Event) -> None:
        a = self.appointments[e.data["appointment"]]
        a.state = AppointmentState.CHECKED_IN
        a.ticket = e.data["ticket"]

    def _on_appointment_cancelled(self, e: Event) -> None:
        a = self.appointments[e.data["appointment"]]
        a.state = AppointmentState.CANCELLED
        self.bookings[(a.item, a.day, a.slot_start)] -= 1

    # ------------------------------------------------------------------- views
    def waiting(self) -> Iterator[Ticket]:
        return (t for t in self.tickets.values() if t.state is TicketState.WAITING)

    def position(self, t: Ticket) -> int:
        """People ahead: the waiting tickets of the same stream before it in call order
        (transfers, then reserved returning visitors, then priorities by when they began,
        then issue order), so a green-channel or appointment ticket does not count the
        ordinary numbers it goes before.

        An O(log n) rank; a priority that begins later (ageing, a slot starting) can still
        move people ahead while one waits, which is why visitors see it as an estimate."""
        if t.state is not TicketState.WAITING:
            return 0
        return self._line_order[t.stream].bisect_left(self._rank_of[t.id])

    def lane_of(self, t: Ticket) -> str:
        """The lane a slip marks: green_channel (绿色通道), appointment (预约, checked in
        in time) or normal."""
        if t.priority is Priority.GREEN:
            return "green_channel"
        if t.priority is Priority.APPOINTMENT:
            return "appointment"
        return "normal"

    def open_windows_for(self, stream: str) -> int:
        return sum(
            1 for w in self.windows.values() if w.status is WindowStatus.OPEN and stream in self.served_streams(w)
        )

    def estimated_wait_s(self, stream: str, ahead: int) -> int:
        per = self.avg_service_s.get(stream, self.rules.default_service_s)
        return round(ahead * per / max(1, self.open_windows_for(stream)))

    def wait_outlook(self, stream: str, ahead: int, now: float) -> dict[str, Any]:
        """The wait a slip may promise, laid over today's opening hours: the service minutes
        ahead run only while the hall is open, so a lunch break adds its length; when they
        run past today's last period, ``beyond_closing`` says so instead of promising
        minutes the hall will not be open for. ``closes_at``: when today's service ends (ISO,
        local; None for a hall without hours)."""
        wait = self.estimated_wait_s(stream, ahead)
        out: dict[str, Any] = {"estimated_wait_s": wait, "closes_at": None, "beyond_closing": False, "wait_notice": None}
        hours = self.rules.hours
        if hours is None:
            return out
        day = self.local_day(now)
        periods = [(self._local_ts(day, a), self._day_end(day, b)) for a, b in hours.periods_on(date.fromisoformat(day))]
        if not periods:
            return out
        out["closes_at"] = self._iso(periods[-1][1])
        remaining, eta = float(wait), None
        for a, b in periods:
            if b <= now:
                continue
            start = max(a, now)
            if start + remaining <= b:
                eta = start + remaining
                break
            remaining -= b - start
        closing = self._clock(periods[-1][1])
        if eta is None:
            out["beyond_closing"] = True
            out["wait_notice"] = {
                "zh": f"按目前进度，轮到您之前今日办公时间（至{closing}）可能已结束，今日可能无法办理，可预约其他时段",
                "en": f"At the current pace, today's service (until {closing}) may end before your turn: "
                "you may not be served today; an appointment is an option",
            }
            return out
        out["estimated_wait_s"] = round(eta - now)
        # A break between now and the call: the gap between two periods that both lie ahead.
        pause = next(((b, a2) for (_, b), (a2, _) in itertools.pairwise(periods) if now < b and a2 <= eta), None)
        if pause is not None:
            gap = f"{self._clock(pause[0])}-{self._clock(pause[1])}"
            out["wait_notice"] = {
                "zh": f"等候期间有午间休息（{gap}），预计 {self._clock(eta)} 前后叫号",
                "en": f"The wait includes the break ({gap}); expect your call around {self._clock(eta)}",
            }
        return out

    def _day_end(self, day: str, hhmm: str) -> float:
        """A period's end as POSIX seconds ("24:00" is the next midnight)."""
        return datetime.combine(date.fromisoformat(day), time(0, 0), self.tz).timestamp() + minutes(hhmm) * 60

    def _clock(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.tz).strftime("%H:%M")

    def prune_appointments(self, now: float) -> None:
        """Forget appointments of past days (they stay in the store)."""
        today = self.local_day(now)
        for code in [c for c, a in self.appointments.items() if a.day < today]:
            a = self.appointments.pop(code)
            self.bookings.pop((a.item, a.day, a.slot_start), None)
        for key in [k for k in self.issued_walk_in if k[0] < today]:
            del self.issued_walk_in[key]


def _parse_day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except (TypeError, ValueError):
        raise bad_request(f"bad date {day!r}, expected YYYY-MM-DD", f"日期格式错误：{day!r}") from None


_APPLY = {
    ev.TICKET_ISSUED: HallEngine._on_issued,
    ev.TICKET_CALLED: HallEngine._on_called,
    ev.TICKET_RECALLED: HallEngine._on_recalled,
    ev.TICKET_STARTED: HallEngine._on_started,
    ev.TICKET_NO_SHOW: HallEngine._on_no_show,
    ev.TICKET_REQUEUED: HallEngine._on_requeued,
    ev.TICKET_COMPLETED: HallEngine._on_completed,
    ev.TICKET_CANCELLED: HallEngine._on_cancelled,
    ev.TICKET_TRANSFERRED: HallEngine._on_transferred,
    ev.WINDOW_SIGNED_IN: HallEngine._on_signed_in,
    ev.WINDOW_SIGNED_OUT: HallEngine._on_signed_out,
    ev.WINDOW_PAUSED: HallEngine._on_paused,
    ev.WINDOW_RESUMED: HallEngine._on_resumed,
    ev.APPOINTMENT_BOOKED: HallEngine._on_booked,
    ev.APPOINTMENT_CHECKED_IN: HallEngine._on_checked_in,
    ev.APPOINTMENT_CANCELLED: HallEngine._on_appointment_cancelled,
    ev.HALL_NOTICES: HallEngine._on_notices,
    ev.HALL_HELP_REQUESTED: HallEngine._on_help_requested,
    ev.HALL_HELP_ANSWERED: HallEngine._on_help_answered,
    ev.DEVICE_HEALTH: HallEngine._on_device_health,
    ev.WINDOW_PRINT_REQUESTED: HallEngine._on_print_requested,
    ev.WINDOW_PRINT_KEPT: HallEngine._on_print_kept,
    ev.WINDOW_PRINT_DONE: HallEngine._on_print_done,
}

_STATUS_ZH = {WindowStatus.OPEN: "开放", WindowStatus.PAUSED: "暂停服务", WindowStatus.CLOSED: "未开放"}
_STATE_ZH = {
    TicketState.WAITING: "等候中",
    TicketState.CALLED: "已叫号",
    TicketState.SERVING: "办理中",
    TicketState.DONE: "已办结",
    TicketState.NO_SHOW: "过号",
    TicketState.CANCELLED: "已取消",
}

