"""Sending a captured page (JPEG or PNG from the camera) to the queue server.

A page is bigger than one request frame (64 KiB), so it goes in chunks of at most 45 KiB
(60 KiB in base64, with room for the rest of the request). The server keeps pages by their
SHA-256: the kiosk first asks what it already has (``page.status``) and sends only the chunks
still missing, so a page sent again, or an upload resumed after a failure, costs little and
stores nothing twice. Each request is retried by the client (Lazy Pirate, same key). The
hash is then named in ``case.submit_kiosk``'s ``pages``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any

from protocol.client import HallClient, RequestFailed

CHUNK_BYTES = 45 * 1024
MAX_PAGE_BYTES = 4 * 1024 * 1024  # the server's limit: refuse here rather than send 4 MB for nothing
MIME_TYPES = ("image/jpeg", "image/png")
#: Rounds of "send what is still missing": more than one only if chunks vanished meanwhile.
ROUNDS = 3


def chunk_geometry(size: int, chunk_bytes: int = CHUNK_BYTES) -> tuple[int, int]:
    """(count, length): equal chunks of ``ceil(size / count)`` bytes, the last one shorter,
    the rule the server checks."""
    count = max(1, -(-size // chunk_bytes))
    return count, -(-size // count)


def upload_page(client: HallClient, data: bytes, mime: str) -> str:
    """Upload one page; returns its SHA-256 (hex) once the server holds it complete.

    Raises ``ValueError`` for a page the server would refuse anyway (wrong type, empty or too
    big), ``RequestFailed`` when the server refuses it (e.g. not a JPEG/PNG, damaged chunks:
    ``bad_request``, whose ``message_zh`` a kiosk can show) and ``ServerUnavailable`` when it
    cannot be reached."""
    if mime not in MIME_TYPES:
        raise ValueError(f"a page is one of {MIME_TYPES}, not {mime!r}")
    if not 0 < len(data) <= MAX_PAGE_BYTES:
        raise ValueError(f"a page has 1 to {MAX_PAGE_BYTES} bytes, not {len(data)}")
    sha = hashlib.sha256(data).hexdigest()
    size = len(data)
    count, length = chunk_geometry(size)
    state = client.request("page.status", {"sha256": sha})
    if state.get("complete"):
        return sha
    missing: Iterable[int] = (
        state["missing"] if state.get("missing") is not None and state.get("count") == count else range(count)
    )
    for _ in range(ROUNDS):
        reply: dict[str, Any] = {}
        for index in missing:
            chunk = data[index * length : (index + 1) * length]
            reply = client.request(
                "page.upload",
                {
                    "sha256": sha,
                    "mime": mime,
                    "size": size,
                    "count": count,
                    "index": index,
                    "data": base64.b64encode(chunk).decode("ascii"),
                },
            )
            if reply.get("complete"):
                return sha
        missing = reply.get("missing") or range(count)
    raise RequestFailed(
        "conflict",
        "the page could not be completed on the server",
        "图片未能完整上传，请重试",
        {"sha256": sha},
    )


__all__ = ["CHUNK_BYTES", "chunk_geometry", "upload_page"]
