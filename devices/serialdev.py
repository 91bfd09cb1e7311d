"""A line-oriented serial device (USB-CDC): the common base of scanner and keypads.

One reader thread per device reads the port, frames lines (:class:`LineFramer`) and hands
each to :meth:`SerialLineDevice.on_line`. When the port errors (cable pulled) the device
closes it and reports ``missing``; :meth:`reconnect` (called by the device manager, or by the
thread itself when ``auto_reconnect`` is on) opens it again at the same path.
"""

from __future__ import annotations

import contextlib
import logging
import termios
import threading
import time

import serial

from devices.framing import LineFramer
from devices.health import Health

log = logging.getLogger(__name__)
PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class SerialLineDevice:
    kind = "serial"

    def __init__(
        self,
        port: str,
        baud: int = 9600,
        *,
        name: str | None = None,
        idle_gap: float | None = 0.05,
        auto_reconnect: bool = True,
        reconnect_interval: float = 0.5,
        eol: bytes = b"\r\n",
    ) -> None:
        self.port = port
        self.baud = baud
        self.name = name or self.kind
        self.idle_gap = idle_gap
        self.auto_reconnect = auto_reconnect
        self.reconnect_interval = reconnect_interval
        self.eol = eol
        self.last_error = "not started"
        self.last_rx: float | None = None
        self.opens = 0
        self._ser: serial.Serial | None = None
        self._framer = LineFramer(idle_gap=idle_gap)
        self._write_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._ser is not None

    def start(self) -> None:
        self._stop.clear()
        self.reconnect()
        self._thread = threading.Thread(target=self._run, name=f"{self.kind}:{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._close()
        self.last_error = "stopped"

    def reconnect(self) -> None:
        with self._open_lock:
            if self._ser is not None:
                return
            try:
                ser = serial.Serial(self.port, self.baud, timeout=0.02, write_timeout=1.0, exclusive=True)
            except (*PORT_ERRORS, ValueError) as exc:
                self.last_error = f"cannot open {self.port}: {exc}"
                return
            self._framer = LineFramer(idle_gap=self.idle_gap)
            self._ser = ser
            self.opens += 1
            self.last_error = ""
        self.on_connect()

    def _close(self) -> None:
        with self._open_lock:
            ser, self._ser = self._ser, None
        if ser is not None:
            with contextlib.suppress(*PORT_ERRORS):
                ser.close()

    def health(self) -> Health:
        if self._ser is None:
            return Health.missing(self.last_error or "port closed")
        return Health.ok(self.port)

    # --- I/O -------------------------------------------------------------------------------------

    def write_line(self, text: str) -> bool:
        """Send one line; False if the port is not there (the caller decides what that means)."""
        ser = self._ser
        if ser is None:
            return False
        try:
            with self._write_lock:
                ser.write(text.encode("utf-8") + self.eol)
            return True
        except PORT_ERRORS as exc:
            self._lost(exc)
            return False

    def _lost(self, exc: BaseException) -> None:
        self.last_error = f"{self.port} disconnected: {exc}"
        log.info("%s: %s", self.name, self.last_error)
        self._close()
        self.on_disconnect()

    def _run(self) -> None:
        next_try = 0.0
        while not self._stop.is_set():
            ser = self._ser
            if ser is None:
                now = time.monotonic()
                if self.auto_reconnect and now >= next_try:
                    next_try = now + self.reconnect_interval
                    self.reconnect()
                if self._ser is None:
                    self._stop.wait(0.05)
                continue
            try:
                data = ser.read(ser.in_waiting or 1)
            except PORT_ERRORS as exc:
                self._lost(exc)
                continue
            now = time.monotonic()
            lines = self._framer.feed(data, now) if data else self._framer.poll(now)
            if data:
                self.last_rx = now
            for line in lines:
                try:
                    self.on_line(line)
                except Exception:  # one bad handler call must not kill the reader thread
                    log.exception("%s: handling %r", self.name, line)
            self.on_idle(now)

    # --- for subclasses --------------------------------------------------------------------------

    def on_line(self, raw: bytes) -> None:
        """A complete message from the device."""

    def on_idle(self, now: float) -> None:
        """Called after every read (at least every 20 ms): timers such as heartbeats."""

    def on_connect(self) -> None:
        """The port was (re)opened."""

    def on_disconnect(self) -> None:
        """The port went away."""
