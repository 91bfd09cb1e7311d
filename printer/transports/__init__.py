"""Printer connections behind one interface (:class:`Transport`), one class per kind.

``open_transport(url)`` builds one from a configuration string:

    serial:/dev/ttyUSB0?baudrate=115200&rtscts=1   (or just /dev/ttyUSB0)
    tcp://192.0.2.10:9100
    usb://0416:5011
    cups://kiosk-ticket?server=127.0.0.1:631
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from printer.transports.base import Transport, TransportError
from printer.transports.cups import CupsTransport
from printer.transports.network import NetworkTransport
from printer.transports.serial import SerialTransport
from printer.transports.usb import UsbTransport

__all__ = [
    "CupsTransport",
    "NetworkTransport",
    "SerialTransport",
    "Transport",
    "TransportError",
    "UsbTransport",
    "open_transport",
]


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def open_transport(url: str) -> Transport:
    """A transport (not yet opened) for a configuration URL; see the module docstring."""
    if url.startswith("/"):
        return SerialTransport(url)
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "serial":
        return SerialTransport(
            parts.path or parts.netloc,
            int(query.get("baudrate", "115200")),
            rtscts=_flag(query.get("rtscts", "0")),
            dsrdtr=_flag(query.get("dsrdtr", "0")),
            xonxoff=_flag(query.get("xonxoff", "0")),
        )
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"no host in {url!r}")
        return NetworkTransport(parts.hostname, parts.port or 9100)
    if parts.scheme == "usb":
        vid, _, pid = parts.netloc.partition(":")
        return UsbTransport(int(vid, 16), int(pid, 16), interface=int(query.get("interface", "0")))
    if parts.scheme == "cups":
        return CupsTransport(parts.netloc or parts.path.lstrip("/"), server=query.get("server"))
    raise ValueError(f"unknown printer connection {url!r} (serial:, tcp://, usb://, cups://)")
