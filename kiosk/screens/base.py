"""What every kiosk screen has: a title (spoken in elder mode), a refresh from the visit
when it is entered, and the app's back and home."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    title_key = ""
    """The ``kiosk.texts`` key of the screen's title (shown in the top bar, spoken in elder mode)."""

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def title(self) -> str:
        return self.app.tr(self.title_key) if self.title_key else ""

    def on_pre_enter(self, *_a: Any) -> None:
        self.refresh()

    def on_enter(self, *_a: Any) -> None:
        if self.app.elder:
            self.app.say(self.title())

    def refresh(self) -> None:
        """Fill the screen from ``app.visit`` (and what the server said); no I/O here."""
