"""Envelopes of the wire: round trips, every malformed input and its error code (their speed:
bench/hotpaths.py)."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.messages import (
    MAX_NESTING,
    MAX_REQUEST_BYTES,
    PROTOCOL_VERSION,
    STANDARD_MESSAGES,
    ErrorCode,
    Event,
    NotUtf8,
    ProtocolError,
    Request,
    decode_event,
    decode_reply,
    decode_request,
    decode_snapshot,
    encode_event,
    encode_reply_error,
    encode_reply_ok,
    encode_request,
    hall_topic,
    loads_strict,
    make_event,
    make_heartbeat,
    new_key,
)

KEY = "kiosk03-000001"
CJK = re.compile(r"[\u4e00-\u9fff]")

keys = st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True)
types = st.from_regex(r"[a-z_]{1,12}(\.[a-z_]{1,12}){1,3}", fullmatch=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
bodies = st.dictionaries(st.text(max_size=10), json_values, max_size=5)


def raw(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


#: 30,000 nested arrays in a body: json.loads would raise RecursionError; the parser refuses.
DEEP_30000 = b'{"v":1,"type":"a.b","key":"abcdefgh","body":{"x":' + b"[" * 30_000 + b"]" * 30_000 + b"}}"


def good(**changes: object) -> dict[str, object]:
    msg: dict[str, object] = {"v": 1, "type": "ticket.issue", "key": KEY, "body": {"item": "SI-1"}}
    msg.update(changes)
    return {k: v for k, v in msg.items() if v is not ...}


# --- requests ---


@given(type_=types, key=keys, body=bodies)
def test_request_round_trip(type_: str, key: str, body: dict) -> None:
    req = decode_request(encode_request(type_, key, body))
    assert req == Request(type_, key, body, PROTOCOL_VERSION)
    assert decode_request(req.encode()) == req


def test_request_wire_form_and_chinese_text() -> None:
    encoded = encode_request("ticket.issue", KEY, {"name": "张三"})
    assert json.loads(encoded) == {"v": 1, "type": "ticket.issue", "key": KEY, "body": {"name": "张三"}}
    assert "张三".encode() in encoded  # UTF-8, not \\u escapes


def test_extra_top_level_fields_are_ignored() -> None:
    assert decode_request(raw(good(trace="x"))).type == "ticket.issue"


@pytest.mark.parametrize(
    ("data", "code", "field", "key"),
    [
        (b"\xff\xfe{}", ErrorCode.BAD_REQUEST, None, None),  # not UTF-8
        (b'{"v":1,', ErrorCode.BAD_REQUEST, None, None),  # not JSON
        (b"", ErrorCode.BAD_REQUEST, None, None),
        (b'{"v":1,"type":"a.b","key":"abcdefgh","body":{"x":NaN}}', ErrorCode.BAD_REQUEST, None, None),
        (b'{"v":1,"type":"a.b","key":"abcdefgh","body":{"x":1e999}}', ErrorCode.BAD_REQUEST, None, None),
        (b'{"v":1,"type":"a.b","key":"abcdefgh","body":{"x":"\\ud800"}}', ErrorCode.BAD_REQUEST, None, None),
        (b"[" * 1000 + b"]" * 1000, ErrorCode.BAD_REQUEST, None, None),  # too deep
        (DEEP_30000, ErrorCode.BAD_REQUEST, None, None),
        (raw([good()]), ErrorCode.BAD_REQUEST, None, None),  # not an object
        (raw("ticket.issue"), ErrorCode.BAD_REQUEST, None, None),
        (raw(good(v=...)), ErrorCode.BAD_REQUEST, "v", KEY),  # missing version
        (raw(good(v="1")), ErrorCode.BAD_REQUEST, "v", KEY),
        (raw(good(v=True)), ErrorCode.BAD_REQUEST, "v", KEY),  # a bool is not a version
        (raw(good(v=1.0)), ErrorCode.BAD_REQUEST, "v", KEY),
        (raw(good(v=2)), ErrorCode.UNSUPPORTED_VERSION, None, KEY),
        (raw(good(v=0)), ErrorCode.UNSUPPORTED_VERSION, None, KEY),
        (raw(good(key=...)), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(key="short")), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(key="x" * 65)), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(key="has space!")), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(key="abcdefgh\n")), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(key="abcdéfgh")), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(key=12345678)), ErrorCode.BAD_REQUEST, "key", None),
        (raw(good(type=...)), ErrorCode.BAD_REQUEST, "type", KEY),
        (raw(good(type="ticket")), ErrorCode.BAD_REQUEST, "type", KEY),  # not dotted
        (raw(good(type="Ticket.Issue")), ErrorCode.BAD_REQUEST, "type", KEY),
        (raw(good(type="ticket.")), ErrorCode.BAD_REQUEST, "type", KEY),
        (raw(good(type="ticket.issue\n")), ErrorCode.BAD_REQUEST, "type", KEY),
        (raw(good(type=["a.b"])), ErrorCode.BAD_REQUEST, "type", KEY),
        (raw(good(body=...)), ErrorCode.BAD_REQUEST, "body", KEY),
        (raw(good(body=[])), ErrorCode.BAD_REQUEST, "body", KEY),
        (raw(good(body=None)), ErrorCode.BAD_REQUEST, "body", KEY),
        (raw(good(body={"pad": "x" * MAX_REQUEST_BYTES})), ErrorCode.TOO_LARGE, None, None),
    ],
)
def test_malformed_request_codes(data: bytes, code: ErrorCode, field: str | None, key: str | None) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_request(data)
    err = info.value
    assert err.code is code
    assert err.key == key
    assert (err.details or {}).get("field") == field
    assert err.message and CJK.search(err.message_zh), err.message_zh


def test_size_limit_is_exact() -> None:
    base = len(encode_request("a.b", KEY, {"p": ""}))
    at_limit = encode_request("a.b", KEY, {"p": "x" * (MAX_REQUEST_BYTES - base)})
    assert len(at_limit) == MAX_REQUEST_BYTES
    assert decode_request(at_limit).key == KEY
    over = at_limit[:-3] + b'x"}}'
    assert len(over) == MAX_REQUEST_BYTES + 1
    with pytest.raises(ProtocolError) as info:
        decode_request(over)
    assert info.value.code is ErrorCode.TOO_LARGE


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("ticket", KEY, {}), ErrorCode.BAD_REQUEST),
        (("a.b", "bad key", {}), ErrorCode.BAD_REQUEST),
        (("a.b", KEY, ["not", "a", "dict"]), ErrorCode.BAD_REQUEST),
        (("a.b", KEY, {"x": float("nan")}), ErrorCode.BAD_REQUEST),
        (("a.b", KEY, {"x": object()}), ErrorCode.BAD_REQUEST),
        (("a.b", KEY, {"x": "y" * MAX_REQUEST_BYTES}), ErrorCode.TOO_LARGE),
    ],
)
def test_encode_request_refuses_what_decode_would_refuse(args: tuple, code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as info:
        encode_request(*args)
    assert info.value.code is code
    assert isinstance(info.value, ValueError)


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_request(data)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(["v", "type", "key", "body", "x"]),
        st.one_of(json_values, keys, types, st.just(1), bodies),
    )
)
def test_near_valid_objects_only_raise_protocol_error(obj: dict) -> None:
    try:
        req = decode_request(raw(obj))
    except ProtocolError as exc:
        assert exc.code in (ErrorCode.BAD_REQUEST, ErrorCode.UNSUPPORTED_VERSION)
        decode_reply(exc.reply())  # the server can always answer it
    else:
        assert req.v == 1 and req.key == obj["key"] and req.type == obj["type"]
        encode_reply_ok(req.key, req.body)  # whatever is accepted can be sent back


def test_new_key_is_valid_and_random() -> None:
    made = {new_key() for _ in range(100)}
    assert len(made) == 100
    for key in made:
        assert decode_request(encode_request("a.b", key)).key == key


# --- replies ---


@given(key=keys, body=bodies)
def test_reply_ok_round_trip(key: str, body: dict) -> None:
    reply = decode_reply(encode_reply_ok(key, body))
    assert (reply.key, reply.ok, reply.body, reply.error) == (key, True, body, None)


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_has_standard_english_and_chinese(code: ErrorCode) -> None:
    en, zh = STANDARD_MESSAGES[code]
    assert en and CJK.search(zh)
    reply = decode_reply(encode_reply_error(KEY, code))
    assert reply.ok is False and reply.error is not None
    assert (reply.error.code, reply.error.message, reply.error.message_zh) == (code, en, zh)
    assert reply.error.code is code


def test_error_reply_with_own_text_details_and_null_key() -> None:
    data = encode_reply_error(None, ErrorCode.CONFLICT, "Ticket A012 is already called", "A012 号已被叫号",
                              {"ticket": "A012"})
    assert json.loads(data) == {
        "v": 1, "key": None, "ok": False,
        "error": {"code": "conflict", "message": "Ticket A012 is already called", "message_zh": "A012 号已被叫号",
                  "details": {"ticket": "A012"}},
    }
    reply = decode_reply(data)
    assert reply.key is None and reply.error is not None and reply.error.details == {"ticket": "A012"}


def test_unknown_error_code_from_newer_server_is_kept_as_text() -> None:
    data = raw({"v": 1, "key": KEY, "ok": False, "error": {"code": "quota", "message": "m", "message_zh": "额度"}})
    error = decode_reply(data).error
    assert error is not None and error.code == "quota" and not isinstance(error.code, ErrorCode)


def test_protocol_error_reply_carries_key_and_code() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_request(raw(good(v=7)))
    reply = decode_reply(info.value.reply())
    assert reply.key == KEY and reply.error is not None
    assert reply.error.code is ErrorCode.UNSUPPORTED_VERSION and reply.error.details == {"supported": [1]}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff", ErrorCode.BAD_REQUEST),
        (b"[]", ErrorCode.BAD_REQUEST),
        (raw({"v": 2, "key": KEY, "ok": True, "body": {}}), ErrorCode.UNSUPPORTED_VERSION),
        (raw({"key": KEY, "ok": True, "body": {}}), ErrorCode.BAD_REQUEST),
        (raw({"v": 1, "key": 5, "ok": True, "body": {}}), ErrorCode.BAD_REQUEST),
        (raw({"v": 1, "key": KEY, "ok": "yes", "body": {}}), ErrorCode.BAD_REQUEST),
        (raw({"v": 1, "key": KEY, "ok": True, "body": []}), ErrorCode.BAD_REQUEST),
        (raw({"v": 1, "key": KEY, "ok": False}), ErrorCode.BAD_REQUEST),
        (raw({"v": 1, "key": KEY, "ok": False, "error": {"code": "x", "message": "m"}}), ErrorCode.BAD_REQUEST),
        (raw({"v": 1, "key": KEY, "ok": False,
              "error": {"code": "x", "message": "m", "message_zh": "z", "details": 3}}), ErrorCode.BAD_REQUEST),
    ],
)
def test_malformed_replies(data: bytes, code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_reply(data)
    assert info.value.code is code


# --- events and snapshots ---


@given(seq=st.integers(1, 2**53), data=bodies, type_=types)
def test_event_round_trip(seq: int, data: dict, type_: str) -> None:
    event = make_event("H01", "ep0001", seq, type_, data)
    frames = encode_event(event)
    assert frames[0] == b"hall.H01"
    assert decode_event(frames) == event


def test_event_wire_form() -> None:
    event = Event("H01", "e1", 123, "ticket.called", "2025-03-01T09:30:00.000+08:00", {"ticket": "A012", "window": 3})
    topic, payload = encode_event(event)
    assert topic == hall_topic("H01") == b"hall.H01"
    assert json.loads(payload) == {
        "v": 1, "hall": "H01", "epoch": "e1", "seq": 123, "type": "ticket.called",
        "at": "2025-03-01T09:30:00.000+08:00", "data": {"ticket": "A012", "window": 3},
    }


def test_heartbeat_carries_last_seq_and_may_be_zero() -> None:
    beat = decode_event(encode_event(make_heartbeat("H01", "e1", 0)))
    assert beat.is_heartbeat and beat.seq == 0 and beat.data == {}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", beat.at)


def _event_obj(**changes: object) -> dict[str, object]:
    obj: dict[str, object] = {"v": 1, "hall": "H01", "epoch": "e1", "seq": 5, "type": "ticket.called",
                              "at": "2025-03-01T09:30:00+08:00", "data": {}}
    obj.update(changes)
    return {k: v for k, v in obj.items() if v is not ...}


@pytest.mark.parametrize(
    "frames",
    [
        [b"hall.H01"],
        [b"hall.H01", b"{", b"x"],
        [b"hall.H01", b"\xff"],
        [b"hall.H01", b"[]"],
        [b"hall.H02", raw(_event_obj())],  # topic of another hall
        [b"hall.H01", raw(_event_obj(v=2))],
        [b"hall.H01", raw(_event_obj(seq=0))],  # events start at 1
        [b"hall.H01", raw(_event_obj(seq=-1, type="heartbeat"))],
        [b"hall.H01", raw(_event_obj(seq="5"))],
        [b"hall.H01", raw(_event_obj(type="called"))],
        [b"hall.H01", raw(_event_obj(epoch=""))],
        [b"hall.H01", raw(_event_obj(at=...))],
        [b"hall.H01", raw(_event_obj(data=None))],
    ],
)
def test_malformed_events(frames: list[bytes]) -> None:
    with pytest.raises(ProtocolError):
        decode_event(frames)


def test_snapshot_body_checks() -> None:
    snap = decode_snapshot({"hall": "H01", "epoch": "e1", "seq": 0, "state": {"waiting": []}})
    assert snap.seq == 0 and snap.as_dict()["state"] == {"waiting": []}
    for bad in ({"hall": "H01", "epoch": "e1", "seq": -1, "state": {}},
                {"hall": "H01", "epoch": "e1", "seq": 1, "state": []},
                {"hall": "H01", "seq": 1, "state": {}}):
        with pytest.raises(ProtocolError):
            decode_snapshot(bad)


def test_the_strict_parser_is_public_and_its_nesting_limit_is_the_documented_one() -> None:
    """``loads_strict`` is the parser of the HTTP API too; MAX_NESTING says how deep it goes."""
    assert loads_strict(b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1)) is not None
    assert loads_strict(b'{"a":' * MAX_NESTING + b"1" + b"}" * MAX_NESTING) is not None
    for too_deep in (
        b"[" * (MAX_NESTING + 2) + b"]" * (MAX_NESTING + 2),
        b'{"a":' * (MAX_NESTING + 1) + b"1" + b"}" * (MAX_NESTING + 1),
        b"[" * 30_000 + b"]" * 30_000,
    ):
        with pytest.raises(ValueError):
            loads_strict(too_deep)
    for bad in (b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-1e999}', b'{"a":"\\ud800"}', b'{"a":1' + b"0" * 5000 + b"}"):
        with pytest.raises(ValueError):
            loads_strict(bad)
    with pytest.raises(NotUtf8):
        loads_strict(b'{"a":"\xff"}')
    assert loads_strict(b'{"a":"\\ud83d\\ude00"}') == {"a": "\U0001f600"}  # a surrogate pair is fine
