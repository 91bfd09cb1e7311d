"""Fixtures of the phone page tests: one real hall per module, Debian's Chromium on a
360×640 phone screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.phone.support import PHONE
from tests.support.hall import HallProcess
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
def phone(browser: Browser) -> Iterator[Page]:
    """A phone's browser: 360×640, Chinese, touch."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js_phone(browser: Browser) -> Iterator[Page]:
    """The same phone with JavaScript off: every page must still read and every form post."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    yield context.new_page()
    context.close()
