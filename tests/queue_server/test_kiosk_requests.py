"""The requests a kiosk's screens need, through real server processes: what the hall knows
of the visitor whose card was just read (visitor.lookup), 呼叫工作人员 (kiosk.help) answered
by a manager, device health reports, opening hours and daily caps (hall.info, hall_closed,
cap_reached), typed application fields with prefill, and what case.progress tells a visitor."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml

from devices.health import HealthChanged, Status
from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from queue_server.hallconfig import DEFAULT_HALL_CONFIG
from tests.support.hall import HallProcess, run_cli

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Shanghai")
ELDER = "11010519491231002X"  # born 1949-12-31
CAPPED = "C-YB-003"  # a daily cap of 1 in this hall
CERT_ITEM = "C-WJ-002"  # yields a physician licence; decided by the health bureau
FORM_ITEM = "C-SB-001"  # self-service, with typed fields: phone, address, insurance_type, contribution_grade


def valid(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


YOUNG = valid("44030519950505123")  # born 1995-05-05
FORMS = valid("32010219800101003")


def configured(var: Path, change: dict[str, Any], cases: dict[str, Any] | None = None) -> Path:
    config = yaml.safe_load(DEFAULT_HALL_CONFIG.read_text(encoding="utf-8"))
    config["rules"].update(change)
    config["cases"].update(cases or {})
    path = var / "hall.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def start(var: Path, config: Path) -> HallProcess:
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    run_cli("init", "--config", str(config), var=var, db=h.db)
    return h


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("kiosk-requests")
    h = start(var, configured(var, {"daily_caps": {CAPPED: 1}}))
    h.clerk1 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]  # signed in at window 1
    h.health = h.token("clerk", clerk="d-health")  # type: ignore[attr-defined]
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.kiosk = h.enroll("kiosk-7", "kiosk")  # type: ignore[attr-defined]
    h.kiosk2 = h.enroll("kiosk-8", "kiosk")  # type: ignore[attr-defined]
    h.board = h.enroll("board-1", "display")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def device(hall: HallProcess, name: str = "kiosk") -> HallClient:
    d = getattr(hall, name)
    return HallClient(hall.router, curve=CurveClientKeys.from_files(d["server_public"], d["secret"]), timeout=10)


def api(hall: HallProcess, path: str) -> str:
    return f"{hall.http}/api/v1{path}"


def auth(hall: HallProcess, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {getattr(hall, who)}"}


def post(hall: HallProcess, path: str, body: dict[str, Any], who: str = "", status: int = 200) -> dict[str, Any]:
    r = requests.post(api(hall, path), json=body, headers=auth(hall, who) if who else {}, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def refused(client: HallClient, type_: str, body: dict[str, Any]) -> RequestFailed:
    with pytest.raises(RequestFailed) as err:
        client.request(type_, body)
    assert err.value.message and err.value.message_zh
    return err.value


# ------------------------------------------------------------------ help calls
def test_a_help_call_waits_for_a_manager_and_a_second_press_is_the_same_call(hall: HallProcess) -> None:
    with device(hall) as k, device(hall, "kiosk2") as k2:
        first = k.request("kiosk.help", {"reason": "不会操作", "screen": "home"})
        again = k.request("kiosk.help", {"reason": "还在等"})
        assert again["id"] == first["id"] and again["repeated"] is True and first["repeated"] is False
        other = k2.request("kiosk.help", {})
        assert other["id"] != first["id"] and other["kiosk"] == "kiosk-8"
    queue = requests.get(api(hall, "/queue"), timeout=10).json()
    assert {c["kiosk"]: c["reason"] for c in queue["help_calls"]} == {"kiosk-7": "不会操作", "kiosk-8": ""}
    assert requests.get(api(hall, "/help-calls"), headers=auth(hall, "clerk1"), timeout=10).status_code == 403
    listed = requests.get(api(hall, "/help-calls"), headers=auth(hall, "manager"), timeout=10).json()
    assert [c["id"] for c in listed["help_calls"]] == [first["id"], other["id"]]
    answered = post(hall, f"/help-calls/{first['id']}/answer", {}, "manager")
    assert answered == {"id": first["id"], "kiosk": "kiosk-7", "answered_by": answered["answered_by"], "state": "answered"}
    gone = requests.post(api(hall, f"/help-calls/{first['id']}/answer"), headers=auth(hall, "manager"), timeout=10)
    assert gone.status_code == 404 and gone.json()["error"]["message_zh"]
    assert [c["kiosk"] for c in requests.get(api(hall, "/queue"), timeout=10).json()["help_calls"]] == ["kiosk-8"]
    with device(hall) as k:
        assert k.request("kiosk.help", {})["id"] > other["id"]  # answered: the next press is a new call


# ------------------------------------------------------------------ device health
def test_device_health_is_kept_newest_per_device_and_shown_to_staff(hall: HallProcess) -> None:
    at = dt.datetime.now(TZ)
    low = HealthChanged("printer", "printer", Status.OK, Status.DEGRADED, "paper low", at).to_message()
    out = HealthChanged("printer", "printer", Status.DEGRADED, Status.MISSING, "no answer", at).to_message()
    with device(hall) as k, device(hall, "board") as board:
        assert k.request("device.health", low)["stored"] is True
        k.request("device.health", out)
        board.request("device.health", HealthChanged("screen", "display", None, Status.OK, "", at).to_message())
        bad = refused(k, "device.health", {**low, "status": "broken"})
        assert bad.code == "bad_request" and bad.details and bad.details["field"] == "status"
        assert refused(k, "device.health", {**low, "at": "yesterday"}).details["field"] == "at"  # type: ignore[index]
    table = requests.get(api(hall, "/devices/health"), headers=auth(hall, "manager"), timeout=10).json()["devices"]
    rows = {(d["reporter"], d["device"]): (d["status"], d["reason"]) for d in table}
    assert rows == {("kiosk-7", "printer"): ("missing", "no answer"), ("board-1", "screen"): ("ok", "")}
    assert table[0]["device"] == "printer"  # the worst first
    staff = requests.get(api(hall, "/queue"), headers=auth(hall, "clerk1"), timeout=10).json()
    assert staff["device_health"] == table
    assert "device_health" not in requests.get(api(hall, "/queue"), timeout=10).json()
    assert requests.get(api(hall, "/devices/health"), timeout=10).status_code == 401


# ------------------------------------------------------------------ hours and caps
def test_hall_info_and_a_daily_cap_that_offers_an_appointment(hall: HallProcess) -> None:
    info = requests.get(api(hall, "/hall"), timeout=10).json()
    assert info["name"]["zh"] == "示范区政务服务中心" and info["always_open"] is True and info["open_now"] is True
    assert info["next_open"] is None and info["hours_today"] == [{"start": "00:00", "end": "24:00"}]
    assert info["caps"] == [{"item_code": CAPPED, "item_name": info["caps"][0]["item_name"], "cap": 1, "left": 1}]
    assert post(hall, "/tickets", {"item_code": CAPPED}, status=201)["number"]
    r = requests.post(api(hall, "/tickets"), json={"item_code": CAPPED}, timeout=10)
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "cap_reached" and err["details"]["cap"] == 1 and err["message_zh"]
    slot = err["details"]["next_slot"]
    assert slot is None or set(slot) == {"day", "start", "end", "available"}
    with device(hall) as k:
        assert k.request("hall.info", {})["caps"][0]["left"] == 0
        assert refused(k, "ticket.issue", {"item_code": CAPPED}).code == "cap_reached"
        if slot is not None:  # the kiosk books the slot it was offered, and checks in at once
            booked = k.request("appointment.book", {"item_code": CAPPED, "day": slot["day"], "slot": slot["start"], "id_number": YOUNG})
            assert booked["code"]


def test_outside_opening_hours_no_number_is_issued(tmp_path: Path) -> None:
    today = dt.datetime.now(TZ).date()
    every_day = {d: ["08:30-12:00", "14:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    config = configured(tmp_path, {"hours": every_day, "holidays_closed": False}, {"closed_days": [today.isoformat()]})
    h = start(tmp_path, config)
    h.start()
    try:
        info = requests.get(api(h, "/hall"), timeout=10).json()
        tomorrow = (today + dt.timedelta(days=1)).isoformat()
        assert info["open_now"] is False and info["hours_today"] == [] and info["always_open"] is False
        assert info["next_open"] == f"{tomorrow}T08:30:00+08:00"
        r = requests.post(api(h, "/tickets"), json={"item_code": "C-SB-001"}, timeout=10)
        assert r.status_code == 409
        err = r.json()["error"]
        assert err["code"] == "hall_closed" and err["details"]["next_open"] == info["next_open"]
        assert err["details"]["hours_today"] == [] and "下次开放" in err["message_zh"]
    finally:
        h.stop()


# ------------------------------------------------------------------ application fields
def test_typed_fields_are_checked_stored_masked_and_prefilled(hall: HallProcess) -> None:
    base = {"item_code": FORM_ITEM, "id_number": FORMS, "name": "孙八", "materials": ["id_card"]}
    good = {"phone": "13812345678", "address": "示范区政务路1号", "insurance_type": "rural_resident",
            "contribution_grade": "g500"}  # fmt: skip
    with device(hall) as k:
        for fields, name in (
            ({**good, "phone": None}, "fields.phone"),  # required
            ({**good, "phone": "12345"}, "fields.phone"),
            ({**good, "insurance_type": "martian"}, "fields.insurance_type"),
            ({**good, "colour": "red"}, "fields.colour"),
            ({**good, "address": "地址" * 100}, "fields.address"),
        ):
            err = refused(k, "case.submit_kiosk", {**base, "fields": fields})
            assert err.code == "bad_request" and err.details and err.details["field"] == name, (name, err.message)
        case = k.request("case.submit_kiosk", {**base, "fields": good})
        later = k.request("case.prefill", {"id_number": FORMS, "item_code": "C-YB-001"})
    assert FORMS not in str(later) and later["id_masked"].startswith("3201")
    assert {f["code"]: (f["value"], f["shown"]) for f in later["fields"]} == {
        "phone": ("13812345678", "138****5678"),
        "address": ("示范区政务路1号", "示范区政务路1号"),
        "insurance_type": ("rural_resident", "rural_resident"),
    }
    assert all(f["case"] == case["id"] for f in later["fields"])
    view = requests.get(api(hall, f"/cases/{case['id']}"), headers=auth(hall, "clerk1"), timeout=10).json()
    assert {f["code"]: f["value"] for f in view["fields"]}["phone"] == "138****5678"
    assert view["fields"][0]["label"] == {"zh": "联系电话", "en": "Phone"}
    # the phone is stored encrypted: not in the database file in clear
    db = Path(hall.db.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    assert b"13812345678" not in stored
    # at a window the clerk has the paper form: no field is required, but a given one is checked
    at_window = {**base, "id_number": YOUNG}
    assert post(hall, "/cases", at_window, "clerk1", status=201)["fields"] == []
    bad = requests.post(api(hall, "/cases"), json={**at_window, "fields": {"phone": "x"}}, headers=auth(hall, "clerk1"), timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "fields.phone"


# ------------------------------------------------------------------ the visitor at a kiosk
def test_visitor_lookup_answers_everything_the_hall_knows_of_the_card(hall: HallProcess) -> None:
    with device(hall) as k:
        young = k.request("visitor.lookup", {"id_number": valid("44030519950505456")})  # new to the hall
    assert young["open_cases"] == [] and young["to_rate"] == [] and young["age"] >= 30
    assert young["elder"] is False and young["green_channel"] is False and young["returning_clerk"] is None
    # the elder applies at window 1 (c01): a case, then an approved certificate waiting for hand-out
    case = post(hall, "/cases", {"item_code": CERT_ITEM, "id_number": ELDER, "name": "张三丰", "materials": ["id_card"]},
                "clerk1", status=201)  # fmt: skip
    cid = case["id"]
    post(hall, f"/cases/{cid}/notice", {"materials": ["photo", "health_certificate"]}, "clerk1")
    with device(hall) as k:
        progress = k.request("case.progress", {"id_number": ELDER})["cases"][0]
        # a ticket taken with the card, called and served at window 1
        ticket = k.request("ticket.issue", {"item_code": "C-SB-002", "id_number": ELDER})
    assert progress["handling_officer"] == {"name": "陈晓梅", "phone": "0755-26010101", "window": 1}
    assert progress["one_time_notice"]["number"] == 1 and progress["one_time_notice"]["deadline"]
    assert [m["code"] for m in progress["materials_owed"]] == ["photo", "health_certificate"]
    assert progress["materials_owed"][0]["name"]["zh"] and progress["statutory_days"] is not None
    while True:
        called = post(hall, "/windows/1/call-next", {}, "clerk1")["ticket"]["id"]
        post(hall, f"/tickets/{called}/complete", {}, "clerk1")
        if called == ticket["id"]:
            break
    with device(hall) as k:
        seen = k.request("visitor.lookup", {"id_number": ELDER})
    assert ELDER not in str(seen) and seen["id_masked"] == "1101**********002X"
    today = dt.datetime.now(TZ).date()
    assert seen["age"] == today.year - 1949 - ((today.month, today.day) < (12, 31))
    assert seen["elder"] is True and seen["green_channel"] is True
    assert [c["case"] for c in seen["open_cases"]] == [cid]
    assert seen["open_cases"][0]["officer"] == {"id": "c01", "name": "陈晓梅", "window": 1}
    assert seen["open_cases"][0]["state"] == "waiting_materials"
    assert seen["returning_clerk"] == {"id": "c01", "name": "陈晓梅", "window": 1, "reserved": True}
    assert [(r["kind"], r.get("ticket")) for r in seen["to_rate"]] == [("ticket", ticket["id"])]
    assert seen["certificates_ready"] == [] and isinstance(seen["appointments_today"], list)
    # rated at the kiosk by the same card: nothing left to rate
    post(hall, f"/cases/{cid}/supplement", {"materials": ["photo", "health_certificate"]}, "clerk1")
    # the rest of the required materials handed in at the window as it accepts
    post(hall, f"/cases/{cid}/accept", {"materials": ["physician_qualification", "employment_letter", "application_form"]}, "clerk1")
    post(hall, f"/cases/{cid}/review", {}, "clerk1")
    post(hall, f"/cases/{cid}/decide", {"decision": "approved"}, "health")
    post(hall, f"/cases/{cid}/result-ready", {}, "clerk1")
    with device(hall) as k:
        rated = k.request("ticket.rate", {"ticket": ticket["id"], "id_number": ELDER, "level": 5})
        assert rated["level"] == 5
        assert refused(k, "ticket.rate", {"ticket": ticket["id"], "id_number": YOUNG, "level": 1}).code == "not_found"
        after = k.request("visitor.lookup", {"id_number": ELDER})
        assert after["to_rate"] == []
        certs = after["certificates_ready"]
        assert [(c["case"], c["awaiting_hand_out"]) for c in certs] == [(cid, True)]
        # a slot today, if any is left at this hour: booked, then offered at the next card read
        slots = [s for s in k.request("appointment.slots", {"item_code": "C-SB-003"})["slots"] if s["open"] and s["available"]]
        if slots:
            booked = k.request("appointment.book", {"item_code": "C-SB-003", "day": today.isoformat(),
                                                    "slot": slots[0]["start"], "id_number": ELDER})  # fmt: skip
            appts = k.request("visitor.lookup", {"id_number": ELDER})["appointments_today"]
            assert [(a["code"], a["item_code"]) for a in appts] == [(booked["code"], "C-SB-003")]
            assert appts[0]["timing"] in ("early", "on_time") and appts[0]["item_name"]["zh"]
        # hand-out by the self-print: the case is now to be rated
        k.request("certificate.print", {"number": certs[0]["number"], "id_number": ELDER})
        handed = k.request("visitor.lookup", {"id_number": ELDER})
        assert [(r["kind"], r.get("case")) for r in handed["to_rate"]] == [("case", cid)]
        assert handed["open_cases"][0]["state"] == "handed_out"
        assert refused(k, "visitor.lookup", {}).details["field"] == "id_number"  # type: ignore[index]
    assert requests.post(api(hall, "/tickets"), json={"item_code": "C-SB-001"}, timeout=10).status_code == 201


def test_who_may_send_the_kiosk_requests_and_the_events_are_stored(hall: HallProcess) -> None:
    pad = hall.enroll("pad-2", "callpad", window=2)
    with HallClient(hall.router, curve=CurveClientKeys.from_files(pad["server_public"], pad["secret"]), timeout=10) as p:
        # The window agent reports its pads and printer with the window's call-pad key.
        stored = p.request("device.health", {"device": "callpad", "kind": "callpad", "status": "ok"})
        assert (stored["reporter"], stored["stored"]) == ("pad-2", True)
        assert refused(p, "kiosk.help", {}).code == "forbidden"
        assert refused(p, "visitor.lookup", {"id_number": ELDER}).code == "forbidden"
    with device(hall) as k:
        assert refused(k, "hall.help_answered", {"help_id": 1}).code == "forbidden"
        assert refused(k, "device.health_table", {}).code == "forbidden"
    web = requests.post(api(hall, "/help-calls/1/answer"), timeout=10)
    assert web.status_code == 401
    db = Path(hall.db.removeprefix("sqlite:///"))
    with sqlite3.connect(db) as c:
        types = {t for (t,) in c.execute("SELECT DISTINCT type FROM hall_events")}
    assert {"hall.help_requested", "hall.help_answered", "device.health_changed"} <= types
