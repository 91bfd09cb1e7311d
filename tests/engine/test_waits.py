"""The dashboard's waits against their targets (``engine.waits``), in the pure engine.

Items of ``support``: C1 (30 min), C2 (60 min) citizen, E1 (40 min), E2 (10 min) enterprise.
"""

from __future__ import annotations

import time

from queue_server.engine import HallEngine, HallRules, ItemRule, WindowDef, WindowKind
from queue_server.engine.state import load_state
from queue_server.engine.waits import Floor, ServedTally, floor

from .support import CITIZEN, CLERKS, Hall, json_state, make_engine

MIN = 60.0


def waits(h: Hall) -> Floor:
    e = h.engine
    return floor(e.tickets.values(), e.items, e.served_today, e.local_day(h.now), h.now)


def test_longest_wait_per_item_and_stream_against_the_target() -> None:
    h = Hall()
    h.issue("C1")
    h.tick(5 * MIN).issue("C1")
    h.issue("E2")
    h.tick(8 * MIN)  # the first C1 waited 13 min of 30; E2 8 of 10
    f = waits(h)
    by_item = {x["item_code"]: x for x in f.items}
    assert by_item["C1"]["waiting"] == 2 and by_item["C1"]["longest_wait_s"] == 13 * 60
    assert by_item["C1"]["light"] == "green" and by_item["E2"]["light"] == "yellow"
    assert [x["item_code"] for x in f.items] == ["E2", "C1"]  # worst first
    assert f.over_target == 0
    h.tick(3 * MIN)  # E2 now 11 min of 10: past its target
    f = waits(h)
    assert f.items[0]["item_code"] == "E2" and f.items[0]["light"] == "red"
    assert f.items[0]["over_target"] == 1 and f.over_target == 1
    streams = {s["stream"]: s for s in f.streams}
    assert streams["citizen"]["waiting"] == 2 and streams["citizen"]["longest_wait_s"] == 16 * 60
    assert streams["enterprise"]["light"] == "red" and streams["citizen"]["light"] == "green"


def test_the_share_served_within_target_counts_first_calls_and_those_still_waiting_past_it() -> None:
    h = Hall()
    h.open(1, "k1")
    h.open(2, "k2")
    a = h.issue("C1")
    b = h.issue("C1")
    h.issue("C1")
    assert waits(h).served["share"] is None  # nobody called yet
    h.tick(10 * MIN)
    assert h.call(1) == a.id  # 10 min of 30: in time
    h.tick(25 * MIN)
    assert h.call(1) == b.id  # 35 min: late
    served = waits(h).served
    # the third still waits, past its 30 minutes: a miss already
    assert (served["called"], served["within_target"], served["waiting_over_target"]) == (2, 1, 1)
    assert served["share"] == round(1 / 3, 4)
    # A transferred visitor called again is not a second visitor.
    h.transfer(b.id, to_window=2, note="his pension is window 2's")
    assert h.call(2) == b.id
    assert waits(h).served["called"] == 2  # b again, not a second visitor


def test_the_tally_survives_a_checkpoint_and_a_replay_and_restarts_each_day() -> None:
    h = Hall()
    h.open(1, "k1")
    h.issue("C1")
    h.tick(MIN)
    h.call(1)
    restored = make_engine()
    load_state(restored, json_state(h.engine), h.now)
    assert restored.served_today.of(h.engine.local_day(h.now)) == {"C1": [1, 1]}
    replayed = make_engine()
    replayed.apply_all(h.log)
    assert replayed.served_today.dump() == h.engine.served_today.dump()
    tomorrow = h.now + 86400
    h.at(tomorrow).issue("C2")
    assert waits(h).served["called"] == 0
    h.tick(MIN).call(1)
    assert h.engine.served_today.of(h.engine.local_day(h.now)) == {"C2": [1, 1]}
    assert ServedTally.load(None).of("2024-05-06") == {}  # an older checkpoint has no tally


def test_ten_thousand_waiting_over_two_hundred_windows_take_milliseconds() -> None:
    items = tuple(ItemRule(f"C{i}", CITIZEN, 1800) for i in range(40))
    windows = tuple(WindowDef(n, WindowKind.COMPREHENSIVE, CITIZEN) for n in range(1, 201))
    e = HallEngine(HallRules(), items, windows, CLERKS)
    h = Hall(e)
    for n in range(10_000):
        h.issue(f"C{n % 40}")
        h.now += 0.1
    start = time.perf_counter()
    f = floor(e.tickets.values(), e.items, e.served_today, e.local_day(h.now), h.now)
    spent = time.perf_counter() - start
    assert sum(x["waiting"] for x in f.items) == 10_000 and len(f.items) == 40
    assert spent < 0.05, spent  # the dashboard's whole budget is 100 ms
