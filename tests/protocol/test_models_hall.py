"""The models of the hall's own requests, the catalogue and appointments (protocol/models/
hall.py, catalogue.py, appointments.py): a minimal body of each request type is taken, a bad
one is refused naming its field in English and Chinese, in the handlers' words, and every
model makes its JSON schema. That the replies fit is proven by the server tests, which
check every reply they see (``HALL_CHECK_REPLIES``)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from protocol.fields import field_error
from protocol.idnumber import check_char
from protocol.models import appointments, catalogue, hall
from protocol.models.catalogue import CatalogueDocument
from queue_server.catalogue import DEMO_CATALOGUE_PATH, load_catalogue

ID = "11010519491231002X"
MONTH_13 = "11010519901301002" + check_char("11010519901301002")
BOOKING = {"item_code": "C-SB-001", "day": "2026-11-26", "slot": "09:00", "id_number": ID}
REQUESTS = {**hall.REQUESTS, **catalogue.REQUESTS, **appointments.REQUESTS}

VALID: dict[str, dict[str, Any]] = {
    "hall.ping": {},
    "hall.set_notices": {"notices": [{"zh": "今日16:30停止取号", "en": "No new numbers after 16:30"}]},
    "hall.info": {},
    "kiosk.help": {"screen": "take_number"},
    "hall.help_answered": {"help_id": "3"},  # from a path: digits in a string
    "hall.help_calls": {},
    "hall.floor": {},
    "device.health": {"device": "printer-1", "kind": "printer", "status": "degraded", "old": "ok"},
    "device.health_table": {},
    "visitor.lookup": {"id_number": ID.lower()},
    "catalogue.get": {"have_version": "7"},  # a query string
    "catalogue.publish": {"document": {"hall_name": {"zh": "大厅", "en": "Hall"}}},
    "appointment.slots": {"item_code": "C-SB-001", "day": None},
    "appointment.book": BOOKING,
    "appointment.check_in": {"code": "k7m3qd"},
    "appointment.status": {"code": "k7m3qd"},
    "appointment.cancel": {"code": "K7M3QD", "id_number": ID},
}

# (type, body, field, words of the English message, words of the Chinese one)
BAD = [
    ("hall.set_notices", {"notices": [{"zh": "只有中文"}]}, "notices[0]", "needs non-empty zh and en", "第1条公告"),
    ("hall.set_notices", {"notices": "closed"}, "notices", "a list of at most 10", "公告最多10条"),
    ("hall.set_notices", {"notices": [{"zh": "公告\u202e", "en": "x"}]}, "notices[0].zh", "U+202E", "不允许的字符"),
    ("kiosk.help", {"reason": "x" * 101}, "reason", "longer than 100", "过长"),
    ("hall.help_answered", {"help_id": 0}, "help_id", "between 1 and", "之间"),
    ("device.health", {"device": "打印机", "kind": "printer", "status": "ok"}, "device", "a device name", "设备名称"),
    ("visitor.lookup", {"id_number": MONTH_13}, "id_number", "is not valid", "身份证号码无效"),
    ("catalogue.get", {"have_version": "\u00b2"}, "have_version", "a whole number", "应为整数"),
    ("catalogue.get", {"have_version": ""}, "have_version", "a whole number", "应为整数"),  # blank: no number
    ("catalogue.publish", {"document": []}, "document", "a catalogue object", "缺少事项目录内容"),
    ("appointment.slots", {"item_code": "C-SB-001", "day": "2026-02-30"}, "day", "not a real date", "不是有效日期"),
    ("appointment.book", {**BOOKING, "name": "张\x00三"}, "name", "U+0000", "不允许的字符"),
    ("appointment.check_in", {"code": "K7M3Q0"}, "code", "appointment code", "预约号"),
    ("appointment.cancel", {"code": "K7M3QD", "id_number": 110105194912310020}, "id_number", "ID number", "身份证"),
]


def test_every_request_type_of_these_domains_has_a_valid_example() -> None:
    assert set(VALID) == set(REQUESTS)


@pytest.mark.parametrize("type_", sorted(VALID))
def test_a_minimal_body_is_taken(type_: str) -> None:
    REQUESTS[type_].request.model_validate(VALID[type_])


def test_values_are_read_as_the_handlers_read_them() -> None:
    assert appointments.AppointmentCheckIn.model_validate({"code": " k7m3qd "}).code == "K7M3QD"
    assert hall.HelpAnswered.model_validate({"help_id": "3"}).help_id == 3
    assert catalogue.CatalogueGet.model_validate({"have_version": None}).have_version is None
    # A word the handler itself refuses, with its own message, is the handler's to refuse.
    assert hall.DeviceHealth.model_validate({"device": "printer", "kind": "printer", "status": "on_fire"})


@pytest.mark.parametrize(("type_", "body", "field", "en", "zh"), BAD, ids=[f"{b[0]}:{b[2]}" for b in BAD])
def test_a_bad_body_is_refused_naming_its_field(type_: str, body: dict[str, Any], field: str, en: str, zh: str) -> None:
    with pytest.raises(ValidationError) as caught:
        REQUESTS[type_].request.model_validate(body)
    e = field_error(caught.value)
    assert e.field == field
    assert en in e.message and field in e.message
    assert zh in e.message_zh
    assert ID not in e.message + e.message_zh and MONTH_13 not in e.message + e.message_zh


def test_the_shipped_catalogue_fits_the_reply_of_catalogue_get() -> None:
    document = load_catalogue(DEMO_CATALOGUE_PATH).to_document()
    CatalogueDocument.model_validate(document)
    reply = catalogue.CatalogueReply.model_validate({"version": 3, "unchanged": False, "catalogue": document})
    assert reply.catalogue is not None and reply.catalogue.items[0].guide.materials
    assert catalogue.CatalogueReply.model_validate({"version": 3, "unchanged": True}).catalogue is None


@pytest.mark.parametrize("type_", sorted(REQUESTS))
def test_every_model_makes_its_json_schema(type_: str) -> None:
    spec = REQUESTS[type_]
    for model in (spec.request, spec.reply):
        schema = model.model_json_schema()
        assert schema["type"] == "object"
