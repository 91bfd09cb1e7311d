"""The REST API through a real server process (waitress), including bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate

from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("http")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}", insecure=True)
    h.init()
    h.clerk1 = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
    h.manager = h.token("manager")  # type: ignore[attr-defined]
    h.admin = h.token("admin")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def api(hall: HallProcess, path: str) -> str:
    return f"{hall.http}/api/v1{path}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def item_of(hall: HallProcess, stream: str = "citizen") -> str:
    items = requests.get(api(hall, "/catalogue"), timeout=5).json()["items"]
    return next(i["code"] for i in items if i["stream"] == stream)


def test_health_and_openapi_document(hall: HallProcess) -> None:
    r = requests.get(api(hall, "/health"), timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["hall"] == "H01"
    doc = requests.get(api(hall, "/openapi.json"), timeout=5).json()
    validate(doc)
    for path in ("/health", "/catalogue", "/tickets", "/queue", "/windows/{number}/call-next",
                 "/tickets/{ticket}/recall", "/tickets/{ticket}/no-show", "/tickets/{ticket}/complete",
                 "/tickets/{ticket}/transfer", "/windows/{number}/pause", "/appointments"):
        assert path in doc["paths"], path


def test_catalogue_shape_and_version_caching(hall: HallProcess) -> None:
    r = requests.get(api(hall, "/catalogue"), timeout=5)
    body = r.json()
    assert r.status_code == 200 and isinstance(body["version"], int) and len(body["items"]) >= 30
    assert {"code", "name", "stream"} <= set(body["items"][0])
    again = requests.get(api(hall, "/catalogue"), headers={"If-None-Match": r.headers["ETag"]}, timeout=5)
    assert again.status_code == 304
    have = requests.get(api(hall, f"/catalogue?have_version={body['version']}"), timeout=5).json()
    assert have == {"version": body["version"], "unchanged": True}


def test_issue_is_public_and_idempotent(hall: HallProcess) -> None:
    item = item_of(hall)
    headers = {"Idempotency-Key": "online-hall-0001"}
    first = requests.post(api(hall, "/tickets"), json={"item_code": item}, headers=headers, timeout=5)
    again = requests.post(api(hall, "/tickets"), json={"item_code": item}, headers=headers, timeout=5)
    assert first.status_code == 201 and again.status_code == 201
    t = first.json()
    assert again.json()["id"] == t["id"]
    assert {"id", "number", "token", "position", "estimated_wait_s"} <= set(t)
    mine = requests.get(api(hall, f"/tickets/{t['id']}"), params={"token": t["token"]}, timeout=5)
    assert mine.status_code == 200 and mine.json()["number"] == t["number"]
    nosy = requests.get(api(hall, f"/tickets/{t['id']}"), params={"token": "guess"}, timeout=5)
    assert nosy.status_code == 404


def test_id_numbers_are_masked_in_replies(hall: HallProcess) -> None:
    r = requests.post(api(hall, "/tickets"), json={"item_code": item_of(hall), "id_number": "11010519491231002X"}, timeout=5)
    assert r.status_code == 201
    assert "11010519491231002X" not in r.text and r.json()["id_masked"] == "1101**********002X"


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        (b"not json", 400, "JSON"),
        (b"[1, 2]", 400, "JSON"),
        (b'{"item_code": "C-XX-999"}', 404, "C-XX-999"),  # well formed, no such item
        (b'{"item_code": "NO-SUCH"}', 400, "item_code"),  # not an item code: named, not quoted
        (b"{}", 400, "item_code"),
        (b'{"item_code": "{item}", "id_number": "110105194912310021"}', 400, "check digit"),
    ],
)
def test_bad_ticket_requests_get_clear_json_errors(hall: HallProcess, body: bytes, status: int, word: str) -> None:
    body = body.replace(b"{item}", item_of(hall).encode())
    r = requests.post(api(hall, "/tickets"), data=body, headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code == status
    err = r.json()["error"]
    assert word in err["message"] and err["message_zh"]


def test_clerk_flow_call_recall_no_show_transfer_complete(hall: HallProcess) -> None:
    clerk = auth(hall.clerk1)  # type: ignore[attr-defined]
    manager = auth(hall.manager)  # type: ignore[attr-defined]
    item = item_of(hall)
    # Drain what earlier tests left, so this test sees its own tickets.
    while requests.post(api(hall, "/windows/1/call-next"), headers=clerk, timeout=5).status_code == 200:
        pass
    assert requests.post(api(hall, "/windows/1/call-next"), headers=clerk, timeout=5).status_code == 204
    a, b = (requests.post(api(hall, "/tickets"), json={"item_code": item}, timeout=5).json() for _ in range(2))

    called = requests.post(api(hall, "/windows/1/call-next"), headers=clerk, timeout=5)
    assert called.status_code == 200 and called.json()["ticket"]["id"] == a["id"]
    early = requests.post(api(hall, f"/tickets/{a['id']}/no-show"), headers=clerk, timeout=5)
    assert early.status_code == 409 and "recall" in early.json()["error"]["message"]
    for n in (1, 2):
        r = requests.post(api(hall, f"/tickets/{a['id']}/recall"), headers=clerk, timeout=5)
        assert r.status_code == 200 and r.json()["recalls"] == n
    assert requests.post(api(hall, f"/tickets/{a['id']}/no-show"), headers=clerk, timeout=5).json()["state"] == "no_show"

    nxt = requests.post(api(hall, "/windows/1/call-next"), headers=clerk, timeout=5).json()["ticket"]
    assert nxt["id"] == b["id"]
    no_note = requests.post(api(hall, f"/tickets/{b['id']}/transfer"), json={"to_window": 2}, headers=clerk, timeout=5)
    assert no_note.status_code == 400 and "note" in no_note.json()["error"]["message"]
    moved = requests.post(
        api(hall, f"/tickets/{b['id']}/transfer"), json={"to_window": 2, "note": "户籍业务转2号窗口"}, headers=clerk, timeout=5
    )
    assert moved.status_code == 200 and moved.json()["transfer"]["to_window"] == 2
    # Window 2 belongs to another clerk: clerk c01's token may not act there, a manager may.
    assert requests.post(api(hall, "/windows/2/call-next"), headers=clerk, timeout=5).status_code == 403
    at2 = requests.post(api(hall, "/windows/2/call-next"), headers=manager, timeout=5).json()["ticket"]
    assert at2["id"] == b["id"] and at2["first_inquiry_clerk"] == "c01"
    done = requests.post(api(hall, f"/tickets/{b['id']}/complete"), json={"outcome": "handled"}, headers=manager, timeout=5)
    assert done.status_code == 200 and done.json()["state"] == "done"

    queue = requests.get(api(hall, "/queue"), timeout=5).json()
    w1 = next(w for w in queue["windows"] if w["number"] == 1)
    assert w1["clerk"]["name"] and w1["recent"][:2] == [b["number"], a["number"]]


def test_pause_blocks_calling(hall: HallProcess) -> None:
    clerk = auth(hall.clerk1)  # type: ignore[attr-defined]
    requests.post(api(hall, "/tickets"), json={"item_code": item_of(hall)}, timeout=5)
    assert requests.post(api(hall, "/windows/1/pause"), json={"reason": "休息"}, headers=clerk, timeout=5).json()["status"] == "paused"
    blocked = requests.post(api(hall, "/windows/1/call-next"), headers=clerk, timeout=5)
    assert blocked.status_code == 409 and "resume" in blocked.json()["error"]["message"]
    assert requests.post(api(hall, "/windows/1/resume"), headers=clerk, timeout=5).json()["status"] == "open"
    assert requests.post(api(hall, "/windows/1/call-next"), headers=clerk, timeout=5).status_code == 200


def test_auth_is_required_for_clerk_actions(hall: HallProcess) -> None:
    assert requests.post(api(hall, "/windows/1/call-next"), timeout=5).status_code == 401
    assert requests.post(api(hall, "/windows/1/call-next"), headers=auth("bogus"), timeout=5).status_code == 401
    assert requests.post(api(hall, "/catalogue"), json={}, headers=auth(hall.clerk1), timeout=5).status_code == 403  # type: ignore[attr-defined]


def test_appointments_book_and_check_in(hall: HallProcess) -> None:
    item = item_of(hall)
    slots = requests.get(api(hall, "/appointments/slots"), params={"item_code": item}, timeout=5).json()
    open_slots = [s for s in slots["slots"] if s["open"] and s["available"] > 0]
    if not open_slots:  # the test runs after the last slot of the day: book tomorrow instead
        import datetime as dt

        day = (dt.date.fromisoformat(slots["day"]) + dt.timedelta(days=1)).isoformat()
        slot = "09:00"
    else:
        day, slot = slots["day"], open_slots[0]["start"]
    booked = requests.post(
        api(hall, "/appointments"),
        json={"item_code": item, "day": day, "slot": slot, "id_number": "360426199101010071", "name": "张三"},
        timeout=5,
    )
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    twice = requests.post(
        api(hall, "/appointments"),
        json={"item_code": item, "day": day, "slot": slot, "id_number": "360426199101010071"},
        timeout=5,
    )
    assert twice.status_code == 409
    checked = requests.post(api(hall, f"/appointments/{code}/check-in"), timeout=5)
    if day == slots["day"]:
        assert checked.status_code == 201 and checked.json()["appointment"] == code
    else:
        assert checked.status_code == 409 and "not today" in checked.json()["error"]["message"]


def test_unknown_paths_and_methods_are_json(hall: HallProcess) -> None:
    r = requests.get(api(hall, "/nope"), timeout=5)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = requests.delete(api(hall, "/tickets"), timeout=5)
    assert r.status_code == 405 and "error" in r.json()
    assert set(r.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}  # RFC 9110: what the resource takes
    r = requests.put(api(hall, "/catalogue"), timeout=5)
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def _conforms(doc: dict, path: str, method: str, status: int, body: object) -> None:
    """``body`` is what the document says ``method path`` answers with ``status``."""
    schema = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": doc["components"]}).validate(body)


def test_the_document_describes_the_replies_as_given(hall: HallProcess) -> None:
    doc = requests.get(api(hall, "/openapi.json"), timeout=5).json()
    full = requests.get(api(hall, "/catalogue"), timeout=5).json()
    _conforms(doc, "/catalogue", "get", 200, full)
    unchanged = requests.get(api(hall, f"/catalogue?have_version={full['version']}"), timeout=5).json()
    _conforms(doc, "/catalogue", "get", 200, unchanged)
    ticket = requests.post(api(hall, "/tickets"), json={"item_code": item_of(hall)}, timeout=5).json()
    _conforms(doc, "/tickets", "post", 201, ticket)
    live = requests.get(api(hall, f"/tickets/{ticket['id']}?token={ticket['token']}"), timeout=5).json()
    _conforms(doc, "/tickets/{ticket}", "get", 200, live)
    cancelled = requests.post(api(hall, f"/tickets/{ticket['id']}/cancel"), json={"token": ticket["token"]}, timeout=5)
    _conforms(doc, "/tickets/{ticket}/cancel", "post", 200, cancelled.json())
    _conforms(doc, "/health", "get", 200, requests.get(api(hall, "/health"), timeout=5).json())
    with pytest.raises(ValidationError):  # the check itself can fail: an ended state is no live ticket
        _conforms(doc, "/tickets/{ticket}", "get", 200, {**live, "state": "cancelled"})


def test_manager_sets_board_notices_and_the_queue_shows_waits(hall: HallProcess) -> None:
    manager = auth(hall.manager)  # type: ignore[attr-defined]
    notices = [{"zh": "今日16:30停止取号", "en": "No new numbers after 16:30 today"}]
    assert requests.post(api(hall, "/notices"), json={"notices": notices}, headers=auth(hall.clerk1), timeout=5).status_code == 403  # type: ignore[attr-defined]
    bad = requests.post(api(hall, "/notices"), json={"notices": [{"zh": "只有中文"}]}, headers=manager, timeout=5)
    assert bad.status_code == 400 and "en" in bad.json()["error"]["message"]
    ok = requests.post(api(hall, "/notices"), json={"notices": notices}, headers=manager, timeout=5)
    assert ok.status_code == 200
    queue = requests.get(api(hall, "/queue"), timeout=5).json()
    assert queue["notices"] == notices
    assert set(queue["avg_wait_s"]) == {"citizen", "enterprise"} and queue["avg_wait_s"]["citizen"] >= 0
