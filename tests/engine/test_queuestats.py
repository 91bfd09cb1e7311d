"""Queue statistics, pure: a ticket's facts become counts on its day and hour of issue, under
its item and its clerk; counts add up exactly; the figures say what a manager reads."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from queue_server.engine.queuestats import (
    SERVICE_EDGES_MIN,
    WAIT_EDGES_MIN,
    Stat,
    TicketFacts,
    bucket,
    day_stats,
    queue_figures,
    rollup,
    ticket_stat,
    within_edge,
)

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hh: int, mm: int = 0) -> float:
    return datetime.fromisoformat(f"{day}T{hh:02d}:{mm:02d}:00").replace(tzinfo=TZ).timestamp()


def served(day: str, hh: int, wait_min: float, service_min: float, item: str = "A", clerk: str = "c01") -> TicketFacts:
    issued = at(day, hh, 5)
    called = issued + wait_min * 60
    started = called + 30  # the visitor walks to the window
    return TicketFacts(day, issued, item, "done", called, started, started + service_min * 60, clerk)


def test_buckets_are_under_their_upper_edge() -> None:
    assert bucket(0, WAIT_EDGES_MIN) == 0
    assert bucket(299.9, WAIT_EDGES_MIN) == 0
    assert bucket(300, WAIT_EDGES_MIN) == 1
    assert bucket(59 * 60, WAIT_EDGES_MIN) == 6
    assert bucket(60 * 60, WAIT_EDGES_MIN) == 7
    assert bucket(5 * 3600, SERVICE_EDGES_MIN) == len(SERVICE_EDGES_MIN)


def test_a_served_ticket_counts_its_wait_service_and_target_on_its_local_hour() -> None:
    item, clerk, hour, s = ticket_stat(served("2026-11-23", 9, wait_min=12, service_min=7), TZ, target_s=15 * 60)
    assert (item, clerk, hour) == ("A", "c01", 9)  # Beijing time, not UTC
    assert (s.arrivals, s.called, s.served, s.timed, s.within_target) == (1, 1, 1, 1, 1)
    assert s.wait_sum == 12 * 60
    assert s.waits[2] == 1  # 10–15 minutes
    assert s.service_sum == 7 * 60  # from coming to the window, not from the call
    assert s.services[2] == 1  # 5–10 minutes


def test_a_wait_past_the_target_misses_it_and_an_unknown_item_has_no_target() -> None:
    _, _, _, late = ticket_stat(served("2026-11-23", 9, wait_min=16, service_min=3), TZ, target_s=15 * 60)
    assert (late.timed, late.within_target) == (1, 0)
    _, _, _, unknown = ticket_stat(served("2026-11-23", 9, wait_min=1, service_min=3), TZ, target_s=None)
    assert (unknown.served, unknown.timed, unknown.within_target) == (1, 0, 0)


def test_no_show_cancelled_and_transferred_tickets() -> None:
    issued = at("2026-11-24", 10)
    _, _, _, no_show = ticket_stat(TicketFacts("2026-11-24", issued, "A", "no_show", issued + 600, None, issued + 900, "c02"), TZ, 900)
    assert (no_show.called, no_show.served, no_show.no_shows, no_show.waits[2]) == (1, 0, 1, 1)
    assert no_show.timed_services == 0
    _, clerk, _, cancelled = ticket_stat(TicketFacts("2026-11-24", issued, "A", "cancelled", None, None, issued + 60, None), TZ, 900)
    assert clerk == ""  # never called: no clerk
    assert (cancelled.arrivals, cancelled.called, cancelled.cancelled) == (1, 0, 1)
    _, _, _, moved = ticket_stat(TicketFacts("2026-11-24", issued, "B", "done", issued + 60, None, issued + 360, "c01", 2), TZ, 900)
    assert (moved.transferred, moved.transfers) == (1, 2)
    assert moved.service_sum == 300  # no start recorded: from the call


def test_counts_add_up_the_same_in_any_grouping() -> None:
    facts = [served("2026-11-23", 9 + i % 3, wait_min=i, service_min=i % 7 + 1, item="AB"[i % 2], clerk=f"c0{i % 3 + 1}")
             for i in range(40)]
    whole = Stat()
    for f in facts:
        whole.add(ticket_stat(f, TZ, 600)[3])
    rows = day_stats(facts, TZ, {"A": 600, "B": 600})
    r = rollup(rows)
    assert r.total.row() == whole.row()
    by_clerk = Stat()
    for s in r.by_clerk.values():
        by_clerk.add(s)
    assert by_clerk.row() == whole.row()
    assert sum(r.arrivals.values()) == 40
    assert r.arrivals[("2026-11-23", 9)] == 14  # i % 3 == 0 of 40


def test_median_and_p90_are_the_bucket_edges_they_fall_under() -> None:
    assert within_edge([5, 4, 1, 0], (2, 5, 10), 0.5) == 2
    assert within_edge([5, 4, 1, 0], (2, 5, 10), 0.9) == 5
    assert within_edge([0, 0, 0, 3], (2, 5, 10), 0.5) is None  # past the last edge
    assert within_edge([0, 0, 0, 0], (2, 5, 10), 0.5) is None


def test_figures_of_a_week() -> None:
    days = [date(2026, 11, 23 + i) for i in range(7)]  # Monday to Sunday
    facts = [served("2026-11-23", 9, 3, 4), served("2026-11-23", 14, 20, 4), served("2026-11-25", 9, 8, 12, item="B")]
    names = {"A": {"zh": "甲", "en": "A"}, "B": {"zh": "乙", "en": "B"}}
    fig = queue_figures(rollup(day_stats(facts, TZ, {"A": 600, "B": 600})), days,
                        lambda kind, code: names.get(code) if kind == "item" else {"id": code, "name": None})
    assert fig["totals"]["arrivals"] == 3
    assert fig["totals"]["within_target_share"] == round(2 / 3, 4)
    assert {r["hour"]: r["arrivals"] for r in fig["arrivals_by_hour"]}[9] == 2
    assert [r["arrivals"] for r in fig["arrivals_by_weekday"]] == [2, 0, 1, 0, 0, 0, 0]
    assert [r["days"] for r in fig["arrivals_by_weekday"]] == [1] * 7
    assert [r["tickets"] for r in fig["wait_distribution"]] == [1, 1, 0, 0, 1, 0, 0, 0]
    a = fig["service_by_item"][0]
    assert (a["item_code"], a["arrivals"], a["service"]["mean_min"]) == ("A", 2, 4.0)
    assert fig["service_by_clerk"][0]["clerk"] == {"id": "c01", "name": None}
