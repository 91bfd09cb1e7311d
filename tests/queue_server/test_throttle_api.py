"""Guessing codes and tokens through a real server process: after ten wrong ones a
client is refused with 429 and Retry-After, even with the right code, while other clients
(another address over HTTP, another enrolled kiosk over ZeroMQ) carry on. Its own server: the
spent budget of 127.0.0.1 must not reach other test modules."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

APPLICANT = "11010519491231002X"
ITEM = "C-WJ-002"


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("throttle")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.clerk = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
    h.kiosk_a = h.enroll("kiosk-a", "kiosk")  # type: ignore[attr-defined]
    h.kiosk_b = h.enroll("kiosk-b", "kiosk")  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def new_case(hall: HallProcess) -> dict[str, Any]:
    r = requests.post(
        f"{hall.http}/api/v1/cases",
        json={"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰"},
        headers={"Authorization": f"Bearer {hall.clerk}"},  # type: ignore[attr-defined]
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()


def get_from(hall: HallProcess, source: str, path: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A GET from another loopback address: another client of the hall."""
    conn = http.client.HTTPConnection("127.0.0.1", hall.http_port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", f"/api/v1{path}")
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), json.loads(r.read())
    finally:
        conn.close()


def test_guessing_a_check_code_over_http_is_stopped_per_client(hall: HallProcess) -> None:
    case = new_case(hall)
    cid, code = case["id"], case["check_code"]
    t = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": ITEM}, timeout=10).json()
    progress = f"{hall.http}/api/v1/cases/{cid}/progress"
    # a code that is not ASCII is refused for its shape (it can never be right), not a server error
    odd = requests.get(progress, params={"code": "验证码验证码"}, timeout=10)
    assert odd.status_code == 400 and "验证码" not in odd.text and odd.json()["error"]["message_zh"]
    for n in range(10):
        assert requests.get(progress, params={"code": f"AAAA{n}A"}, timeout=10).status_code == 404
    # the budget is spent: the right code does not open the case now, nor the right token a ticket
    r = requests.get(progress, params={"code": code}, timeout=10)
    assert r.status_code == 429
    err = r.json()["error"]
    assert err["code"] == "too_many_requests" and "秒后再试" in err["message_zh"] and err["message"]
    assert 1 <= int(r.headers["Retry-After"]) <= 30 and err["details"]["retry_after_s"] == int(r.headers["Retry-After"])
    ticket = requests.get(f"{hall.http}/api/v1/tickets/{t['id']}", params={"token": t["token"]}, timeout=10)
    assert ticket.status_code == 429 and "Retry-After" in ticket.headers
    # another client is not held up by this one
    status, _, page = get_from(hall, "127.0.0.2", f"/cases/{cid}/progress?code={code}")
    assert status == 200 and page["case"] == cid
    status, _, mine = get_from(hall, "127.0.0.2", f"/tickets/{t['id']}?token={t['token']}")
    assert status == 200 and mine["number"] == t["number"]


def kiosk(hall: HallProcess, name: str) -> HallClient:
    k = getattr(hall, name)
    return HallClient(hall.router, curve=CurveClientKeys.from_files(k["server_public"], k["secret"]), timeout=5)


def test_guessing_over_zeromq_is_stopped_per_enrolled_device(hall: HallProcess) -> None:
    case = new_case(hall)
    cid, code = case["id"], case["check_code"]
    with kiosk(hall, "kiosk_a") as a, kiosk(hall, "kiosk_b") as b:
        for n in range(10):
            with pytest.raises(RequestFailed) as wrong:
                a.request("case.progress", {"case": cid, "code": f"BBBB{n}B"})
            assert wrong.value.code == "not_found"
        with pytest.raises(RequestFailed) as spent:
            a.request("case.progress", {"case": cid, "code": code})
        assert spent.value.code == "too_many_requests" and spent.value.message_zh
        assert 1 <= spent.value.details["retry_after_s"] <= 30
        assert b.request("case.progress", {"case": cid, "code": code})["case"] == cid


def test_the_openapi_document_names_the_429(hall: HallProcess) -> None:
    doc = requests.get(f"{hall.http}/api/v1/openapi.json", timeout=10).json()
    for path in ("/cases/{case_id}/progress", "/certificates/{number}"):
        assert "429" in doc["paths"][path]["get"]["responses"], path
