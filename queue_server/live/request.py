"""The HTTP the live server reads: one GET request head (request line and headers), at most
``MAX_HEAD`` bytes; everything else is refused with a status and a reason, never a crash."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

#: A phone's GET with its headers fits in far less; more is not a browser's request.
MAX_HEAD = 8192


class BadRequest(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def parse_head(raw: bytes) -> Request:
    """The request of ``raw`` (the bytes up to and including the blank line)."""
    if len(raw) > MAX_HEAD:
        raise BadRequest(431, "request head too large")
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise BadRequest(400, "not HTTP") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, "not an HTTP/1.x request line")
    method, target, _ = parts
    if method not in ("GET", "HEAD"):
        raise BadRequest(405, "only GET")
    if not target.startswith("/"):
        raise BadRequest(400, "the target must be a path")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "malformed header")
        headers[name.lower()] = value.strip()
    url = urlsplit(target)
    query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
    return Request(method, unquote(url.path), query, headers)
