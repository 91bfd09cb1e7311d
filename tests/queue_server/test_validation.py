"""Every input checked at the edge, by the handlers themselves: text without
control or bidirectional characters, codes of their real formats, whole numbers in ASCII
digits and in range, ID numbers by the shared rules, and errors that never quote personal
data or internals. Runs the handlers through a real ``HallService`` on SQLite, in-process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from protocol.idnumber import check_char
from protocol.models import REQUESTS, Answer, NoBody, Spec
from queue_server import handlers
from queue_server.auth import Actor
from queue_server.engine import EngineError
from queue_server.handlers.context import HallContext
from queue_server.http.converters import AsciiIntConverter
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.service import SYSTEM, HallService, Outcome, Pending
from queue_server.store import make_engine

KIOSK = Actor("device", "kiosk-1", "kiosk")
ID = "11010519491231002X"  # a valid ID number (check character X)


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallService]:
    tmp: Path = tmp_path_factory.mktemp("validation")
    url = f"sqlite:///{tmp / 'hall.db'}"
    paths = Paths(tmp / "var")
    init_hall(url, paths)
    db = make_engine(url)
    yield open_hall(db, "H01", paths)
    db.dispose()


def run(svc: HallService, type_: str, body: dict[str, Any], actor: Actor = KIOSK, key: str | None = None) -> Outcome:
    out: list[Outcome] = []
    svc.process([Pending(type_, body, key, actor, out.append)])
    return out[0]


def refused(svc: HallService, type_: str, body: dict[str, Any], field: str, actor: Actor = KIOSK) -> Outcome:
    out = run(svc, type_, body, actor)
    assert not out.ok and out.code == "bad_request", out
    assert out.details.get("field") == field, out
    assert out.message and out.message_zh and field in out.message
    return out


def citizen_item(svc: HallService) -> str:
    return next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")


def today(svc: HallService) -> str:
    return datetime.now(svc.engine.tz).date().isoformat()


# ------------------------------------------------------------------ text
@pytest.mark.parametrize(
    ("type_", "body", "field", "actor"),
    [
        ("appointment.book", {"name": "张\x00三"}, "name", KIOSK),
        ("appointment.book", {"name": "张三\u202e"}, "name", KIOSK),
        ("appointment.book", {"name": "\x85张三"}, "name", KIOSK),  # C1 control
        ("appointment.book", {"name": "张\n三"}, "name", KIOSK),  # a name is one line
        ("hall.set_notices", {"notices": [{"zh": "公告\u202e", "en": "Notice"}]}, "notices[0].zh", SYSTEM),
        ("hall.set_notices", {"notices": [{"zh": "公告", "en": "No\x00tice"}]}, "notices[0].en", SYSTEM),
        ("complaint.file", {"text": "\u202e窗口态度差"}, "text", KIOSK),
        ("complaint.file", {"text": "窗口\x00态度差"}, "text", KIOSK),
        ("complaint.file", {"text": "窗口态度差\ufffe"}, "text", KIOSK),
        ("complaint.file", {"text": "窗口\u2066态度差"}, "text", KIOSK),
        ("window.pause", {"window": 1, "reason": "休息\r\n"}, "reason", SYSTEM),
    ],
)
def test_text_with_control_bidirectional_or_noncharacters_is_refused(
    svc: HallService, type_: str, body: dict[str, Any], field: str, actor: Actor
) -> None:
    if type_ == "appointment.book":
        body = {"item_code": citizen_item(svc), "day": today(svc), "slot": "09:00", "id_number": ID, **body}
    seq = svc.engine.last_seq
    out = refused(svc, type_, body, field, actor)
    assert "U+" in out.message and out.details["character"].startswith("U+")
    assert svc.engine.last_seq == seq


def test_emoji_cjk_and_line_breaks_of_multi_line_text_are_kept(svc: HallService) -> None:
    text = "窗口服务很好👍 👨\u200d👩\u200d👧 ❤️\n第二行\t有制表符\r\n第三行"
    out = run(svc, "complaint.file", {"text": text, "category": "other", "phone": "13812345678"})
    assert out.ok, out
    stored = svc.context.cases.complaint(out.body["id"]).text  # type: ignore[index]
    assert stored == text.replace("\r\n", "\n")  # one line end, \n; otherwise exactly as typed (no NFC)
    notices = [{"zh": "今日🎉16:30停止取号", "en": "No new numbers after 16:30"}]
    assert run(svc, "hall.set_notices", {"notices": notices}, SYSTEM).ok


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "rude"}, "category"),
        ({"category": "ATTITUDE"}, "category"),
        ({"category": ["attitude"]}, "category"),
        ({"category": "attitude", "phone": None}, "phone"),  # a kiosk's complaint needs the number to answer on
        ({"phone": "1381234567"}, "phone"),  # 10 digits
        ({"phone": "12812345678"}, "phone"),  # no mobile number starts 12
        ({"phone": "0755-260101"}, "phone"),  # 6 digits after the area code
        ({"phone": "0755-26010101-123"}, "phone"),  # no extension
        ({"phone": "\u0661\u0663\u0668" + "12345678"}, "phone"),  # Arabic-Indic digits
        ({"phone": 13812345678}, "phone"),
        ({"phone": ID}, "phone"),
    ],
)
def test_a_complaint_with_a_bad_category_or_phone_is_refused_naming_the_field(
    svc: HallService, body: dict[str, Any], field: str
) -> None:
    out = refused(svc, "complaint.file", {"text": "窗口态度差", "phone": "13812345678", **body}, field)
    assert ID not in out.message + out.message_zh and "1381234567" not in out.message + out.message_zh
    if field == "category":
        assert "attitude, efficiency, discipline, facilities, other" in out.message and "服务态度" in out.message_zh


def test_a_complaint_keeps_its_category_and_its_phone_encrypted(svc: HallService) -> None:
    web = Actor("anonymous", "web", "public")
    out = run(svc, "complaint.file", {"text": "空调太冷"}, web)  # the web: no category, no phone
    assert out.ok and out.body["category"] == "other" and out.body["phone"] is None, out  # type: ignore[index]
    out = run(svc, "complaint.file", {"text": "态度差", "category": " attitude ", "phone": " 0755-26010101 "})
    assert out.ok and out.body["category_label"] == {"zh": "服务态度", "en": "Service attitude"}, out  # type: ignore[index]
    assert out.body["phone"] == "0755-****0101"  # type: ignore[index]
    co = svc.context.cases.complaint(out.body["id"])  # type: ignore[index]
    assert co.category.value == "attitude" and co.phone_cipher and "26010101" not in co.phone_cipher
    assert svc.privacy.decrypt(co.phone_cipher) == "0755-26010101"


# ------------------------------------------------------------------ codes
def test_an_id_number_typed_into_a_code_field_is_refused_unquoted_and_not_stored(svc: HallService) -> None:
    key = "kiosk-1:id-in-item-code"
    out = run(svc, "ticket.issue", {"item_code": ID}, key=key)
    assert out.code == "bad_request" and out.details == {"field": "item_code"}
    assert ID not in f"{out.message}{out.message_zh}{out.details}"
    answer = svc.store.idempotent_reply(key)
    assert answer is not None and ID.encode() not in answer and ID[:14].encode() not in answer
    for type_, body, field in [
        ("case.progress", {"case": ID, "code": "ABCDEF"}, "case"),
        ("ticket.status", {"ticket": ID}, "ticket"),
        ("appointment.check_in", {"code": ID}, "code"),
        ("complaint.get", {"complaint": ID}, "complaint"),
        ("certificate.verify", {"number": ID, "code": "ABC"}, "number"),
        # patterns that would take 18 letters and digits: an ID number is still never a code
        ("case.mine", {"clerk": ID}, "clerk"),
        ("complaint.accept", {"complaint": "TS-20250101-00000000", "handler": ID}, "handler"),
        ("followup.answer", {"evaluation": ID.lower(), "answer": "已整改"}, "evaluation"),
        ("ticket.status", {"ticket": "H01-20260101-A001", "token": ID}, "token"),
    ]:
        bad = refused(svc, type_, body, field, SYSTEM)
        assert ID not in f"{bad.message}{bad.message_zh}{bad.details}"


@pytest.mark.parametrize(
    ("type_", "body", "field"),
    [
        ("ticket.issue", {"item_code": "C-SB-００１"}, "item_code"),
        ("ticket.issue", {"item_code": ["C-SB-001"]}, "item_code"),
        ("ticket.issue", {"item_code": "C-SB-001", "priority": "GREEN\x00"}, "priority"),
        ("case.progress", {"case": "NS-20260101-000001", "code": "查询码ABC"}, "code"),  # non-ASCII check code
        ("case.progress", {"case": "NS-20260101-000001", "code": "\u0663\u0663\u0663\u0663\u0663\u0663"}, "code"),
        ("ticket.rate", {"ticket": "H01-20260101-A001", "level": 5, "token": "令牌"}, "token"),
        ("certificate.verify", {"number": "PHYSICIAN_LICENCE-H01-20260101-000001", "code": "é"}, "code"),
        ("case.notice", {"case": "NS-20260101-000001", "channel": "back_office", "materials": ["id_card", "身份证"]},
         "materials"),
        ("case.notice", {"case": "NS-20260101-000001", "channel": "back_office", "materials": "id_card"}, "materials"),
        ("case.tasks", {"department": "HRSS;drop"}, "department"),
        ("appointment.slots", {"item_code": "C-SB-001", "day": "２０２６-01-01"}, "day"),
        ("appointment.slots", {"item_code": "C-SB-001", "day": "2026-02-30"}, "day"),
        ("page.status", {"sha256": "ａ" * 64}, "sha256"),
        ("complaint.list", {"state": "filed\u202e"}, "state"),
        ("followup.answer", {"evaluation": "ev 1", "answer": "已整改"}, "evaluation"),
    ],
)
def test_codes_and_identifiers_have_strict_ascii_formats(
    svc: HallService, type_: str, body: dict[str, Any], field: str
) -> None:
    refused(svc, type_, body, field, SYSTEM)


def test_a_well_formed_unknown_code_is_not_found_and_named(svc: HallService) -> None:
    out = run(svc, "ticket.issue", {"item_code": "C-XX-999"})
    assert out.code == "not_found" and "C-XX-999" in out.message


# ------------------------------------------------------------------ numbers and flags
def test_arabic_indic_digits_do_not_act_on_a_window(svc: HallService) -> None:
    run(svc, "ticket.issue", {"item_code": citizen_item(svc)})
    before = svc.engine.windows[3].current
    refused(svc, "window.call_next", {"window": "\u0663"}, "window", SYSTEM)  # ٣
    assert svc.engine.windows[3].current == before
    assert run(svc, "window.call_next", {"window": "3"}, SYSTEM).ok  # ASCII digits in a string still work


@pytest.mark.parametrize(
    ("type_", "body", "field"),
    [
        ("window.call_next", {"window": "²"}, "window"),  # int("²") raises
        ("window.call_next", {"window": "３"}, "window"),  # full-width
        ("window.call_next", {"window": 2**63}, "window"),
        ("window.call_next", {"window": 0}, "window"),
        ("window.call_next", {"window": True}, "window"),
        ("window.call_next", {"window": 3.0}, "window"),
        ("queue.state", {"limit": "1" * 5000}, "limit"),  # int() refuses more than 4300 digits
        ("queue.state", {"limit": 10**30}, "limit"),
        ("queue.state", {"limit": -1}, "limit"),
        ("queue.snapshot", {"waiting_limit": 2**31}, "waiting_limit"),
        ("catalogue.get", {"have_version": "\u0663"}, "have_version"),
        ("ticket.rate", {"ticket": "H01-20260101-A001", "level": 6}, "level"),
        ("ticket.rate", {"ticket": "H01-20260101-A001", "level": 0}, "level"),
        ("case.supervision", {"limit": "9" * 11}, "limit"),
        ("followup.list", {"limit": "٥٠"}, "limit"),
        ("page.upload", {"sha256": "a" * 64, "mime": "image/png", "size": 2**63, "count": 1, "index": 0, "data": ""}, "size"),
    ],
)
def test_whole_numbers_are_ascii_digits_within_a_range(
    svc: HallService, type_: str, body: dict[str, Any], field: str
) -> None:
    out = refused(svc, type_, body, field, SYSTEM)
    assert "1" * 50 not in out.message


def test_flags_are_true_or_false(svc: HallService) -> None:
    refused(svc, "complaint.list", {"overdue": "yes"}, "overdue", SYSTEM)
    refused(svc, "case.mine", {"clerk": "c01", "include_closed": "yes"}, "include_closed", SYSTEM)
    assert run(svc, "case.mine", {"clerk": "c01", "include_closed": "false"}, SYSTEM).ok


# ------------------------------------------------------------------ ID numbers
@pytest.mark.parametrize(
    "number",
    [
        with_check("11010519901301002"),  # month 13
        with_check("11010519900230002"),  # 30 February
        with_check("11010520990101002"),  # born in 2099
        with_check("11010518000101002"),  # born in 1800
        with_check("00000019900101002"),  # region 000000
        "110105491231002",  # 15-digit old number
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width
    ],
)
def test_id_numbers_that_belong_to_nobody_are_refused_without_quoting_them(svc: HallService, number: str) -> None:
    seq = svc.engine.last_seq
    out = refused(svc, "ticket.issue", {"item_code": citizen_item(svc), "id_number": number}, "id_number")
    said = f"{out.message}{out.message_zh}{out.details}"
    assert number not in said and number[:6] not in said and number[6:14] not in said
    assert svc.engine.last_seq == seq


# ------------------------------------------------------------------ errors
def test_engine_errors_mask_anything_that_looks_like_an_id_number() -> None:
    e = EngineError("not_found", f"no ticket {ID}", f"没有找到票号 {ID}", key=ID, more=[ID], ticket="H01-20260101-A001")
    said = f"{e.message}{e.message_zh}{e.details}"
    assert ID not in said and said.count("1101**********002X") == 4
    assert e.details["ticket"] == "H01-20260101-A001"


def test_an_unexpected_exception_is_logged_and_answered_internal_without_its_text(
    svc: HallService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
        raise TypeError("comparing strings with non-ASCII characters is not supported")

    monkeypatch.setitem(handlers.HANDLERS, "test.broken", handlers.Handler(broken, "public", False))
    monkeypatch.setitem(REQUESTS, "test.broken", Spec(NoBody, Answer))
    with caplog.at_level(logging.ERROR, logger="queue_server.service"):
        out = run(svc, "test.broken", {})
    assert (out.code, out.message, out.message_zh) == ("internal", "internal server error", "服务器内部错误")
    assert "non-ASCII" not in str(out)
    logged = [r for r in caplog.records if r.name == "queue_server.service"]
    assert logged and logged[-1].exc_info is not None and "test.broken" in logged[-1].getMessage()


# ------------------------------------------------------------------ URL numbers
def test_path_numbers_are_ascii_digits_with_a_maximum() -> None:
    urls = Map([Rule("/windows/<int:number>/call-next", endpoint="w")], converters={"int": AsciiIntConverter}).bind("h")
    assert urls.match("/windows/3/call-next") == ("w", {"number": 3})
    for path in ("/windows/\u0663/call-next", "/windows/３/call-next", "/windows/9223372036854775808/call-next"):
        with pytest.raises(NotFound):
            urls.match(path)
