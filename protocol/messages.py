"""The wire, version 1: requests, replies and events as JSON (see protocol/README.md).

Decoding is pydantic_core's JSON parser plus hand checks, without a pydantic model: the
queue server decodes thousands of requests a second and this costs about 1.5 microseconds
per typical request (measured in tests/protocol/test_messages.py). Everything malformed raises :class:`ProtocolError`, which
carries the :class:`ErrorCode`, an English and a Chinese message, and the request's key when
it could be read, so the server can answer it with :meth:`ProtocolError.reply`.

Unknown extra top-level fields are ignored (room for additions within version 1).
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic_core import from_json

PROTOCOL_VERSION = 1
MAX_REQUEST_BYTES = 65536
HEARTBEAT = "heartbeat"
SNAPSHOT_TYPE = "queue.snapshot"
TOPIC_PREFIX = b"hall."

_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_TYPE_RE = re.compile(r"[a-z_]+(?:\.[a-z_]+)+")


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    TOO_LARGE = "too_large"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    TOO_MANY_REQUESTS = "too_many_requests"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    HALL_CLOSED = "hall_closed"  # outside opening hours (details: next_open, hours_today)
    CAP_REACHED = "cap_reached"  # the item's numbers for today are all taken (details: item, cap, next_slot)


#: The standard (English, Chinese) text of every error code.
STANDARD_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.BAD_REQUEST: ("The request is malformed.", "请求格式有误。"),
    ErrorCode.TOO_LARGE: ("The request is too large.", "请求内容过大。"),
    ErrorCode.UNSUPPORTED_VERSION: ("This protocol version is not supported.", "不支持该协议版本。"),
    ErrorCode.UNKNOWN_TYPE: ("Unknown request type.", "未知的请求类型。"),
    ErrorCode.NOT_FOUND: ("Not found.", "未找到相关记录。"),
    ErrorCode.CONFLICT: ("The current state does not allow this action.", "当前状态不允许此操作。"),
    ErrorCode.FORBIDDEN: ("This device or user may not do this.", "该设备或用户无权执行此操作。"),
    ErrorCode.TOO_MANY_REQUESTS: (
        "Too many wrong codes; please wait before trying again.",
        "错误次数过多，请稍候再试。",
    ),
    ErrorCode.UNAVAILABLE: (
        "The server is busy or unavailable; please try again later.",
        "服务器繁忙或暂不可用，请稍后再试。",
    ),
    ErrorCode.INTERNAL: ("Internal server error.", "服务器内部错误。"),
    ErrorCode.HALL_CLOSED: ("The hall is closed now.", "现在不在营业时间。"),
    ErrorCode.CAP_REACHED: ("Today's numbers for this item are all taken.", "该事项今日号源已取完。"),
}


class ProtocolError(ValueError):
    """A message that breaks the wire format (or a request that cannot be encoded)."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        message_zh: str,
        key: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.key = key
        self.details = details

    def reply(self) -> bytes:
        """The error reply a server sends for this error."""
        return encode_reply_error(self.key, self.code, self.message, self.message_zh, self.details)


def _bad(message: str, message_zh: str, key: str | None = None, field_name: str | None = None) -> ProtocolError:
    details = {"field": field_name} if field_name else None
    return ProtocolError(ErrorCode.BAD_REQUEST, message, message_zh, key, details)


def new_key() -> str:
    """A fresh random idempotency key (22 characters of [A-Za-z0-9_-])."""
    return secrets.token_urlsafe(16)


def is_valid_key(key: object) -> bool:
    return type(key) is str and _KEY_RE.fullmatch(key) is not None


def is_valid_type(type_: object) -> bool:
    return type(type_) is str and _TYPE_RE.fullmatch(type_) is not None


def now_iso() -> str:
    """The current local time, ISO 8601 with offset (e.g. ``2025-03-01T09:30:00.123+08:00``)."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


# Float literals that may overflow to infinity: an exponent of 3+ digits, or 309+ digits in a
# row. Two searches: one alternation regex costs three times as much.
_BIG_EXPONENT_RE = re.compile(rb"[0-9][eE]\+?0*[1-9][0-9]{2}")
_LONG_DIGITS_RE = re.compile(rb"[0-9]{309}")


def _has_non_finite(obj: Any) -> bool:
    if type(obj) is float:
        return not math.isfinite(obj)
    if type(obj) is dict:
        return any(_has_non_finite(v) for v in obj.values())
    if type(obj) is list:
        return any(_has_non_finite(v) for v in obj)
    return False


class NotUtf8(ValueError):
    """Raised by :func:`loads_strict` for bytes that are not UTF-8."""


#: Nesting the parser takes (pydantic_core's jiter stops at its recursion limit: 201 nested
#: arrays or 200 nested objects parse, one more level is refused). Documented here because
#: handlers may walk what they are given: nothing deeper can reach them.
MAX_NESTING = 200


def loads_strict(raw: bytes) -> Any:
    """Strict JSON from UTF-8 bytes, the one parser of every request (ZeroMQ and HTTP):
    no NaN/Infinity, no float overflowing to infinity (``1e999``), no lone surrogates
    (``"\\ud800"``), no integer of more than 4300 digits, no raw control characters inside
    strings, nesting about :data:`MAX_NESTING` deep at most (never a RecursionError), no BOM
    and nothing after the value. Raises ValueError (:class:`NotUtf8` for bad UTF-8).

    Escaped control characters (``"\\u0000"``) are valid JSON and pass: the handlers' text
    checks refuse them where text is read.

    pydantic_core's parser (jiter) takes about a third of the time of ``json.loads``.
    """
    try:
        obj = from_json(raw, allow_inf_nan=False)
    except ValueError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise NotUtf8("not UTF-8") from None
        raise
    if (_BIG_EXPONENT_RE.search(raw) or _LONG_DIGITS_RE.search(raw)) and _has_non_finite(obj):
        raise ValueError("number out of range")
    return obj


# --- requests ---------------------------------------------------------------------------


@dataclass(slots=True)
class Request:
    type: str
    key: str
    body: dict[str, Any] = field(default_factory=dict)
    v: int = PROTOCOL_VERSION

    def encode(self) -> bytes:
        return encode_request(self.type, self.key, self.body)


def encode_request(type: str, key: str, body: Mapping[str, Any] | None = None) -> bytes:
    """One request frame. Raises ProtocolError (a ValueError) for a bad type, key or body."""
    if not is_valid_type(type):
        raise _bad(f"invalid request type {type!r}", "请求类型无效", None, "type")
    if not is_valid_key(key):
        raise _bad("invalid idempotency key", "幂等键无效", None, "key")
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise _bad("body must be an object", "请求体必须是对象", key, "body")
    try:
        raw = _dumps({"v": PROTOCOL_VERSION, "type": type, "key": key, "body": body})
    except (TypeError, ValueError) as exc:
        raise _bad(f"body is not JSON-serialisable: {exc}", "请求体无法编码为 JSON", key, "body") from exc
    if len(raw) > MAX_REQUEST_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"request is {len(raw)} bytes, more than {MAX_REQUEST_BYTES}",
            f"请求长度 {len(raw)} 字节，超过上限 {MAX_REQUEST_BYTES} 字节",
            key,
            {"max_bytes": MAX_REQUEST_BYTES},
        )
    return raw


def decode_request(raw: bytes) -> Request:
    """Parse and check one request frame; raises ProtocolError for anything malformed."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"request is {len(raw)} bytes, more than {MAX_REQUEST_BYTES}",
            f"请求长度 {len(raw)} 字节，超过上限 {MAX_REQUEST_BYTES} 字节",
            None,
            {"max_bytes": MAX_REQUEST_BYTES},
        )
    try:
        obj = loads_strict(raw)
    except NotUtf8:
        raise _bad("request is not valid UTF-8", "请求不是有效的 UTF-8 编码") from None
    except ValueError:
        raise _bad("request is not valid JSON", "请求不是有效的 JSON") from None
    if type(obj) is not dict:
        raise _bad("request must be a JSON object", "请求必须是 JSON 对象")
    key = obj.get("key")
    good_key = key if is_valid_key(key) else None
    v = obj.get("v")
    if type(v) is not int:
        raise _bad("missing or non-integer version field 'v'", "缺少版本字段 v 或其不是整数", good_key, "v")
    if v != PROTOCOL_VERSION:
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"protocol version {v} is not supported",
            f"不支持协议版本 {v}",
            good_key,
            {"supported": [PROTOCOL_VERSION]},
        )
    if good_key is None:
        raise _bad(
            "missing or invalid idempotency key (8..64 characters of A-Z a-z 0-9 _ -)",
            "缺少幂等键或其格式无效（8 至 64 位字母、数字、下划线或连字符）",
            None,
            "key",
        )
    type_ = obj.get("type")
    if not is_valid_type(type_):
        raise _bad("missing or invalid request type", "缺少请求类型或其格式无效", good_key, "type")
    body = obj.get("body")
    if type(body) is not dict:
        raise _bad("missing body or body is not an object", "缺少请求体或请求体不是对象", good_key, "body")
    return Request(type_, good_key, body, v)


# --- replies ----------------------------------------------------------------------------


@dataclass(slots=True)
class ErrorInfo:
    code: ErrorCode | str  # a str only for a code this version does not know
    message: str
    message_zh: str
    details: dict[str, Any] | None = None


@dataclass(slots=True)
class Reply:
    key: str | None
    ok: bool
    body: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    v: int = PROTOCOL_VERSION


def encode_reply_ok(key: str, body: Mapping[str, Any] | None = None) -> bytes:
    return _dumps({"v": PROTOCOL_VERSION, "key": key, "ok": True, "body": dict(body or {})})


def encode_reply_error(
    key: str | None,
    code: ErrorCode,
    message: str | None = None,
    message_zh: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> bytes:
    """An error reply; message and message_zh default to the code's standard text."""
    code = ErrorCode(code)
    std_en, std_zh = STANDARD_MESSAGES[code]
    error: dict[str, Any] = {"code": code.value, "message": message or std_en, "message_zh": message_zh or std_zh}
    if details is not None:
        error["details"] = dict(details)
    return _dumps({"v": PROTOCOL_VERSION, "key": key, "ok": False, "error": error})


def decode_reply(raw: bytes) -> Reply:
    """Parse and check one reply frame; raises ProtocolError if it is malformed."""
    try:
        obj = loads_strict(raw)
    except NotUtf8:
        raise _bad("reply is not valid UTF-8", "应答不是有效的 UTF-8 编码") from None
    except ValueError:
        raise _bad("reply is not valid JSON", "应答不是有效的 JSON") from None
    if type(obj) is not dict:
        raise _bad("reply must be a JSON object", "应答必须是 JSON 对象")
    v = obj.get("v")
    if type(v) is not int:
        raise _bad("reply lacks an integer version", "应答缺少整数版本字段", None, "v")
    if v != PROTOCOL_VERSION:
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION, f"reply has protocol version {v}", f"应答协议版本为 {v}，不受支持"
        )
    key = obj.get("key")
    if key is not None and type(key) is not str:
        raise _bad("reply key must be a string or null", "应答的幂等键必须是字符串或 null", None, "key")
    ok = obj.get("ok")
    if ok is True:
        body = obj.get("body")
        if type(body) is not dict:
            raise _bad("reply body must be an object", "应答体必须是对象", key, "body")
        return Reply(key, True, body, None, v)
    if ok is not False:
        raise _bad("reply field 'ok' must be true or false", "应答的 ok 字段必须是布尔值", key, "ok")
    err = obj.get("error")
    if type(err) is not dict:
        raise _bad("error reply lacks an error object", "错误应答缺少 error 对象", key, "error")
    code, message, message_zh = err.get("code"), err.get("message"), err.get("message_zh")
    details = err.get("details")
    if type(code) is not str or type(message) is not str or type(message_zh) is not str:
        raise _bad("error needs string code, message and message_zh", "error 需要字符串 code、message、message_zh", key, "error")
    if details is not None and type(details) is not dict:
        raise _bad("error details must be an object", "error 的 details 必须是对象", key, "error")
    known: ErrorCode | str = ErrorCode(code) if code in ErrorCode._value2member_map_ else code
    return Reply(key, False, None, ErrorInfo(known, message, message_zh, details), v)


# --- events -----------------------------------------------------------------------------


def hall_topic(hall: str) -> bytes:
    """The PUB/SUB topic frame of a hall. SUB filters by prefix, so ``hall.H01`` also matches
    ``hall.H010``: subscribers must check the event's ``hall`` field (CloneSubscriber does)."""
    return TOPIC_PREFIX + hall.encode()


@dataclass(slots=True)
class Event:
    hall: str
    epoch: str
    seq: int
    type: str
    at: str
    data: dict[str, Any] = field(default_factory=dict)
    v: int = PROTOCOL_VERSION

    @property
    def is_heartbeat(self) -> bool:
        return self.type == HEARTBEAT

    def as_dict(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "hall": self.hall,
            "epoch": self.epoch,
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "data": self.data,
        }


def make_event(hall: str, epoch: str, seq: int, type: str, data: Mapping[str, Any] | None = None) -> Event:
    return Event(hall, epoch, seq, type, now_iso(), dict(data or {}))


def make_heartbeat(hall: str, epoch: str, last_seq: int) -> Event:
    return Event(hall, epoch, last_seq, HEARTBEAT, now_iso(), {})


def _check_event_fields(obj: Mapping[str, Any]) -> None:
    if not isinstance(obj.get("hall"), str) or not obj["hall"]:
        raise _bad("event needs a non-empty hall", "事件缺少大厅编码", None, "hall")
    if not isinstance(obj.get("epoch"), str) or not obj["epoch"]:
        raise _bad("event needs a non-empty epoch", "事件缺少 epoch", None, "epoch")
    seq = obj.get("seq")
    if type(seq) is not int or seq < 0:
        raise _bad("event seq must be an integer >= 0", "事件序号必须是非负整数", None, "seq")
    t = obj.get("type")
    if t != HEARTBEAT and not is_valid_type(t):
        raise _bad("invalid event type", "事件类型无效", None, "type")
    if t != HEARTBEAT and seq < 1:
        raise _bad("event seq starts at 1", "事件序号从 1 开始", None, "seq")
    if not isinstance(obj.get("at"), str):
        raise _bad("event needs a time 'at'", "事件缺少时间 at", None, "at")
    if type(obj.get("data")) is not dict:
        raise _bad("event data must be an object", "事件数据必须是对象", None, "data")


def encode_event(event: Event) -> list[bytes]:
    """The two frames of an event: topic and JSON."""
    obj = event.as_dict()
    _check_event_fields(obj)
    return [hall_topic(event.hall), _dumps(obj)]


def decode_event(frames: Sequence[bytes]) -> Event:
    """Parse and check the two frames of an event (or heartbeat); raises ProtocolError."""
    if len(frames) != 2:
        raise _bad(f"an event has 2 frames, got {len(frames)}", f"事件应有 2 帧，收到 {len(frames)} 帧")
    topic, raw = frames
    try:
        obj = loads_strict(raw)
    except NotUtf8:
        raise _bad("event is not valid UTF-8", "事件不是有效的 UTF-8 编码") from None
    except ValueError:
        raise _bad("event is not valid JSON", "事件不是有效的 JSON") from None
    if type(obj) is not dict:
        raise _bad("event must be a JSON object", "事件必须是 JSON 对象")
    v = obj.get("v")
    if type(v) is not int or v != PROTOCOL_VERSION:
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION, f"event has protocol version {v!r}", f"事件协议版本 {v!r} 不受支持"
        )
    _check_event_fields(obj)
    if topic != hall_topic(obj["hall"]):
        raise _bad("event topic does not match its hall", "事件主题与大厅编码不符", None, "hall")
    return Event(obj["hall"], obj["epoch"], obj["seq"], obj["type"], obj["at"], obj["data"], v)


# --- snapshot ---------------------------------------------------------------------------


@dataclass(slots=True)
class Snapshot:
    hall: str
    epoch: str
    seq: int
    state: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"hall": self.hall, "epoch": self.epoch, "seq": self.seq, "state": self.state}


def decode_snapshot(body: Mapping[str, Any]) -> Snapshot:
    """Check the reply body of ``queue.snapshot``; raises ProtocolError."""
    hall, epoch, seq, state = body.get("hall"), body.get("epoch"), body.get("seq"), body.get("state")
    if not isinstance(hall, str) or not hall or not isinstance(epoch, str) or not epoch:
        raise _bad("snapshot needs hall and epoch", "快照缺少大厅编码或 epoch")
    if type(seq) is not int or seq < 0:
        raise _bad("snapshot seq must be an integer >= 0", "快照序号必须是非负整数", None, "seq")
    if type(state) is not dict:
        raise _bad("snapshot state must be an object", "快照状态必须是对象", None, "state")
    return Snapshot(hall, epoch, seq, state)
