"""Fixtures of the web tests: one real hall per module, Debian's Chromium at 1366×768."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from printer.simulator import PrinterSimulator
from tests.support.hall import HallProcess
from tests.support.station import printer_simulator
from tests.web.support import CHROMIUM, CHROMIUM_ARGS, new_hall


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("hall"))
    yield h
    h.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    """The window's printer (a window agent's ``printer.target``: ``tmp_path / "printer"``)."""
    with printer_simulator(tmp_path) as sim:
        yield sim
