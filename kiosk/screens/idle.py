"""Overlays: the idle countdown (还需要更多时间吗？), the elder-mode offer, a notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, RoundedRectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from .. import theme
from ..widgets import KButton, KLabel


class Overlay(ModalView):
    """A modal card in the middle of the screen; taps outside do not close it (a visitor's
    stray touch must not lose the question). It closes at once, not fading: a fading overlay
    would swallow the visitor's next tap."""

    def __init__(self, **kw: Any) -> None:
        # The screen behind is dimmed (overlay_color); the card itself is drawn by the box, on
        # the CARD colour its texts are checked against (background_color would tint Kivy's
        # own dark panel image, on which the questions could not be read).
        super().__init__(
            auto_dismiss=False,
            size_hint=(0.8, None),
            overlay_color=(0, 0, 0, 0.55),
            background="",
            background_color=(0, 0, 0, 0),
            **kw,
        )
        self.app = App.get_running_app()
        self.box = BoxLayout(orientation="vertical", padding=dp(24), spacing=dp(16), size_hint_y=None)
        with self.box.canvas.before:
            Color(*theme.CARD)
            card = RoundedRectangle(radius=[dp(12)])
        self.box.bind(pos=lambda _w, p: setattr(card, "pos", p), size=lambda _w, sz: setattr(card, "size", sz))
        self.box.bind(minimum_height=self.box.setter("height"))
        self.box.bind(height=lambda _w, h: setattr(self, "height", h))
        self.add_widget(self.box)

    def line(self, text: str, *, big: bool = False) -> KLabel:
        label = KLabel(text=text, bg=theme.CARD, halign="center",
                       font_size=dp(self.app.sizes.main if big else self.app.sizes.text))
        self.box.add_widget(label)
        return label

    def button(self, text: str, action: Callable[[], None], role: str = "primary") -> KButton:
        b = KButton(text=text, role=role)
        b.bind(on_release=lambda _b: (self.dismiss(animation=False), action()))
        self.box.add_widget(b)
        return b


class IdleCountdown(Overlay):
    def __init__(self, seconds: float, *, on_more: Callable[[], None], on_timeout: Callable[[], None]) -> None:
        super().__init__()
        self.left = int(seconds)
        self.on_timeout = on_timeout
        self.line(self.app.tr("idle_more_time"), big=True)
        self.count = self.line(self.app.tr("idle_returning", seconds=self.left))
        self.more = self.button(self.app.tr("idle_continue"), on_more)
        self.button(self.app.tr("idle_done"), on_timeout, role="secondary")
        self._tick = Clock.schedule_interval(self._second, 1)
        self.bind(on_dismiss=lambda *_a: self._tick.cancel())
        self.app.say(self.app.tr("idle_more_time"))

    def _second(self, _dt: float) -> None:
        self.left -= 1
        if self.left <= 0:
            self.dismiss(animation=False)
            self.on_timeout()
        else:
            self.count.text = self.app.tr("idle_returning", seconds=self.left)


class ElderOffer(Overlay):
    def __init__(self, *, on_yes: Callable[[], None]) -> None:
        super().__init__()
        self.line(self.app.tr("elder_offer"), big=True)
        self.yes = self.button(self.app.tr("elder_yes"), on_yes)
        self.no = self.button(self.app.tr("elder_no"), lambda: None, role="secondary")


class Notice(Overlay):
    def __init__(self, message: str, *, alert: bool = False) -> None:
        super().__init__()
        self.message = message
        self.line(message, big=True)
        self.ok = self.button(self.app.tr("ok"), lambda: None, role="alert" if alert else "primary")
