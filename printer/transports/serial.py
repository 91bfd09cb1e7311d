"""Serial printers (RS-232, USB-serial adapters, USB-CDC virtual ports) through pyserial."""

from __future__ import annotations

import serial

from printer.transports.base import Transport, TransportError


class SerialTransport(Transport):
    """8N1 at ``baudrate``; hardware (RTS/CTS) or XON/XOFF flow control as the printer is set.

    Reads use a short per-call timeout: python-escpos's ``Serial._read()`` blocks for the whole
    port timeout on every status query, which would stall a kiosk for seconds.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        *,
        rtscts: bool = False,
        dsrdtr: bool = False,
        xonxoff: bool = False,
        write_timeout: float = 10.0,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.bytes_per_second = baudrate / 10  # start + 8 data + stop bits
        self._options = {
            "rtscts": rtscts,
            "dsrdtr": dsrdtr,
            "xonxoff": xonxoff,
            "write_timeout": write_timeout,
        }
        self._ser: serial.Serial | None = None

    @property
    def description(self) -> str:
        return f"serial {self.port} {self.baudrate} 8N1"

    def open(self) -> None:
        if self._ser is not None:
            return
        try:
            self._ser = serial.Serial(
                self.port,
                self.baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=0,
                exclusive=True,  # two programs printing into one port interleave their bytes
                **self._options,
            )
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"cannot open {self.port}: {exc}") from exc

    def close(self) -> None:
        if self._ser is not None:
            try:
                self._ser.close()
            finally:
                self._ser = None

    def _port(self) -> serial.Serial:
        if self._ser is None:
            self.open()
        assert self._ser is not None
        return self._ser

    def write(self, data: bytes) -> None:
        ser = self._port()
        try:
            written = ser.write(data)
            ser.flush()
        except (serial.SerialException, OSError) as exc:  # includes SerialTimeoutException
            raise TransportError(f"write to {self.port} failed: {exc}") from exc
        if written != len(data):
            raise TransportError(f"wrote {written} of {len(data)} bytes to {self.port}")

    def read(self, size: int, timeout: float) -> bytes:
        ser = self._port()
        try:
            ser.timeout = timeout
            first = ser.read(1)
            if not first:
                return b""
            ser.timeout = 0
            return first + ser.read(max(0, min(size - 1, ser.in_waiting)))
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"read from {self.port} failed: {exc}") from exc
