"""Why a command was refused, in words a clerk or visitor can act on."""

from __future__ import annotations

from protocol.idnumber import mask_ids_in_text


def _masked(value: object) -> object:
    """``value`` with anything that looks like an ID number masked (strings, and the strings
    inside lists, tuples and dicts of the details)."""
    if isinstance(value, str):
        return mask_ids_in_text(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_masked(v) for v in value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


class EngineError(Exception):
    """A command the hall's rules refuse. ``code`` matches the wire's error codes.

    Its messages and details reach the caller and are stored as the answers of idempotent
    retries, so anything in them that looks like an ID number is masked here, whoever raised
    it (handlers refuse such values without quoting them; this is the second line)."""

    def __init__(self, code: str, message: str, message_zh: str, **details: object) -> None:
        message, message_zh = mask_ids_in_text(message), mask_ids_in_text(message_zh)
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.details = {k: _masked(v) for k, v in details.items()}


def not_found(what: str, what_zh: str, key: object) -> EngineError:
    return EngineError("not_found", f"no {what} {key}", f"没有找到{what_zh} {key}", key=str(key))


def conflict(message: str, message_zh: str, **details: object) -> EngineError:
    return EngineError("conflict", message, message_zh, **details)


def bad_request(message: str, message_zh: str, **details: object) -> EngineError:
    return EngineError("bad_request", message, message_zh, **details)
