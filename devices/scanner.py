"""QR/barcode scanner in USB-CDC (virtual serial) mode.

Keyboard-wedge mode cannot carry Chinese, so scanners are set to their serial mode. The code
ends with the scanner's suffix (CR, LF or CRLF, whichever it is set to) or, with no suffix,
with a pause; the text is UTF-8, or GB18030 from scanners set up for Chinese Windows.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devices.framing import decode_text
from devices.serialdev import SerialLineDevice


@dataclass(frozen=True)
class ScanResult:
    text: str
    raw: bytes = field(repr=False)
    encoding: str
    device: str
    at: float  # time.monotonic() when the code was complete


class Scanner(SerialLineDevice):
    kind = "scanner"

    def __init__(
        self,
        port: str,
        baud: int = 9600,
        *,
        name: str | None = None,
        idle_gap: float | None = 0.05,
        on_scan: Callable[[ScanResult], None] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(port, baud, name=name, idle_gap=idle_gap, **kwargs)  # type: ignore[arg-type]
        self.on_scan = on_scan
        self.scans: queue.Queue[ScanResult] = queue.Queue()

    def on_line(self, raw: bytes) -> None:
        text, encoding = decode_text(raw)
        text = text.strip()
        if not text:
            return
        result = ScanResult(text=text, raw=raw, encoding=encoding, device=self.name, at=time.monotonic())
        self.scans.put(result)
        if self.on_scan is not None:
            self.on_scan(result)

    def read_code(self, timeout: float | None = None) -> ScanResult | None:
        """The next scanned code, or None after ``timeout`` seconds."""
        try:
            return self.scans.get(timeout=timeout)
        except queue.Empty:
            return None
