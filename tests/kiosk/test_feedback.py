"""The complaint screen on the real kiosk app (Kivy offscreen) with a stand-in link: what it
sends with complaint.file (category, text and phone as fields of their own) and what it
refuses before sending."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.conftest import kiosk_catalogue
from tests.kiosk.test_apply import FakeDevices, FakeLink, dismiss_overlays, pump


@pytest.fixture
def app() -> Iterator[Any]:
    from kivy.base import EventLoop
    from kivy.core.window import Window

    import kiosk.app as kapp
    from window_display.kivyenv import register_fonts

    register_fonts()
    EventLoop.ensure_window()
    Window.size = (1920, 1080)
    filed = {"id": "TS-20261126-1A2B3C4D", "state": "filed", "accept_due": "2026-11-30", "case": None,
             "category": "attitude", "category_label": {"zh": "服务态度", "en": "Service attitude"},
             "phone": "138****5678"}  # fmt: skip
    link = FakeLink({"complaint.file": lambda _body: filed})
    a = kapp.KioskApp(link=link, devices=FakeDevices(), catalogue=kiosk_catalogue(Path(tempfile.mkdtemp(prefix="kiosk-feedback-"))))  # type: ignore[arg-type]
    a.root = a.build()
    Window.add_widget(a.root)
    pump()
    a.fake_link = link
    yield a
    dismiss_overlays(Window)
    Window.remove_widget(a.root)
    if a._idle_event is not None:
        a._idle_event.cancel()
    a.dispatch("on_stop")


def complaint_screen(app: Any) -> Any:
    app.go("complaint")
    pump()
    return app.screen("complaint")


def test_a_complaint_sends_its_category_text_and_phone_as_fields(app: Any) -> None:
    from kivy.core.window import Window

    s = complaint_screen(app)
    s.choose("attitude")
    s.toggle("rude")
    s.ids.text.text = "窗口人员不耐烦"
    s.ids.phone.text = "13812345678"
    assert s.body() == {"category": "attitude", "text": "工作人员态度不好；窗口人员不耐烦", "phone": "13812345678"}
    s.submit()
    pump()
    assert [(t, b) for t, b, _k in app.fake_link.sent] == [
        ("complaint.file", {"category": "attitude", "text": "工作人员态度不好；窗口人员不耐烦", "phone": "13812345678"})
    ]
    assert any("TS-20261126-1A2B3C4D" in m for m in dismiss_overlays(Window))
    assert app.root.current == app.home_screen


def test_the_screen_still_asks_for_a_category_what_happened_and_a_phone(app: Any) -> None:
    from kivy.core.window import Window

    s = complaint_screen(app)
    assert s.body() is None and "请选择投诉类别" in dismiss_overlays(Window)
    s.choose("facilities")
    assert s.body() is None and "请选择或填写发生了什么" in dismiss_overlays(Window)
    s.ids.text.text = "空调太冷"
    for bad in ("", "1381234567", "12812345678", "\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"):
        s.ids.phone.text = bad
        assert s.body() is None and "请填写可以联系到您的电话号码" in dismiss_overlays(Window)
    s.ids.phone.text = "0755-26010101"
    assert s.body() == {"category": "facilities", "text": "空调太冷", "phone": "0755-26010101"}
    assert app.fake_link.sent == []
