"""The kiosk under test: the real app (offscreen Kivy) on a real queue server process, with
every device a byte-faithful simulator on a pseudo-terminal (``kiosk.hardware.SimulatedHall``).

``KioskRig.pump(until)`` runs Kivy's event loop (frames, clock, the link's posted answers)
until a condition holds; ``tap(widget)`` touches a widget at its centre through the window,
as a finger would (a covered or zero-size button does not get the touch).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.hall import HallProcess

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class KioskRig:
    def __init__(self, hall: HallProcess, state: Path, *, mode: str = "full", portrait: bool = False,
                 idle_s: float = 60.0, countdown_s: float = 10.0) -> None:
        from kivy.app import App
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from kiosk.__main__ import build_app
        from kiosk.config import simulated_config

        self.hall = hall
        keys = hall.var / "keys"
        self.settings = simulated_config(state, extra={
            "kiosk": {"id": "kiosk-1", "hall": "H01", "state_dir": str(state), "idle_s": idle_s,
                      "countdown_s": countdown_s},
            "server": {"router": hall.router, "pub": hall.pub, "server_key": str(keys / "server.key"),
                       "secret_key": str(keys / "devices" / "kiosk-1.key_secret")},
        })
        EventLoop.ensure_window()
        Window.size = (1080, 1920) if portrait else (1920, 1080)
        self.window = Window
        self.app = build_app(self.settings, mode=mode, portrait=portrait)
        self.app.link.watch_s = 0.5
        App._running_app = self.app
        self.app.root = self.app.build()
        Window.add_widget(self.app.root)
        self.app.on_start()
        self.sim = self.app.devices.sim
        self.pump(lambda: self.app.watch.connected and bool(self.app.catalogue.document), timeout=20)

    # ---------------------------------------------------------------- driving
    def pump(self, until: Callable[[], Any] | None = None, timeout: float = 10.0) -> Any:
        from kivy.base import EventLoop

        deadline = time.monotonic() + timeout
        while True:
            EventLoop.idle()
            if until is not None:
                value = until()
                if value:
                    return value
            # one reading of the clock: two could straddle the deadline, and a plain wait
            # (until=None) would then fail as if a condition had not been met
            past = time.monotonic() >= deadline
            if past and until is None:
                return None
            if past:
                raise AssertionError(f"not reached within {timeout} s (screen {self.screen.name}: {self.texts()})")
            time.sleep(0.01)

    def settle(self, seconds: float = 0.3) -> None:
        self.pump(None, timeout=seconds)

    def tap(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        assert widget.parent is not None, f"{widget} is no longer on screen"
        assert widget.opacity > 0 and not widget.disabled, f"{widget} is not there to tap"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump(None, timeout=0.05)

    def button(self, text: str, root: Any = None) -> Any:
        """The visible button saying ``text``, else the first whose text contains it (an
        overlay's before the screen's)."""
        from kiosk.widgets import KButton

        roots = [root] if root is not None else [*self.overlays(), self.screen]
        live = [w for r in roots for w in r.walk(restrict=True)
                if isinstance(w, KButton) and text in w.text and w.opacity > 0 and not w.disabled]
        if live:
            return min(live, key=lambda w: w.text != text)  # the first saying exactly that, else the first
        raise AssertionError(f"no button {text!r} on {self.screen.name}: {self.texts()}")

    def tap_text(self, text: str) -> None:
        self.pump(None, timeout=0.05)  # laid out first: an overlay that just opened moves into place
        self.tap(self.button(text))

    def overlays(self) -> list[Any]:
        from kivy.uix.modalview import ModalView

        return [w for w in self.window.children if isinstance(w, ModalView)]

    def dismiss_overlays(self) -> None:
        """Close every overlay at once (a fading one would still take the next tap)."""
        for o in self.overlays():
            o.dismiss(animation=False)
        self.pump(lambda: not self.overlays(), timeout=5)

    def texts(self, root: Any = None) -> list[str]:
        from kivy.uix.label import Label

        roots = [root] if root is not None else [*self.overlays(), self.screen]
        return [w.text for r in roots for w in r.walk(restrict=True) if isinstance(w, Label) and w.text]

    def shows(self, fragment: str) -> bool:
        return any(fragment in t for t in self.texts())

    @property
    def screen(self) -> Any:
        return self.app.root.current_screen

    def at(self, name: str, timeout: float = 10.0) -> None:
        self.pump(lambda: self.screen.name == name, timeout=timeout)

    def screenshot(self, name: str) -> Path:
        path = SCREENSHOTS / f"kiosk-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.settle(0.2)
        # The screen through its own framebuffer (the offscreen window's pixels do not follow a
        # resize), the open overlays laid over it where they are, dimming included.
        from PIL import Image

        root = self.app.root
        root.export_to_png(str(path))
        img = Image.open(path).convert("RGB")
        for o in self.overlays():
            card = path.with_suffix(".overlay.png")
            o.children[0].export_to_png(str(card))
            dim = Image.new("RGB", img.size, (0, 0, 0))
            img = Image.blend(img, dim, 0.55)
            box = o.children[0]
            top = int(root.height - (box.y + box.height))
            img.paste(Image.open(card).convert("RGB"), (int(box.x), top))
            card.unlink()
        img.save(path)
        return path

    def close(self) -> None:
        from kivy.app import App

        self.dismiss_overlays()
        self.app.dispatch("on_stop")  # also frees kv's app proxy for the next rig's app
        self.window.remove_widget(self.app.root)
        App._running_app = None
