"""The request key a visitor's repeated tap re-sends (kiosk.link.Retry)."""

from __future__ import annotations

from kiosk.link import Answer, Retry
from protocol import RequestFailed, ServerUnavailable


def test_same_key_while_unreachable_new_one_once_answered_or_changed() -> None:
    r = Retry()
    body = {"item_code": "C-SB-001"}
    first = r.key("ticket.issue", body)
    r.answered(Answer("ticket.issue", error=ServerUnavailable()))
    assert r.key("ticket.issue", dict(body)) == first  # the tap again: decided once by the server
    assert r.key("ticket.issue", {"item_code": "C-SB-002"}) != first  # another item: another request
    second = r.key("ticket.issue", body)
    r.answered(Answer("ticket.issue", error=RequestFailed("conflict", "no", "不")))
    assert r.key("ticket.issue", body) != second  # refused: asking again is a new request
    third = r.key("ticket.issue", body)
    r.answered(Answer("ticket.issue", body={"id": "t"}))
    assert r.key("ticket.issue", body) != third
