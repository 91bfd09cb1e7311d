"""The ID card reader driver over pyserial, and the polling loop a kiosk runs.

Robustness rules, each from a way real readers fail:

* Every command starts from a clean line: stale input is flushed and the codec reset, so a
  reply that came late for the previous command cannot be taken for this one.
* A reply must be plausible for its command (find → 9F/80, select → 90 + 8 bytes, read → 90 +
  text + photo, ...). Anything else is a stale frame; it is skipped and counted, not trusted.
* Timeouts: a first-byte deadline (the reader's own work: a card read takes longer) and an
  inter-byte gap once a frame has begun (a reply cut short by a card pulled away).
* Transport errors (checksum, length, truncation, timeout, stale reply) are retried after a
  resync (drain until the line is quiet). Status errors are answers, not noise: not retried,
  except read/select failures inside the find-select-read sequence, where the card may merely
  have been moving.
* The port vanishing (USB unplugged) raises :class:`ReaderDisconnected`; :class:`CardPoller`
  then reopens the same path until the reader is back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from idcard.card import IdCard, parse_card
from idcard.errors import (
    CardReadError,
    CardRemovedError,
    CardSelectError,
    ChecksumError,
    FrameError,
    GarbageBytes,
    IdCardError,
    LengthError,
    NoCardError,
    ReaderDisconnected,
    ReaderTimeout,
    ReaderUnavailable,
    SamError,
    TruncatedFrame,
    UnexpectedReply,
)
from idcard.frame import SamFrameDecoder
from idcard.protocol import (
    BAUD_CODES,
    FINGERPRINT_LENS,
    PHOTO_LEN,
    TEXT_LEN,
    Command,
    Frame,
    Status,
    encode_command,
    status_error,
)

# Failure codes any command may answer with.
_GENERIC_FAILURES = frozenset(
    {0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x91}
)
_TRANSIENT = (FrameError, ReaderTimeout, UnexpectedReply)
# What a port that went away raises: pyserial wraps most, but tcflush raises termios.error.
_PORT_ERRORS = (serial.SerialException, OSError, termios.error)


@dataclass
class RawCard:
    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


@dataclass
class ReaderStats:
    commands: int = 0
    retries: int = 0
    timeouts: int = 0
    checksum_errors: int = 0
    length_errors: int = 0
    truncated_frames: int = 0
    garbage_bytes: int = 0
    stale_frames: int = 0
    opens: int = 0


def _plausible(command: Command, frame: Frame) -> bool:
    """Could ``frame`` be the reply to ``command``? Used to skip stale replies."""
    if len(frame.body) < 3:
        return False
    sw3, n = frame.sw3, len(frame.reply_data)
    if sw3 in _GENERIC_FAILURES:
        return n <= 16
    if command is Command.FIND_CARD:
        return (sw3 == Status.FIND_OK and n <= 8) or (sw3 == Status.NO_CARD and n <= 8)
    if command is Command.SELECT_CARD:
        return (sw3 == Status.SUCCESS and n == 8) or (sw3 == Status.SELECT_FAILED and n <= 8)
    if command is Command.SAM_ID:
        return sw3 == Status.SUCCESS and n == 16
    if command is Command.READ:
        return sw3 == Status.SUCCESS and n == 4 + TEXT_LEN + PHOTO_LEN
    if command is Command.READ_WITH_FINGERPRINT:
        return sw3 == Status.SUCCESS and n - 6 - TEXT_LEN - PHOTO_LEN in FINGERPRINT_LENS
    return sw3 == Status.SUCCESS and n <= 64  # reset, SAM status, baud


class SamReader:
    """One reader on one serial port. Thread-safe: commands are serialised by a lock, so the
    poller and a health probe may share it."""

    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        timeout: float = 1.0,
        read_timeout: float = 3.0,
        gap_timeout: float = 0.2,
        retries: int = 2,
    ) -> None:
        self.port = port
        self.baud = baud
        self.timeout = timeout
        self.read_timeout = read_timeout
        self.gap_timeout = gap_timeout
        self.retries = retries
        self.stats = ReaderStats()
        self.events: list[FrameError] = []  # recent codec errors, newest last (bounded)
        self._ser: serial.Serial | None = None
        self._decoder = SamFrameDecoder()
        self._lock = threading.RLock()

    # --- port ------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._ser is not None

    def open(self) -> None:
        with self._lock:
            if self._ser is not None:
                return
            try:
                # A short read timeout keeps the receive loop responsive; deadlines are ours.
                self._ser = serial.Serial(
                    self.port, self.baud, timeout=0.02, write_timeout=1.0, exclusive=True
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ReaderUnavailable(f"{self.port}: {exc}") from exc
            self.stats.opens += 1
            self._decoder.reset()

    def close(self) -> None:
        with self._lock:
            ser, self._ser = self._ser, None
            if ser is not None:
                with contextlib.suppress(*_PORT_ERRORS):
                    ser.close()

    def __enter__(self) -> SamReader:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def resync(self, quiet: float = 0.05, limit: float = 0.5) -> int:
        """Drop bytes until the line has been quiet for ``quiet`` seconds. Returns bytes dropped."""
        with self._lock:
            ser = self._require_open()
            dropped = 0
            end = time.monotonic() + limit
            last = time.monotonic()
            try:
                while time.monotonic() < end:
                    chunk = ser.read(ser.in_waiting or 1)
                    now = time.monotonic()
                    if chunk:
                        dropped += len(chunk)
                        last = now
                    elif now - last >= quiet:
                        break
            except _PORT_ERRORS as exc:
                self._lost(exc)
            self._decoder.reset()
            return dropped

    # --- commands --------------------------------------------------------------------------------

    def reset(self) -> None:
        self._command(Command.RESET)

    def sam_status(self) -> None:
        """Raise :class:`~idcard.errors.SamError` if the SAM is not healthy."""
        self._command(Command.SAM_STATUS)

    def sam_id(self) -> str:
        data = self._command(Command.SAM_ID).reply_data
        parts = (
            int.from_bytes(data[0:2], "little"),
            int.from_bytes(data[2:4], "little"),
            int.from_bytes(data[4:8], "little"),
            int.from_bytes(data[8:12], "little"),
            int.from_bytes(data[12:16], "little"),
        )
        return "{:02d}.{:02d}-{:08d}-{:010d}-{:010d}".format(*parts)

    def find_card(self, *, retries: int | None = None) -> bool:
        """True if a card is on the reader."""
        try:
            self._command(Command.FIND_CARD, retries=retries)
        except NoCardError:
            return False
        return True

    def select_card(self, *, retries: int | None = None) -> bytes:
        return self._command(Command.SELECT_CARD, retries=retries).reply_data

    def read_raw(self, *, fingerprint: bool = False) -> RawCard:
        """Find, select and read the card on the reader, retrying the whole sequence on
        transport errors. Raises :class:`NoCardError` if there is no card, and
        :class:`CardRemovedError` if the card went away during the attempt."""
        with self._lock:
            last: IdCardError | None = None
            for attempt in range(self.retries + 1):
                if attempt:
                    self.stats.retries += 1
                    self.resync()
                try:
                    if not self.find_card(retries=0):
                        if last is not None:
                            raise CardRemovedError(str(last)) from last
                        raise NoCardError(Status.NO_CARD)
                    self.select_card(retries=0)
                    return self._read(fingerprint)
                except (*_TRANSIENT, CardReadError, CardSelectError) as exc:
                    last = exc
            assert last is not None
            raise last

    def read_card(
        self, *, fingerprint: bool = False, strict: bool = True, today: dt.date | None = None
    ) -> IdCard:
        raw = self.read_raw(fingerprint=fingerprint)
        return parse_card(raw.text, raw.photo, raw.fingerprint, strict=strict, today=today)

    def set_baud(self, baud: int) -> None:
        """Switch reader and port to another rate (115200/57600/38400/19200/9600)."""
        if baud not in BAUD_CODES:
            raise ValueError(f"baud must be one of {sorted(BAUD_CODES)}")
        with self._lock:
            self._command(Command.SET_BAUD, para=BAUD_CODES[baud])
            ser = self._require_open()
            ser.baudrate = baud
            self.baud = baud

    # --- internals -------------------------------------------------------------------------------

    def _read(self, fingerprint: bool) -> RawCard:
        command = Command.READ_WITH_FINGERPRINT if fingerprint else Command.READ
        data = self._command(command, retries=0, timeout=self.read_timeout).reply_data
        text_len = int.from_bytes(data[0:2], "big")
        photo_len = int.from_bytes(data[2:4], "big")
        if not fingerprint:
            body, fp = data[4:], None
        else:
            fp_len = int.from_bytes(data[4:6], "big")
            body = data[6:]
            fp = body[text_len + photo_len : text_len + photo_len + fp_len]
        if (text_len, photo_len) != (TEXT_LEN, PHOTO_LEN):
            raise UnexpectedReply(f"text {text_len} and photo {photo_len} bytes")
        return RawCard(body[:text_len], body[text_len : text_len + photo_len], fp)

    def _require_open(self) -> serial.Serial:
        if self._ser is None:
            raise ReaderUnavailable(f"{self.port} 未打开 / not open")
        return self._ser

    def _lost(self, exc: BaseException) -> None:
        self.close()
        raise ReaderDisconnected(f"{self.port}: {exc}") from exc

    def _command(
        self,
        command: Command,
        *,
        para: int | None = None,
        retries: int | None = None,
        timeout: float | None = None,
    ) -> Frame:
        retries = self.retries if retries is None else retries
        with self._lock:
            last: IdCardError | None = None
            for attempt in range(retries + 1):
                if attempt:
                    self.stats.retries += 1
                    self.resync()
                try:
                    reply = self._transact(command, para, timeout or self.timeout)
                except _TRANSIENT as exc:
                    last = exc
                    continue
                if reply.sw3 == (Status.FIND_OK if command is Command.FIND_CARD else Status.SUCCESS):
                    return reply
                raise status_error(reply.sw3, command.name.lower())
            assert last is not None
            raise last

    def _transact(self, command: Command, para: int | None, timeout: float) -> Frame:
        ser = self._require_open()
        self.stats.commands += 1
        try:
            ser.reset_input_buffer()
            self._decoder.reset()
            ser.write(encode_command(command, para=para))
            return self._receive(ser, command, timeout)
        except _PORT_ERRORS as exc:
            self._lost(exc)
            raise  # unreachable: _lost raises

    def _receive(self, ser: serial.Serial, command: Command, timeout: float) -> Frame:
        deadline = time.monotonic() + timeout
        last_rx: float | None = None
        while True:
            chunk = ser.read(ser.in_waiting or 1)
            now = time.monotonic()
            if chunk:
                last_rx = now
                reply = self._take(command, self._decoder.feed(chunk))
                if reply is not None:
                    return reply
                continue
            if self._decoder.in_frame and last_rx is not None:
                if now - last_rx > self.gap_timeout:
                    reply = self._take(command, self._decoder.expire())
                    if reply is not None:
                        return reply
                    self.stats.truncated_frames += 1
                    raise TruncatedFrame(f"{command.name.lower()}: reply stopped part-way")
            elif now > deadline:
                self.stats.timeouts += 1
                raise ReaderTimeout(f"{command.name.lower()} after {timeout:.2f} s")

    def _take(self, command: Command, items: list[Frame | FrameError]) -> Frame | None:
        """The first plausible reply among decoded items; errors are counted and the first
        one raised if no reply came with them."""
        error: FrameError | None = None
        for item in items:
            if isinstance(item, Frame):
                if _plausible(command, item):
                    return item
                self.stats.stale_frames += 1
                continue
            self._note(item)
            if not isinstance(item, GarbageBytes) and error is None:
                error = item
        if error is not None:
            raise error
        return None

    def _note(self, error: FrameError) -> None:
        if isinstance(error, GarbageBytes):
            self.stats.garbage_bytes += len(error.raw)
        elif isinstance(error, ChecksumError):
            self.stats.checksum_errors += 1
        elif isinstance(error, LengthError):
            self.stats.length_errors += 1
        elif isinstance(error, TruncatedFrame):
            self.stats.truncated_frames += 1
        self.events.append(error)
        del self.events[:-50]


# --- the polling loop -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderReady:
    sam_id: str


@dataclass(frozen=True)
class ReaderLost:
    reason: str


@dataclass(frozen=True)
class CardPlaced:
    pass


@dataclass(frozen=True)
class CardRead:
    card: IdCard


@dataclass(frozen=True)
class CardReadFailed:
    error: IdCardError


@dataclass(frozen=True)
class CardRemoved:
    pass


CardEvent = ReaderReady | ReaderLost | CardPlaced | CardRead | CardReadFailed | CardRemoved


class CardPoller:
    """Polls the reader and reports what a kiosk cares about, in order:
    ReaderReady → CardPlaced → CardRead | CardReadFailed → CardRemoved … and ReaderLost when
    the reader goes away (it is reopened every ``reconnect_interval`` until it is back).

    A card that failed to read is not read again until it has been lifted: the visitor is
    asked to place it again, rather than the kiosk flickering between errors.
    Events go to ``on_event`` (if given) and to the ``events`` queue."""

    def __init__(
        self,
        reader: SamReader,
        on_event: Callable[[CardEvent], None] | None = None,
        *,
        interval: float = 0.2,
        reconnect_interval: float = 0.5,
        fingerprint: bool = False,
    ) -> None:
        self.reader = reader
        self.on_event = on_event
        self.interval = interval
        self.reconnect_interval = reconnect_interval
        self.fingerprint = fingerprint
        self.events: queue.Queue[CardEvent] = queue.Queue()
        self.present = False
        self.ready = False
        # ("ok" | "degraded" | "missing", reason): what a health check reports.
        self.condition: tuple[str, str] = ("missing", "not started")
        self._sam_text = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _emit(self, event: CardEvent) -> None:
        self.events.put(event)
        if self.on_event is not None:
            self.on_event(event)

    def step(self) -> float:
        """One poll; returns how long to wait before the next."""
        if not self.ready and not self._bring_up():
            return self.reconnect_interval
        try:
            found = self.reader.find_card()
        except IdCardError as exc:  # port gone, reader mute, SAM failing: start over
            self._lose(exc)
            return self.reconnect_interval
        if found and not self.present:
            self.present = True
            self._emit(CardPlaced())
            try:
                card = self.reader.read_card(fingerprint=self.fingerprint)
            except CardRemovedError as exc:
                self._emit(CardReadFailed(exc))
                self.present = False
                self._emit(CardRemoved())
            except (ReaderUnavailable, ReaderTimeout) as exc:
                self._lose(exc)
                return self.reconnect_interval
            except IdCardError as exc:
                self._emit(CardReadFailed(exc))
                if isinstance(exc, SamError):
                    self.condition = ("degraded", str(exc))
            else:
                self.condition = ("ok", self._sam_text)
                self._emit(CardRead(card))
        elif not found and self.present:
            self.present = False
            self._emit(CardRemoved())
        return self.interval

    def _bring_up(self) -> bool:
        try:
            self.reader.open()
            self.reader.resync()
            self.reader.sam_status()
            sam = self.reader.sam_id()
        except ReaderUnavailable as exc:
            self.reader.close()
            self.condition = ("missing", str(exc))
            return False
        except IdCardError as exc:  # a port is there but no healthy reader answers on it
            self.reader.close()
            self.condition = ("degraded", str(exc))
            return False
        self.ready = True
        self._sam_text = f"SAM {sam}"
        self.condition = ("ok", self._sam_text)
        self._emit(ReaderReady(sam))
        return True

    def _lose(self, exc: IdCardError) -> None:
        self.reader.close()
        self.condition = ("missing" if isinstance(exc, ReaderUnavailable) else "degraded", str(exc))
        if self.present:
            self.present = False
            self._emit(CardRemoved())
        if self.ready:
            self.ready = False
            self._emit(ReaderLost(str(exc)))

    def run(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.step())

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="CardPoller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.reader.close()
