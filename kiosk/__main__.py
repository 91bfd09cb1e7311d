"""``python -m kiosk --config FILE [--mode full|print-station] [--portrait]``: the kiosk app.

Devices are real or simulated as the config file says (``port = "simulated"``); with no
screen Kivy renders offscreen. ``--screenshot PNG`` saves the home screen after a few
seconds and exits (what ``make demo`` and the README use to show a kiosk with no screen).
With ``KIOSK_STARTUP_MARKS=1`` in the environment it prints, for ``bench/kiosk.py``, a line
``KIOSK-MARK home <time.time()>`` at the first frame drawn on the home screen, one
``KIOSK-MARK ready <t>`` once it is also connected with the catalogue in hand, and
``KIOSK-MARK threads {native id: name}`` then and on each SIGUSR1, with
``KIOSK-MARK frames <frames drawn so far>``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from protocol.logmask import install as install_log_mask

from .config import ConfigError, KioskSettings, load_config


def build_app(s: KioskSettings, *, mode: str | None = None, portrait: bool = False) -> Any:
    """The app with its link, catalogue, devices and speech, from ``KioskSettings``."""
    from protocol import HallClient

    from .app import KioskApp, post
    from .catalogue_cache import CatalogueCache
    from .catalogue_view import KioskCatalogue
    from .hardware import KioskDevices
    from .link import ServerLink
    from .speech import Speaker, auto_backend

    curve = s.server.curve_keys() if s.server.server_key or s.server.secret_key else None
    router = s.server.router
    link = ServerLink(router, curve=curve, post=post)
    catalogue = KioskCatalogue(
        CatalogueCache(s.state_dir),
        lambda: HallClient(router, curve=curve, timeout=2.0, retries=1, checked=True),
    )
    return KioskApp(
        link=link,
        devices=KioskDevices(s),
        catalogue=catalogue,
        speech=Speaker(auto_backend(s.state_dir)),
        mode=mode or s.mode,
        portrait=portrait,
        idle_s=s.idle_s,
        countdown_s=s.countdown_s,
        kiosk_id=s.kiosk_id,
    )


def startup_marks(app: Any) -> None:
    """The ``KIOSK_STARTUP_MARKS`` lines on stdout (see the module's docstring); nothing stays
    scheduled once both are printed."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    seen: set[str] = set()
    drawn = [0]

    def threads(*_a: Any) -> None:
        names = {t.native_id: t.name for t in threading.enumerate()}
        print(f"KIOSK-MARK frames {drawn[0]}\nKIOSK-MARK threads {json.dumps(names)}", flush=True)

    def counted(*_a: Any) -> None:
        drawn[0] += 1

    def mark(what: str) -> None:
        seen.add(what)
        print(f"KIOSK-MARK {what} {time.time():.6f}", flush=True)
        if what == "ready":
            threads()

    def ready() -> bool:
        return bool(app.watch.connected and app.catalogue is not None and app.catalogue.document)

    def flipped(*_a: Any) -> None:
        if app.root is None or app.root.current != app.home_screen:
            return
        if "home" not in seen:
            mark("home")
        if "ready" not in seen and ready():
            mark("ready")
        if "ready" in seen:
            Window.unbind(on_flip=flipped)

    def check(_dt: float) -> bool:
        # the ready state may change nothing on the home screen, hence no frame to wait for
        if "home" in seen and "ready" not in seen and ready():
            mark("ready")
        return "ready" not in seen

    Window.bind(on_flip=flipped)
    Window.bind(on_flip=counted)
    Clock.schedule_interval(check, 0.05)
    signal.signal(signal.SIGUSR1, threads)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, type=Path, help="the kiosk's TOML file (config/kiosk.example.toml)")
    ap.add_argument("--mode", choices=("full", "print-station"), default=None)
    ap.add_argument("--portrait", action="store_true", help="1080×1920 instead of 1920×1080")
    ap.add_argument("--screenshot", type=Path, default=None, help="save the home screen as PNG and exit")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_mask()

    try:
        settings = load_config(args.config)
    except ConfigError as e:
        print(f"{args.config}: {e}", file=sys.stderr)
        return 2
    from kivyenv import prepare_environment

    prepare_environment()
    from kivy.config import Config

    w, h = (1080, 1920) if args.portrait else (1920, 1080)
    Config.set("graphics", "width", str(w))
    Config.set("graphics", "height", str(h))
    app = build_app(settings, mode=args.mode, portrait=args.portrait)
    if os.environ.get("KIOSK_STARTUP_MARKS"):
        startup_marks(app)
    if args.screenshot is not None:
        from kivy.clock import Clock

        def shoot(_dt: float) -> None:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            app.root.export_to_png(str(args.screenshot))
            app.stop()

        Clock.schedule_once(shoot, 4)
    # SIGTERM (systemd's stop, bench/kiosk.py) ends the app as closing it does: devices and
    # simulators stopped, the link closed
    signal.signal(signal.SIGTERM, lambda *_a: _stop_soon(app))
    app.run()
    return 0


def _stop_soon(app: Any) -> None:
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: app.stop(), 0)


if __name__ == "__main__":
    sys.exit(main())
