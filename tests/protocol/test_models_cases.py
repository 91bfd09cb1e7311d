"""The request and reply models of cases and certificates (protocol/models/cases.py and
certificates.py): each request type takes a minimal body, refuses a bad one in the handler's
own words naming the field, and every model has a JSON schema. The replies are checked
against the real handlers by the queue server's tests (HALL_CHECK_REPLIES=1)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from protocol.fields import FieldError, field_error
from protocol.models import REQUESTS
from protocol.models import cases as case_models
from protocol.models import certificates as certificate_models

ID = "11010519491231002X"  # valid, check character X
CASE = "NS-20261126-000001"
CERT = "PHYSICIAN_LICENCE-H01-20261126-000001"
ITEM = "C-SB-001"
SUBMIT = {"item_code": ITEM, "id_number": ID}
TODAY = {"today": date(2026, 11, 26)}

TYPES = sorted(t for t in REQUESTS if t.startswith(("case.", "certificate.")) and t not in ("case.rate", "case.pages", "case.flagged_notices"))

# type, a minimal body, a bad body, the field refused, the start of its English and Chinese message
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str, str]] = [
    ("case.submit", SUBMIT, {"item_code": ITEM}, "id_number",
     "the applicant's id_number is required", "必须提供申请人身份证号码"),
    ("case.submit_online", SUBMIT, {**SUBMIT, "agent": "me"}, "agent",
     "agent must be an object with id_number and name", "代办人信息有误"),
    ("case.submit_kiosk", SUBMIT, {**SUBMIT, "agent": {"name": "李四"}}, "agent.id_number",
     "agent.id_number is required", "缺少必填项 agent.id_number"),
    ("case.accept", {"case": CASE}, {"case": CASE, "commitment": "yes"}, "commitment",
     "commitment must be true or false", "commitment 应为 true 或 false"),
    ("case.refuse", {"case": CASE, "reason": "不符合条件"}, {"case": CASE}, "reason",
     "reason is required", "缺少必填项 reason"),
    ("case.notice", {"case": CASE, "materials": ["id_card"]}, {"case": CASE, "materials": []}, "materials",
     "materials is required (a list of material codes like id_card)", "缺少必填项 materials"),
    ("case.supplement", {"case": CASE, "materials": ["id_card"]}, {"case": CASE}, "materials",
     "materials is required (a list of material codes like id_card)", "缺少必填项 materials"),
    ("case.review", {"case": CASE, "limits": {"hrss": 3}}, {"case": CASE, "window": 0}, "window",
     "window must be between 1 and 999", "window 应在 1 到 999 之间"),
    ("case.decide", {"case": CASE, "decision": "approved"}, {"case": CASE}, "decision",
     "decision is required", "缺少必填项 decision"),
    ("case.result_ready", {"case": CASE}, {"case": "NS-1"}, "case",
     "case must be a case number like NS-20261126-000001", "case 应为办件编号"),
    ("case.hand_out", {"case": CASE, "channel": "online"}, {"case": CASE, "channel": "Window!"}, "channel",
     "channel must be a lower-case word", "channel 应为小写英文单词"),
    ("case.close", {"case": CASE}, {}, "case", "case is required", "缺少必填项 case"),
    ("case.withdraw", {"case": CASE, "window": "3"}, {"case": CASE, "window": "３"}, "window",
     "window must be a whole number", "window 应为整数"),
    ("case.verify", {"case": CASE, "ok": False, "note": "地址不符"}, {"case": CASE, "ok": "true"}, "ok",
     "ok must be true (the commitment held) or false (with a note)", "ok 应为 true（承诺属实）或 false"),
    ("case.get", {"case": CASE.lower()}, {"case": ID}, "case", "case must be a case number", "case 应为办件编号"),
    ("case.mine", {"clerk": None, "include_closed": None}, {"include_closed": "yes"}, "include_closed",
     "include_closed must be true or false", "include_closed 应为 true 或 false"),
    ("case.tasks", {"department": None}, {"department": "HRSS;drop"}, "department",
     "department must be a department code like hrss", "department 应为部门编码"),
    ("case.supervision", {"limit": "50"}, {"limit": "9" * 11}, "limit",
     "limit must be a whole number", "limit 应为整数"),
    ("case.progress", {"case": CASE, "code": "abcdef"}, {"case": CASE, "code": "查询码"}, "code",
     "code must be a check code of letters and digits", "code 应为由字母和数字组成的查询码"),
    ("case.supplement_online", {"case": CASE, "code": "ABCDEF", "materials": ["id_card"]},
     {"case": CASE, "code": "ABCDEF", "materials": "id_card"}, "materials",
     "materials must be a list of at most 100 material codes like id_card", "materials 应为最多 100 项的"),
    ("case.withdraw_online", {"case": CASE, "id_number": ID}, {"case": CASE, "id_number": "110105194912310021"},
     "id_number", "id_number is not valid: ", "身份证号码无效"),
    ("case.notice_slip", {"case": CASE, "code": None, "notice": "2"}, {"case": ID, "notice": 0}, "notice",
     "notice must be between 1 and 2147483647", "notice 应在 1 到 2147483647 之间"),
    ("case.receipt_slip", {"case": CASE}, {"case": "NS-1"}, "case",
     "case must be a case number like NS-20261126-000001", "case 应为办件编号"),
    ("case.prefill", {"id_number": ID, "item_code": ITEM}, {"item_code": ITEM}, "id_number",
     "id_number is required (the card just read)", "必须提供身份证号码"),
    ("certificate.list", {"id_number": ID.lower()}, {"id_number": ""}, "id_number",
     "id_number is required", "必须提供身份证号码"),
    ("certificate.print", {"number": CERT, "id_number": ID}, {"number": CERT}, "id_number",
     "the holder's id_number is required", "必须提供持证人身份证号码"),
    ("certificate.verify", {"number": CERT, "code": "ABCDEF1234"}, {"number": CERT, "code": "é"}, "code",
     "code must be a check code of letters and digits", "code 应为由字母和数字组成的查询码"),
]  # fmt: skip


def refusal(type_: str, body: dict[str, Any]) -> FieldError:
    with pytest.raises(ValidationError) as caught:
        REQUESTS[type_].request.model_validate(body, context=TODAY)
    return field_error(caught.value)


def test_every_request_type_of_cases_and_certificates_is_here() -> None:
    assert sorted(c[0] for c in CASES) == TYPES
    assert {REQUESTS[t].request.__module__ for t in TYPES} == {
        case_models.__name__,
        certificate_models.__name__,
    }


@pytest.mark.parametrize(("type_", "good", "bad", "field", "en", "zh"), CASES, ids=[c[0] for c in CASES])
def test_a_minimal_body_is_taken_and_a_bad_one_refused_in_the_handlers_words(
    type_: str, good: dict[str, Any], bad: dict[str, Any], field: str, en: str, zh: str
) -> None:
    REQUESTS[type_].request.model_validate(good, context=TODAY)
    err = refusal(type_, bad)
    assert (err.field, err.message[: len(en)], err.message_zh[: len(zh)]) == (field, en, zh)
    assert ID not in err.message + err.message_zh


def test_codes_are_canonical_and_query_strings_read() -> None:
    slip = REQUESTS["case.notice_slip"].request.model_validate({"case": CASE.lower(), "notice": "2"})
    assert (slip.case, slip.notice) == (CASE, 2)  # type: ignore[attr-defined]
    mine = REQUESTS["case.mine"].request.model_validate({"include_closed": "true"})
    assert mine.include_closed is True  # type: ignore[attr-defined]
    agent = REQUESTS["case.submit"].request.model_validate(
        {**SUBMIT, "agent": {"id_number": ID.lower(), "name": "李四"}}, context=TODAY
    )
    assert agent.agent.id_number == ID  # type: ignore[attr-defined]


@pytest.mark.parametrize(("limit", "read"), [(None, 100), ("50", 50)])
def test_the_supervision_list_reads_null_as_the_default_and_refuses_a_blank(limit: object, read: int) -> None:
    # The handler takes req.limit as it is: left out and null are the default (100); a blank
    # is no number, as for every whole number (the REST view drops an empty ?limit=).
    model = REQUESTS["case.supervision"].request
    assert model.model_validate({"limit": limit}).limit == read  # type: ignore[attr-defined]
    assert model.model_validate({}).limit == 100  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as e:
        model.model_validate({"limit": ""})
    assert field_error(e.value).message == "limit must be a whole number"


@pytest.mark.parametrize(
    ("type_", "body", "field"),
    [
        ("case.notice_slip", {"case": ID, "notice": 0}, "notice"),  # the notice is read before the case
        ("case.accept", {"case": "x", "window": 0}, "case"),
        # the step's own fields, then where it happens
        ("case.accept", {"case": CASE, "commitment": "yes", "window": 0}, "commitment"),
        ("case.submit", {"item_code": "x", "window": 0}, "item_code"),
        ("case.supplement_online", {"case": CASE, "code": "查询码"}, "code"),  # before the missing materials
    ],
)
def test_the_first_field_refused_is_the_one_the_handler_reads_first(
    type_: str, body: dict[str, Any], field: str
) -> None:
    assert refusal(type_, body).field == field


@pytest.mark.parametrize(
    ("type_", "body"),
    [
        ("case.submit_kiosk", {**SUBMIT, "fields": "13812345678"}),
        ("case.submit_kiosk", {**SUBMIT, "fields": {"x": 1}, "pages": [{}]}),
        ("case.submit_kiosk", {**SUBMIT, "pages": "x"}),
        ("case.review", {"case": CASE, "limits": {ID: "x"}}),
    ],
)
def test_application_fields_pages_and_limits_are_left_to_the_handlers_words(
    type_: str, body: dict[str, Any]
) -> None:
    REQUESTS[type_].request.model_validate(body, context=TODAY)


def test_case_progress_reply_is_one_case_or_the_visitors_cases() -> None:
    reply = REQUESTS["case.progress"].reply
    assert reply.model_validate({"cases": []})
    with pytest.raises(ValidationError):
        reply.model_validate({"cases": [], "case": CASE})


@pytest.mark.parametrize("type_", TYPES)
def test_every_model_has_a_json_schema(type_: str) -> None:
    spec = REQUESTS[type_]
    request, reply = spec.request.model_json_schema(), spec.reply.model_json_schema()
    assert request["type"] == "object" and reply
    # fields that refuse their absence in the handler's words are still documented as required
    for name, props in request.get("properties", {}).items():
        if name in request.get("required", []):
            assert "default" not in props, (type_, name)
