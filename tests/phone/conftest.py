"""Fixtures of the phone page tests: one real hall per module and Debian's Chromium (the web
tests' fixtures), its pages on a 360×640 phone screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.phone.support import PHONE
from tests.web.conftest import browser, hall  # noqa: F401  # the same fixtures as the web tests'


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811
    """A phone's browser: 360×640, Chinese, touch."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js_phone(browser: Browser) -> Iterator[Page]:  # noqa: F811
    """The same phone with JavaScript off: every page must still read and every form post."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    yield context.new_page()
    context.close()
