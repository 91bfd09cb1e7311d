"""Fixtures of the phone page tests: Debian's Chromium (one for the package), its pages on a
360×640 phone screen, and a real hall.

``hall`` is one hall for the package (the web tests' ``new_hall``), made once: its database,
accounts and keys are shared by the modules that use it. Each module after the first gets it
with its server restarted, so that it starts with a fresh budget of wrong codes (``throttle``:
counted per client, in the server's memory, and every page here comes from 127.0.0.1). A module
whose hall must be set up otherwise (its own configuration, a call pad, an empty hall) has its
own ``hall`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.phone.support import PHONE
from tests.support.hall import HallProcess
from tests.web.support import CHROMIUM, CHROMIUM_ARGS, new_hall


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="package")
def shared_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = new_hall(tmp_path_factory.mktemp("hall"))
    h.modules_served = 0  # type: ignore[attr-defined]
    yield h
    h.stop()


@pytest.fixture(scope="module")
def hall(shared_hall: HallProcess) -> HallProcess:
    """The package's hall; after the first module, restarted: a fresh budget of wrong codes."""
    if shared_hall.modules_served:  # type: ignore[attr-defined]
        shared_hall.stop()
        shared_hall.start()
    shared_hall.modules_served += 1  # type: ignore[attr-defined]
    return shared_hall


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
