"""A pseudo-terminal that stands in for a USB serial device, and a base for device simulators.

The driver under test opens the pty's slave side exactly as it opens ``/dev/ttyUSB0``: same
pyserial code, same termios calls. The simulator owns the master side.

Why the details matter:

* Stable path. A real device is opened by a stable udev link (``/dev/serial/by-id/...``). A
  pty's own name (``/dev/pts/N``) changes each time one is created, so unplugging and plugging
  back in is modelled with a symlink the simulator re-points at a fresh pty.
* Raw mode. A fresh pty echoes and translates CR/LF; set raw at once so that replies written
  before the driver configures the port are not echoed back to the simulator.
* The simulator keeps its own slave descriptor open; otherwise the master reads EIO whenever
  the driver closes the port, and bytes written meanwhile are lost.
* Pacing. Bytes go out no faster than the configured baud rate (10 bits a byte on 8N1), so
  timing tests see the wire time a real line imposes. ``time_scale`` shrinks that for tests
  that are not about timing (0 disables pacing).
* Baud check. Linux reports the slave's termios through the master, so the simulator can tell
  which baud rate the driver set and, like a real UART, not understand a driver at another one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import select
import termios
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_SPEEDS = {
    getattr(termios, f"B{rate}"): rate
    for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
    if hasattr(termios, f"B{rate}")
}


def bytes_per_second(baud: int) -> float:
    """8N1: one start bit, eight data bits, one stop bit per byte."""
    return baud / 10


class PtyPort:
    """The master side of a pty, with a stable symlink, pacing, and unplug/replug.

    Not thread-safe by itself: :class:`PtySimulator` drives it from one thread.
    """

    def __init__(
        self, link: str | os.PathLike[str] | None = None, baud: int = 115200, time_scale: float = 1.0
    ):
        self.link = Path(link) if link is not None else None
        self.baud = baud
        self.time_scale = time_scale
        self.master: int | None = None
        self._slave: int | None = None
        self.slave_name: str | None = None

    @property
    def path(self) -> str:
        """What a driver opens: the stable link if there is one, else the pty itself."""
        if self.link is not None:
            return str(self.link)
        if self.slave_name is None:
            raise RuntimeError("pty not open")
        return self.slave_name

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> str:
        if self.master is not None:
            return self.path
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self.master, self._slave = master, slave
        self.slave_name = os.ttyname(slave)
        if self.link is not None:
            # Replace atomically so a driver never sees a link to a dead pty half-way.
            tmp = self.link.with_name(self.link.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_name)
            tmp.replace(self.link)
        return self.path

    def unplug(self) -> None:
        """The device goes away: the link disappears and the driver's open port hangs up."""
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        for fd in (self.master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master = self._slave = None

    def host_baud(self) -> int | None:
        """The baud rate the driver configured on its side, or None if unknown."""
        if self.master is None:
            return None
        try:
            speed = termios.tcgetattr(self.master)[5]
        except termios.error:
            return None
        return _SPEEDS.get(speed)

    def read(self) -> bytes:
        if self.master is None:
            return b""
        try:
            return os.read(self.master, 65536)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # nobody has the slave open
                return b""
            raise

    def wire_time(self, n_bytes: int) -> float:
        if self.time_scale <= 0:
            return 0.0
        return n_bytes / bytes_per_second(self.baud) * self.time_scale

    def write(self, data: bytes, abort: Callable[[], bool] | None = None) -> int:
        """Write ``data`` paced at the baud rate. Each chunk is released when its last byte
        would have finished arriving on a real line. Returns the bytes written; stops early
        when ``abort()`` turns true (the device was pulled out mid-reply)."""
        if self.master is None:
            return 0
        rate = bytes_per_second(self.baud) / self.time_scale if self.time_scale > 0 else 0.0
        if not rate:
            self._write_all(data)
            return len(data)
        # ~2 ms chunks: small enough to look like a stream, large enough to keep Python cheap.
        chunk = max(1, int(rate * 0.002))
        start = time.monotonic()
        sent = 0
        while sent < len(data):
            if abort is not None and abort():
                return sent
            piece = data[sent : sent + chunk]
            due = start + (sent + len(piece)) / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if self.master is None:
                return sent
            self._write_all(piece)
            sent += len(piece)
        return sent

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self.master is not None:
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 0.05)
                continue
            view = view[n:]

    def close(self) -> None:
        self.unplug()


class PtySimulator:
    """Base of the device simulators: one thread owns the pty, reads what the driver writes
    and hands it to :meth:`on_bytes`; control calls from other threads (place a card, press a
    key, unplug) are queued to that thread so that nothing races with a reply in flight.
    """

    tick = 0.01

    def __init__(self, link: str | os.PathLike[str] | None = None, baud: int = 9600, time_scale: float = 1.0):
        self.port = PtyPort(link, baud=baud, time_scale=time_scale)
        self._calls: queue.Queue[tuple[Callable[[], Any], queue.Queue[tuple[bool, Any]]]] = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._thread: threading.Thread | None = None
        self._running = False
        self._unplug_requested = threading.Event()

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        return self.port.path

    @property
    def baud(self) -> int:
        return self.port.baud

    def start(self) -> str:
        path = self.port.plug()
        self._running = True
        self._thread = threading.Thread(target=self._loop, name=type(self).__name__, daemon=True)
        self._thread.start()
        return path

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._unplug_requested.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        self.port.close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtySimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control from other threads --------------------------------------------------------------

    def call(self, fn: Callable[[], T], timeout: float = 5.0) -> T:
        """Run ``fn`` on the simulator thread and return its result."""
        if threading.current_thread() is self._thread:
            return fn()
        reply: queue.Queue[tuple[bool, Any]] = queue.Queue(1)
        self._calls.put((fn, reply))
        os.write(self._wake_w, b"x")
        ok, value = reply.get(timeout=timeout)
        if not ok:
            raise value
        return value

    def unplug(self) -> None:
        """Pull the USB cable: the link vanishes, the driver's port hangs up."""
        self._unplug_requested.set()  # cuts a reply in flight short, as a real pull does
        self.call(self._do_unplug)

    def replug(self) -> str:
        """Plug the cable back: a fresh pty behind the same link."""
        return self.call(self._do_replug)

    def _do_unplug(self) -> None:
        self.port.unplug()
        self.on_unplug()

    def _do_replug(self) -> str:
        self._unplug_requested.clear()
        path = self.port.plug()
        self.on_replug()
        return path

    # --- for subclasses --------------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        """Bytes the driver wrote."""

    def on_tick(self, now: float) -> None:
        """Called at least every :attr:`tick` seconds (timers, retransmissions)."""

    def on_unplug(self) -> None:
        """Forget per-connection state."""

    def on_replug(self) -> None:
        """Device powered up again."""

    def send(self, data: bytes) -> int:
        """Paced write from the simulator thread; cut short if the device is being unplugged."""
        return self.port.write(data, abort=self._unplug_requested.is_set)

    def sleep(self, seconds: float) -> bool:
        """Sleep on the simulator thread, waking early if unplugged or stopped; False if so."""
        return not self._unplug_requested.wait(seconds)

    # --- the thread ------------------------------------------------------------------------------

    def _loop(self) -> None:
        while self._running:
            fds = [self._wake_r]
            if self.port.master is not None:
                fds.append(self.port.master)
            try:
                readable, _, _ = select.select(fds, [], [], self.tick)
            except (OSError, ValueError):
                readable = []
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError, OSError):
                    os.read(self._wake_r, 4096)
            self._run_calls()
            if self.port.master is not None and self.port.master in readable:
                data = self.port.read()
                if data:
                    self.on_bytes(data)
            self.on_tick(time.monotonic())

    def _run_calls(self) -> None:
        while True:
            try:
                fn, reply = self._calls.get_nowait()
            except queue.Empty:
                return
            try:
                reply.put((True, fn()))
            except Exception as exc:  # handed back to the caller's thread
                reply.put((False, exc))
