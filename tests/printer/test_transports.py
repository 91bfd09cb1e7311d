"""Transports: one interface over serial (pty), TCP, USB (a stand-in bus) and a real CUPS queue."""

from __future__ import annotations

import socket
import threading
import time
from array import array
from types import SimpleNamespace

import pytest
import usb.core

from printer import demo, layouts
from printer.device import EscPosPrinter
from printer.spooler import JobState, Spooler
from printer.status import StatusLevel
from printer.transports import (
    CupsTransport,
    NetworkTransport,
    SerialTransport,
    TransportError,
    UsbTransport,
    open_transport,
)
from tests.printer.conftest import decode_qr
from tests.printer.cups_server import cups_server, free_port


def test_connection_urls_pick_the_transport():
    s = open_transport("serial:/dev/ttyUSB0?baudrate=9600&rtscts=1")
    assert isinstance(s, SerialTransport) and s.port == "/dev/ttyUSB0" and s.baudrate == 9600
    assert s.bytes_per_second == 960
    assert isinstance(open_transport("/dev/ttyS0"), SerialTransport)
    n = open_transport("tcp://127.0.0.1:9101")
    assert isinstance(n, NetworkTransport) and (n.host, n.port) == ("127.0.0.1", 9101)
    assert open_transport("tcp://printer.local").port == 9100
    u = open_transport("usb://0416:5011?interface=1")
    assert isinstance(u, UsbTransport) and (u.vendor_id, u.product_id, u.interface) == (0x0416, 0x5011, 1)
    c = open_transport("cups://kiosk-ticket?server=127.0.0.1:631")
    assert isinstance(c, CupsTransport) and c.queue == "kiosk-ticket" and c.server == "127.0.0.1:631"
    with pytest.raises(ValueError):
        open_transport("lpt://1")


def test_unreachable_printers_raise_transport_errors_and_read_as_unknown(tmp_path):
    with pytest.raises(TransportError):
        SerialTransport(str(tmp_path / "no-such-port")).open()
    with pytest.raises(TransportError):
        NetworkTransport("127.0.0.1", free_port(), connect_timeout=0.5).open()
    printer = EscPosPrinter(NetworkTransport("127.0.0.1", free_port(), connect_timeout=0.5))
    assert printer.status().level is StatusLevel.UNKNOWN


def test_a_network_printer_that_drops_the_connection_is_reconnected(tcp_printer):
    sim, printer = tcp_printer()
    assert printer.status().ready
    printer.transport.close()  # as after a printer reboot
    printer.print_document(layouts.ticket(demo.TICKET))
    assert decode_qr(sim.wait_pages(1)[0].image) == demo.TICKET.url


# -- USB: no bus exists here, so a pyusb-shaped device forwards to the simulator ------------------


class FakeEndpoint:
    wMaxPacketSize = 64

    def __init__(self, address: int, conn) -> None:
        self.bEndpointAddress = address
        self._conn = conn

    def write(self, data, timeout):
        self._conn.write(bytes(data))
        return len(data)

    def read(self, size, timeout):
        data = self._conn.read(timeout / 1000)
        if not data:
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        return array("B", data[:size])


class FakeUsbPrinter:
    """Just the pyusb calls a printer driver makes; bulk endpoints wired to the simulator."""

    def __init__(self, conn, *, with_in: bool = True) -> None:
        self.kernel_driver = True
        self.detached: list[int] = []
        endpoints = [FakeEndpoint(0x01, conn)] + ([FakeEndpoint(0x82, conn)] if with_in else [])
        self._config = {(0, 0): endpoints}
        self._ctx = SimpleNamespace(dispose=lambda dev: None)

    def is_kernel_driver_active(self, interface):
        return self.kernel_driver

    def detach_kernel_driver(self, interface):
        self.detached.append(interface)
        self.kernel_driver = False

    def set_configuration(self):
        raise usb.core.USBError("Resource busy")  # already configured, as is common

    def get_active_configuration(self):
        return self._config


def test_usb_printer_detaches_usblp_prints_and_answers_status(sim_factory):
    sim = sim_factory()
    fake = FakeUsbPrinter(sim.attach_direct())
    with EscPosPrinter(UsbTransport(0x0416, 0x5011, device=fake), "generic-80") as printer:
        assert fake.detached == [0]
        assert printer.status().level is StatusLevel.READY
        sim.set_paper("near_end")
        assert printer.status().paper_near_end
        spooler = Spooler(printer)
        job = spooler.submit(layouts.ticket(demo.TICKET))
        assert job.wait(5) is JobState.PRINTED and job.reason == "confirmed by the printer"
        spooler.close()
    assert decode_qr(sim.pages[0].image) == demo.TICKET.url


def test_usb_printer_without_an_in_endpoint_cannot_report_status(sim_factory):
    sim = sim_factory()
    with EscPosPrinter(
        UsbTransport(1, 2, device=FakeUsbPrinter(sim.attach_direct(), with_in=False))
    ) as printer:
        assert not printer.transport.bidirectional
        assert printer.status().level is StatusLevel.UNKNOWN


# -- CUPS: a real cupsd, a raw queue whose device is the simulator's TCP port ----------------------


@pytest.fixture(scope="module")
def cups():
    with cups_server() as server:
        yield server


def test_raw_cups_queue_delivers_the_escpos_bytes_to_the_printer(cups, sim_factory):
    sim = sim_factory("generic-80")
    port = sim.start_tcp()
    cups.add_raw_queue("kiosk-ticket", f"socket://127.0.0.1:{port}")
    transport = CupsTransport("kiosk-ticket", server=cups.server)
    printer = EscPosPrinter(transport, "generic-80")
    assert printer.status().level is StatusLevel.UNKNOWN  # a queue answers nothing
    spooler = Spooler(printer)
    job = spooler.submit(layouts.ticket(demo.TICKET))
    assert job.wait(10) is JobState.SENT
    spooler.close()
    assert transport.job_ids and transport.job_ids[0].startswith("kiosk-ticket-")
    page = sim.wait_pages(1, timeout=20)[0]
    assert decode_qr(page.image) == demo.TICKET.url
    assert "不动产登记（二手房转移）" in page.text


def test_unknown_cups_queue_is_an_error_not_a_silent_loss(cups):
    transport = CupsTransport("no-such-queue", server=cups.server)
    transport.write(b"\x1b@hello\n")
    with pytest.raises(TransportError):
        transport.end_job("t")


class Sink:
    """A TCP listener that keeps everything one connection sends: an A4 printer's raw port."""

    def __init__(self) -> None:
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.port = self.srv.getsockname()[1]
        self.data = b""
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        conn, _ = self.srv.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.data += chunk
        self.done.set()
        self.srv.close()


def test_certificate_pdf_goes_through_cups_unchanged(cups, tmp_path):
    from printer.certificate import issue_certificate

    sink = Sink()
    cups.add_raw_queue("a4-self-print", f"socket://127.0.0.1:{sink.port}")
    result = issue_certificate(
        demo.CERTIFICATE, tmp_path, cups_queue="a4-self-print", cups_server=cups.server
    )
    assert result.error is None and result.cups_job and result.cups_job.startswith("a4-self-print-")
    assert sink.done.wait(20), cups.log()[-2000:]
    assert sink.data == result.pdf.read_bytes()
    assert result.pdf.exists() and result.png is not None and result.png.exists()


def test_certificate_is_kept_when_cups_refuses_it(cups, tmp_path):
    from printer.certificate import issue_certificate

    t0 = time.monotonic()
    result = issue_certificate(
        demo.CERTIFICATE, tmp_path, cups_queue="no-such-queue", cups_server=cups.server
    )
    assert result.cups_job is None and result.error and result.pdf.exists()
    assert time.monotonic() - t0 < 10
