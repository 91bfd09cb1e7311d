"""A simulated ID card reader on a pseudo-terminal, byte-faithful to the SAM protocol.

It answers the commands of ``shared/DEVICES.md`` with the replies a reader gives, paced at
the configured baud rate (115200 baud = 11,520 bytes/s: a 1,295-byte read reply takes 112 ms),
and it can misbehave on purpose. A fault is written ``KIND[=VALUE][@COMMAND][*COUNT]``:

==================  =====================================================  ==================
kind                effect                                                 VALUE
==================  =====================================================  ==================
no-card             find card answers 80 (no card) although one is placed  -
removed-mid-read    the read reply stops part-way and the card is gone     fraction sent (0.5)
checksum            the reply's checksum byte is wrong                     -
garbage             random bytes go out before the reply                   byte count (16)
slow                the reply starts late                                  seconds (1.5)
sam                 the reply carries a SAM failure status                 SW3 in hex (60)
==================  =====================================================  ==================

``@COMMAND`` limits the fault to one command (reset, sam-status, sam-id, find, select, read,
baud; ``any`` is the default except no-card → find and removed-mid-read → read). ``*COUNT``
is how many replies it spoils (default 1; 0 = every one). Examples: ``checksum@read``,
``slow=0.3*3``, ``sam=66@sam-status*0``.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from devices.ptyport import PtySimulator
from idcard.card import IdCard, encode_text
from idcard.cardfile import load_card
from idcard.errors import ChecksumError, FrameError
from idcard.frame import SamFrameDecoder
from idcard.protocol import (
    BAUD_CODES,
    PHOTO_LEN,
    TEXT_LEN,
    Command,
    Frame,
    Status,
    encode_reply,
)

COMMAND_NAMES = {
    Command.RESET: "reset",
    Command.SAM_STATUS: "sam-status",
    Command.SAM_ID: "sam-id",
    Command.FIND_CARD: "find",
    Command.SELECT_CARD: "select",
    Command.READ: "read",
    Command.READ_WITH_FINGERPRINT: "read",
    Command.SET_BAUD: "baud",
}
DEFAULT_SAM_ID = (5, 1, 20250101, 12345, 1234567890)


class FaultKind(enum.StrEnum):
    NO_CARD = "no-card"
    REMOVED_MID_READ = "removed-mid-read"
    CHECKSUM = "checksum"
    GARBAGE = "garbage"
    SLOW = "slow"
    SAM = "sam"


_DEFAULT_TARGET = {FaultKind.NO_CARD: "find", FaultKind.REMOVED_MID_READ: "read"}
_SPEC = re.compile(
    r"(?P<kind>[a-z-]+)(?:=(?P<value>[0-9.a-fA-Fx]+))?(?:@(?P<on>[a-z-]+))?(?:\*(?P<count>\d+))?"
)


@dataclasses.dataclass
class Fault:
    kind: FaultKind
    count: int = 1  # replies still to spoil; 0 = forever
    value: float | None = None
    on: str = "any"

    @classmethod
    def parse(cls, spec: str) -> Fault:
        m = _SPEC.fullmatch(spec.strip())
        if not m:
            raise ValueError(f"bad fault {spec!r}: want KIND[=VALUE][@COMMAND][*COUNT]")
        try:
            kind = FaultKind(m["kind"])
        except ValueError:
            raise ValueError(f"unknown fault {m['kind']!r}; one of {[k.value for k in FaultKind]}") from None
        on = m["on"] or _DEFAULT_TARGET.get(kind, "any")
        if on != "any" and on not in COMMAND_NAMES.values():
            raise ValueError(f"unknown command {on!r} in fault {spec!r}")
        value: float | None = None
        if m["value"] is not None:
            value = float(int(m["value"], 16)) if kind is FaultKind.SAM else float(m["value"])
        return cls(kind=kind, count=int(m["count"] or 1), value=value, on=on)

    def applies_to(self, command: Command) -> bool:
        return self.on in ("any", COMMAND_NAMES[command])


class IdCardReaderSimulator(PtySimulator):
    """The reader, its SAM, and the card lying on it (or not)."""

    def __init__(
        self,
        cards: Sequence[IdCard | str | os.PathLike[str]] = (),
        *,
        link: str | os.PathLike[str] | None = None,
        baud: int = 115200,
        time_scale: float = 1.0,
        faults: Iterable[Fault | str] = (),
        place_first: bool = True,
        check_baud: bool = True,
        sam_id: tuple[int, int, int, int, int] = DEFAULT_SAM_ID,
        cycle: float | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(link=link, baud=baud, time_scale=time_scale)
        self.cards: list[IdCard] = [c if isinstance(c, IdCard) else load_card(Path(c)) for c in cards]
        self.card: IdCard | None = self.cards[0] if (self.cards and place_first) else None
        self.faults: list[Fault] = [f if isinstance(f, Fault) else Fault.parse(f) for f in faults]
        self.check_baud = check_baud
        self.sam_id = sam_id
        self.cycle = cycle
        self.commands: Counter[str] = Counter()  # what the driver asked, for tests and the CLI
        self.reads_served = 0
        self._rng = random.Random(seed)
        self._decoder = SamFrameDecoder()
        self._found = False
        self._selected = False
        self._card_index = 0
        self._next_cycle: float | None = None

    # --- control (any thread) --------------------------------------------------------------------

    def place(self, card: IdCard | int | str | os.PathLike[str] = 0) -> IdCard:
        """Lay a card on the reader: an index into ``cards``, a card, or a JSON file."""
        if isinstance(card, int):
            chosen = self.cards[card]
        elif isinstance(card, IdCard):
            chosen = card
        else:
            chosen = load_card(Path(card))

        def do() -> IdCard:
            self.card = chosen
            self._found = self._selected = False
            return chosen

        return self.call(do)

    def remove(self) -> None:
        def do() -> None:
            self.card = None
            self._found = self._selected = False

        self.call(do)

    def inject(self, fault: Fault | str) -> Fault:
        f = fault if isinstance(fault, Fault) else Fault.parse(fault)
        self.call(lambda: self.faults.append(f))
        return f

    def clear_faults(self) -> None:
        self.call(self.faults.clear)

    # --- the thread ------------------------------------------------------------------------------

    def on_unplug(self) -> None:
        self._decoder.reset()
        self._found = self._selected = False

    def on_tick(self, now: float) -> None:
        if not self.cycle or not self.cards:
            return
        if self._next_cycle is None:
            self._next_cycle = now + self.cycle
        elif now >= self._next_cycle:
            if self.card is not None:  # lift the card for a moment, then lay the next one
                self.card = None
                self._next_cycle = now + min(1.0, self.cycle / 2)
            else:
                self._card_index = (self._card_index + 1) % len(self.cards)
                self.card = self.cards[self._card_index]
                self._next_cycle = now + self.cycle
            self._found = self._selected = False

    def on_bytes(self, data: bytes) -> None:
        host = self.port.host_baud()
        if self.check_baud and host is not None and host != self.port.baud:
            # At the wrong baud rate a UART sees only framing errors: no command, no answer.
            return
        for item in self._decoder.feed(data):
            if isinstance(item, Frame):
                self._answer(item)
            elif isinstance(item, ChecksumError):
                self.send(encode_reply(Status.CHECKSUM))
            elif isinstance(item, FrameError):
                continue

    def _take_fault(self, command: Command) -> Fault | None:
        for fault in self.faults:
            if fault.applies_to(command):
                if fault.count == 1:
                    self.faults.remove(fault)
                elif fault.count > 1:
                    fault.count -= 1
                return fault
        return None

    def _answer(self, frame: Frame) -> None:
        # The command itself took time to arrive on a real line.
        if not self.sleep(self.port.wire_time(frame.wire_len)):
            return
        command = Command.lookup(frame.cmd, frame.para)
        if command is None:
            self.commands["unknown"] += 1
            self.send(encode_reply(Status.COMMAND))
            return
        self.commands[COMMAND_NAMES[command]] += 1
        fault = self._take_fault(command)
        kind = fault.kind if fault else None
        if kind is FaultKind.SAM:
            reply = encode_reply(
                int(fault.value) if fault and fault.value is not None else Status.SAM_SELF_TEST
            )
        else:
            reply = self._reply(command, frame, no_card=kind is FaultKind.NO_CARD)
        if kind is FaultKind.SLOW and not self.sleep(
            fault.value if fault and fault.value is not None else 1.5
        ):
            return
        if kind is FaultKind.GARBAGE:
            n = int(fault.value) if fault and fault.value is not None else 16
            # Random noise ending in a false start of a preamble, the nastiest case for a codec.
            noise = bytes(self._rng.choice(range(0x00, 0xAA)) for _ in range(max(0, n - 2))) + b"\xaa\xaa"
            self.send(noise[-n:] if n else b"")
        if kind is FaultKind.CHECKSUM:
            reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
        if kind is FaultKind.REMOVED_MID_READ and command in (Command.READ, Command.READ_WITH_FINGERPRINT):
            share = fault.value if fault and fault.value is not None else 0.5
            self.send(reply[: max(1, int(len(reply) * share))])
            self.card = None
            self._found = self._selected = False
            return
        self.send(reply)
        if command is Command.SET_BAUD:
            # The reply still goes out at the old rate; the new one applies afterwards.
            for baud, code in BAUD_CODES.items():
                if code == frame.para:
                    self.port.baud = baud

    def _reply(self, command: Command, frame: Frame, *, no_card: bool) -> bytes:
        card = None if no_card else self.card
        if command is Command.RESET:
            self._found = self._selected = False
            return encode_reply(Status.SUCCESS)
        if command is Command.SAM_STATUS:
            return encode_reply(Status.SUCCESS)
        if command is Command.SAM_ID:
            a, b, c, d, e = self.sam_id
            data = a.to_bytes(2, "little") + b.to_bytes(2, "little")
            data += c.to_bytes(4, "little") + d.to_bytes(4, "little") + e.to_bytes(4, "little")
            return encode_reply(Status.SUCCESS, data)
        if command is Command.FIND_CARD:
            self._selected = False
            self._found = card is not None
            return encode_reply(Status.FIND_OK, bytes(4)) if self._found else encode_reply(Status.NO_CARD)
        if command is Command.SELECT_CARD:
            self._selected = card is not None and self._found
            return (
                encode_reply(Status.SUCCESS, bytes(8))
                if self._selected
                else encode_reply(Status.SELECT_FAILED)
            )
        if command in (Command.READ, Command.READ_WITH_FINGERPRINT):
            if card is None or not self._selected:
                return encode_reply(Status.READ_FAILED)
            self.reads_served += 1
            text, photo = encode_text(card), card.photo.data
            head = TEXT_LEN.to_bytes(2, "big") + PHOTO_LEN.to_bytes(2, "big")
            if command is Command.READ:
                return encode_reply(Status.SUCCESS, head + text + photo)
            fp = card.fingerprint or b""
            return encode_reply(Status.SUCCESS, head + len(fp).to_bytes(2, "big") + text + photo + fp)
        if command is Command.SET_BAUD:
            if frame.para not in BAUD_CODES.values():
                return encode_reply(Status.COMMAND)
            return encode_reply(Status.SUCCESS)
        return encode_reply(Status.COMMAND)
