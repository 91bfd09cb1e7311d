"""Simulated scanner, evaluation keypad and call pad on pseudo-terminals.

They speak the same bytes as the devices (see ``devices/README.md``), so tests and the demo
run the real drivers. The keypads behave like the firmware we specify: HELLO at power-up,
PONG to PING, and each key press repeated with its sequence number until ACK or NAK.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from devices.framing import LineFramer, decode_text
from devices.ptyport import PtySimulator


class ScannerSimulator(PtySimulator):
    """A scanner in USB-CDC mode with a configurable suffix (CR, LF, CRLF or none)."""

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        baud: int = 9600,
        time_scale: float = 1.0,
        suffix: bytes = b"\r",
        encoding: str = "utf-8",
    ) -> None:
        super().__init__(link=link, baud=baud, time_scale=time_scale)
        self.suffix = suffix
        self.encoding = encoding

    def scan(self, text: str, *, suffix: bytes | None = None, encoding: str | None = None) -> bytes:
        """Send one code; returns the bytes put on the line."""
        data = text.encode(encoding or self.encoding) + (self.suffix if suffix is None else suffix)
        self.call(lambda: self.send(data))
        return data

    def send_raw(self, data: bytes) -> None:
        self.call(lambda: self.send(data))


@dataclass(frozen=True)
class PadReply:
    ok: bool  # ACK (True) or NAK (False)
    seq: int
    text: str  # ACK's display text or NAK's reason


class KeypadSimulator(PtySimulator):
    hello_word = "PAD"

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        baud: int = 9600,
        time_scale: float = 1.0,
        device_id: str = "SIM0001",
        retry_interval: float = 0.5,
        max_tries: int = 4,
        answer_ping: bool = True,
    ) -> None:
        super().__init__(link=link, baud=baud, time_scale=time_scale)
        self.device_id = device_id
        self.retry_interval = retry_interval
        self.max_tries = max_tries
        self.answer_ping = answer_ping  # False: a pad whose firmware hung
        self.drop_replies = 0  # ACK/NAK lines to lose on the way (the pad then repeats)
        self.replies: dict[int, PadReply] = {}
        self.received: list[str] = []  # every host line, for tests and the console
        self.pings = 0
        self._framer = LineFramer(idle_gap=None)
        self._seq = 0
        self._pending: dict[int, tuple[bytes, float, int]] = {}  # seq → (line, next try, tries)
        self._cond = threading.Condition()

    def start(self) -> str:
        path = super().start()
        self.call(self._hello)
        return path

    def on_replug(self) -> None:
        self._framer = LineFramer(idle_gap=None)
        self._hello()

    def _hello(self) -> None:
        self.send(f"HELLO {self.hello_word} {self.device_id}\r\n".encode())

    def press_words(self, *words: str) -> int:
        """Send ``words`` plus a new sequence number; returns the sequence number."""

        def do() -> int:
            self._seq = self._seq % 65535 + 1
            line = (" ".join(words) + f" {self._seq}\r\n").encode("utf-8")
            self._pending[self._seq] = (line, time.monotonic() + self.retry_interval, 1)
            self.send(line)
            return self._seq

        return self.call(do)

    def wait_reply(self, seq: int, timeout: float = 3.0) -> PadReply | None:
        with self._cond:
            self._cond.wait_for(lambda: seq in self.replies, timeout)
            return self.replies.get(seq)

    def wait_line(self, prefix: str, timeout: float = 3.0) -> str | None:
        """Wait for a host line starting with ``prefix`` (e.g. ``PROMPT``)."""
        with self._cond:
            self._cond.wait_for(lambda: any(x.startswith(prefix) for x in self.received), timeout)
            return next((x for x in self.received if x.startswith(prefix)), None)

    def on_bytes(self, data: bytes) -> None:
        for raw in self._framer.feed(data):
            text, _ = decode_text(raw)
            words = text.split()
            if not words:
                continue
            with self._cond:
                self.received.append(text)
                verb = words[0].upper()
                if verb in ("ACK", "NAK") and self.drop_replies > 0:
                    self.drop_replies -= 1
                    continue
                if verb in ("ACK", "NAK") and len(words) >= 2 and words[1].isdigit():
                    seq = int(words[1])
                    self._pending.pop(seq, None)
                    if seq:
                        self.replies[seq] = PadReply(verb == "ACK", seq, " ".join(words[2:]))
                self._cond.notify_all()
            if words[0].upper() == "PING":
                self.pings += 1
                if self.answer_ping:
                    self.send(b"PONG\r\n")

    def on_tick(self, now: float) -> None:
        for seq, (line, due, tries) in list(self._pending.items()):
            if now < due:
                continue
            if tries >= self.max_tries:
                del self._pending[seq]
                continue
            self._pending[seq] = (line, now + self.retry_interval, tries + 1)
            self.send(line)


class EvalPadSimulator(KeypadSimulator):
    hello_word = "EVALPAD"

    def press(self, key: int | str) -> int:
        return self.press_words("EVAL", str(key))


class CallPadSimulator(KeypadSimulator):
    hello_word = "CALLPAD"

    def __init__(
        self, link: str | os.PathLike[str] | None = None, *, window: str | int = 1, **kwargs: object
    ):
        super().__init__(link, **kwargs)  # type: ignore[arg-type]
        self.window = str(window)

    def press(self, key: str, target: str | int | None = None) -> int:
        words = ["CALL", self.window, key.upper()]
        if target is not None:
            words.append(str(target))
        return self.press_words(*words)
