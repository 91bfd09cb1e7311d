"""Why a command was refused, in words a clerk or visitor can act on."""

from __future__ import annotations


class EngineError(Exception):
    """A command the hall's rules refuse. ``code`` matches the wire's error codes."""

    def __init__(self, code: str, message: str, message_zh: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.details = details


def not_found(what: str, what_zh: str, key: object) -> EngineError:
    return EngineError("not_found", f"no {what} {key}", f"没有找到{what_zh} {key}", key=str(key))


def conflict(message: str, message_zh: str, **details: object) -> EngineError:
    return EngineError("conflict", message, message_zh, **details)


def bad_request(message: str, message_zh: str, **details: object) -> EngineError:
    return EngineError("bad_request", message, message_zh, **details)
