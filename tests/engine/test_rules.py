"""The rules of the hall (DESIGN.md, "The rules of the hall"), one test per rule.

The hall of ``support``: windows 1, 2 comprehensive (citizen), 3 dedicated to C2, 4 enterprise,
5 green channel; items C1, C2 (citizen, A…) and E1, E2 (enterprise, B…); clerks k1…k7.
"""

from __future__ import annotations

import pytest

from queue_server.engine import (
    EngineError,
    HallRules,
    ItemRule,
    Outcome,
    TicketState,
    WindowDef,
    WindowKind,
    WindowStatus,
)
from queue_server.engine.state import dump_state, load_state
from queue_server.engine.views import hall_view, ticket_view

from .support import (
    CITIZEN,
    ENTERPRISE,
    Hall,
    json_state,
    local,
    make_engine,
    refused,
)

# Items whose wait target is far away, for tests where ageing must not interfere.
PATIENT_ITEMS = (
    ItemRule("C1", CITIZEN, 10**6),
    ItemRule("C2", CITIZEN, 10**6),
    ItemRule("E1", ENTERPRISE, 10**6),
    ItemRule("E2", ENTERPRISE, 10**6),
)


def patient_hall(**rules: object) -> Hall:
    return Hall(make_engine(HallRules(**rules), items=PATIENT_ITEMS))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- numbering
def test_numbers_have_a_prefix_per_stream_and_count_per_stream():
    h = Hall()
    numbers = [h.tick().issue(item).number for item in ("C1", "E1", "C2", "E2", "C1")]
    assert numbers == ["A001", "B001", "A002", "B002", "A003"]


def test_numbers_never_repeat_within_a_day_even_as_tickets_come_and_go():
    h = patient_hall()
    h.open(1, "k1")
    h.open(4, "k4")
    seen = []
    for i in range(60):
        t = h.tick(30).issue(("C1", "E2", "C2")[i % 3])
        seen.append(t.number)
        if i % 4 == 0:
            h.call(1)
            h.call(4)
        if i % 7 == 0 and t.state is TicketState.WAITING:
            h.run(h.engine.cancel(t.id, h.now))
    assert len(seen) == len(set(seen))
    assert sorted(n for n in seen if n[0] == "A") == [f"A{k:03d}" for k in range(1, 41)]


def test_numbers_restart_the_next_local_day_at_shanghai_midnight():
    h = Hall(now=local(2024, 5, 6, 23, 59, 50))
    assert h.issue("C1").number == "A001"
    assert h.issue("C1").number == "A002"
    assert h.issue("E1").number == "B001"
    h.at(local(2024, 5, 7, 0, 0, 5))  # 16:00:05 UTC: still the 6th in UTC
    assert h.issue("C1").number == "A001"
    assert h.issue("E1").number == "B001"
    assert h.engine.tickets[h.log[-1].data["ticket"]].day == "2024-05-07"


def test_numbers_do_not_restart_at_utc_midnight():
    h = Hall(now=local(2024, 5, 7, 7, 59, 55))  # 23:59:55 UTC on the 6th
    assert h.issue("C1").number == "A001"
    h.at(local(2024, 5, 7, 8, 0, 5))  # 00:00:05 UTC on the 7th, same local day
    assert h.issue("C1").number == "A002"


def test_ticket_ids_are_unique_across_days_and_carry_the_hall():
    h = Hall(now=local(2024, 5, 6, 23, 59))
    yesterday = h.issue("C1")
    h.at(local(2024, 5, 7, 0, 1))
    today = h.issue("C1")
    assert yesterday.number == today.number == "A001"
    assert yesterday.id != today.id
    assert yesterday.id.startswith("H01-") and today.id.startswith("H01-")
    # Both are live at once (yesterday's visitor still waits) without clobbering each other.
    assert {yesterday.id, today.id} <= set(h.engine.tickets)
    other = Hall(make_engine(HallRules(hall="H02")), now=local(2024, 5, 7, 0, 1)).issue("C1")
    assert other.number == "A001" and other.id != today.id


def test_numbering_survives_dump_and_load():
    h = Hall()
    for _ in range(3):
        h.tick().issue("C1")
    fresh = make_engine()
    load_state(fresh, json_state(h.engine), h.now)
    h2 = Hall(fresh, now=h.now + 1)
    assert h2.issue("C1").number == "A004"
    assert h2.issue("E1").number == "B001"


# ----------------------------------------------------------------------- call next: basics
def test_call_next_takes_issue_order_when_no_other_rule_applies():
    h = patient_hall()
    h.open(1, "k1")
    tickets = [h.tick().issue(item).number for item in ("C1", "C2", "C1", "C2")]
    called = [h.tick().number(1) for _ in tickets]
    assert called == tickets


def test_call_next_returns_nothing_when_nobody_waits():
    h = Hall()
    h.open(1, "k1")
    assert h.engine.call_next(1, h.now) == []


def test_call_next_completes_the_current_ticket_implicitly():
    h = patient_hall()
    h.open(1, "k1")
    a, b = h.issue("C1"), h.tick().issue("C1")
    assert h.tick().call(1) == a.id
    h.run(h.engine.start(a.id, h.now))  # the visitor came: a service
    events = h.tick(60).run(h.engine.call_next(1, h.now))
    assert [e.type for e in events] == ["ticket.completed", "ticket.called"]
    assert events[0].data["ticket"] == a.id and events[0].data["implicit"] is True
    assert events[1].data["ticket"] == b.id
    assert a.id not in h.engine.tickets
    # With nobody left, call next still closes the current ticket.
    h.run(h.engine.start(b.id, h.now))
    events = h.tick(60).run(h.engine.call_next(1, h.now))
    assert [e.type for e in events] == ["ticket.completed"]
    assert h.current(1) is None


def test_call_next_on_a_closed_window_is_refused():
    h = Hall()
    h.issue("C1")
    refused("conflict", h.engine.call_next, 1, h.now)
    refused("not_found", h.engine.call_next, 99, h.now)


# ------------------------------------------------------------------------- transfers (转办)
def test_transfer_to_a_window_goes_first_there():
    h = Hall()  # C1 ages after 1800 s
    h.open(1, "k1")
    h.open(3, "k3")
    early = h.issue("C1")
    second = h.tick().issue("C1")
    moved = h.tick().issue("C2")
    assert h.tick().call(3) == moved.id
    h.tick(1900)  # ``early`` is now past its wait target
    green = h.issue("C1", priority="green")
    h.transfer(moved.id, to_window=1, note="needs the residence office")
    t = h.engine.tickets[moved.id]
    assert t.state is TicketState.WAITING and h.current(3) is None
    assert t.transfer.note == "needs the residence office" and t.transfer.from_window == 3
    # Transferred beats aged, green and issue order.
    assert h.tick().call(1) == moved.id
    assert h.tick().call(1) == early.id
    assert h.tick().call(1) == second.id  # aged too, before the green ticket was issued
    assert h.tick().call(1) == green.id


def test_transfer_to_a_window_is_called_only_by_that_window():
    h = patient_hall()
    for w, k in ((1, "k1"), (2, "k2"), (5, "k5")):
        h.open(w, k)
    t = h.issue("C1")
    assert h.call(1) == t.id
    h.transfer(t.id, to_window=2, note="second opinion")
    assert h.tick().call(1) is None
    assert h.tick().call(5) is None
    assert h.tick().call(2) == t.id


def test_transfer_to_an_item_goes_first_at_windows_serving_it():
    h = patient_hall()
    h.open(1, "k1")
    h.open(4, "k4")
    waiting_enterprise = h.issue("E1")
    citizen = h.tick().issue("C1")
    assert h.tick().call(1) == citizen.id
    h.tick().issue("E2", priority="green")
    h.transfer(citizen.id, to_item="E1", note="this is a company matter")
    t = h.engine.tickets[citizen.id]
    assert (t.item, t.stream, t.number) == ("E1", ENTERPRISE, "A001")
    assert h.tick().call(1) is None  # no longer a citizen matter
    assert h.tick().call(4) == citizen.id
    assert h.tick().call(4) != waiting_enterprise.id  # the green ticket comes next


def test_transfer_to_an_item_goes_first_at_a_dedicated_window_too():
    h = patient_hall()
    h.open(1, "k1")
    h.open(3, "k3")
    t = h.issue("C1")
    assert h.call(1) == t.id
    green = h.tick().issue("C2", priority="green")
    h.transfer(t.id, to_item="C2", note="social insurance desk")
    assert h.tick().call(3) == t.id
    assert h.tick().call(3) == green.id


def test_a_visitor_transferred_to_a_window_that_closes_is_not_stranded():
    """Nobody starves (DESIGN.md, "Call next"): when the target window of a transfer closes,
    the visitor must still be called by the windows that serve the item."""
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    moved = h.issue("C1")
    other = h.tick().issue("C1")
    assert h.call(1) == moved.id
    h.transfer(moved.id, to_window=2, note="see window 2")
    h.tick().run(h.engine.sign_out(2, h.now))  # window 2 closes for the day
    # The transferred visitor keeps the head of the line, now at any window of the item.
    assert [h.tick().call(1), h.tick().call(1)] == [moved.id, other.id]


def test_transfer_to_a_closed_window_is_refused():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    e = refused("conflict", h.engine.transfer, t.id, h.now, to_window=2, note="window 2 is closed")
    assert e.details["window"] == 2
    h.transfer(t.id, to_item="C1", note="any window of the item")
    h.open(2, "k2")
    assert h.tick().call(2) == t.id


def test_transfers_among_themselves_go_by_transfer_time():
    h = patient_hall()
    for w, k in ((1, "k1"), (2, "k2"), (5, "k5")):
        h.open(w, k)
    a, b = h.issue("C1"), h.tick().issue("C1")
    assert h.call(1) == a.id
    assert h.call(2) == b.id
    h.tick().transfer(b.id, to_window=5, note="later issued, transferred first")
    h.tick().transfer(a.id, to_window=5, note="earlier issued, transferred second")
    assert h.tick().call(5) == b.id
    assert h.tick().call(5) == a.id


def test_transfer_keeps_the_first_inquiry_clerk():
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    t = h.issue("C1")
    h.call(1)
    assert h.engine.tickets[t.id].first_inquiry_clerk == "k1"
    h.transfer(t.id, to_window=2, note="see my colleague")
    events = h.tick().run(h.engine.call_next(2, h.now))
    assert events[-1].data["first_inquiry_clerk"] == "k1"
    assert events[-1].data["clerk"] == "k2"
    assert h.engine.tickets[t.id].first_inquiry_clerk == "k1"


def test_transfer_needs_a_note():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    refused("bad_request", h.engine.transfer, t.id, h.now, to_window=2)
    refused("bad_request", h.engine.transfer, t.id, h.now, to_window=2, note="   ")
    refused("bad_request", h.engine.transfer, t.id, h.now, to_item="C2", note="")


def test_transfer_needs_exactly_one_target():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    refused("bad_request", h.engine.transfer, t.id, h.now, note="x")
    refused("bad_request", h.engine.transfer, t.id, h.now, to_window=2, to_item="C2", note="x")


def test_transfer_to_a_window_that_cannot_serve_the_item_is_refused():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    refused("conflict", h.engine.transfer, t.id, h.now, to_window=4, note="enterprise window")
    refused("conflict", h.engine.transfer, t.id, h.now, to_window=3, note="C2 only")
    refused("conflict", h.engine.transfer, t.id, h.now, to_window=1, note="same window")
    refused("not_found", h.engine.transfer, t.id, h.now, to_window=42, note="no such window")
    refused("not_found", h.engine.transfer, t.id, h.now, to_item="Z9", note="no such item")
    waiting = h.issue("C1")
    refused("conflict", h.engine.transfer, waiting.id, h.now, to_window=2, note="not at a window")


# ----------------------------------------------------------- first-inquiry responsibility (首问负责)
def test_first_inquiry_clerk_is_the_clerk_who_first_calls():
    h = patient_hall()
    h.open(2, "k2")
    t = h.issue("C1")
    events = h.run(h.engine.call_next(2, h.now))
    assert events[-1].data["first_inquiry_clerk"] == "k2"
    assert h.engine.tickets[t.id].first_inquiry_clerk == "k2"


def test_returning_visitor_is_reserved_for_the_first_inquiry_clerks_window():
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    before = h.issue("C1")
    green = h.tick().issue("C1", priority="green")
    back = h.tick().issue("C1", first_inquiry_clerk="k1")
    assert back.reserved_until == h.now + h.engine.rules.reservation_s
    # Another window does not take the reserved visitor ...
    assert h.tick().call(2) == green.id
    assert h.tick().call(2) == before.id
    assert h.tick().call(2) is None
    # ... the clerk's window takes them before priority and issue order.
    h.tick().issue("C1", priority="green")
    assert h.tick().call(1) == back.id


def test_reservation_ranks_after_transfers():
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    back = h.issue("C1", first_inquiry_clerk="k1")
    moved = h.tick().issue("C1")
    assert h.call(2) == moved.id
    h.transfer(moved.id, to_window=1, note="first inquiry says: here")
    assert h.tick().call(1) == moved.id
    assert h.tick().call(1) == back.id


def test_reservation_ends_after_reservation_s_and_keeps_issue_order_place():
    h = patient_hall(reservation_s=600)
    h.open(1, "k1")
    h.open(2, "k2")
    first = h.issue("C1")
    back = h.tick().issue("C1", first_inquiry_clerk="k1")
    last = h.tick().issue("C1")
    issued_back = back.issued_at
    assert h.at(issued_back + 599).call(2) == first.id
    assert h.tick(0.5).call(2) == last.id  # still reserved
    h.run(h.engine.complete(last.id, h.now))
    h.at(issued_back + 600)
    assert h.call(2) == back.id


def test_reservation_keeps_issue_order_place_once_released():
    h = patient_hall(reservation_s=600)
    h.open(1, "k1")
    first = h.issue("C1")
    back = h.tick().issue("C1", first_inquiry_clerk="k1")
    last = h.tick().issue("C1")
    h.open(2, "k2")
    h.at(back.issued_at + 601)
    assert [h.call(2), h.tick().call(2), h.tick().call(2)] == [first.id, back.id, last.id]


def test_reservation_ends_when_the_clerk_signs_out():
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    first = h.issue("C1")
    back = h.tick().issue("C1", first_inquiry_clerk="k1")
    last = h.tick().issue("C1")
    h.tick().run(h.engine.sign_out(1, h.now))
    assert h.engine.tickets[back.id].reserved_until is None
    assert [h.tick().call(2), h.tick().call(2), h.tick().call(2)] == [first.id, back.id, last.id]


def test_no_reservation_when_the_first_inquiry_clerk_is_away():
    h = patient_hall()
    h.open(2, "k2")
    first = h.issue("C1")
    back = h.tick().issue("C1", first_inquiry_clerk="k1")  # k1 is not signed in
    assert back.reserved_until is None
    h.open(1, "k1")  # coming back later does not bring the reservation back
    assert h.tick().call(1) == first.id
    assert h.tick().call(2) == back.id


def test_call_next_does_not_change_state_before_its_events_are_applied():
    """Commands return events; only ``apply`` changes the hall (hall.py docstring). Here the
    reservation has run out when call next runs: the command must not edit the ticket."""
    h = patient_hall(reservation_s=600)
    h.open(1, "k1")
    h.open(2, "k2")
    back = h.issue("C1", first_inquiry_clerk="k1")
    h.issue("C1")
    h.tick(700)
    assert back.reserved_until is not None
    before = dump_state(h.engine)
    h.engine.call_next(2, h.now)  # not applied
    assert dump_state(h.engine) == before


# -------------------------------------------------------------------------------- priority
def test_green_channel_goes_before_normal():
    h = patient_hall()
    h.open(1, "k1")
    normal = h.issue("C1")
    green = h.tick().issue("C2", priority="green")
    green2 = h.tick().issue("C1", priority="green")
    assert [h.tick().call(1) for _ in range(3)] == [green.id, green2.id, normal.id]


def test_appointment_priority_cannot_be_claimed_at_the_kiosk():
    h = Hall()
    refused("bad_request", h.engine.issue, "C1", h.now, "tok", priority="appointment")


def test_unknown_priority_is_a_bad_request():
    h = Hall()
    refused("bad_request", h.engine.issue, "C1", h.now, "tok", priority="vip")


def test_unknown_item_is_not_found():
    h = Hall()
    refused("not_found", h.engine.issue, "Z9", h.now, "tok")


def test_appointment_inside_its_slot_goes_before_normal():
    h = patient_hall()
    h.book("C1", "2024-05-06", "09:00", "AP1", id_hash="h1")
    h.open(1, "k1")
    h.at(local(2024, 5, 6, 8, 50))
    walk_in = h.issue("C1")
    h.at(local(2024, 5, 6, 9, 5))
    appt = h.check_in("AP1")
    assert appt.appointment == "AP1" and not appt.late
    assert h.tick().call(1) == appt.id
    assert h.tick().call(1) == walk_in.id


def test_early_check_in_waits_for_the_slot_start():
    h = patient_hall()
    h.book("C1", "2024-05-06", "09:00", "AP1", id_hash="h1")
    h.open(1, "k1")
    h.at(local(2024, 5, 6, 8, 40))
    first = h.issue("C1")
    h.at(local(2024, 5, 6, 8, 45))
    second = h.issue("C1")
    h.at(local(2024, 5, 6, 8, 50))
    appt = h.check_in("AP1")
    h.at(local(2024, 5, 6, 8, 59, 59))
    assert h.call(1) == first.id  # before its slot the early bird has no priority
    h.at(local(2024, 5, 6, 9, 0))
    assert h.call(1) == appt.id  # from the slot start on it goes before ``second``
    assert h.tick().call(1) == second.id


def test_late_check_in_loses_priority():
    h = patient_hall()
    h.book("C1", "2024-05-06", "09:00", "AP1", id_hash="h1")
    h.open(1, "k1")
    h.at(local(2024, 5, 6, 9, 25))
    walk_in = h.issue("C1")
    h.at(local(2024, 5, 6, 9, 30, 1))  # the 09:00-09:30 slot is over
    late = h.check_in("AP1")
    assert late.late and late.priority is None
    assert h.log[-1].type == "appointment.checked_in" and h.log[-1].data["late"] is True
    assert h.tick().call(1) == walk_in.id
    assert h.tick().call(1) == late.id


def test_ageing_past_the_wait_target_promotes():
    h = Hall()  # C1: 1800 s, C2: 3600 s
    h.open(1, "k1")
    slow = h.issue("C2")
    fast = h.tick(10).issue("C1")
    h.at(fast.issued_at + 1800)
    assert h.call(1) == fast.id
    assert h.tick().call(1) == slow.id


def test_no_ageing_before_the_wait_target():
    h = Hall()
    h.open(1, "k1")
    slow = h.issue("C2")
    fast = h.tick(10).issue("C1")
    h.at(fast.issued_at + 1799)
    assert h.call(1) == slow.id
    assert h.tick().call(1) == fast.id


def test_priorities_among_themselves_go_by_when_the_priority_began():
    h = Hall()
    h.open(1, "k1")
    aged = h.issue("C1")  # priority from aged.issued_at + 1800
    h.tick(1000)
    green_before = h.issue("C2", priority="green")  # priority since now (< ageing)
    h.at(aged.issued_at + 1850)
    green_after = h.issue("C2", priority="green")
    assert [h.tick().call(1) for _ in range(3)] == [green_before.id, aged.id, green_after.id]


# ------------------------------------------------------------------------------ window kinds
def test_dedicated_window_takes_only_its_items():
    h = patient_hall()
    h.open(3, "k3")
    h.issue("C1")
    h.issue("E1", priority="green")
    assert h.call(3) is None
    c2 = h.tick().issue("C2")
    assert h.call(3) == c2.id


def test_enterprise_window_takes_only_enterprise_items():
    h = patient_hall()
    h.open(4, "k4")
    h.issue("C1", priority="green")
    h.issue("C2")
    assert h.call(4) is None
    e1, e2 = h.tick().issue("E1"), h.tick().issue("E2")
    assert [h.tick().call(4), h.tick().call(4)] == [e1.id, e2.id]


def test_comprehensive_window_takes_every_item_of_its_stream_only():
    h = patient_hall()
    h.open(1, "k1")
    h.issue("E1", priority="green")
    c1, c2 = h.tick().issue("C1"), h.tick().issue("C2")
    assert [h.tick().call(1), h.tick().call(1), h.tick().call(1)] == [c1.id, c2.id, None]


def test_enterprise_window_kind_wins_over_its_stream_field():
    windows = (WindowDef(6, WindowKind.ENTERPRISE, CITIZEN),)  # stream set carelessly
    h = Hall(make_engine(windows=windows, items=PATIENT_ITEMS))
    h.open(6, "k1")
    h.issue("C1")
    e = h.tick().issue("E1")
    assert h.call(6) == e.id
    assert h.tick().call(6) is None
    t = h.tick().issue("C2")
    assert h.call(6) is None and t.state is TicketState.WAITING


def test_enterprise_comprehensive_window_serves_enterprise_items():
    windows = (WindowDef(7, WindowKind.COMPREHENSIVE, ENTERPRISE),)
    h = Hall(make_engine(windows=windows, items=PATIENT_ITEMS))
    h.open(7, "k1")
    h.issue("C1")
    e = h.tick().issue("E2")
    assert h.call(7) == e.id
    assert h.tick().call(7) is None


def test_green_channel_window_takes_everything():
    h = patient_hall()
    h.open(5, "k5")
    tickets = [h.tick().issue(i) for i in ("E1", "C1", "E2", "C2")]
    assert [h.tick().call(5) for _ in tickets] == [t.id for t in tickets]


# ------------------------------------------------------------------------ recall and no-show
def test_recall_up_to_the_limit_then_recall_marks_no_show():
    h = patient_hall()  # no_show_after_recalls = 2
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    first = h.tick(30).run(h.engine.recall(t.id, h.now))
    second = h.tick(30).run(h.engine.recall(t.id, h.now))
    assert [e.type for e in first + second] == ["ticket.recalled", "ticket.recalled"]
    assert [first[0].data["recalls"], second[0].data["recalls"]] == [1, 2]
    third = h.tick(30).run(h.engine.recall(t.id, h.now))
    assert [e.type for e in third] == ["ticket.no_show"]
    assert t.id not in h.engine.tickets and t.state is TicketState.NO_SHOW
    assert h.current(1) is None


def test_recall_limit_is_a_hall_setting():
    h = patient_hall(no_show_after_recalls=3)
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    types = [h.tick().run(h.engine.recall(t.id, h.now))[0].type for _ in range(4)]
    assert types == ["ticket.recalled"] * 3 + ["ticket.no_show"]


def test_explicit_no_show_is_refused_before_enough_recalls():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    e = refused("conflict", h.engine.no_show, t.id, h.now)
    assert e.details["needed"] == 2 and e.details["recalls"] == 0
    h.run(h.engine.recall(t.id, h.now))
    refused("conflict", h.engine.no_show, t.id, h.now)
    h.run(h.engine.recall(t.id, h.now))
    assert [e.type for e in h.run(h.engine.no_show(t.id, h.now))] == ["ticket.no_show"]
    assert h.current(1) is None


def test_recall_and_no_show_are_refused_once_the_visitor_is_served():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    h.run(h.engine.start(t.id, h.now))
    refused("conflict", h.engine.recall, t.id, h.now)
    refused("conflict", h.engine.no_show, t.id, h.now)
    waiting = h.issue("C1")
    refused("conflict", h.engine.recall, waiting.id, h.now)


def test_recalls_start_again_after_a_transfer():
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    t = h.issue("C1")
    h.call(1)
    h.run(h.engine.recall(t.id, h.now))
    h.run(h.engine.recall(t.id, h.now))
    h.transfer(t.id, to_window=2, note="x")
    h.call(2)
    assert h.run(h.engine.recall(t.id, h.now))[0].type == "ticket.recalled"


# --------------------------------------------------------------------------- pause / resume
def test_pause_blocks_call_next_and_resume_allows_it():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.run(h.engine.pause(1, h.now, "lunch"))
    assert h.engine.windows[1].status is WindowStatus.PAUSED
    refused("conflict", h.engine.call_next, 1, h.now)
    h.run(h.engine.resume(1, h.now))
    assert h.call(1) == t.id


def test_pause_and_resume_of_a_closed_window_are_refused():
    h = Hall()
    refused("conflict", h.engine.pause, 1, h.now)
    refused("conflict", h.engine.resume, 1, h.now)


# -------------------------------------------------------------------------------- sign-in
def test_one_clerk_cannot_sign_in_at_two_windows():
    h = Hall()
    h.open(1, "k1")
    e = refused("conflict", h.engine.sign_in, 2, "k1", h.now)
    assert e.details["window"] == 1
    h.run(h.engine.sign_out(1, h.now))
    assert h.open(2, "k1")


def test_two_clerks_cannot_share_a_window():
    h = Hall()
    h.open(1, "k1")
    refused("conflict", h.engine.sign_in, 1, "k2", h.now)
    assert h.engine.windows[1].clerk == "k1"


def test_signing_in_again_at_the_same_window_changes_nothing():
    h = Hall()
    h.open(1, "k1")
    assert h.engine.sign_in(1, "k1", h.now) == []


def test_unknown_clerk_cannot_sign_in():
    h = Hall()
    refused("not_found", h.engine.sign_in, 1, "nobody", h.now)


def test_sign_out_with_a_visitor_at_the_window_is_refused():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    refused("conflict", h.engine.sign_out, 1, h.now)
    h.complete(t.id)
    h.run(h.engine.sign_out(1, h.now))
    assert h.engine.windows[1].status is WindowStatus.CLOSED


# ---------------------------------------------------------------------------- appointments
def test_appointment_capacity_per_item_and_slot():
    h = Hall()
    for i in range(4):
        h.book("C1", "2024-05-06", "10:00", f"AP{i}", id_hash=f"p{i}")
    e = refused("conflict", h.engine.book, "C1", "2024-05-06", "10:00", h.now, "AP9", id_hash="p9")
    assert e.details.get("full") is True
    h.book("C1", "2024-05-06", "10:30", "AP5", id_hash="p9")  # another slot
    h.book("C2", "2024-05-06", "10:00", "AP6", id_hash="p9")  # another item
    slot = next(s for s in h.engine.slots("C1", "2024-05-06", h.now) if s["start"] == "10:00")
    assert slot["available"] == 0 and slot["capacity"] == 4
    h.run(h.engine.cancel_appointment("AP0", h.now))
    h.book("C1", "2024-05-06", "10:00", "AP7", id_hash="p7")


def test_duplicate_booking_by_the_same_person_is_refused():
    h = Hall()
    h.book("C1", "2024-05-06", "10:00", "AP1", id_hash="same")
    e = refused("conflict", h.engine.book, "C1", "2024-05-06", "14:00", h.now, "AP2", id_hash="same")
    assert e.details["appointment"] == "AP1"
    h.book("C2", "2024-05-06", "14:00", "AP3", id_hash="same")  # another item is fine
    h.book("C1", "2024-05-07", "14:00", "AP4", id_hash="same")  # another day is fine
    h.run(h.engine.cancel_appointment("AP1", h.now))
    h.book("C1", "2024-05-06", "14:00", "AP5", id_hash="same")


def test_past_slots_and_days_are_refused():
    h = Hall(now=local(2024, 5, 6, 10, 0))
    refused("conflict", h.engine.book, "C1", "2024-05-06", "09:00", h.now, "AP1", id_hash="a")
    refused("conflict", h.engine.book, "C1", "2024-05-06", "09:30", h.now, "AP1", id_hash="a")  # ends 10:00
    refused("conflict", h.engine.book, "C1", "2024-05-05", "15:00", h.now, "AP1", id_hash="a")
    refused("conflict", h.engine.book, "C1", "2024-05-21", "15:00", h.now, "AP1", id_hash="a")  # > 14 days
    slots = {s["start"]: s["open"] for s in h.engine.slots("C1", "2024-05-06", h.now)}
    assert not slots["09:00"] and not slots["09:30"] and slots["10:00"]
    h.book("C1", "2024-05-06", "10:00", "AP1", id_hash="a")  # the running slot is still open
    h.book("C1", "2024-05-20", "15:00", "AP2", id_hash="a")


def test_bad_slot_or_date_is_a_bad_request():
    h = Hall()
    refused("bad_request", h.engine.book, "C1", "2024-05-06", "09:10", h.now, "AP1", id_hash="a")
    refused("bad_request", h.engine.book, "C1", "6 May", "09:00", h.now, "AP1", id_hash="a")
    refused("not_found", h.engine.book, "Z9", "2024-05-06", "09:00", h.now, "AP1", id_hash="a")


def test_slots_with_a_bad_date_is_a_bad_request():
    h = Hall()
    refused("bad_request", h.engine.slots, "C1", "6 May", h.now)


def test_check_in_on_a_wrong_day_is_refused():
    h = Hall()
    h.book("C1", "2024-05-07", "09:00", "AP1", id_hash="a")
    e = refused("conflict", h.engine.check_in, "AP1", h.now, "tok")
    assert e.details["day"] == "2024-05-07"
    h.at(local(2024, 5, 8, 9, 0))
    refused("conflict", h.engine.check_in, "AP1", h.now, "tok")
    h2 = Hall()
    h2.book("C1", "2024-05-07", "09:00", "AP1", id_hash="a")
    h2.at(local(2024, 5, 7, 8, 55))
    t = h2.check_in("AP1")
    assert t.appointment == "AP1"


def test_check_in_twice_or_after_cancelling_is_refused():
    h = Hall()
    h.book("C1", "2024-05-06", "09:00", "AP1", id_hash="a")
    h.book("C1", "2024-05-06", "09:00", "AP2", id_hash="b")
    t = h.check_in("AP1")
    e = refused("conflict", h.engine.check_in, "AP1", h.now, "tok")
    assert e.details["ticket"] == t.id
    h.run(h.engine.cancel_appointment("AP2", h.now))
    refused("conflict", h.engine.check_in, "AP2", h.now, "tok")
    refused("conflict", h.engine.cancel_appointment, "AP2", h.now)
    refused("not_found", h.engine.check_in, "NOPE", h.now, "tok")


# -------------------------------------------------------------------- complete and cancel
def test_complete_with_an_unknown_outcome_is_refused():
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    e = refused("bad_request", h.engine.complete, t.id, h.now, "teleported")
    assert e.details["outcome"] == "teleported"
    assert h.current(1) == t.id


@pytest.mark.parametrize("outcome", [o.value for o in Outcome])
def test_complete_accepts_every_known_outcome(outcome):
    h = patient_hall()
    h.open(1, "k1")
    t = h.issue("C1")
    h.call(1)
    events = h.complete(t.id, outcome)
    assert events[0].data["outcome"] == outcome
    assert h.current(1) is None and t.state is TicketState.DONE


def test_complete_of_a_waiting_ticket_is_refused():
    h = Hall()
    t = h.issue("C1")
    refused("conflict", h.engine.complete, t.id, h.now)
    refused("not_found", h.engine.complete, "H01-20240506-A999", h.now)


def test_cancel_only_while_waiting():
    h = patient_hall()
    h.open(1, "k1")
    a, b = h.issue("C1"), h.tick().issue("C1")
    h.run(h.engine.cancel(a.id, h.now))
    assert a.state is TicketState.CANCELLED and a.id not in h.engine.tickets
    assert h.tick().call(1) == b.id  # the cancelled ticket is never called
    refused("conflict", h.engine.cancel, b.id, h.now)
    refused("not_found", h.engine.cancel, a.id, h.now)
    assert h.engine.waiting_count() == 0


def test_service_time_after_a_transfer_counts_from_the_new_call():
    """The service time of the second window must not include the visitor's time at the first
    window and in the transfer queue (it feeds the estimated waits shown to visitors)."""
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    t = h.issue("C1")
    h.call(1)
    h.tick(10).run(h.engine.start(t.id, h.now))
    h.tick(20).transfer(t.id, to_window=2, note="x")
    h.tick(1000).call(2)
    events = h.tick(60).complete(t.id)
    assert events[0].data["service_s"] == pytest.approx(60)


# --------------------------------------------------------------------------------- views
def test_position_and_estimated_wait_count_the_earlier_waiting_of_the_stream():
    h = patient_hall()
    h.open(1, "k1")
    h.open(2, "k2")
    a, _, c = h.issue("C1"), h.tick().issue("E1"), h.tick().issue("C2")
    assert h.engine.position(a) == 0 and h.engine.position(c) == 1
    assert h.engine.estimated_wait_s(CITIZEN, 1) == round(300 / 2)
    view = ticket_view(h.engine, c)
    assert view["position"] == 1 and view["state"] == "waiting"
    h.call(1)
    assert h.engine.position(c) == 0 and h.engine.position(a) == 0


def test_hall_view_shows_the_waiting_line_without_personal_data():
    h = patient_hall()
    h.issue("C1", id_hash="secret-hash", id_masked="1101********1234")
    h.issue("E1")
    view = hall_view(h.engine)
    assert view["waiting_total"] == 2
    assert view["waiting_by_stream"] == {CITIZEN: 1, ENTERPRISE: 1}
    assert view["waiting_by_item"] == {"C1": 1, "E1": 1}
    assert "secret-hash" not in repr(view)


# -------------------------------------------------------------------------- dump and load
def busy_hall() -> Hall:
    """A hall with every kind of waiting ticket and some windows mid-service."""
    rules = HallRules(reservation_s=900)
    h = Hall(make_engine(rules), now=local(2024, 5, 6, 8, 0))
    h.book("C1", "2024-05-06", "09:00", "AP1", id_hash="a")
    h.book("C2", "2024-05-06", "09:30", "AP2", id_hash="b")
    h.book("E1", "2024-05-06", "10:00", "AP3", id_hash="c")
    for w, k in ((1, "k1"), (2, "k2"), (3, "k3"), (4, "k4"), (5, "k5")):
        h.open(w, k)
    items = ["C1", "C2", "E1", "E2"]
    for i in range(24):
        h.tick(97)
        h.issue(items[i % 4], priority="green" if i % 7 == 3 else None)
        if i % 5 == 0:
            for w in (1, 3, 4):
                h.call(w)
    h.at(local(2024, 5, 6, 8, 50))
    h.check_in("AP2")  # early
    h.at(local(2024, 5, 6, 9, 10))
    h.check_in("AP1")  # inside its slot
    h.issue("C2")
    h.tick().call(4)
    t1, t3 = h.call(1), h.call(3)
    assert t1 and t3
    h.transfer(t1, to_window=2, note="to window 2")
    h.transfer(t3, to_item="E2", note="to an enterprise item")
    h.issue("C1", first_inquiry_clerk="k1")  # reserved for window 1
    h.issue("C2", first_inquiry_clerk="k6")  # k6 is away
    h.issue("E1", priority="green")
    h.run(h.engine.pause(5, h.now, "break"))
    return h


def drain_calls(h: Hall, *, rounds: int = 200) -> list[tuple[int, str]]:
    """Resume every window and call until nobody waits; the (window, ticket) calls in order."""
    for n, w in h.engine.windows.items():
        if w.status is WindowStatus.PAUSED:
            h.run(h.engine.resume(n, h.now))
    calls = []
    for _ in range(rounds):
        if h.engine.waiting_count() == 0:
            break
        h.tick(120)
        for n in sorted(h.engine.windows):
            tid = h.call(n)
            if tid is not None:
                calls.append((n, tid))
    return calls


def test_dump_then_load_into_a_fresh_engine_reproduces_the_same_next_calls():
    live = busy_hall()
    waiting = [t for t in live.engine.tickets.values() if t.state is TicketState.WAITING]
    assert len(waiting) > 10
    # Every tier is represented in the state being dumped.
    assert any(t.transfer and t.transfer.to_window for t in waiting)
    assert any(t.transfer and t.transfer.to_item for t in waiting)
    assert any(t.reserved_until for t in waiting)
    assert any(t.appointment and t.slot_start > live.now for t in waiting)  # early check-in
    assert any(t.appointment and t.slot_start <= live.now for t in waiting)
    assert any(t.priority and t.priority.value == "green" for t in waiting)
    assert any(t.issued_at + 1800 < live.now for t in waiting)  # aged
    state = json_state(live.engine)
    fresh = make_engine(live.engine.rules)
    load_state(fresh, state, live.now)
    assert json_state(fresh) == state
    copy = Hall(fresh, now=live.now)
    expected, got = drain_calls(live), drain_calls(copy)
    assert len(expected) > 10
    assert got == expected
    assert live.engine.waiting_count() == copy.engine.waiting_count() == 0


def test_replaying_the_events_gives_the_same_state_after_a_reservation_ran_out():
    """Replaying a hall's events must rebuild exactly its state, whenever call-next happened
    to look at the line. Here the reservation runs out, a window calls (nobody it can serve),
    then the first-inquiry clerk signs out."""
    h = patient_hall(reservation_s=600)
    h.open(1, "k1")
    h.open(4, "k4")
    back = h.issue("C1", first_inquiry_clerk="k1")
    h.tick(700)
    assert h.call(4) is None  # call-next notices the reservation ran out
    h.tick().run(h.engine.sign_out(1, h.now))
    replayed = make_engine(h.engine.rules)
    replayed.apply_all(h.log)
    assert dump_state(replayed) == dump_state(h.engine)
    assert back.state is TicketState.WAITING


def test_dump_then_load_keeps_appointments_and_their_capacity():
    h = Hall()
    for i in range(4):
        h.book("C1", "2024-05-06", "11:00", f"AP{i}", id_hash=f"p{i}")
    h.run(h.engine.cancel_appointment("AP0", h.now))
    h.check_in("AP1")
    fresh = make_engine()
    load_state(fresh, json_state(h.engine), h.now)
    h2 = Hall(fresh, now=h.now)
    h2.book("C1", "2024-05-06", "11:00", "AP5", id_hash="p5")
    refused("conflict", fresh.book, "C1", "2024-05-06", "11:00", h.now, "AP6", id_hash="p6")
    refused("conflict", fresh.check_in, "AP1", h.now, "tok")


def test_refusals_leave_the_state_unchanged():
    h = busy_hall()
    before = dump_state(h.engine)
    some = next(iter(h.engine.tickets))
    for fn, args in (
        (h.engine.call_next, (5, h.now)),
        (h.engine.sign_in, (1, "k2", h.now)),
        (h.engine.complete, (some, h.now, "nope")),
        (h.engine.issue, ("Z9", h.now, "tok")),
    ):
        with pytest.raises(EngineError):
            fn(*args)
    assert dump_state(h.engine) == before
