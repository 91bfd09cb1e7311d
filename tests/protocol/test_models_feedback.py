"""The request and reply models of feedback, captured pages and the manager's reports
(``protocol.models.feedback``, ``pages``, ``reports``): a minimal body of each request type
is taken, a bad one is refused naming its field in both languages, and every model has a
JSON schema. That the models fit the handlers is proven by the handlers' own tests (every
body is checked against its model there, and every reply when HALL_CHECK_REPLIES=1)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from protocol.fields import field_error
from protocol.models import REQUESTS, feedback, pages, reports

SHA = "ab" * 32
CASE = "NS-20261126-000001"
TICKET = "H01-20261126-A012"
COMPLAINT = "TS-20261126-1A2B3C4D"

# type → (a minimal valid body, a bad one, the field it is refused for, words of the message)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "case.rate": ({"case": CASE, "level": 5}, {"case": CASE, "level": 6}, "level", "between 1 and 5"),
    "ticket.rate": (
        {"ticket": TICKET, "level": "1"},
        {"ticket": TICKET, "level": 5, "token": "令牌"},
        "token",
        "token",
    ),
    "complaint.file": (
        {"text": "空调太冷"},
        {"text": "x", "category": "ATTITUDE"},
        "category",
        "attitude, efficiency",
    ),
    "complaint.list": ({}, {"overdue": "yes"}, "overdue", "true or false"),
    "complaint.get": (
        {"complaint": COMPLAINT.lower()},
        {"complaint": "TS-1"},
        "complaint",
        "complaint number",
    ),
    "complaint.progress": (
        {"complaint": COMPLAINT.lower(), "code": "abcdef"},
        {"complaint": "TS-1", "code": "ABCDEF"},
        "complaint",
        "complaint number",
    ),
    "complaint.accept": (
        {"complaint": COMPLAINT, "handler": "c01"},
        {"complaint": COMPLAINT},
        "handler",
        "required",
    ),
    "complaint.answer": (
        {"complaint": COMPLAINT, "answer": "已处理\n谢谢"},
        {"complaint": COMPLAINT, "answer": "a" * 4001},
        "answer",
        "longer than 4000",
    ),
    "complaint.close": ({"complaint": COMPLAINT}, {}, "complaint", "required"),
    "followup.list": ({"limit": "50"}, {"limit": "501"}, "limit", "between 1 and 500"),
    "followup.answer": (
        {"evaluation": "ev-1", "answer": "已整改"},
        {"evaluation": "ev 1", "answer": "已整改"},
        "evaluation",
        "evaluation id",
    ),
    "page.upload": (
        {"sha256": SHA.upper(), "mime": "image/png", "size": 3, "count": 1, "index": 0, "data": "iVBO"},
        {"sha256": SHA, "mime": "image/png", "size": 3, "count": 1, "index": 0, "data": "iVB\nO"},
        "data",
        "base64",
    ),
    "page.status": ({"sha256": SHA}, {"sha256": "ａ" * 64}, "sha256", "64 hex digits"),
    "case.pages": ({"case": CASE}, {"case": "11010519491231002X"}, "case", "case number"),
    "report.dashboard": (
        {"since": "", "until": "2026-11-26"},
        {"since": "2026-02-30"},
        "since",
        "not a real date",
    ),
    "case.flagged_notices": ({}, {"limit": 0}, "limit", "between 1 and 500"),
    "report.queue": (
        {"since": "2026-11-01", "until": "2026-11-30"},
        {"since": "2026-11-01"},
        "until",
        "required",
    ),
}
MODULES = (feedback, pages, reports)


def test_every_request_type_of_these_domains_is_here() -> None:
    assert set(CASES) == {t for m in MODULES for t in m.REQUESTS}
    assert all(REQUESTS[t] is m.REQUESTS[t] for m in MODULES for t in m.REQUESTS)


@pytest.mark.parametrize("type_", sorted(CASES))
def test_a_minimal_body_is_taken_and_a_bad_one_refused_naming_its_field(type_: str) -> None:
    good, bad, field, words = CASES[type_]
    model = REQUESTS[type_].request
    model.model_validate(good)
    with pytest.raises(ValidationError) as caught:
        model.model_validate(bad)
    err = field_error(caught.value)
    assert err.field == field and words in err.message and field in err.message, err.message
    assert field in err.message_zh and err.message_zh != err.message


def test_defaults_and_canonical_values_are_the_handlers() -> None:
    listed = feedback.FollowUpList.model_validate({"state": "", "limit": None})
    assert (listed.state, listed.overdue, listed.limit) == ("open", False, 100)
    filed = feedback.ComplaintFile.model_validate({"text": "x", "category": " attitude ", "case": ""})
    assert (filed.category, filed.case) == ("attitude", None)
    assert feedback.ComplaintFile.model_validate({"text": "x"}).category == "other"
    assert feedback.CaseRate.model_validate({"case": CASE.lower(), "level": 3, "comment": ""}).comment == ""
    assert pages.PageStatus.model_validate({"sha256": SHA.upper()}).sha256 == SHA


def test_a_bad_category_is_refused_in_the_handlers_words_listing_the_choices() -> None:
    for bad in ("rude", ["attitude"], {"zh": "态度"}, 5):
        with pytest.raises(ValidationError) as caught:
            feedback.ComplaintFile.model_validate({"text": "x", "category": bad})
        err = field_error(caught.value)
        assert (
            "attitude, efficiency, discipline, facilities, other" in err.message
            and "服务态度" in err.message_zh
        )


@pytest.mark.parametrize("type_", sorted(CASES))
def test_every_model_has_a_json_schema(type_: str) -> None:
    spec = REQUESTS[type_]
    for model in (spec.request, spec.reply):
        schema = model.model_json_schema()
        assert schema["type"] == "object" and schema.get("description"), model.__name__


# ------------------------------------------------------------------ tables kept twice
# The protocol imports nothing of the queue server, whose pure core keeps its own tables:
# where both must say the same, these tests say so.


def test_the_complaint_categories_are_the_cores() -> None:
    from typing import get_args

    from queue_server.cases.evaluation import COMPLAINT_CATEGORY_LABEL, ComplaintCategory

    assert list(feedback.CATEGORY_LABEL) == [c.value for c in ComplaintCategory]
    assert {c: lb.model_dump() for c, lb in feedback.CATEGORY_LABEL.items()} == {
        c.value: lb for c, lb in COMPLAINT_CATEGORY_LABEL.items()
    }
    assert set(get_args(feedback.Category)) == set(feedback.CATEGORY_LABEL)


def test_the_complaint_states_and_sources_are_the_cores() -> None:
    from typing import get_args

    from queue_server.cases.evaluation import ComplaintState, Source

    assert set(get_args(feedback.ComplaintState)) == {s.value for s in ComplaintState}
    assert set(get_args(feedback.Source)) == {s.value for s in Source}


def test_the_page_limits_are_the_page_stores() -> None:
    from typing import get_args

    from queue_server.store import pagestore

    assert (pagestore.MAX_PAGE_BYTES, pagestore.MAX_CHUNK_BYTES, pagestore.MAX_CHUNKS) == (
        pages.MAX_PAGE_BYTES,
        pages.MAX_CHUNK_BYTES,
        pages.MAX_CHUNKS,
    )
    assert list(pagestore.MIME_TYPES) == pages.MIME_TYPES
    for answer in (pages.PageUploadState, pages.PageState, pages.CasePage):
        mime = answer.model_fields["mime"].annotation
        literal = next(a for a in (mime, *get_args(mime)) if get_args(a) and isinstance(get_args(a)[0], str))
        assert list(get_args(literal)) == pages.MIME_TYPES, answer.__name__


def test_a_blank_limit_is_refused_as_the_lists_always_did() -> None:
    for model in (feedback.ComplaintList, feedback.FollowUpList, reports.FlaggedNotices):
        assert model.model_validate({}).limit == model.model_validate({"limit": None}).limit == 100
        with pytest.raises(ValidationError) as caught:
            model.model_validate({"limit": ""})
        err = field_error(caught.value)
        assert (err.field, err.message) == ("limit", "limit must be a whole number")


def test_the_dashboards_tiers_and_levels_are_the_cores() -> None:
    from typing import get_args

    from queue_server.cases import Level
    from queue_server.cases.reports import SLOW, TIER_ORDER

    assert list(get_args(reports.Tier)) == [*TIER_ORDER, SLOW]
    assert set(get_args(reports.LevelKey)) == {str(int(lvl)) for lvl in Level}
