"""The hall configuration file and init: clear errors, safe re-runs, rules reaching the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from queue_server.auth import Actor
from queue_server.hallconfig import DEFAULT_HALL_CONFIG, HallConfigError
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.service import Pending
from queue_server.store import make_engine

KIOSK = Actor("device", "kiosk-1", "kiosk")


def write(tmp_path: Path, doc: dict) -> Path:
    p = tmp_path / "hall.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


def demo() -> dict:
    return yaml.safe_load(DEFAULT_HALL_CONFIG.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["windows"].append(dict(d["windows"][0])), ["windows[8] (window 1).number: window 1 appears twice"]),
        (lambda d: d["windows"][6].update(items=["C-XX-999"]), ["windows[6] (window 7).items[0]: item C-XX-999"]),
        (lambda d: d["windows"][6].update(items=[]), ["windows[6] (window 7).items: a dedicated window lists its items"]),
        (lambda d: d["clerks"][1].update(signed_in_at=1), ["clerks[1] (clerk c02).signed_in_at: window 1 has two clerks"]),
        (lambda d: d["clerks"][0].update(signed_in_at=99), ["clerks[0] (clerk c01).signed_in_at: 99 is not a window"]),
        (lambda d: d["rules"].update(prefixes={"citizen": "A", "enterprise": "A"}), ["distinct"]),
        (lambda d: d["windows"][0].update(kind="vip"), ["windows[0] (window 1).kind"]),
        (lambda d: d["hall"].update(colour="red"), ["hall.colour"]),
        (
            lambda d: d["clerks"].append({"id": "d9", "name": "某", "staff_no": "X", "department": "navy"}),
            ["(clerk d9).department: department navy is not in the catalogue"],
        ),
        (lambda d: d["cases"].update(yellow_share="3/2"), ["yellow_share"]),
        (lambda d: d["cases"].update(closed_days=["2026-02-30"]), ["cases.closed_days[0]"]),
        (
            lambda d: d["rules"].update(appointment_periods=["09:00-09:20"]),
            ["rules.appointment_periods[0]: 09:00-09:20 is shorter than one slot"],
        ),
        (
            lambda d: d["rules"].update(appointment_slots=["09:00-10:00", "09:30-10:30"]),
            ["rules.appointment_slots[1]: 09:30-10:30 overlaps"],
        ),
        (
            lambda d: d["rules"].update(hours={"mon": ["08:30-12:00"]}, appointment_slots=["14:00-15:00"]),
            ["rules.appointment_slots[0]: the slot 14:00-15:00 lies outside the opening hours"],
        ),
    ],
)
def test_a_broken_hall_file_names_what_is_wrong(tmp_path: Path, change, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    doc = demo()
    change(doc)
    with pytest.raises(HallConfigError) as err:
        init_hall(f"sqlite:///{tmp_path / 'h.db'}", Paths(tmp_path / "var"), config_path=write(tmp_path, doc))
    for w in words:
        assert w in str(err.value)


def test_every_problem_of_the_file_comes_at_once_named_one_way(tmp_path: Path) -> None:
    """Schema problems and the checks across entries in one error, each place named the same
    way: the list position as in the file (from 0) and the window or clerk it is."""
    doc = demo()
    doc["windows"][5]["kind"] = "vip"  # schema
    doc["windows"][6]["items"] = ["C-XX-999"]  # catalogue
    doc["clerks"][0]["signed_in_at"] = 99  # across entries
    doc["rules"]["hours"] = {"mon": ["8:30-12:00", "14:00-17:30"]}  # the rules' own check
    doc["cases"]["closed_days"] = ["2026-02-30"]
    with pytest.raises(HallConfigError) as err:
        init_hall(f"sqlite:///{tmp_path / 'h.db'}", Paths(tmp_path / "var"), config_path=write(tmp_path, doc))
    assert sorted(p.split(":")[0] for p in err.value.problems) == sorted([
        "windows[5] (window 6).kind",
        "windows[6] (window 7).items[0]",
        "clerks[0] (clerk c01).signed_in_at",
        "rules.hours.mon[0]",
        "cases.closed_days[0]",
    ])  # fmt: skip
    assert not (tmp_path / "h.db").exists()  # nothing was written


def test_slots_and_their_capacity_from_the_file_reach_the_engine(tmp_path: Path) -> None:
    """Appointment slots are the hall's (config/hall.yaml), the default being today's half hours."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    doc = demo()
    doc["rules"].pop("appointment_periods", None)
    doc["rules"]["appointment_slots"] = ["08:30-09:30", {"time": "10:00-11:00", "capacity": 1}]
    init_hall(url, paths, config_path=write(tmp_path, doc))
    svc = open_hall(make_engine(url), "H01", paths, clock=lambda: 1_795_053_600.0)  # Thursday 2026-11-19 10:00
    out: list = []
    tomorrow = "2026-11-20"
    svc.process([Pending("appointment.slots", {"item_code": "C-SB-001", "day": tomorrow}, None, KIOSK, out.append)])
    assert [(s["start"], s["end"], s["capacity"]) for s in out[0].body["slots"]] == [("08:30", "09:30", 4), ("10:00", "11:00", 1)]
    book = {"item_code": "C-SB-001", "day": tomorrow, "slot": "10:00", "id_number": "11010519491231002X"}
    svc.process([Pending("appointment.book", book, None, KIOSK, out.append)])
    assert out[1].ok, out[1].message
    svc.process([Pending("appointment.book", {**book, "id_number": "440305199505051235"}, None, KIOSK, out.append)])
    assert not out[2].ok and out[2].code == "conflict" and "约满" in out[2].message_zh
    # The answer offers the first slot with a place: today's, still running.
    assert out[2].details["next_slot"] == {"day": "2026-11-19", "start": "10:00", "end": "11:00", "available": 1}


def test_rules_from_the_file_reach_the_engine_and_init_can_run_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    doc = demo()
    doc["rules"]["prefixes"] = {"citizen": "C", "enterprise": "E"}
    doc["rules"]["no_show_after_recalls"] = 3
    assert init_hall(url, paths, config_path=write(tmp_path, doc))["new"] is True
    svc = open_hall(make_engine(url), "H01", paths)
    assert svc.engine.rules.no_show_after_recalls == 3
    assert svc.engine.windows[1].clerk == "c01"  # opened with its clerks seated
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    out: list = []
    svc.process([Pending("ticket.issue", {"item_code": item}, None, KIOSK, out.append)])
    assert out[0].body["number"] == "C001"

    doc["windows"] = [w for w in doc["windows"] if w["number"] != 4] + [
        {"number": 9, "kind": "comprehensive", "stream": "citizen", "name": "新窗口"}
    ]
    again = init_hall(url, paths, config_path=write(tmp_path, doc))
    assert again["new"] is False
    svc2 = open_hall(make_engine(url), "H01", paths)
    assert 9 in svc2.engine.windows and 4 not in svc2.engine.windows
    assert len(svc2.engine.tickets) == 1  # the live queue survives a re-run
    assert svc2.engine.windows[1].clerk == "c01"


def test_answers_for_retries_are_kept_a_day_then_forgotten(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    now = [1_800_000_000.0]
    svc = open_hall(make_engine(url), "H01", paths, clock=lambda: now[0])
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    out: list = []
    svc.process([Pending("ticket.issue", {"item_code": item}, "kiosk:key-0001", KIOSK, out.append)])
    now[0] += 3600
    svc.process([Pending("ticket.issue", {"item_code": item}, "kiosk:key-0001", KIOSK, out.append)])
    assert out[1].body["id"] == out[0].body["id"]
    now[0] += 25 * 3600
    svc.process([Pending("ticket.issue", {"item_code": item}, "kiosk:key-0002", KIOSK, out.append)])
    assert "kiosk:key-0001" not in svc.replies


def test_the_halls_closed_days_and_card_rule_move_case_deadlines(tmp_path: Path) -> None:
    """A day the hall closes is not a working day for its cases' clocks; the yellow card
    comes at the configured share."""
    clerk = Actor("token", "tok-c01", "clerk", clerk="c01")
    thursday = 1_795_053_600.0  # 2026-11-19 (Thursday) 10:00 in Shanghai
    body = {"item_code": "C-WJ-002", "id_number": "11010519491231002X", "name": "张三"}  # 5 working days

    def case_in(hall_dir: Path, cases: dict) -> dict:
        doc = demo()
        doc["cases"].update(cases)
        url = f"sqlite:///{hall_dir / 'h.db'}"
        paths = Paths(hall_dir / "var")
        hall_dir.mkdir()
        init_hall(url, paths, config_path=write(hall_dir, doc))
        svc = open_hall(make_engine(url), "H01", paths, clock=lambda: thursday)
        out: list = []
        svc.process([Pending("case.submit", body, None, clerk, out.append)])
        assert out[0].ok, out[0].message
        return out[0].body

    plain = case_in(tmp_path / "plain", {})
    closed = case_in(tmp_path / "closed", {"closed_days": ["2026-11-20", "2026-11-23"]})
    assert plain["due"] == "2026-11-26"  # Fri, Mon, Tue, Wed, Thu
    assert closed["due"] == "2026-11-30"  # Tue, Wed, Thu, Fri, Mon: the two closed days do not count
    assert plain["card"] == "green"
    strict = case_in(tmp_path / "strict", {"yellow_days": 5})  # yellow with 5 working days left
    assert strict["card"] == "yellow" and strict["due"] == plain["due"]
