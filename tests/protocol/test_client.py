"""HallClient (Lazy Pirate) against a real server process (tests/protocol/echo_server.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import zmq

from protocol.client import HallClient, RequestFailed, ServerUnavailable
from protocol.messages import STANDARD_MESSAGES, ErrorCode, ProtocolError, decode_reply
from tests.protocol.procs import ServerProcess, free_port
from tests.support.wait import wait_for


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with ServerProcess("echo_server") as server:
        yield server.ready["ready"]


@pytest.fixture(scope="module")
def dropping() -> Iterator[str]:
    with ServerProcess("echo_server", "--drop-first") as server:
        yield server.ready["ready"]


@pytest.fixture(scope="module")
def silent() -> Iterator[str]:
    with ServerProcess("echo_server", "--silent") as server:
        yield server.ready["ready"]


def test_request_returns_reply_body(echo: str) -> None:
    with HallClient(echo, timeout=1.0) as client:
        body = client.request("ticket.issue", {"item": "SI-1", "名字": "张三"})
        assert body["echo"] == {"item": "SI-1", "名字": "张三"}
        assert body["type"] == "ticket.issue"
        assert client.request("queue.snapshot")["echo"] == {}  # body defaults to {}


def test_retry_uses_a_fresh_socket_and_the_same_key(dropping: str) -> None:
    with HallClient(dropping, timeout=0.3, retries=3) as client:
        start = time.monotonic()
        first = client.request("ticket.issue", {"item": "SI-1"}, key="kiosk01-retry-1")
        assert 0.3 <= time.monotonic() - start < 1.0  # one timeout, then the retry was answered
        seen = client.request("test.stats")["seen"]["kiosk01-retry-1"]
        assert len(seen) == 2 and seen[0] != seen[1], "the retry must come from a new socket"
        # The same key again (even with another body): the first answer, not a second ticket.
        again = client.request("ticket.issue", {"item": "SI-2"}, key="kiosk01-retry-1")
        assert again == first
        other = client.request("ticket.issue", {"item": "SI-1"}, key="kiosk01-retry-2")
        assert other["answer_id"] != first["answer_id"]


def test_server_that_never_answers_gives_server_unavailable_in_time(silent: str) -> None:
    timeout, retries = 0.2, 3
    with HallClient(silent, timeout=timeout, retries=retries) as client:
        start = time.monotonic()
        with pytest.raises(ServerUnavailable) as info:
            client.request("ticket.issue", {})
        elapsed = time.monotonic() - start
    assert retries * timeout * 0.95 <= elapsed < retries * timeout + 0.5
    assert info.value.code is ErrorCode.UNAVAILABLE and "服务器" in info.value.message_zh
    assert isinstance(info.value, RequestFailed)


def test_server_started_after_first_attempt_is_reached() -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    with HallClient(endpoint, timeout=0.4, retries=6) as client:
        server = ServerProcess("echo_server", "--endpoint", endpoint, "--start-delay", "0.6", wait_ready=False)
        try:
            start = time.monotonic()
            body = client.request("ticket.issue", {"n": 1}, key="late-server-1")
            assert time.monotonic() - start >= 0.4  # the first attempt had nobody to talk to
            assert body["echo"] == {"n": 1}
        finally:
            server.kill()


def test_error_reply_becomes_request_failed_with_chinese_text(echo: str) -> None:
    with HallClient(echo, timeout=1.0) as client, pytest.raises(RequestFailed) as info:
        client.request("test.fail", {"code": "conflict", "details": {"ticket": "A012"}})
    err = info.value
    assert not isinstance(err, ServerUnavailable)
    assert err.code is ErrorCode.CONFLICT
    assert (err.message, err.message_zh) == STANDARD_MESSAGES[ErrorCode.CONFLICT]
    assert err.message_zh == "当前状态不允许此操作。"
    assert err.details == {"ticket": "A012"}


def test_error_reply_is_not_retried(echo: str) -> None:
    with HallClient(echo, timeout=1.0) as client:
        for _ in range(2):
            with pytest.raises(RequestFailed):
                client.request("test.fail", {"code": "not_found"}, key="fail-once-123")
        assert len(client.request("test.stats")["seen"]["fail-once-123"]) == 2  # one copy per call


def test_unavailable_reply_is_retried_with_same_key(echo: str) -> None:
    with HallClient(echo, timeout=1.0, retries=3) as client:
        body = client.request("test.busy", {"times": 2}, key="busy-twice-1")
        assert body["echo"] == {"times": 2}
        assert len(client.request("test.stats")["seen"]["busy-twice-1"]) == 3


def test_unavailable_to_the_last_attempt_is_server_unavailable(echo: str) -> None:
    with HallClient(echo, timeout=1.0, retries=2) as client, pytest.raises(ServerUnavailable) as info:
        client.request("test.busy", {"times": 5})
    assert info.value.message_zh == STANDARD_MESSAGES[ErrorCode.UNAVAILABLE][1]


def test_malformed_reply_is_an_internal_error(echo: str) -> None:
    with HallClient(echo, timeout=1.0) as client, pytest.raises(RequestFailed) as info:
        client.request("test.bad_reply", {"raw": "{not json"})
    assert info.value.code is ErrorCode.INTERNAL


def test_reply_with_another_key_is_discarded(echo: str) -> None:
    with HallClient(echo, timeout=0.3, retries=2) as client:
        with pytest.raises(ServerUnavailable):
            client.request("test.wrong_key", {}, key="wrong-key-1")
        assert len(client.request("test.stats")["seen"]["wrong-key-1"]) == 2


def test_bad_request_is_refused_before_sending(echo: str) -> None:
    with HallClient(echo, timeout=1.0) as client:
        with pytest.raises(ProtocolError):
            client.request("Not A Type")
        with pytest.raises(ProtocolError):
            client.request("a.b", key="bad key")
        assert client.request("a.b")["type"] == "a.b"  # the client is still usable


def test_server_answers_malformed_frames_with_error_codes(echo: str) -> None:
    """The wire as the server sees it: a raw REQ socket sends broken requests."""
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, 2000)
    sock.connect(echo)
    try:
        cases = [
            (b"\xff\xfe", ErrorCode.BAD_REQUEST, None),
            (b'{"v":2,"type":"a.b","key":"abcdefgh","body":{}}', ErrorCode.UNSUPPORTED_VERSION, "abcdefgh"),
            (b'{"v":1,"type":"a","key":"abcdefgh","body":{}}', ErrorCode.BAD_REQUEST, "abcdefgh"),
            (b"x" * 70_000, ErrorCode.TOO_LARGE, None),
        ]
        for data, code, key in cases:
            sock.send(data)
            reply = decode_reply(sock.recv())
            assert reply.ok is False and reply.error is not None
            assert (reply.error.code, reply.key) == (code, key)
    finally:
        sock.close()


def test_one_thread_at_a_time(silent: str) -> None:
    client = HallClient(silent, timeout=0.5, retries=1)
    outcome: list[BaseException] = []

    def in_flight() -> None:
        try:
            client.request("a.b")
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=in_flight)
    worker.start()
    # the worker's request in flight (the silent server holds it for the 0.5 s timeout); the
    # client shows that only by its private lock
    wait_for(lambda: client._busy.locked(), message="the worker's request never went out")
    with pytest.raises(RuntimeError, match="thread"):
        client.request("a.b")
    worker.join()
    client.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ServerUnavailable)


def test_begin_does_not_block(silent: str) -> None:
    with HallClient(silent, timeout=0.3, retries=2) as client:
        start = time.monotonic()
        pending = client.begin("queue.snapshot", {})
        assert pending.step() is False and time.monotonic() - start < 0.1
        with pytest.raises(RuntimeError):
            client.begin("queue.snapshot", {})  # one request in flight per client
        with pytest.raises(ServerUnavailable):
            pending.wait()
        assert pending.attempts == 2


def test_closed_client_refuses_requests(echo: str) -> None:
    client = HallClient(echo)
    client.close()
    with pytest.raises(RuntimeError):
        client.request("a.b")


def test_a_checked_client_refuses_a_bad_body_in_the_servers_words_without_sending_it() -> None:
    from protocol.client import RefusedHere
    from protocol.models.queue import TicketIssue

    # Nothing listens here: a body refused before sending never needs the server.
    with HallClient("tcp://127.0.0.1:9", timeout=0.2, retries=1, checked=True) as client:
        with pytest.raises(RefusedHere) as refused:
            client.request("ticket.issue", {"item_code": "SI-12"})
        assert refused.value.code == "bad_request" and refused.value.details == {"field": "item_code"}
        assert refused.value.message_zh == "item_code 应为事项编码，如 C-SB-001"
        with pytest.raises(TypeError):  # a model of another request type
            client.request("ticket.status", TicketIssue(item_code="C-SB-001"))
