"""Printer status from the four ``DLE EOT n`` replies, parsed bit by bit.

Every reply has bits 1 and 4 set and bits 0 and 7 clear (a healthy printer answers ``0x12``).
A byte that breaks that pattern is not a status reply; a query with no reply within the
timeout is unknown. python-escpos 3.1 reports "paper fine" on an empty reply; here "unknown" is
a state of its own and is never taken for "ready".

| query | bits |
|---|---|
| 1 printer       | 3 offline; 5 waiting for online recovery; 6 feed button pressed |
| 2 offline cause | 2 cover open; 3 feeding by button; 5 stopped by paper end; 6 error |
| 3 error cause   | 2 mechanical error; 3 auto-cutter error; 5 unrecoverable; 6 auto-recoverable |
| 4 paper sensor  | 2,3 (0x0C) paper near end; 5,6 (0x60) paper end |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

FIXED_MASK = 0x93  # bits 0, 1, 4, 7
FIXED_VALUE = 0x12  # bits 1 and 4 set, 0 and 7 clear


class StatusLevel(StrEnum):
    """One word for the screen and the dashboard, worst condition first."""

    UNKNOWN = "unknown"
    COVER_OPEN = "cover_open"
    PAPER_END = "paper_end"
    ERROR = "error"
    OFFLINE = "offline"
    NEAR_END = "near_end"
    READY = "ready"


_TEXT = {
    StatusLevel.UNKNOWN: ("打印机无应答", "printer not answering"),
    StatusLevel.COVER_OPEN: ("打印机盖未关", "cover open"),
    StatusLevel.PAPER_END: ("打印纸用完", "out of paper"),
    StatusLevel.ERROR: ("打印机故障", "printer error"),
    StatusLevel.OFFLINE: ("打印机离线", "printer offline"),
    StatusLevel.NEAR_END: ("打印纸将尽", "paper low"),
    StatusLevel.READY: ("打印机正常", "ready"),
}


def valid_reply(byte: int | None) -> bool:
    return byte is not None and (byte & FIXED_MASK) == FIXED_VALUE


def _bit(byte: int | None, mask: int) -> bool | None:
    if not valid_reply(byte):
        return None
    assert byte is not None
    return bool(byte & mask)


@dataclass(frozen=True)
class PrinterStatus:
    """Replies to DLE EOT 1..4 (None: no valid reply) and what they mean.

    Each flag is None when its reply is missing: a printer that does not answer is neither
    fine nor out of paper.
    """

    printer: int | None = None
    offline_cause: int | None = None
    error_cause: int | None = None
    paper: int | None = None

    # DLE EOT 1
    @property
    def offline(self) -> bool | None:
        return _bit(self.printer, 0x08)

    @property
    def waiting_recovery(self) -> bool | None:
        return _bit(self.printer, 0x20)

    @property
    def feed_button_pressed(self) -> bool | None:
        return _bit(self.printer, 0x40)

    # DLE EOT 2
    @property
    def cover_open(self) -> bool | None:
        return _bit(self.offline_cause, 0x04)

    @property
    def feeding_by_button(self) -> bool | None:
        return _bit(self.offline_cause, 0x08)

    @property
    def stopped_by_paper_end(self) -> bool | None:
        return _bit(self.offline_cause, 0x20)

    @property
    def error(self) -> bool | None:
        return _bit(self.offline_cause, 0x40)

    # DLE EOT 3
    @property
    def mechanical_error(self) -> bool | None:
        return _bit(self.error_cause, 0x04)

    @property
    def autocutter_error(self) -> bool | None:
        return _bit(self.error_cause, 0x08)

    @property
    def unrecoverable_error(self) -> bool | None:
        return _bit(self.error_cause, 0x20)

    @property
    def auto_recoverable_error(self) -> bool | None:
        return _bit(self.error_cause, 0x40)

    # DLE EOT 4: either bit of a pair is enough (printers set one or both)
    @property
    def paper_near_end(self) -> bool | None:
        return _bit(self.paper, 0x0C)

    @property
    def paper_end(self) -> bool | None:
        return _bit(self.paper, 0x60)

    @property
    def known(self) -> bool:
        return all(valid_reply(b) for b in (self.printer, self.offline_cause, self.error_cause, self.paper))

    @property
    def level(self) -> StatusLevel:
        if not self.known:
            return StatusLevel.UNKNOWN
        if self.cover_open:
            return StatusLevel.COVER_OPEN
        if self.paper_end or self.stopped_by_paper_end:
            return StatusLevel.PAPER_END
        if (
            self.error
            or self.mechanical_error
            or self.autocutter_error
            or self.unrecoverable_error
            or self.auto_recoverable_error
        ):
            return StatusLevel.ERROR
        if self.offline or self.feeding_by_button:
            return StatusLevel.OFFLINE
        if self.paper_near_end:
            return StatusLevel.NEAR_END
        return StatusLevel.READY

    @property
    def ready(self) -> bool:
        """Can take a job now (paper near end still prints; staff should be told)."""
        return self.level in (StatusLevel.READY, StatusLevel.NEAR_END)

    def describe(self, lang: str = "zh+en") -> str:
        zh, en = _TEXT[self.level]
        return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"level": self.level.value, "ready": self.ready}
        out.update({f: getattr(self, f) for f in FLAGS})
        out["raw"] = [None if b is None else f"0x{b:02X}" for b in self.raw()]
        return out

    def raw(self) -> tuple[int | None, int | None, int | None, int | None]:
        return (self.printer, self.offline_cause, self.error_cause, self.paper)


FLAGS = (
    "offline",
    "waiting_recovery",
    "feed_button_pressed",
    "cover_open",
    "feeding_by_button",
    "stopped_by_paper_end",
    "error",
    "mechanical_error",
    "autocutter_error",
    "unrecoverable_error",
    "auto_recoverable_error",
    "paper_near_end",
    "paper_end",
)
UNKNOWN = PrinterStatus()


def parse_status(replies: Mapping[int, int | None]) -> PrinterStatus:
    """Build a status from ``{n: reply byte or None}`` for n = 1..4."""
    return PrinterStatus(
        printer=replies.get(1),
        offline_cause=replies.get(2),
        error_cause=replies.get(3),
        paper=replies.get(4),
    )
