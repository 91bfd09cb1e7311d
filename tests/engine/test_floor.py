"""Wrong or lost on the hall floor (issue 13), in the pure engine: the transfer note reaches
the target window, a visitor who never came is not a service, people ahead are counted in
call order, appointment slots are the hall's own.

The hall of ``support``: windows 1, 2 comprehensive (citizen), 3 dedicated to C2, 4
enterprise, 5 green channel; items C1, C2 (citizen) and E1, E2 (enterprise).
"""

from __future__ import annotations

import pytest

from queue_server.engine import EngineError, HallRules, ItemRule, SlotTemplate, TicketState
from queue_server.engine.hours import OpeningHours
from queue_server.engine.state import load_state
from queue_server.engine.views import ticket_view

from .support import CITIZEN, ENTERPRISE, Hall, json_state, local, make_engine, refused

PATIENT = (
    ItemRule("C1", CITIZEN, 10**6),
    ItemRule("C2", CITIZEN, 10**6),
    ItemRule("E1", ENTERPRISE, 10**6),
    ItemRule("E2", ENTERPRISE, 10**6),
)


def hall(**rules: object) -> Hall:
    return Hall(make_engine(HallRules(**rules), items=PATIENT))  # type: ignore[arg-type]


# ------------------------------------------------------------------ the transfer note
def test_the_transfer_note_reaches_the_target_window_with_the_call() -> None:
    h = hall()
    h.open(1, "k1")
    h.open(2, "k2")
    t = h.issue("C1")
    assert h.call(1) == t.id
    h.tick().transfer(t.id, to_window=2, note="需核对户籍信息")
    events = h.tick().run(h.engine.call_next(2, h.now))
    called = next(e for e in events if e.type == "ticket.called")
    # The event the window's screen and the console get carries the note ...
    assert called.data["transfer"] == {"from_window": 1, "note": "需核对户籍信息"}
    # ... and so does the ticket the clerk at window 2 now has.
    view = ticket_view(h.engine, h.engine.tickets[t.id])
    assert view["state"] == "called" and view["window"] == 2
    assert view["transfer"] == {"from_window": 1, "to_window": 2, "to_item": None, "note": "需核对户籍信息"}
    # It survives a checkpoint.
    fresh = make_engine(HallRules(), items=PATIENT)
    load_state(fresh, json_state(h.engine), h.now)
    assert ticket_view(fresh, fresh.tickets[t.id])["transfer"]["note"] == "需核对户籍信息"


def test_a_ticket_never_transferred_is_called_without_a_note() -> None:
    h = hall()
    h.open(1, "k1")
    h.issue("C1")
    events = h.run(h.engine.call_next(1, h.now))
    assert "transfer" not in events[0].data


# ------------------------------------------------------------------ call-next over a visitor who never came
def test_call_next_over_a_visitor_who_never_came_is_no_service() -> None:
    """Called, not started, and the window calls the next: the visitor goes back in line by
    the recall rules (called again, up to ``no_show_after_recalls`` times), then is a
    no-show. Never a ``ticket.completed``: reports count only real services."""
    h = hall(no_show_after_recalls=1)
    h.open(1, "k1")
    absent, other, third = h.issue("C1"), h.tick().issue("C1"), h.tick().issue("C1")
    assert h.call(1) == absent.id
    events = h.tick(30).run(h.engine.call_next(1, h.now))
    assert [e.type for e in events] == ["ticket.requeued", "ticket.called"]
    assert events[1].data["ticket"] == other.id
    t = h.engine.tickets[absent.id]
    assert t.state is TicketState.WAITING and t.missed == 1
    assert h.engine.position(t) == 0  # back at its place: first in line
    # The next call-next at any window calls them again; this time the recall rule is used up.
    h.open(2, "k2")
    assert called_at(h, 2) == absent.id
    events = h.tick(30).run(h.engine.call_next(2, h.now))
    assert [e.type for e in events] == ["ticket.no_show", "ticket.called"]
    assert events[0].data["reason"] == "passed_over" and events[1].data["ticket"] == third.id
    assert absent.id not in h.engine.tickets
    assert not any(e.type == "ticket.completed" and e.data["ticket"] == absent.id for e in h.log)


def test_passing_over_counts_with_the_recalls() -> None:
    """Recalled as often as the rule allows, then passed over: a no-show at once."""
    h = hall()  # no_show_after_recalls=2
    h.open(1, "k1")
    t = h.issue("C1")
    h.issue("C1")
    assert h.call(1) == t.id
    h.run(h.engine.recall(t.id, h.now))
    h.run(h.engine.recall(t.id, h.tick().now))
    events = h.tick().run(h.engine.call_next(1, h.now))
    assert events[0].type == "ticket.no_show" and events[0].data["ticket"] == t.id


def test_a_passed_over_visitor_needs_fewer_recalls_before_a_no_show() -> None:
    h = hall()  # no_show_after_recalls=2
    h.open(1, "k1")
    t = h.issue("C1")
    assert h.call(1) == t.id
    h.run(h.engine.call_next(1, h.tick().now))  # passed over: back in line, one call in vain
    assert called_at(h, 1) == t.id
    e = refused("conflict", h.engine.no_show, t.id, h.now)
    assert e.details["recalls"] == 1 and e.details["needed"] == 2
    h.run(h.engine.recall(t.id, h.tick().now))
    assert h.run(h.engine.no_show(t.id, h.tick().now))[0].type == "ticket.no_show"


def test_a_transferred_visitor_passed_over_stays_first_at_the_target_window() -> None:
    h = hall(no_show_after_recalls=1)
    h.open(1, "k1")
    h.open(2, "k2")
    t = h.issue("C1")
    h.tick().issue("C1")
    assert h.call(1) == t.id
    h.transfer(t.id, to_window=2, note="请到2号窗口")
    assert h.call(2) == t.id
    h.run(h.engine.call_next(2, h.tick().now))  # not there yet
    assert h.engine.tickets[t.id].state is TicketState.WAITING
    assert called_at(h, 2) == t.id  # the transfer keeps its place at window 2
    assert ticket_view(h.engine, h.engine.tickets[t.id])["transfer"]["note"] == "请到2号窗口"


def called_at(h: Hall, window: int) -> str | None:
    """Call next without taking the window's current visitor to have come."""
    from .support import called_in

    return called_in(h.tick().run(h.engine.call_next(window, h.now)))


# ------------------------------------------------------------------ people ahead, in call order
def test_a_green_channel_ticket_counts_only_those_ahead_in_call_order() -> None:
    h = hall()
    normal = [h.tick().issue("C1"), h.tick().issue("C1")]
    green = h.tick().issue("C1", priority="green")
    assert h.engine.position(green) == 0  # "前面 0 人", not 2
    assert h.engine.lane_of(green) == "green_channel"
    second_green = h.tick().issue("C2", priority="green")
    assert h.engine.position(second_green) == 1
    # The ordinary tickets now have the green ones ahead of them.
    assert [h.engine.position(t) for t in normal] == [2, 3]
    h.open(1, "k1")
    order = [h.tick().call(1) for _ in range(4)]
    assert order == [green.id, second_green.id, normal[0].id, normal[1].id]


def test_an_appointment_checked_in_within_its_slot_counts_only_those_ahead() -> None:
    h = hall()
    h.now = local(2024, 5, 6, 9, 10)
    h.run(h.engine.book("C1", "2024-05-06", "09:00", h.now, "APPT01", id_hash="p1"))
    walk_ins = [h.tick().issue("C1") for _ in range(3)]
    t = h.tick().check_in("APPT01")
    view = ticket_view(h.engine, t)
    assert view["position"] == 0 and view["lane"] == "appointment"
    assert h.engine.position(walk_ins[0]) == 1
    assert ticket_view(h.engine, walk_ins[0])["lane"] == "normal"


def test_an_early_check_in_counts_the_line_until_its_slot_begins() -> None:
    h = hall()
    h.now = local(2024, 5, 6, 8, 40)
    h.run(h.engine.book("C1", "2024-05-06", "10:00", h.now, "APPT02", id_hash="p1"))
    h.tick().issue("C1")
    t = h.tick().check_in("APPT02")
    assert h.engine.position(t) == 1  # its priority starts at 10:00


# ------------------------------------------------------------------ appointment slots from the rules
def test_slots_and_their_capacity_are_the_halls_own() -> None:
    slots = (SlotTemplate("08:30", "09:30", capacity=1), SlotTemplate("14:00", "15:00"))
    h = hall(appointment_slots=slots, appointment_capacity=2)
    h.now = local(2024, 5, 6, 8, 0)
    listed = h.engine.slots("C1", "2024-05-06", h.now)
    assert [(s["start"], s["end"], s["capacity"], s["available"]) for s in listed] == [
        ("08:30", "09:30", 1, 1),
        ("14:00", "15:00", 2, 2),
    ]
    h.run(h.engine.book("C1", "2024-05-06", "08:30", h.now, "AAAAAA", id_hash="p1"))
    assert h.engine.slots("C1", "2024-05-06", h.now)[0]["available"] == 0
    e = refused("conflict", h.engine.book, "C1", "2024-05-06", "08:30", h.now, "BBBBBB", id_hash="p2")
    assert e.details["full"] is True and "约满" in e.message_zh
    assert e.details["next_slot"] == {"day": "2024-05-06", "start": "14:00", "end": "15:00", "available": 2}
    refused("bad_request", h.engine.book, "C1", "2024-05-06", "09:00", h.now, "CCCCCC", id_hash="p3")


def test_a_slot_that_ends_the_day_is_listed_and_booked() -> None:
    """"24:00" ends a day's last slot, as the configuration allows (it once broke every slots request)."""
    h = hall(appointment_slots=(SlotTemplate("20:00", "24:00"),), appointment_capacity=1)
    h.now = local(2024, 5, 6, 8, 0)
    assert [(s["start"], s["end"], s["available"]) for s in h.engine.slots("C1", "2024-05-06", h.now)] == [
        ("20:00", "24:00", 1)
    ]
    h.run(h.engine.book("C1", "2024-05-06", "20:00", h.now, "AAAAAA", id_hash="p1"))
    assert h.engine.slots("C1", "2024-05-06", h.now)[0]["available"] == 0


# ------------------------------------------------------------------ opening hours
WEEKDAY = (("08:30", "12:00"), ("14:00", "17:30"))
HOURS = OpeningHours((WEEKDAY,) * 5 + ((("09:00", "12:00"),), ()), frozenset({"2024-05-08"}))


def refusal(h: Hall) -> EngineError:
    with pytest.raises(EngineError) as err:
        h.issue("C1")
    return err.value


@pytest.mark.parametrize(
    ("when", "reason", "zh", "next_open"),
    [
        (local(2024, 5, 6, 7, 50), "before_hours", "尚未开始办公", "2024-05-06 08:30"),
        (local(2024, 5, 6, 12, 20), "break", "午间休息", "2024-05-06 14:00"),
        (local(2024, 5, 6, 17, 31), "after_hours", "办公时间已结束", "2024-05-07 08:30"),
        (local(2024, 5, 8, 10, 0), "closed_day", "今日闭厅", "2024-05-09 08:30"),
    ],
)
def test_no_number_outside_the_hours_and_the_answer_says_why_and_when(when, reason, zh, next_open) -> None:  # type: ignore[no-untyped-def]
    h = hall(hours=HOURS)
    h.now = when
    e = refusal(h)
    assert e.code == "hall_closed" and e.details["reason"] == reason
    assert zh in e.message_zh and f"下次开放：{next_open}" in e.message_zh
    assert f"opens at {next_open}" in e.message


def test_a_wait_that_runs_past_closing_says_so_instead_of_promising_minutes() -> None:
    h = hall(hours=HOURS, default_service_s=600.0)
    h.open(1, "k1")
    h.now = local(2024, 5, 6, 17, 0)
    for _ in range(5):
        h.issue("C1")
    t = h.issue("C1")  # 5 ahead x 10 minutes, one window: 17:50, after the 17:30 closing
    outlook = h.engine.wait_outlook(t.stream, h.engine.position(t), h.now)
    assert outlook["beyond_closing"] is True and outlook["closes_at"] == "2024-05-06T17:30:00+08:00"
    assert "今日可能无法办理" in outlook["wait_notice"]["zh"] and "17:30" in outlook["wait_notice"]["en"]
    # Two ahead fit before closing: a plain estimate, no warning.
    fits = h.engine.wait_outlook(t.stream, 2, h.now)
    assert fits["beyond_closing"] is False and fits["wait_notice"] is None and fits["estimated_wait_s"] == 1200


def test_a_wait_over_the_lunch_break_counts_the_break() -> None:
    h = hall(hours=HOURS, default_service_s=600.0)
    h.open(1, "k1")
    h.now = local(2024, 5, 6, 11, 40)
    outlook = h.engine.wait_outlook("citizen", 4, h.now)  # 40 minutes of service: 20 before, 20 after
    assert outlook["estimated_wait_s"] == (2 * 3600 + 40 * 60)  # 14:20, not 12:20
    assert "12:00-14:00" in outlook["wait_notice"]["zh"] and "14:20" in outlook["wait_notice"]["zh"]
    assert outlook["beyond_closing"] is False
