"""呼叫工作人员: the call is on the hall's manager view; the kiosk says help is coming, or,
when the server cannot be reached, where to find staff."""

from __future__ import annotations

from ..link import Answer
from .base import KioskScreen


class HelpScreen(KioskScreen):
    title_key = "call_staff"

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)
        self.called: bool | None = None

    def refresh(self) -> None:
        self.ids.bar.title = self.title()
        self.ids.message.text = {
            None: self.app.tr("help_calling"),
            True: self.app.tr("staff_called"),
            False: self.app.tr("help_unreachable"),
        }[self.called]

    def on_pre_enter(self, *_a: object) -> None:
        self.called = None
        self.refresh()

    def answered(self, answer: Answer) -> None:
        self.called = answer.ok
        self.refresh()
        if self.app.elder:
            self.app.say(self.ids.message.text)
