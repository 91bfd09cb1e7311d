"""Displays under test: links to a real server, Kivy widgets, an announcer recording playback."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests
from PIL import Image

from tests.support.hall import HallProcess
from voice.sinks import RecordingSink
from window_display.announcer import Announcer, CallRenderer, VoiceSettings
from window_display.runtime import DisplayLink, Endpoints

TIME_SCALE = 0.05  # the recording sink waits 5 % of each clip's real length


def endpoints(hall: HallProcess, name: str | None, pub: str | None = None) -> Endpoints:
    if name is None:  # insecure server
        return Endpoints(router=hall.router, pub=pub or hall.pub)
    return Endpoints.from_keys_dir(hall.var / "keys", name, router=hall.router, pub=pub or hall.pub)


def make_announcer(voice_dir: Path, **settings: Any) -> tuple[Announcer, RecordingSink]:
    sink = RecordingSink(voice_dir / "playback.jsonl", time_scale=TIME_SCALE)
    settings.setdefault("pause_s", 0.2)
    return Announcer(CallRenderer(voice_dir), sink, VoiceSettings(**settings)), sink


@dataclass
class Rig:
    """A hall board (with voice) and a window screen, each with its own link, like two boxes."""

    board_link: DisplayLink
    window_link: DisplayLink
    board: Any
    screen: Any
    sink: RecordingSink
    links: list[DisplayLink] = field(default_factory=list)

    def pump(self, until: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
        """Drive links, widgets and Kivy's loop until ``until()``; fail after ``timeout`` (no timing asserted)."""
        from kivy.base import EventLoop

        from window_display.app import prepare_upcoming

        deadline = time.monotonic() + timeout
        while True:  # what DisplayApp does each frame
            for link in (self.board_link, self.window_link):
                link.poll(0.01)
            self.board.refresh(self.board_link.model)
            self.board.tick(0.02)
            prepare_upcoming(self.board, self.board_link, "board")
            self.screen.refresh(self.window_link.model)
            prepare_upcoming(self.screen, self.window_link, "window", 3)
            EventLoop.idle()
            if until():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")

    def close(self) -> None:
        for link in (self.board_link, self.window_link):
            if link.announcer is not None:
                link.announcer.close()
            link.close()


def make_rig(hall: HallProcess, voice_dir: Path, kivy_window: Any, *, secure: bool = True,
             board_pub: str | None = None) -> Rig:
    from window_display.board import HallBoard
    from window_display.window_screen import WindowScreen

    announcer, sink = make_announcer(voice_dir)
    board_link = DisplayLink(endpoints(hall, "board-1" if secure else None, board_pub), announcer=announcer,
                             heartbeat_timeout=2.5)
    window_link = DisplayLink(endpoints(hall, "window-3" if secure else None), heartbeat_timeout=2.5)
    kivy_window.clear()
    for child in list(kivy_window.children):
        kivy_window.remove_widget(child)
    board = HallBoard(size_hint=(None, None), size=(1920, 1080))
    screen = WindowScreen(window_number=3, size_hint=(None, None), size=(1280, 720))
    kivy_window.add_widget(board)
    kivy_window.add_widget(screen)
    return Rig(board_link, window_link, board, screen, sink)


# ------------------------------------------------------------------ server actions
def issue(hall: HallProcess, item: str = "C-JY-001") -> dict[str, Any]:
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def call_next(hall: HallProcess, token: str, window: int) -> dict[str, Any]:
    """Call the next visitor; the one called before at the window came to it (is started):
    calling over a visitor who never came would send them back in line (the recall rules)."""
    auth = {"Authorization": f"Bearer {token}"}
    queue = requests.get(f"{hall.http}/api/v1/queue", headers=auth, timeout=10).json()
    current = next((w["current"] for w in queue["windows"] if w["number"] == window), None)
    if current and current["state"] == "called":
        started = requests.post(f"{hall.http}/api/v1/tickets/{current['id']}/start", headers=auth, timeout=10)
        assert started.status_code == 200, started.text
    r = requests.post(f"{hall.http}/api/v1/windows/{window}/call-next",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["ticket"]


def recall(hall: HallProcess, token: str, ticket: str) -> None:
    r = requests.post(f"{hall.http}/api/v1/tickets/{ticket}/recall",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text


# ------------------------------------------------------------------ screenshots
def shoot(widget: Any, path: Path) -> Image.Image:
    """Lay out and draw a frame, then save the widget as it is drawn."""
    from kivy.base import EventLoop

    for _ in range(3):  # layouts settle over a frame or two
        EventLoop.idle()
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.export_to_png(str(path))
    return Image.open(path).convert("RGB")


def region(img: Image.Image, root: Any, child: Any) -> Image.Image:
    """The part of a widget's screenshot covered by ``child`` (Kivy's y axis points up)."""
    x0 = int(child.x - root.x)
    top = int(root.height - (child.top - root.y))
    return img.crop((x0, top, x0 + int(child.width), top + int(child.height)))


def share(img: Image.Image, test: Callable[[np.ndarray], np.ndarray]) -> float:
    """Share of the image's pixels for which ``test`` (on an H×W×3 array) holds."""
    px = np.asarray(img.convert("RGB")).astype(int)
    return float(test(px).mean()) if px.size else 0.0


def is_red(p: np.ndarray) -> np.ndarray:
    return (p[..., 0] > 160) & (p[..., 1] < 60) & (p[..., 2] < 60)


def is_yellow(p: np.ndarray) -> np.ndarray:
    return (p[..., 0] > 200) & (p[..., 1] > 190) & (p[..., 2] < 120)


# ------------------------------------------------------------------ lossy wire
class DroppingProxy:
    """Between the server's PUB and a display's SUB: forwards events, drops those ``drop`` picks.

    Runs in a thread; for an insecure (no CURVE) server only.
    """

    def __init__(self, upstream: str, drop: Callable[[dict[str, Any]], bool]) -> None:
        import threading

        import zmq

        from tests.support.hall import free_port

        self.port = free_port()
        self.endpoint = f"tcp://127.0.0.1:{self.port}"
        self.drop = drop
        self.dropped: list[dict[str, Any]] = []
        self._ctx = zmq.Context()
        self._sub = self._ctx.socket(zmq.SUB)
        self._sub.setsockopt(zmq.SUBSCRIBE, b"")
        self._sub.connect(upstream)
        self._pub = self._ctx.socket(zmq.PUB)
        self._pub.bind(self.endpoint)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import json

        import zmq

        while not self._stop.is_set():
            if not self._sub.poll(50):
                continue
            frames = self._sub.recv_multipart(zmq.NOBLOCK)
            event = json.loads(frames[-1])
            if event.get("type") != "heartbeat" and self.drop(event):
                self.dropped.append(event)
                continue
            self._pub.send_multipart(frames)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sub.close(0)
        self._pub.close(0)
        self._ctx.term()
