"""Kivy apps: one per screen kind (window screen, hall board), driven by a DisplayLink."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivyenv import prepare_environment, register_fonts

prepare_environment()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from .runtime import DisplayLink  # noqa: E402

register_fonts()
log = logging.getLogger(__name__)

# The loop sleeps in the ZeroMQ poll (DisplayApp._poll), so it wakes the moment an event comes
# and otherwise turns about ten times a second; Kivy's own 60 turns a second cost 3.5 % of a
# core on a window screen showing nothing new. A frame that took this long is not slept after.
IDLE_WAIT_S = 0.1  # the longest the loop sleeps waiting for an event
TICK_S = 0.5  # the board's clock, banner flash and notice pages are looked at this often


def _no_clear() -> None:
    pass


def prepare_upcoming(root: Any, link: DisplayLink, kind: str, window_number: int = 0) -> None:
    """Render the text of numbers that may be called next, a little each frame (prerender.py)."""
    model = link.model
    while link.upcoming:
        number, stream = link.upcoming.popleft()
        if kind == "board":
            root.prepare(model, number, stream)
        elif not stream or model.window(window_number).stream == stream:
            root.prepare(number)
            break  # one big number a frame at most
    if kind == "board":
        root.work()


class DisplayApp(App):
    """``kind`` is ``window`` or ``board``; the link is polled from Kivy's clock."""

    def __init__(self, link: DisplayLink, kind: str, *, window_number: int = 1, portrait: bool = False,
                 screenshot: Path | None = None, screenshot_after: float = 3.0, photos: Path | None = None,
                 last_calls: int = 10, **kw: Any) -> None:
        super().__init__(**kw)
        self.link = link
        self.kind = kind
        self.window_number = window_number
        self.portrait = portrait
        self.screenshot = screenshot
        self.screenshot_after = screenshot_after
        self.photos = photos
        self.last_calls = last_calls
        self.title = f"Window {window_number}" if kind == "window" else "Hall board"
        # Just before the frame is drawn, the socket is read once more: a call that came while
        # the loop refreshed or prepared text is in this frame, not in one a poll's wait later.
        self._look_again = Clock.create_trigger(self._catch_up, -1)

    def build(self):  # type: ignore[no-untyped-def]
        Window.clearcolor = (0.03, 0.08, 0.18, 1)
        if self.kind == "window":
            from .window_screen import WindowScreen

            root = WindowScreen(window_number=self.window_number, photos_dir=str(self.photos or ""))
        else:
            from .board import HallBoard

            root = HallBoard(portrait=self.portrait, last_calls=max(1, self.last_calls))
            Clock.schedule_interval(self._tick, TICK_S)
            # The board clears the screen to its colour itself (HallBoard.__init__); the window's
            # own clear, of the colour again and of depth and stencil buffers the board never
            # uses, cost 13 ms of CPU a 1920×1080 frame in software rendering.
            Window.clear = _no_clear
        Clock.schedule_interval(self._poll, 0)  # every turn of the loop
        if self.screenshot is not None:
            Clock.schedule_once(self._shoot, self.screenshot_after)
        return root

    def _poll(self, _dt: float) -> None:
        # Sleep here, in the ZeroMQ poll, unless text is waiting to be prepared.
        busy = bool(self.link.upcoming) or self.root.has_work()
        try:
            self.link.poll(0 if busy else IDLE_WAIT_S)
        except Exception:
            log.exception("display link poll failed")
        self._show_news()
        prepare_upcoming(self.root, self.link, self.kind, self.window_number)
        self._look_again()

    def _catch_up(self, _dt: float) -> None:
        try:
            self.link.poll(0)
        except Exception:
            log.exception("display link poll failed")
        self._show_news()

    def _show_news(self) -> None:
        # A call is drawn at once; the board's other changes wait for its next tick (TICK_S),
        # drawn together: each is a whole frame in software rendering, and a frame still being
        # drawn when a call comes delays the call's.
        if self.root.has_news(self.link.model):
            self.root.refresh(self.link.model)

    def _tick(self, dt: float) -> None:
        self.root.refresh(self.link.model)
        self.root.tick(dt)

    def _shoot(self, _dt: float) -> None:
        assert self.screenshot is not None
        self.screenshot.parent.mkdir(parents=True, exist_ok=True)
        self.root.export_to_png(str(self.screenshot))
        self.stop()

    def on_stop(self) -> None:
        self.link.close()
        if self.link.announcer is not None:
            self.link.announcer.close()
