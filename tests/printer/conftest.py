"""Fixtures: simulators on real pseudo-terminals and TCP ports, printers talking to them.

sim_factory(profile="generic-80") -> PrinterSimulator writing pages under tmp_path
pty_printer(profile)              -> (sim, EscPosPrinter over SerialTransport on the sim's pty)
tcp_printer(profile)              -> (sim, EscPosPrinter over NetworkTransport to the sim)
decode_qr(image)                  -> text of the QR code OpenCV finds in a PIL image
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np
import pytest
from PIL import Image

from printer.device import EscPosPrinter
from printer.simulator import PrinterSimulator
from printer.transports import NetworkTransport, SerialTransport


@pytest.fixture
def sim_factory(tmp_path) -> Iterator[Callable[..., PrinterSimulator]]:
    sims: list[PrinterSimulator] = []

    def make(profile: str = "generic-80", **kwargs) -> PrinterSimulator:
        sim = PrinterSimulator(profile, tmp_path / f"sim{len(sims)}-{profile}", **kwargs)
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def pty_printer(sim_factory) -> Iterator[Callable[..., tuple[PrinterSimulator, EscPosPrinter]]]:
    printers: list[EscPosPrinter] = []

    def make(profile: str = "generic-80", **kwargs) -> tuple[PrinterSimulator, EscPosPrinter]:
        sim = sim_factory(profile, **kwargs)
        printer = EscPosPrinter(SerialTransport(sim.start_pty()), profile)
        printer.open()
        printers.append(printer)
        return sim, printer

    yield make
    for p in printers:
        p.close()


@pytest.fixture
def tcp_printer(sim_factory) -> Iterator[Callable[..., tuple[PrinterSimulator, EscPosPrinter]]]:
    printers: list[EscPosPrinter] = []

    def make(profile: str = "generic-80", **kwargs) -> tuple[PrinterSimulator, EscPosPrinter]:
        sim = sim_factory(profile, **kwargs)
        printer = EscPosPrinter(NetworkTransport("127.0.0.1", sim.start_tcp()), profile)
        printer.open()
        printers.append(printer)
        return sim, printer

    yield make
    for p in printers:
        p.close()


def decode_qr(image: Image.Image) -> str:
    """What a phone would read: OpenCV's detector on the page as printed."""
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(np.array(image.convert("L")))
    return text


def ink_height(image: Image.Image, top: int, bottom: int) -> int:
    """Rows between ``top`` and ``bottom`` that carry ink, from the first to the last."""
    band = np.array(image.convert("L"))[top:bottom] < 128
    rows = np.flatnonzero(band.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0
