"""Voice calling: the hall board's calls said offline, prepared ahead, played one after the other.

The speech itself (espeak-ng clips cached on disk, joining, the playback sinks, Mandarin number
readings) is :mod:`voice`, shared with the kiosk; what is the board's own is here:

- :class:`CallRenderer` says a call in two prepared parts: the number ("请 A零一二 号")
  rendered when the ticket is issued, and the window ("到 三号窗口 办理") rendered at
  start-up (Mandarin, optionally English). Joining is a copy of samples (well under a
  millisecond), so the speech of a call is ready before the clerk presses the key.
- :class:`Announcer` queues calls and plays them from one worker thread through a sink, so
  announcements never overlap or cut each other; every call is said ``repeats`` times, a
  recall ``recall_repeats`` times; volume scales the samples; in quiet hours the volume is
  ``quiet_volume`` (0: the call is logged and shown but not spoken).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice.chime import chime_file
from voice.readings import zh_count, zh_spell_number
from voice.render import SpeechRenderer, join_wavs
from voice.sinks import Sink

from .hallclock import zone
from .model import Call

SOUNDS = ("chime+speech", "speech", "chime")  # what a call sounds like; the first is the default

log = logging.getLogger(__name__)


class CallRenderer(SpeechRenderer):
    """The clips of calls: a number part and a window part per language (see the module docstring)."""

    def __init__(
        self,
        cache_dir: Path | str,
        *,
        languages: Iterable[str] = ("zh",),
        voice_zh: str = "cmn",
        voice_en: str = "en",
        speed: int = 150,
        espeak: str | None = None,
    ) -> None:
        super().__init__(cache_dir, voice_zh=voice_zh, voice_en=voice_en, speed=speed, espeak=espeak)
        self.languages = tuple(languages)

    # texts
    def number_texts(self, number: str) -> list[tuple[str, str]]:
        out = []
        for lang in self.languages:
            if lang == "zh":
                out.append(("zh", f"请 {zh_spell_number(number)} 号"))
            elif lang == "en":
                out.append(("en", f"Number {' '.join(number)},"))
        return out

    def window_texts(self, window: int, kind: str = "call") -> list[tuple[str, str]]:
        out = []
        for lang in self.languages:
            if lang == "zh":
                out.append(("zh", f"到 {zh_count(window)}号窗口 办理"))
            elif lang == "en":
                out.append(("en", f"please go to window {window}."))
        return out

    def prepare_number(self, number: str) -> None:
        for lang, text in self.number_texts(number):
            self.clip(lang, text)

    def prepare_window(self, window: int) -> None:
        for lang, text in self.window_texts(window):
            self.clip(lang, text)

    def number_ready(self, number: str, window: int) -> bool:
        return self.is_ready(self.number_texts(number) + self.window_texts(window))

    def compose(self, call: Call, out: Path, volume: float = 1.0, sound: str = "speech") -> Path:
        """Join the chime and/or the number and window parts (per language) into one WAV at
        ``volume`` (0..1); ``sound`` is one of :data:`SOUNDS`."""
        parts: list[Path] = [chime_file(self.cache_dir)] if sound.startswith("chime") else []
        if sound == "chime":
            return join_wavs(parts, out, volume=volume)
        num = dict(self.number_texts(call.number))
        win = dict(self.window_texts(call.window))
        for lang in self.languages:
            parts += [self.clip(lang, num[lang]), self.clip(lang, win[lang])]
        return join_wavs(parts, out, volume=volume, pause_s=0.15)


# ------------------------------------------------------------------------ announcer
@dataclass
class VoiceSettings:
    repeats: int = 2
    recall_repeats: int = 2
    volume: float = 1.0  # 0..1 (scales the samples)
    quiet_hours: list[tuple[dt.time, dt.time]] = field(default_factory=list)
    quiet_volume: float = 0.0  # volume in quiet hours; 0 = do not speak
    pause_s: float = 0.5  # between repeats and between announcements
    sound: str = SOUNDS[0]  # chime before speech, speech alone, or the chime alone (no voice)

    def __post_init__(self) -> None:
        if self.sound not in SOUNDS:
            raise ValueError(f"sound must be one of {', '.join(SOUNDS)}, not {self.sound!r}")

    @property
    def speaks(self) -> bool:
        return self.sound != "chime"

    @staticmethod
    def parse_quiet_hours(spec: str) -> list[tuple[dt.time, dt.time]]:
        """'12:00-13:30,18:00-08:30' -> [(12:00, 13:30), (18:00, 08:30)] (may cross midnight)."""
        out = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            a, b = part.split("-")
            out.append((dt.time.fromisoformat(a.strip()), dt.time.fromisoformat(b.strip())))
        return out

    def volume_at(self, now: dt.time) -> float:
        for a, b in self.quiet_hours:
            inside = a <= now < b if a <= b else (now >= a or now < b)
            if inside:
                return self.quiet_volume
        return self.volume


class Announcer:
    """Queue of calls spoken one after the other; clips prepared ahead by a second thread."""

    def __init__(
        self,
        renderer: CallRenderer,
        sink: Sink,
        settings: VoiceSettings | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        on_start: Callable[[Call, dict[str, Any]], None] | None = None,
    ) -> None:
        self.renderer = renderer
        self.sink = sink
        self.settings = settings or VoiceSettings()
        #: the hall's zone (DisplayLink sets it from hall.info): quiet hours are the hall's hours
        self.tz: dt.tzinfo = zone(None)
        self.clock = clock or (lambda: dt.datetime.now(self.tz))
        self.on_start = on_start
        self.announced = 0
        self.prepared_before = 0  # calls whose clips were ready when the call came
        self.muted = 0
        self.history: list[dict[str, Any]] = []
        self._plays: queue.Queue[tuple[Call, bool, float] | None] = queue.Queue()
        self._prep: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self._prepared_numbers: set[str] = set()
        self._closed = False
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._player = threading.Thread(target=self._play_loop, name="announcer", daemon=True)
        self._preparer = threading.Thread(target=self._prep_loop, name="announcer-prepare", daemon=True)
        self._player.start()
        self._preparer.start()

    # called from the UI / subscriber thread: never blocks
    def prepare_number(self, number: str) -> None:
        if not self.settings.speaks:
            return  # chime only: no speech to prepare
        if number and number not in self._prepared_numbers:
            self._prepared_numbers.add(number)
            self._prep.put(("number", number))

    def prepare_windows(self, windows: Iterable[int]) -> None:
        if not self.settings.speaks:
            return
        for w in windows:
            self._prep.put(("window", int(w)))

    def announce(self, call: Call) -> None:
        ready = not self.settings.speaks or self.renderer.number_ready(call.number, call.window)
        with self._pending_lock:
            self._pending += 1
            self._idle.clear()
        self._plays.put((call, ready, time.time()))

    def wait_idle(self, timeout: float = 60) -> bool:
        """Block until every queued announcement has been played (tests, shutdown)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._closed = True
        self._plays.put(None)
        self._prep.put(None)
        self._player.join(10)
        self._preparer.join(10)

    # workers
    def _prep_loop(self) -> None:
        while True:
            job = self._prep.get()
            if job is None:
                return
            kind, arg = job
            try:
                if kind == "number":
                    self.renderer.prepare_number(arg)
                else:
                    self.renderer.prepare_window(arg)
            except Exception:
                log.exception("preparing speech for %s %s failed", kind, arg)

    def _play_loop(self) -> None:
        while True:
            job = self._plays.get()
            if job is None:
                return
            call, ready, received = job
            try:
                self._say(call, ready, received)
            except Exception:
                log.exception("announcing %s at window %s failed", call.number, call.window)
            with self._pending_lock:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    def _say(self, call: Call, ready: bool, received: float) -> None:
        s = self.settings
        volume = s.volume_at(self.clock().time())
        meta: dict[str, Any] = {
            "number": call.number, "window": call.window, "kind": call.kind,
            "prepared": ready, "received": received, "sound": s.sound,
        }
        self.announced += 1
        self.prepared_before += int(ready)
        if volume <= 0:
            self.muted += 1
            self.history.append({**meta, "muted": True})
            return
        name = f"{call.number}-w{call.window}-{call.kind}-{self.announced}.wav"
        path = self.renderer.compose(call, self.renderer.cache_dir / "calls" / name, volume, s.sound)
        repeats = s.recall_repeats if call.kind == "recall" else s.repeats
        for i in range(max(1, repeats)):
            m = {**meta, "repeat": i + 1, "volume": volume}
            if i == 0 and self.on_start is not None:
                self.on_start(call, m)
            self.sink.play(path, m)
            self.history.append(m)
            if self._closed:
                return
            time.sleep(s.pause_s * getattr(self.sink, "time_scale", 1.0))
        with contextlib.suppress(OSError):
            # keep the last few composed files only (they are for playback, not a record)
            old = sorted((self.renderer.cache_dir / "calls").glob("*.wav"), key=lambda p: p.stat().st_mtime)
            for p in old[:-50]:
                p.unlink()
