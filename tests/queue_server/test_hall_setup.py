"""The hall's windows, hours and appointment slots changed while it runs (``setup.*``, issue
16): checked whole as the configuration file is, in force at the next call, ticket and
booking, and the same after a restart. A real ``HallService`` on SQLite, in-process."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from queue_server.auth import Actor
from queue_server.paths import Paths
from queue_server.runtime import open_hall
from queue_server.store import make_engine
from tests.queue_server.test_floor_requests import ITEM, THURSDAY_1000, Floor, at, clerk

ADMIN = Actor("user", "root", "admin", hall="H01")
MANAGER = Actor("user", "boss", "manager", hall="H01")
#: A Saturday: the hours below close the hall then.
SATURDAY_1000 = at(2026, 11, 21, 10, 0)


def setup_of(f: Floor) -> dict[str, Any]:
    return f.ok("setup.get", {}, ADMIN)


def with_changes(current: dict[str, Any], **rules: Any) -> dict[str, Any]:
    return {"windows": current["windows"], "rules": {**current["rules"], **rules}}


def test_the_set_up_reads_as_the_configuration_file_made_it(tmp_path: Path) -> None:
    got = setup_of(Floor(tmp_path))
    assert [w["number"] for w in got["windows"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert got["windows"][6] == {
        "number": 7, "kind": "dedicated", "stream": "citizen", "name": "社保专窗 Social security",
        "items": ["C-SB-001", "C-SB-002", "C-SB-003", "C-SB-004"],
    }
    assert got["rules"]["hours"] is None  # the demo is always open
    assert got["rules"]["appointment_periods"] == ["09:00-12:00", "14:00-17:00"]
    assert got["timezone"] == "Asia/Shanghai" and got["explicit_slots"] is None


def test_a_new_window_and_new_hours_are_in_force_at_once_and_after_a_restart(tmp_path: Path) -> None:
    f = Floor(tmp_path)
    current = setup_of(f)
    windows = [*current["windows"], {"number": 12, "kind": "dedicated", "stream": "citizen",
                                      "name": "社保专窗二 Social security 2", "items": [ITEM]}]
    windows[0] = {**windows[0], "name": "综合窗口（咨询）Comprehensive (inquiries)"}
    hours = {d: ["08:30-12:00", "14:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")}
    applied = f.ok("setup.apply", {"windows": windows, "rules": {**current["rules"], "hours": hours,
                                                                 "appointment_capacity": 6}}, ADMIN)
    assert applied["added_windows"] == [12] and applied["changed_windows"] == [1] and applied["rules_changed"]

    waiting = f.issue()
    f.ok("window.sign_in", {"window": 12}, clerk("c07"))
    assert f.call(12, "c07")["id"] == waiting["id"]  # the new dedicated window calls its item
    state = f.ok("queue.state", {"limit": 0}, ADMIN)
    assert next(w for w in state["windows"] if w["number"] == 1)["name"] == "综合窗口（咨询）Comprehensive (inquiries)"
    f.now = SATURDAY_1000
    refused = f.run("ticket.issue", {"item_code": ITEM})
    assert not refused.ok and refused.code == "hall_closed"
    slots = f.ok("appointment.slots", {"item_code": ITEM, "day": "2026-11-23"})
    assert {s["capacity"] for s in slots["slots"]} == {6}

    # A restart reads the same from the database.
    f.now = THURSDAY_1000
    again = open_hall(make_engine(f"sqlite:///{f.db_path}"), "H01", Paths(tmp_path / "var"), clock=lambda: f.now)
    assert again.engine.windows[12].defn.items == (ITEM,)
    assert again.engine.rules.hours is not None and again.engine.rules.appointment_capacity == 6
    with sqlite3.connect(f.db_path) as c:
        actor, detail = c.execute("SELECT actor, detail FROM audit_log WHERE action = 'setup.apply'").fetchone()
    assert actor == "user:root" and '"added_windows": [12]' in detail


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"windows": "drop 8"}, "windows 8: a window cannot be removed while the hall runs"),
        ({"windows": "unknown item"}, "windows[6] (window 7).items[0]: item C-XX-999 is not in the catalogue"),
        ({"hours": {"mon": ["08:30-12:00", "11:00-17:00"]}}, "rules.hours.mon[1]: 11:00-17:00 overlaps the period before it"),
        ({"appointment_periods": ["09:00-09:10"]}, "rules.appointment_periods[0]: 09:00-09:10 is shorter than one slot"),
        ({"windows": "twice"}, "window 3 appears twice"),
    ],
)
def test_a_bad_set_up_names_every_problem_and_changes_nothing(tmp_path: Path, change: dict[str, Any], said: str) -> None:
    f = Floor(tmp_path)
    current = setup_of(f)
    windows = list(current["windows"])
    what = change.pop("windows", None)
    if what == "drop 8":
        windows = windows[:-1]
    elif what == "unknown item":
        windows[6] = {**windows[6], "items": ["C-XX-999"]}
    elif what == "twice":
        windows.append(windows[2])
    out = f.run("setup.apply", {"windows": windows, "rules": {**current["rules"], **change}}, ADMIN)
    assert not out.ok and out.code == "bad_request"
    assert said in out.message, out.message
    assert out.message_zh.startswith("大厅设置有误") and "未作任何更改" in out.message_zh
    assert setup_of(f) == current


def test_only_an_admin_changes_the_set_up(tmp_path: Path) -> None:
    f = Floor(tmp_path)
    current = setup_of(f)
    for actor in (MANAGER, clerk("c01")):
        assert f.run("setup.apply", with_changes(current, appointment_capacity=9), actor).code == "forbidden"
        assert f.run("setup.get", {}, actor).code == "forbidden"
    assert setup_of(f)["rules"]["appointment_capacity"] == 4
