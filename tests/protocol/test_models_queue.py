"""The request and reply models of tickets, the live queue and windows: a minimal body is
taken, a bad one is refused naming its field in both languages (the handlers' own words),
and every model gives its JSON schema (for the API document)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from protocol.fields import field_error
from protocol.models import queue, windows
from protocol.models.base import Spec

TID = "H01-20261126-A012"
OUR = {**queue.REQUESTS, **windows.REQUESTS}


@pytest.mark.parametrize(
    ("type_", "body", "expect"),
    [
        ("ticket.cancel", {"ticket": TID}, {"token": None}),
        ("ticket.recall", {"ticket": TID}, {}),
        ("ticket.start", {"ticket": TID}, {}),
        ("ticket.no_show", {"ticket": TID}, {}),
        ("ticket.complete", {"ticket": TID}, {"outcome": "handled"}),
        ("ticket.complete", {"ticket": TID, "outcome": None}, {"outcome": "handled"}),
        ("ticket.transfer", {"ticket": TID, "to_window": "2"}, {"to_window": 2, "to_item": None, "note": ""}),
        ("queue.snapshot", {}, {"waiting_limit": 50}),
        ("queue.state", {"limit": "200"}, {"limit": 200}),  # a query string's digits
        ("queue.state", {"limit": None}, {"limit": 200}),
        ("window.call_next", {"window": 3}, {"window": 3}),
        ("window.sign_in", {"window": 3}, {"clerk": None}),  # a clerk's token names the clerk
        ("window.sign_out", {"window": "3"}, {"window": 3}),
        ("window.pause", {"window": 3}, {"reason": ""}),
        ("window.resume", {"window": 3}, {}),
    ],
)
def test_minimal_body_is_taken(type_: str, body: dict[str, Any], expect: dict[str, Any]) -> None:
    got = OUR[type_].request.model_validate(body)
    for name, value in expect.items():
        assert getattr(got, name) == value


@pytest.mark.parametrize(
    ("type_", "body", "field", "en", "zh"),
    [
        ("ticket.cancel", {"ticket": TID, "token": "a b"}, "token", "token must be the token", "token 应为票据上的令牌"),
        ("ticket.recall", {}, "ticket", "ticket is required", "缺少必填项 ticket"),
        ("ticket.start", {"ticket": ""}, "ticket", "ticket is required", "缺少必填项 ticket"),
        ("ticket.no_show", {"ticket": "A012"}, "ticket", "ticket must be a ticket id", "ticket 应为票号ID"),
        ("ticket.complete", {"ticket": TID, "outcome": "Done!"}, "outcome", "outcome must be a lower-case word", "outcome 应为小写英文单词"),
        ("ticket.transfer", {"ticket": TID, "note": "x" * 501}, "note", "note is longer than 500", "note 过长"),
        ("queue.snapshot", {"waiting_limit": 2**31}, "waiting_limit", "waiting_limit must be between 0 and 5000", "waiting_limit 应在 0 到 5000 之间"),
        ("queue.state", {"limit": "\u0663"}, "limit", "limit must be a whole number", "limit 应为整数"),  # Arabic-Indic 3
        # A blank is no number (``?limit=``), as the handlers' readers always refused it.
        ("queue.state", {"limit": ""}, "limit", "limit must be a whole number", "limit 应为整数"),
        ("queue.snapshot", {"waiting_limit": ""}, "waiting_limit", "waiting_limit must be a whole number", "waiting_limit 应为整数"),
        ("ticket.transfer", {"ticket": TID, "to_window": ""}, "to_window", "to_window must be a whole number", "to_window 应为整数"),
        ("window.call_next", {"window": 0}, "window", "window must be between 1 and 999", "window 应在 1 到 999 之间"),
        ("window.sign_in", {"window": 3, "clerk": "c 01"}, "clerk", "clerk must be a staff id", "clerk 应为工作人员编号"),
        ("window.sign_out", {"window": True}, "window", "window must be a whole number", "window 应为整数"),
        ("window.pause", {"window": 3, "reason": "rest\u2028now"}, "reason", "reason contains U+2028", "reason 含有不允许的字符 U+2028"),
        ("window.resume", {"window": 3.0}, "window", "window must be a whole number", "window 应为整数"),
    ],
)
def test_bad_body_is_refused_naming_the_field(type_: str, body: dict[str, Any], field: str, en: str, zh: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OUR[type_].request.model_validate(body)
    e = field_error(caught.value)
    assert e.field == field
    assert e.message.startswith(en) and e.message_zh.startswith(zh)


def test_recall_replies_the_ticket_or_its_no_show() -> None:
    reply = OUR["ticket.recall"].reply
    assert reply.model_validate({"id": TID, "state": "no_show"})
    with pytest.raises(ValidationError):
        reply.model_validate({"id": TID, "state": "called"})  # a live ticket has all its fields


@pytest.mark.parametrize("type_", sorted(OUR))
def test_every_model_has_a_schema(type_: str) -> None:
    spec: Spec = OUR[type_]
    for model in (spec.request, spec.reply):
        schema = model.model_json_schema()
        assert schema["description"], model  # every model says what it is for
