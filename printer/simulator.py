"""An ESC/POS printer simulator on a pseudo-terminal, a TCP port or an in-process connection.

It behaves like a kiosk printer as far as the host can tell:

* Real-time commands are answered the moment they arrive, even while the printer is stopped:
  ``DLE EOT 1..4`` (status, bit by bit as in DEVICES.md) and ``DLE DC4 8`` (clear buffers,
  answered ``37 25 00``). Like a real printer it looks for them in the raw byte stream.
* Everything else is interpreted in order (:mod:`printer.sim_interpreter`) while the printer
  can print. With the cover open, an error, or no paper it stops, keeps what it received, and
  carries on when the condition clears. Paper can be given a length: it then runs out in the
  middle of a page, which is finished as a torn page, as on a real roll end.
* Each page (at a cut) is drawn to PNG with a CJK font, plus a ``.txt`` of the text it decoded.
* Switched off (``set_power(False)``), it answers nothing and loses what is sent.
* ``baud`` (a pseudo-terminal only): bytes are taken in no faster than a serial line at that
  rate carries them (8N1: 10 bits a byte), as a real printer on 115200 baud receives them; by
  default (None) at once, as the tests want. Printing itself (mm/s) is not paced.

Conditions are set from the object (tests), through a control socket (``python -m printer
simctl``), or with signals to ``python -m printer simulate`` (SIGUSR1 paper, SIGUSR2 cover).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from printer.commands import CLEAR_BUFFERS, CLEAR_BUFFERS_REPLY
from printer.glyphs import GlyphRenderer, default_glyphs
from printer.profiles import DOTS_PER_MM, Profile, get_profile
from printer.sim_interpreter import EscPosInterpreter, Page, Stall

ErrorKind = Literal["mechanical", "autocutter", "unrecoverable", "auto_recoverable"]
ERROR_KINDS: tuple[ErrorKind, ...] = ("mechanical", "autocutter", "unrecoverable", "auto_recoverable")


class _Conn:
    """One host connection: where replies go."""

    def __init__(self, send: Callable[[bytes], None], name: str) -> None:
        self._send = send
        self.name = name
        self._lock = threading.Lock()

    def send(self, data: bytes) -> None:
        with self._lock, contextlib.suppress(OSError):  # the host went away: nobody to answer
            self._send(data)


class DirectConnection:
    """An in-process connection (no pty or socket): for stand-ins of buses that cannot exist
    here, such as USB in tests."""

    def __init__(self, sim: PrinterSimulator) -> None:
        self._sim = sim
        self._replies: queue.Queue[bytes] = queue.Queue()
        self._conn = _Conn(self._replies.put, "direct")

    def write(self, data: bytes) -> None:
        self._sim._incoming(self._conn, bytes(data))

    def read(self, timeout: float) -> bytes:
        try:
            data = self._replies.get(timeout=timeout)
        except queue.Empty:
            return b""
        while True:
            try:
                data += self._replies.get_nowait()
            except queue.Empty:
                return data


class PrinterSimulator:
    def __init__(
        self,
        profile: Profile | str = "generic-80",
        out_dir: str | os.PathLike[str] | None = None,
        *,
        kanji_default: bool = False,
        glyphs: GlyphRenderer | None = None,
        baud: int | None = None,
    ) -> None:
        self.profile = get_profile(profile)
        self.baud = baud  # pacing of what a pty receives; may be set while running
        self.out_dir = Path(out_dir) if out_dir is not None else None
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self._cv = threading.Condition(threading.RLock())
        # conditions
        self._paper_left: float | None = None  # dots of paper left; None: a fresh roll
        self._near_end_at: float | None = None  # near-end sensor trips below this many dots
        self._near_end_forced = False
        self._cover_opens_in: float | None = None  # dots of printing until someone opens the cover
        self.cover_open = False
        self.error: ErrorKind | None = None
        self.powered = True
        self.feed_button = False
        # data
        self._pending = bytearray()
        self._segments: list[tuple[int, _Conn]] = []  # (bytes, connection) in arrival order
        self._rt = bytearray()  # partial real-time command being matched
        self._outbox: list[tuple[_Conn, bytes]] = []
        self._current: _Conn | None = None
        self._tear_due = False
        self.pages: list[Page] = []
        self.received = 0
        self.status_queries = 0
        self.interp = EscPosInterpreter(
            dots=self.profile.dots,
            paper_dots=self.profile.paper_dots,
            encoding=self.profile.encoding,
            glyphs=glyphs or default_glyphs(),
            advance=self._advance,
            on_page=self._on_page,
            reply=self._reply,
            kanji_default=kanji_default,
        )
        self._stopped = False
        self._threads: list[threading.Thread] = []
        self._closers: list[Callable[[], None]] = []
        self.pty_path: str | None = None
        self.tcp_port: int | None = None
        self.control_path: Path | None = None
        self.on_page: Callable[[Page], None] | None = None
        self._spawn(self._work, "sim-printer")

    # -- life cycle -----------------------------------------------------------------------------

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def __enter__(self) -> PrinterSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify_all()
        for close in self._closers:
            with contextlib.suppress(OSError):
                close()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(2)

    def start_pty(self, link: str | os.PathLike[str] | None = None) -> str:
        """A pseudo-terminal whose slave side the host opens like ``/dev/ttyUSB0``."""
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no CR/LF translation before the host configures the port
        # We keep the slave open: otherwise the master reads EIO whenever the host closes it.
        path = os.ttyname(slave)
        if link is not None:
            link_path = Path(link)
            with contextlib.suppress(FileNotFoundError):
                link_path.unlink()
            link_path.symlink_to(path)
            path = str(link_path)
            self._closers.append(lambda: link_path.unlink(missing_ok=True))
        conn = _Conn(lambda data: _write_all(master, data), f"pty {path}")
        self._closers.append(lambda: (os.close(master), os.close(slave)))
        self._spawn(self._serve_pty, "sim-pty", master, conn)
        self.pty_path = path
        return path

    def start_tcp(self, port: int = 0, host: str = "127.0.0.1") -> int:
        """A raw TCP port like a network printer's 9100 (``port=0``: any free port)."""
        srv = socket.create_server((host, port))
        self._closers.append(srv.close)
        self._spawn(self._serve_tcp, "sim-tcp", srv)
        self.tcp_port = srv.getsockname()[1]
        return self.tcp_port

    def attach_direct(self) -> DirectConnection:
        return DirectConnection(self)

    def start_control(self, path: str | os.PathLike[str]) -> Path:
        """A Unix socket taking one command per line (see :meth:`control`), answering JSON."""
        p = Path(path)
        p.unlink(missing_ok=True)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(str(p))
        srv.listen()
        self._closers.append(srv.close)
        self._closers.append(lambda: p.unlink(missing_ok=True))
        self._spawn(self._serve_control, "sim-control", srv)
        self.control_path = p
        return p

    # -- serving --------------------------------------------------------------------------------

    def _serve_pty(self, master: int, conn: _Conn) -> None:
        line_free = 0.0  # when the line has carried everything taken in so far (monotonic)
        while not self._stopped:
            try:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    data = os.read(master, 65536)
                    if data and self.baud:
                        line_free = self._paced(conn, data, line_free)
                    elif data:
                        self._incoming(conn, data)
            except OSError:  # closed by stop(), or EIO between hosts
                if self._stopped:
                    return
                time.sleep(0.05)

    def _paced(self, conn: _Conn, data: bytes, line_free: float) -> float:
        """Hand ``data`` on in small chunks, each once its last byte would have crossed a line
        at ``self.baud``; returns when the line is free again."""
        per_byte = 10 / (self.baud or 115200)
        line_free = max(line_free, time.monotonic())
        for i in range(0, len(data), 64):
            chunk = data[i:i + 64]
            line_free += len(chunk) * per_byte
            delay = line_free - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._incoming(conn, chunk)
        return line_free

    def _serve_tcp(self, srv: socket.socket) -> None:
        while not self._stopped:
            try:
                ready, _, _ = select.select([srv], [], [], 0.2)
                if not ready:
                    continue
                client, addr = srv.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._closers.append(client.close)
            conn = _Conn(client.sendall, f"tcp {addr[0]}:{addr[1]}")
            self._spawn(self._serve_client, "sim-tcp-client", client, conn)

    def _serve_client(self, client: socket.socket, conn: _Conn) -> None:
        with client:
            while not self._stopped:
                try:
                    ready, _, _ = select.select([client], [], [], 0.2)
                    if not ready:
                        continue
                    data = client.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                self._incoming(conn, data)

    def _serve_control(self, srv: socket.socket) -> None:
        while not self._stopped:
            try:
                ready, _, _ = select.select([srv], [], [], 0.2)
                if not ready:
                    continue
                client, _ = srv.accept()
            except OSError:
                return
            with client, client.makefile("rw", encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        f.write(self.control(line) + "\n")
                        f.flush()

    # -- receiving ------------------------------------------------------------------------------

    def _incoming(self, conn: _Conn, data: bytes) -> None:
        answers: list[bytes] = []
        with self._cv:
            if not self.powered:
                return  # a printer switched off hears nothing
            self.received += len(data)
            start = 0
            for i, byte in enumerate(data):
                done = self._match_realtime(byte)
                if done is None:
                    continue
                if done == "clear":
                    # Everything received and not yet printed, this command included, is dropped.
                    self._pending.clear()
                    self._segments.clear()
                    self.interp.clear_buffers()
                    start = i + 1
                    answers.append(CLEAR_BUFFERS_REPLY)
                else:
                    answers.append(bytes([self.status_byte(done)]))
                    self.status_queries += 1
            if start < len(data):
                self._pending += data[start:]
                self._segments.append((len(data) - start, conn))
            self._cv.notify_all()
        for answer in answers:
            conn.send(answer)

    def _match_realtime(self, byte: int) -> int | str | None:
        """Feed one byte to the real-time matcher: a status query's n, "clear", or None."""
        rt = self._rt
        if not rt:
            if byte == 0x10:
                rt.append(byte)
            return None
        rt.append(byte)
        if rt[1] == 0x04:
            if len(rt) == 3:
                n = rt[2]
                rt.clear()
                if 1 <= n <= 4:
                    return n
            return None
        if CLEAR_BUFFERS.startswith(bytes(rt)):
            if len(rt) == len(CLEAR_BUFFERS):
                rt.clear()
                return "clear"
            return None
        rt.clear()
        if byte == 0x10:
            rt.append(byte)
        return None

    # -- printing -------------------------------------------------------------------------------

    def can_print(self) -> bool:
        return self.powered and not self.cover_open and self.error is None and not self.paper_end

    def _work(self) -> None:
        with self._cv:
            while not self._stopped:
                progressed = self._process()
                outbox, self._outbox = self._outbox, []
                if outbox:
                    self._cv.release()
                    try:
                        for conn, data in outbox:
                            conn.send(data)
                    finally:
                        self._cv.acquire()
                if not progressed:
                    self._cv.wait(0.5)

    def _conn_at(self, pos: int) -> _Conn | None:
        for length, conn in self._segments:
            if pos < length:
                return conn
            pos -= length
        return self._segments[-1][1] if self._segments else None

    def _process(self) -> bool:
        buf = self._pending
        pos = 0
        while pos < len(buf) and self.can_print():
            self._current = self._conn_at(pos)
            try:
                new = self.interp.step(buf, pos)
            except Stall:
                if self._tear_due:
                    self._tear_due = False
                    self.interp.tear()
                break
            if new is None:
                break
            pos = new
        if pos:
            del buf[:pos]
            left = pos
            while left and self._segments:
                length, conn = self._segments[0]
                if length <= left:
                    self._segments.pop(0)
                    left -= length
                else:
                    self._segments[0] = (length - left, conn)
                    left = 0
        return pos > 0

    def _advance(self, dots: int) -> bool:
        if not self.can_print():
            return False
        if self._cover_opens_in is not None:
            if self._cover_opens_in < dots:  # opened mid-page: printing stops, the paper stays
                self._cover_opens_in = None
                self.cover_open = True
                return False
            self._cover_opens_in -= dots
        if self._paper_left is not None:
            if self._paper_left < dots:
                self._paper_left = 0.0  # the roll ends under this line
                self._tear_due = True
                return False
            self._paper_left -= dots
        return True

    def _reply(self, data: bytes) -> None:
        if self._current is not None:
            self._outbox.append((self._current, data))

    def _on_page(self, page: Page) -> None:
        if self.out_dir is not None:
            stem = f"page-{page.index:04d}" + ("-torn" if page.torn else "")
            page.path = self.out_dir / f"{stem}.png"
            page.image.save(page.path)
            (self.out_dir / f"{stem}.txt").write_text(page.text + "\n", "utf-8")
        self.pages.append(page)
        self._cv.notify_all()
        if self.on_page is not None:
            self.on_page(page)

    def wait_pages(self, count: int, timeout: float = 5.0) -> list[Page]:
        """Block until at least ``count`` pages (torn ones included) came out; all pages so far."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while len(self.pages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.pages)} of {count} pages printed")
                self._cv.wait(left)
            return list(self.pages)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until everything received has been processed (or cannot be: printer stopped)."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._pending and self.can_print() and time.monotonic() < deadline:
                self._cv.wait(0.02)

    # -- conditions -----------------------------------------------------------------------------

    @property
    def paper_end(self) -> bool:
        return self._paper_left is not None and self._paper_left <= 0

    @property
    def paper_near_end(self) -> bool:
        if self.paper_end or self._near_end_forced:
            return True
        return (
            self._paper_left is not None
            and self._near_end_at is not None
            and self._paper_left <= self._near_end_at
        )

    def _changed(self) -> None:
        self._cv.notify_all()

    def set_paper(self, state: Literal["ok", "near_end", "end"]) -> None:
        """``ok``: a fresh roll; ``near_end``: the near-end sensor trips (printing goes on);
        ``end``: out of paper."""
        with self._cv:
            if state not in ("ok", "near_end", "end"):
                raise ValueError(state)
            self._near_end_forced = state == "near_end"
            self._paper_left = 0.0 if state == "end" else None
            self._near_end_at = None
            self._changed()

    def set_paper_left(self, mm: float, near_end_mm: float | None = None) -> None:
        """A roll with ``mm`` of paper left: it runs out in the middle of whatever is printing."""
        with self._cv:
            self._near_end_forced = False
            self._paper_left = mm * DOTS_PER_MM
            self._near_end_at = None if near_end_mm is None else near_end_mm * DOTS_PER_MM
            self._changed()

    def set_cover_open(self, is_open: bool) -> None:
        with self._cv:
            self.cover_open = is_open
            self._changed()

    def open_cover_after(self, mm: float) -> None:
        """Someone opens the cover once ``mm`` more paper has been printed (mid-page)."""
        with self._cv:
            self._cover_opens_in = mm * DOTS_PER_MM

    def set_error(self, kind: ErrorKind | None) -> None:
        with self._cv:
            if kind is not None and kind not in ERROR_KINDS:
                raise ValueError(kind)
            self.error = kind
            self._changed()

    def set_power(self, on: bool) -> None:
        with self._cv:
            self.powered = on
            if not on:  # power off loses the buffers
                self._pending.clear()
                self._segments.clear()
                self._rt.clear()
                self.interp.clear_buffers()
            self._changed()

    def set_feed_button(self, pressed: bool) -> None:
        with self._cv:
            self.feed_button = pressed
            self._changed()

    def status_byte(self, n: int) -> int:
        """The reply to ``DLE EOT n``: bits 1 and 4 always set (see DEVICES.md)."""
        err = self.error
        offline = self.cover_open or self.paper_end or err is not None or self.feed_button
        if n == 1:
            return 0x12 | 0x08 * offline | 0x20 * (err == "autocutter") | 0x40 * self.feed_button
        if n == 2:
            return (
                0x12
                | 0x04 * self.cover_open
                | 0x08 * self.feed_button
                | 0x20 * self.paper_end
                | 0x40 * (err is not None)
            )
        if n == 3:
            return (
                0x12
                | 0x04 * (err == "mechanical")
                | 0x08 * (err == "autocutter")
                | 0x20 * (err == "unrecoverable")
                | 0x40 * (err == "auto_recoverable")
            )
        if n == 4:
            return 0x12 | 0x0C * self.paper_near_end | 0x60 * self.paper_end
        raise ValueError(n)

    def snapshot(self) -> dict[str, object]:
        with self._cv:
            return {
                "paper": "end" if self.paper_end else "near_end" if self.paper_near_end else "ok",
                "paper_left_mm": None
                if self._paper_left is None
                else round(self._paper_left / DOTS_PER_MM, 1),
                "cover_open": self.cover_open,
                "error": self.error,
                "power": self.powered,
                "pages": len(self.pages),
                "pending_bytes": len(self._pending),
                "status": [f"0x{self.status_byte(n):02X}" for n in (1, 2, 3, 4)],
            }

    def control(self, command: str) -> str:
        """One control command, as typed: ``paper ok|near|end``, ``paper left MM [NEAR_MM]``,
        ``cover open|close``, ``cover open after MM``, ``error none|mechanical|autocutter|unrecoverable|auto_recoverable``,
        ``power on|off``, ``feed press|release``, ``status``. Answers JSON: the state after the
        command (:meth:`snapshot`), or ``{"failed": why}``."""
        words = command.lower().split()
        try:
            match words:
                case ["paper", "ok" | "load"]:
                    self.set_paper("ok")
                case ["paper", "near" | "near_end"]:
                    self.set_paper("near_end")
                case ["paper", "end" | "out"]:
                    self.set_paper("end")
                case ["paper", "left", mm, *rest]:
                    self.set_paper_left(float(mm), float(rest[0]) if rest else None)
                case ["cover", "open"]:
                    self.set_cover_open(True)
                case ["cover", "open", "after", mm]:
                    self.open_cover_after(float(mm))
                case ["cover", "close" | "closed"]:
                    self.set_cover_open(False)
                case ["error", "none"]:
                    self.set_error(None)
                case ["error", kind] if kind in ERROR_KINDS:
                    self.set_error(kind)  # type: ignore[arg-type]
                case ["power", "on" | "off"]:
                    self.set_power(words[1] == "on")
                case ["feed", "press" | "release"]:
                    self.set_feed_button(words[1] == "press")
                case ["status"] | []:
                    pass
                case _:
                    return json.dumps({"failed": f"unknown command: {command.strip()}"})
        except ValueError as exc:
            return json.dumps({"failed": str(exc)})
        return json.dumps(self.snapshot())


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 0.5)
            continue
        view = view[n:]


def send_control(path: str | os.PathLike[str], command: str, timeout: float = 3.0) -> dict[str, object]:
    """Send one command to a running simulator's control socket; its JSON answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(command.strip().encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return json.loads(answer.decode("utf-8"))
