"""One ESC/POS printer: a transport plus a profile. Status, sending jobs, acknowledgements.

Replies share one byte stream and are told apart by their form: a status byte always matches
``0xx1xx10`` (bits 1 and 4 set, 0 and 7 clear); a process-ID reply is ``37 22 d1 d2 d3 d4 00``;
the clear-buffer reply ``37 25 00``. ``0x37`` is not a valid status byte, so nothing is ambiguous.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType

from printer.commands import (
    CLEAR_BUFFERS,
    STATUS_QUERIES,
    dle_eot,
    process_id_request,
)
from printer.document import Document
from printer.profiles import Profile, get_profile
from printer.render import EscPosRenderer
from printer.status import UNKNOWN, PrinterStatus, parse_status, valid_reply
from printer.transports.base import Transport, TransportError


@dataclass(frozen=True)
class AckResult:
    acked: bool
    status: PrinterStatus | None = None  # why not, when the printer said so


class EscPosPrinter:
    """Thread-safe: one lock serialises every exchange with the printer."""

    def __init__(
        self, transport: Transport, profile: Profile | str = "generic-80", *, status_timeout: float = 0.3
    ):
        self.transport = transport
        self.profile = get_profile(profile)
        self.status_timeout = status_timeout
        self.renderer = EscPosRenderer(self.profile)
        self._lock = threading.RLock()
        self._rx = bytearray()
        self._status_bytes: list[int] = []
        self._acks: set[bytes] = set()
        self._clear_replies = 0

    def __enter__(self) -> EscPosPrinter:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        self.transport.open()

    def close(self) -> None:
        self.transport.close()

    @property
    def can_confirm(self) -> bool:
        """The printer tells us when a job has been printed whole (GS ( H)."""
        return self.transport.bidirectional and self.profile.process_id

    # -- replies --------------------------------------------------------------------------------

    def _pump(self, timeout: float) -> bool:
        data = self.transport.read(256, timeout)
        if not data:
            return False
        self._rx += data
        self._parse()
        return True

    def _parse(self) -> None:
        rx = self._rx
        while rx:
            if rx[0] == 0x37:
                if len(rx) < 2:
                    return
                if rx[1] == 0x22:  # process ID
                    if len(rx) < 7:
                        return
                    self._acks.add(bytes(rx[2:6]))
                    del rx[:7]
                    continue
                if rx[1] == 0x25:  # buffers cleared
                    if len(rx) < 3:
                        return
                    self._clear_replies += 1
                    del rx[:3]
                    continue
                del rx[:1]
            elif valid_reply(rx[0]):
                self._status_bytes.append(rx[0])
                del rx[:1]
            else:  # noise, or an answer we never asked for (ASB): skip it
                del rx[:1]

    def _drain(self) -> None:
        while self._pump(0):
            pass

    # -- status ---------------------------------------------------------------------------------

    def status(self, timeout: float | None = None) -> PrinterStatus:
        """DLE EOT 1..4, one at a time. A printer that does not answer the first query within
        ``timeout`` is "unknown" at once rather than after four time-outs."""
        if not self.transport.bidirectional:
            return UNKNOWN
        timeout = self.status_timeout if timeout is None else timeout
        replies: dict[int, int | None] = {}
        with self._lock:
            try:
                self._drain()
                self._status_bytes.clear()  # stale or spurious answers are not ours
                for n in STATUS_QUERIES:
                    self.transport.write(dle_eot(n))
                    deadline = time.monotonic() + timeout
                    while not self._status_bytes:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._pump(left)
                    if not self._status_bytes:
                        break
                    replies[n] = self._status_bytes.pop(0)
            except TransportError:
                return UNKNOWN
        return parse_status(replies)

    # -- jobs -----------------------------------------------------------------------------------

    def send_job(self, data: bytes, *, title: str = "", job_id: int | None = None) -> None:
        """Send one job; with ``job_id`` and a printer that can, ask to be told when it is printed."""
        payload = data
        if job_id is not None and self.can_confirm:
            payload += process_id_request(job_id)
        with self._lock:
            self.transport.write(payload)
            self.transport.end_job(title)

    def print_document(self, doc: Document) -> bytes:
        """Render and send, no queue and no confirmation (demos, tests). Returns the bytes."""
        data = self.renderer.render(doc)
        self.send_job(data, title=doc.title)
        return data

    def wait_ack(self, job_id: int, timeout: float, *, status_every: float = 0.25) -> AckResult:
        """Wait for the process-ID reply of ``job_id``. Polls status meanwhile: a printer that
        stops (paper end, cover open) will not answer, and we want to know at once."""
        digits = f"{job_id % 10000:04d}".encode("ascii")
        deadline = time.monotonic() + timeout
        next_status = time.monotonic() + status_every
        while True:
            with self._lock:
                if digits in self._acks:
                    self._acks.discard(digits)
                    return AckResult(True)
                now = time.monotonic()
                if now >= deadline:
                    return AckResult(False)
                try:
                    self._pump(min(0.05, deadline - now))
                except TransportError:
                    return AckResult(False, UNKNOWN)
                if digits in self._acks:
                    continue
            if time.monotonic() >= next_status:
                st = self.status()
                if st.known and not st.ready:
                    with self._lock:  # the reply may have come in with the status bytes
                        if digits in self._acks:
                            continue
                    return AckResult(False, st)
                next_status = time.monotonic() + status_every

    def acked(self, job_id: int) -> bool:
        """Did the reply for ``job_id`` arrive (consumes it)?"""
        digits = f"{job_id % 10000:04d}".encode("ascii")
        with self._lock:
            self._drain()
            if digits in self._acks:
                self._acks.discard(digits)
                return True
        return False

    def clear_buffers(self, timeout: float | None = None) -> bool:
        """DLE DC4 8: drop whatever the printer holds unprinted. True once it confirms."""
        timeout = self.status_timeout if timeout is None else timeout
        with self._lock:
            before = self._clear_replies
            self.transport.write(CLEAR_BUFFERS)
            deadline = time.monotonic() + timeout
            while self._clear_replies == before and time.monotonic() < deadline:
                self._pump(max(0.0, deadline - time.monotonic()))
            return self._clear_replies > before
