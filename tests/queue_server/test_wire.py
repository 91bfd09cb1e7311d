"""The wire between real processes: a served hall with CURVE, enrolled kiosks and displays."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq

from protocol.client import HallClient, RequestFailed, ServerUnavailable
from protocol.keys import CurveClientKeys, apply_client, generate_keypair
from protocol.messages import decode_reply
from protocol.subscriber import CloneSubscriber
from tests.support.hall import HallProcess
from tests.support.wait import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("wire")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.kiosk = h.enroll("kiosk-1", "kiosk")  # type: ignore[attr-defined]
    h.display = h.enroll("board-1", "display")  # type: ignore[attr-defined]
    h.pad = h.enroll("pad-3", "callpad", window=3)  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def keys(hall: HallProcess, device: dict[str, str]) -> CurveClientKeys:
    return CurveClientKeys.from_files(device["server_public"], device["secret"])


def citizen_item(client: HallClient) -> str:
    cat = client.request("catalogue.get", {})["catalogue"]
    return next(i["code"] for i in cat["items"] if i["stream"] == "citizen")


def test_enrolled_kiosk_issues_a_ticket_and_a_retry_returns_the_same(hall: HallProcess) -> None:
    with HallClient(hall.router, curve=keys(hall, hall.kiosk), timeout=3) as client:  # type: ignore[attr-defined]
        item = citizen_item(client)
        first = client.request("ticket.issue", {"item_code": item}, key="kiosk1-retry-0001")
        again = client.request("ticket.issue", {"item_code": item}, key="kiosk1-retry-0001")
        other = client.request("ticket.issue", {"item_code": item})
    assert again["id"] == first["id"] and again["token"] == first["token"]
    assert other["id"] != first["id"]
    assert first["number"].startswith("A") and first["estimated_wait_s"] >= 0


def test_kiosk_may_not_call_numbers_but_the_call_pad_may_at_its_window(hall: HallProcess) -> None:
    with HallClient(hall.router, curve=keys(hall, hall.kiosk), timeout=3) as kiosk:  # type: ignore[attr-defined]
        with pytest.raises(RequestFailed) as refused:
            kiosk.request("window.call_next", {"window": 3})
        assert refused.value.code == "forbidden"
        kiosk.request("ticket.issue", {"item_code": citizen_item(kiosk)})
    with HallClient(hall.router, curve=keys(hall, hall.pad), timeout=3) as pad:  # type: ignore[attr-defined]
        called = pad.request("window.call_next", {"window": 3})
        assert called["ticket"]["window"] == 3
        with pytest.raises(RequestFailed) as elsewhere:
            pad.request("window.call_next", {"window": 1})
        assert elsewhere.value.code == "forbidden"
        with pytest.raises(RequestFailed) as seat:
            pad.request("window.sign_in", {"window": 4, "clerk": "c07"})
        assert seat.value.code == "forbidden"


def test_unenrolled_device_is_refused(hall: HallProcess, tmp_path: Path) -> None:
    stranger = generate_keypair(tmp_path, "stranger")
    creds = CurveClientKeys.from_files(hall.server_public, stranger.secret)
    with HallClient(hall.router, curve=creds, timeout=0.5, retries=2) as client, pytest.raises(ServerUnavailable):
        client.request("hall.ping", {})
    # No encryption at all is refused too.
    with HallClient(hall.router, timeout=0.5, retries=1) as plain, pytest.raises(ServerUnavailable):
        plain.request("hall.ping", {})


def test_garbage_gets_error_replies_and_the_server_lives_on(hall: HallProcess) -> None:
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    apply_client(sock, keys(hall, hall.kiosk))  # type: ignore[attr-defined]
    sock.connect(hall.router)
    cases = [
        (b"\xff\xfe not json", "bad_request"),
        (b"[1,2,3]", "bad_request"),
        (json.dumps({"v": 9, "type": "hall.ping", "key": "abcdefgh1", "body": {}}).encode(), "unsupported_version"),
        (json.dumps({"v": 1, "type": "no.such", "key": "abcdefgh2", "body": {}}).encode(), "unknown_type"),
        (b"x" * 70_000, "too_large"),
        (json.dumps({"v": 1, "type": "ticket.issue", "key": "abcdefgh3", "body": {"item_code": ["x"]}}).encode(), "bad_request"),
    ]
    try:
        for raw, code in cases:
            sock.send(raw)
            assert sock.poll(5000), f"no reply to {raw[:20]!r}"
            reply = decode_reply(sock.recv())
            assert not reply.ok and reply.error is not None and reply.error.code == code
            assert reply.error.message_zh
    finally:
        sock.close(0)
    with HallClient(hall.router, curve=keys(hall, hall.kiosk), timeout=3) as client:  # type: ignore[attr-defined]
        assert client.request("hall.ping", {})["hall"] == "H01"


def test_subscriber_catches_up_by_snapshot_after_missing_events(hall: HallProcess) -> None:
    board_keys = keys(hall, hall.display)  # type: ignore[attr-defined]
    seen: list[dict] = []
    snapshots: list[dict] = []
    with HallClient(hall.router, curve=board_keys, timeout=3) as board_client:
        sub = CloneSubscriber(
            hall.pub, board_client, "H01",
            on_snapshot=snapshots.append, on_event=seen.append, curve=board_keys, heartbeat_timeout=3.0,
        )
        try:
            wait_for(lambda: snapshots, step=lambda: sub.poll_once(0.1), message="no initial snapshot")
            with HallClient(hall.router, curve=keys(hall, hall.kiosk), timeout=3) as kiosk:  # type: ignore[attr-defined]
                item = citizen_item(kiosk)
                # Issued while the subscriber is not reading: ZeroMQ keeps them, so apply in order...
                numbers = [kiosk.request("ticket.issue", {"item_code": item})["number"] for _ in range(3)]
                wait_for(
                    lambda: any(e["data"].get("number") == numbers[-1] for e in seen),
                    step=lambda: sub.poll_once(0.1),
                    message="the tickets' events never came",
                )
                issued = [e["data"]["number"] for e in seen if e["type"] == "ticket.issued"]
                assert issued[-3:] == numbers
                assert all(b["seq"] == a["seq"] + 1 for a, b in itertools.pairwise(seen))
                # ...then a gap: pretend we lost events by rewinding our sequence number.
                taken = sub.snapshots_taken
                sub.last_seq -= 2  # as if two events had been lost
                kiosk.request("ticket.issue", {"item_code": item})
                wait_for(
                    lambda: sub.snapshots_taken > taken, step=lambda: sub.poll_once(0.1), message="no snapshot after the gap"
                )
            assert sub.gaps_detected >= 1
            assert snapshots[-1]["state"]["waiting_total"] >= 4
            assert all("token" not in e["data"] and "id_hash" not in e["data"] for e in seen)
        finally:
            sub.close() if hasattr(sub, "close") else sub.stop()
