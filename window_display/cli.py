"""Command line: ``python -m window_display window --number 3`` / ``python -m window_display board``."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from protocol import logmask


def build_parser() -> argparse.ArgumentParser:
    from .announcer import SOUNDS

    parser = argparse.ArgumentParser(prog="python -m window_display",
                                     description="Window screens and the hall board (窗口屏 / 大厅综合屏)")
    sub = parser.add_subparsers(dest="screen", required=True)
    for name, help_ in (("window", "the screen above one window"), ("board", "the hall's large board")):
        p = sub.add_parser(name, help=help_)
        if name == "window":
            p.add_argument("--number", type=int, required=True, help="the window's number")
            p.add_argument("--photos", type=Path, default=None,
                           help="the hall's staff photos: <staff_no>.jpg or .png, shown beside the officer's name")
        else:
            p.add_argument("--portrait", action="store_true", help="portrait layout (e.g. 1080×1920)")
            p.add_argument("--last-calls", type=int, default=10, help="rows of the last calls list (newest first)")
        p.add_argument("--router", default="tcp://127.0.0.1:5570", help="queue server request address")
        p.add_argument("--pub", default="tcp://127.0.0.1:5571", help="queue server event address")
        p.add_argument("--hall", default=None, help="hall code (default: the hall the server serves)")
        p.add_argument("--keys", type=Path, default=Path("var/keys"),
                       help="the var folder's keys: server.key and devices/<name>.key_secret, as python -m queue_server "
                       "device enroll makes them (default var/keys; the demo's are in var/demo/keys)")
        p.add_argument("--name", default=None, help="enrolled device name (default board-1 / window-<n>)")
        p.add_argument("--insecure", action="store_true", help="no CURVE (a server started with --insecure)")
        p.add_argument("--size", default=None, help="window size WxH (default 1280x720 / 1920x1080)")
        p.add_argument("--fullscreen", action="store_true")
        voice = p.add_mutually_exclusive_group()
        voice.add_argument("--voice", dest="voice", action="store_true", default=(name == "board"),
                           help="speak calls (default: on for the board, off for window screens)")
        voice.add_argument("--no-voice", dest="voice", action="store_false")
        p.add_argument("--english", action="store_true", help="announce in English after Mandarin")
        p.add_argument("--sound", choices=SOUNDS, default=SOUNDS[0],
                       help="a call's sound: the chime then speech (default), speech alone, or the chime alone")
        p.add_argument("--repeats", type=int, default=2, help="times each call is said")
        p.add_argument("--recall-repeats", type=int, default=2, help="times a recall is said")
        p.add_argument("--volume", type=float, default=1.0, help="0..1")
        p.add_argument("--quiet-hours", default="", help="e.g. 12:00-13:30 (comma-separated ranges)")
        p.add_argument("--quiet-volume", type=float, default=0.0, help="volume in quiet hours (0: silent)")
        p.add_argument("--audio-dir", type=Path, default=Path("var/voice"), help="speech clip cache")
        p.add_argument("--sink", choices=["auto", "record"], default="auto",
                       help="auto: aplay if a sound card exists, else record to <audio-dir>/playback.jsonl")
        p.add_argument("--screenshot", type=Path, default=None, help="save a PNG after --after seconds and exit")
        p.add_argument("--after", type=float, default=3.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logmask.install()  # ID numbers masked in every log line
    default_size = "1280x720" if args.screen == "window" else ("1080x1920" if args.portrait else "1920x1080")
    w, h = (int(x) for x in (args.size or default_size).lower().split("x"))
    os.environ.setdefault("KIVY_WINDOW_SIZE", f"{w}x{h}")
    from kivyenv import prepare_environment

    prepare_environment()
    from kivy.config import Config

    Config.set("graphics", "width", str(w))
    Config.set("graphics", "height", str(h))
    Config.set("graphics", "fullscreen", "auto" if args.fullscreen else "0")

    from voice.sinks import RecordingSink, auto_sink

    from .announcer import Announcer, CallRenderer, VoiceSettings
    from .runtime import DisplayLink, Endpoints

    name = args.name or ("board-1" if args.screen == "board" else f"window-{args.number}")
    endpoints = Endpoints(router=args.router, pub=args.pub, hall=args.hall)
    if not args.insecure:
        endpoints = Endpoints.from_keys_dir(args.keys, name, router=args.router, pub=args.pub, hall=args.hall)
    announcer = None
    if args.voice:
        args.audio_dir.mkdir(parents=True, exist_ok=True)
        renderer = CallRenderer(args.audio_dir, languages=("zh", "en") if args.english else ("zh",))
        log_path = args.audio_dir / "playback.jsonl"
        sink = RecordingSink(log_path) if args.sink == "record" else auto_sink(log_path)
        settings = VoiceSettings(
            repeats=args.repeats, recall_repeats=args.recall_repeats, volume=args.volume,
            quiet_hours=VoiceSettings.parse_quiet_hours(args.quiet_hours), quiet_volume=args.quiet_volume,
            sound=args.sound,
        )
        announcer = Announcer(renderer, sink, settings)
    link = DisplayLink(
        endpoints, announcer=announcer,
        announce_windows={args.number} if args.screen == "window" else None,
    )
    from kivy.core.window import Window

    from .app import DisplayApp

    Window.size = (w, h)
    DisplayApp(
        link, args.screen,
        window_number=getattr(args, "number", 1), portrait=getattr(args, "portrait", False),
        photos=getattr(args, "photos", None), last_calls=getattr(args, "last_calls", 10),
        screenshot=args.screenshot, screenshot_after=args.after,
    ).run()
    return 0
