"""Wrong or lost on the hall floor (issue 13), from the requests' side: what the call pad,
the clerk, the kiosk's slip and the window's screen get. A real ``HallService`` on SQLite,
in-process, every reply checked against its model (HALL_CHECK_REPLIES)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from queue_server.auth import Actor
from queue_server.hallconfig import DEFAULT_HALL_CONFIG
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.service import HallService, Outcome, Pending
from queue_server.store import make_engine

TZ = ZoneInfo("Asia/Shanghai")
KIOSK = Actor("device", "kiosk-1", "kiosk")
ITEM = "C-SB-001"  # a citizen item: comprehensive windows 1-4 serve it
ELDER = "11010519491231002X"


def clerk(cid: str) -> Actor:
    return Actor("token", f"tok-{cid}", "clerk", clerk=cid)


def at(y: int, m: int, d: int, hh: int, mm: int) -> float:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).timestamp()


#: Thursday 19 November 2026, a working day.
THURSDAY_1000 = at(2026, 11, 19, 10, 0)


class Floor:
    """A hall opened from the demo file (with ``rules`` changed) on a clock the test moves."""

    def __init__(self, tmp_path: Path, rules: dict[str, Any] | None = None, now: float = THURSDAY_1000) -> None:
        doc = yaml.safe_load(DEFAULT_HALL_CONFIG.read_text(encoding="utf-8"))
        doc["rules"].update(rules or {})
        config = tmp_path / "hall.yaml"
        config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        self.db_path = tmp_path / "h.db"
        url = f"sqlite:///{self.db_path}"
        paths = Paths(tmp_path / "var")
        init_hall(url, paths, config_path=config)
        self.now = now
        self.svc: HallService = open_hall(make_engine(url), "H01", paths, clock=lambda: self.now)
        self.events: list[dict[str, Any]] = []  # as the PUB socket sends them

    def run(self, type_: str, body: dict[str, Any], actor: Actor = KIOSK) -> Outcome:
        out: list[Outcome] = []
        self.events += [self.svc.public_event(e) for e in self.svc.process([Pending(type_, body, None, actor, out.append)])]
        return out[0]

    def ok(self, type_: str, body: dict[str, Any], actor: Actor = KIOSK) -> dict[str, Any]:
        out = self.run(type_, body, actor)
        assert out.ok, (out.code, out.message)
        assert out.body is not None
        return out.body

    def issue(self, **body: Any) -> dict[str, Any]:
        return self.ok("ticket.issue", {"item_code": ITEM, **body})

    def call(self, window: int, who: str) -> dict[str, Any] | None:
        return self.ok("window.call_next", {"window": window}, clerk(who))["ticket"]

    def row(self, ticket: str) -> tuple[str, str | None]:
        with sqlite3.connect(self.db_path) as c:
            return c.execute("SELECT state, outcome FROM tickets WHERE id = ?", (ticket,)).fetchone()


def test_the_transfer_note_reaches_the_target_window(tmp_path: Path) -> None:
    """transfer {"to_window": 4, "note": "需核对…"}, then call-next at window 4: the clerk there
    reads the note in the call's reply, the ticket's view and the event their screen gets."""
    f = Floor(tmp_path)
    f.ok("window.sign_in", {"window": 4}, clerk("c07"))
    ticket = f.issue()
    assert f.call(1, "c01")["id"] == ticket["id"]
    note = "需核对户籍证明原件"
    f.ok("ticket.transfer", {"ticket": ticket["id"], "to_window": 4, "note": note}, clerk("c01"))
    called = f.call(4, "c07")
    assert called is not None and called["id"] == ticket["id"]
    assert called["transfer"] == {"from_window": 1, "to_window": 4, "to_item": None, "note": note}
    status = f.ok("ticket.status", {"ticket": ticket["id"]}, clerk("c07"))
    assert status["transfer"]["note"] == note and status["window"] == 4
    event = next(e for e in reversed(f.events) if e["type"] == "ticket.called")
    assert event["data"]["window"] == 4 and event["data"]["transfer"] == {"from_window": 1, "note": note}


def test_call_next_over_a_visitor_who_never_came_is_not_counted_as_served(tmp_path: Path) -> None:
    """Called and never started: call-next sends the visitor back in line (recall rules:
    one more call here), then records a no-show; the tickets table never says handled."""
    f = Floor(tmp_path, {"no_show_after_recalls": 1})
    absent, present = f.issue(), f.issue()
    assert f.call(1, "c01")["id"] == absent["id"]
    # The visitor does not come; the clerk calls the next.
    assert f.call(1, "c01")["id"] == present["id"]
    back = f.ok("ticket.status", {"ticket": absent["id"]}, clerk("c01"))
    assert back["state"] == "waiting" and back["missed"] == 1 and back["position"] == 0
    f.ok("ticket.start", {"ticket": present["id"]}, clerk("c01"))  # this one came
    again = f.call(1, "c01")  # closes the service, calls the absent visitor once more
    assert again is not None and again["id"] == absent["id"]
    assert f.call(1, "c01") is None  # still not there: a no-show, and nobody else waits
    assert f.row(absent["id"]) == ("no_show", None)
    assert f.row(present["id"]) == ("done", "handled")
    ended = [e for e in f.events if e["data"].get("ticket") == absent["id"] and e["type"] != "ticket.issued"]
    assert [e["type"] for e in ended] == ["ticket.called", "ticket.requeued", "ticket.called", "ticket.no_show"]


def test_green_channel_and_appointment_slips_count_only_those_ahead_and_name_the_lane(tmp_path: Path) -> None:
    f = Floor(tmp_path)
    walk_ins = [f.issue(), f.issue()]
    green = f.issue(priority="green")
    assert green["position"] == 0 and green["estimated_wait_s"] == 0  # "前面 0 人", not 2
    assert green["lane"] == "green_channel" and green["lane_name"] == {"zh": "绿色通道", "en": "Green channel"}
    assert walk_ins[0]["lane"] == "normal" and "lane_name" not in walk_ins[0]
    booked = f.ok("appointment.book", {"item_code": ITEM, "day": "2026-11-19", "slot": "10:00", "id_number": ELDER})
    appointment = f.ok("appointment.check_in", {"code": booked["code"]})
    assert appointment["lane"] == "appointment" and appointment["lane_name"]["zh"] == "预约"
    assert appointment["position"] == 1  # only the green-channel ticket goes before it
    # The call order agrees with the slips.
    order = [f.call(w, c)["id"] for w, c in ((1, "c01"), (2, "c02"), (3, "c03"))]
    assert order == [green["id"], appointment["id"], walk_ins[0]["id"]]


HOURS = {d: ["08:30-12:00", "14:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_outside_opening_hours_no_number_and_a_long_wait_says_the_day_may_end(tmp_path: Path) -> None:
    f = Floor(tmp_path, {"hours": HOURS, "holidays_closed": False}, now=at(2026, 11, 19, 12, 20))
    lunch = f.run("ticket.issue", {"item_code": ITEM})
    assert not lunch.ok and lunch.code == "hall_closed" and lunch.details["reason"] == "break"
    assert lunch.details["next_open"] == "2026-11-19T14:00:00+08:00"
    assert "午间休息" in lunch.message_zh and "下次开放：2026-11-19 14:00" in lunch.message_zh
    f.now = at(2026, 11, 19, 17, 31)
    evening = f.run("ticket.issue", {"item_code": ITEM})
    assert evening.code == "hall_closed" and evening.details["next_open"] == "2026-11-20T08:30:00+08:00"
    f.now = at(2026, 11, 21, 10, 0)  # Saturday: not in the hours
    assert f.run("ticket.issue", {"item_code": ITEM}).details["reason"] == "closed_day"
    # Thursday 17:02, the hall closes at 17:30: five windows serve citizens (1, 2, 3, the
    # dedicated 7, the green channel 8), 5 minutes a visitor: a minute a place in line.
    f.now = at(2026, 11, 19, 17, 2)
    slips = [f.issue() for _ in range(30)]
    assert "beyond_closing" not in slips[0] and slips[0]["closes_at"] == "2026-11-19T17:30:00+08:00"
    assert "beyond_closing" not in slips[27]  # 27 minutes: served before 17:30
    last = slips[-1]  # 29 minutes: the hall has closed by then
    assert last["beyond_closing"] is True and "今日可能无法办理" in last["wait_notice"]["zh"]
    status = f.ok("ticket.status", {"ticket": last["id"], "token": last["token"]})
    assert status["beyond_closing"] is True


def test_a_wait_over_the_lunch_break_counts_the_break(tmp_path: Path) -> None:
    f = Floor(tmp_path, {"hours": HOURS, "holidays_closed": False}, now=at(2026, 11, 19, 11, 50))
    slips = [f.issue() for _ in range(16)]
    late = slips[-1]  # 15 ahead, a minute each: 10 minutes before the break, 5 after it
    assert late["estimated_wait_s"] == (2 * 3600 + 15 * 60)  # called about 14:05, not 12:05
    assert "12:00-14:00" in late["wait_notice"]["zh"] and "14:05" in late["wait_notice"]["zh"]


def test_a_full_appointment_slot_is_refused_with_the_next_free_one(tmp_path: Path) -> None:
    rules = {"appointment_periods": ["09:00-12:00"], "appointment_slot_min": 60, "appointment_capacity": 1}
    f = Floor(tmp_path, rules, now=at(2026, 11, 19, 8, 0))
    slots = f.ok("appointment.slots", {"item_code": ITEM})["slots"]
    assert [(s["start"], s["end"], s["available"]) for s in slots] == [("09:00", "10:00", 1), ("10:00", "11:00", 1), ("11:00", "12:00", 1)]
    f.ok("appointment.book", {"item_code": ITEM, "day": "2026-11-19", "slot": "09:00", "id_number": ELDER})
    assert f.ok("appointment.slots", {"item_code": ITEM})["slots"][0]["available"] == 0
    full = f.run("appointment.book", {"item_code": ITEM, "day": "2026-11-19", "slot": "09:00", "id_number": "440305199505051235"})
    assert full.code == "conflict" and full.details["full"] is True and "约满" in full.message_zh
    assert full.details["next_slot"] == {"day": "2026-11-19", "start": "10:00", "end": "11:00", "available": 1}


