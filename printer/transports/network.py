"""Network printers: raw TCP, port 9100 (JetDirect / AppSocket)."""

from __future__ import annotations

import select
import socket

from printer.transports.base import Transport, TransportError


class NetworkTransport(Transport):
    def __init__(
        self, host: str, port: int = 9100, *, connect_timeout: float = 3.0, write_timeout: float = 10.0
    ):
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout
        self._sock: socket.socket | None = None

    @property
    def description(self) -> str:
        return f"tcp {self.host}:{self.port}"

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise TransportError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # status queries are 3 bytes
        sock.settimeout(self.write_timeout)
        self._sock = sock

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            self.open()
        assert self._sock is not None
        return self._sock

    def write(self, data: bytes) -> None:
        try:
            self._socket().sendall(data)
        except OSError as exc:
            self.close()  # a broken connection is reopened on the next call
            raise TransportError(f"send to {self.host}:{self.port} failed: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        sock = self._socket()
        try:
            ready, _, _ = select.select([sock], [], [], timeout)
            if not ready:
                return b""
            data = sock.recv(size)
        except OSError as exc:
            self.close()
            raise TransportError(f"receive from {self.host}:{self.port} failed: {exc}") from exc
        if not data:
            self.close()
            raise TransportError(f"{self.host}:{self.port} closed the connection")
        return data
