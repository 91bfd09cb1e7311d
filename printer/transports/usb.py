"""USB printers (printer class, bulk endpoints) through pyusb and libusb.

Linux binds such printers to the ``usblp`` kernel driver; we detach it to talk to the bulk
endpoints ourselves, which is also how replies to status queries get back (``/dev/usb/lp0``
would do for writing but reads from it are unreliable across models).
"""

from __future__ import annotations

import contextlib
from typing import Any

from printer.transports.base import Transport, TransportError

_CHUNK = 4096


class UsbTransport(Transport):
    """``vendor_id``/``product_id`` select the printer; ``device`` injects a pyusb-like device
    (tests, or a caller that already found it)."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        interface: int = 0,
        timeout_ms: int = 5000,
        device: Any = None,
    ) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.interface = interface
        self.timeout_ms = timeout_ms
        self._injected = device
        self._dev: Any = None
        self._ep_out: Any = None
        self._ep_in: Any = None

    @property
    def description(self) -> str:
        return f"usb {self.vendor_id:04x}:{self.product_id:04x}"

    def open(self) -> None:
        if self._dev is not None:
            return
        import usb.core
        import usb.util

        dev = self._injected
        if dev is None:
            try:
                dev = usb.core.find(idVendor=self.vendor_id, idProduct=self.product_id)
            except usb.core.NoBackendError as exc:
                raise TransportError("no USB backend: install libusb-1.0-0") from exc
        if dev is None:
            raise TransportError(f"no USB printer {self.description[4:]}")
        try:
            with contextlib.suppress(NotImplementedError):  # no kernel drivers on this platform
                if dev.is_kernel_driver_active(self.interface):
                    dev.detach_kernel_driver(self.interface)
            with contextlib.suppress(usb.core.USBError):  # already configured: use the active one
                dev.set_configuration()
            intf = dev.get_active_configuration()[(self.interface, 0)]
        except usb.core.USBError as exc:
            raise TransportError(f"cannot claim {self.description}: {exc}") from exc

        def direction(d: int) -> Any:
            return lambda ep: usb.util.endpoint_direction(ep.bEndpointAddress) == d

        self._ep_out = usb.util.find_descriptor(intf, custom_match=direction(usb.util.ENDPOINT_OUT))
        self._ep_in = usb.util.find_descriptor(intf, custom_match=direction(usb.util.ENDPOINT_IN))
        if self._ep_out is None:
            raise TransportError(f"{self.description}: no bulk OUT endpoint")
        self.bidirectional = self._ep_in is not None
        self._dev = dev

    def close(self) -> None:
        if self._dev is None:
            return
        import usb.util

        try:
            usb.util.dispose_resources(self._dev)
        finally:
            self._dev = self._ep_out = self._ep_in = None

    def write(self, data: bytes) -> None:
        import usb.core

        if self._dev is None:
            self.open()
        try:
            for start in range(0, len(data), _CHUNK):
                chunk = data[start : start + _CHUNK]
                if self._ep_out.write(chunk, self.timeout_ms) != len(chunk):
                    raise TransportError(f"{self.description}: short write")
        except usb.core.USBError as exc:
            raise TransportError(f"{self.description}: write failed: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        import usb.core

        if self._dev is None:
            self.open()
        if self._ep_in is None:
            return b""
        try:
            return bytes(self._ep_in.read(max(size, self._ep_in.wMaxPacketSize), max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise TransportError(f"{self.description}: read failed: {exc}") from exc
