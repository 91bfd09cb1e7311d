"""Line framing for serial devices that send text: scanners, call pads, evaluation keypads.

Vendors end a message with CR, LF or CRLF, and some scanners end it with nothing at all, so
an idle gap (no byte for ``idle_gap`` seconds) ends a message too. The framer is fed bytes and
the time they came; it never touches a port, so it is tested without one.
"""

from __future__ import annotations

import time

CR, LF = 0x0D, 0x0A


class LineFramer:
    """``feed(data, now)`` returns completed lines (without terminators); ``poll(now)`` returns a
    pending line once the idle gap has passed. Empty lines are dropped: a CRLF is one end, not
    an end and an empty line."""

    def __init__(self, idle_gap: float | None = 0.05, max_len: int = 4096) -> None:
        self.idle_gap = idle_gap
        self.max_len = max_len
        self.overflows = 0
        self._buf = bytearray()
        self._last: float | None = None

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def deadline(self) -> float | None:
        """When the pending bytes will count as a line if nothing else comes."""
        if not self._buf or self.idle_gap is None or self._last is None:
            return None
        return self._last + self.idle_gap

    def feed(self, data: bytes, now: float | None = None) -> list[bytes]:
        now = time.monotonic() if now is None else now
        out = self.poll(now)  # a gap before this chunk ends the previous message
        for b in data:
            # CR and LF each end a line; the LF of a CRLF then ends an empty one, dropped.
            if b in (CR, LF):
                if self._buf:
                    out.append(bytes(self._buf))
                    self._buf.clear()
                continue
            self._buf.append(b)
            if len(self._buf) >= self.max_len:
                # A stuck device must not grow memory without bound: cut the line here.
                self.overflows += 1
                out.append(bytes(self._buf))
                self._buf.clear()
        if data:
            self._last = now
        return out

    def poll(self, now: float | None = None) -> list[bytes]:
        deadline = self.deadline()
        now = time.monotonic() if now is None else now
        if deadline is not None and now >= deadline:
            return self.flush()
        return []

    def flush(self) -> list[bytes]:
        if not self._buf:
            return []
        line = bytes(self._buf)
        self._buf.clear()
        return [line]


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode a message as UTF-8, falling back to GB18030 (older scanners and Chinese
    Windows setups); returns ``(text, encoding)``. Never raises: as a last resort undecodable
    bytes become U+FFFD so the caller still sees that something was scanned."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace"), "utf-8-replaced"
