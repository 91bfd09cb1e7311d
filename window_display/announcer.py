"""Voice calling: offline speech clips prepared ahead, played one after the other.

- :class:`SpeechRenderer` makes WAV clips with Debian's ``espeak-ng`` (Mandarin voice ``cmn``,
  optionally English). An announcement is joined from two prepared parts: the number
  ("请 A零一二 号") rendered when the ticket is issued, and the window ("到 三号窗口 办理")
  rendered at start-up. Joining is a copy of samples (well under a millisecond), so the
  speech of a call is ready before the clerk presses the key.
- :class:`Announcer` queues calls and plays them from one worker thread through a sink, so
  announcements never overlap or cut each other; every call is said ``repeats`` times, a
  recall ``recall_repeats`` times; volume scales the samples; in quiet hours the volume is
  ``quiet_volume`` (0: the call is logged and shown but not spoken).
- Sinks: :class:`AplaySink` (ALSA ``aplay``, when a sound card exists) and
  :class:`RecordingSink` (no audio device: records what would play, with wall-clock start and
  end, and waits the clip's duration so that timing stays real).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import queue
import shutil
import subprocess
import threading
import time
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .model import Call

log = logging.getLogger(__name__)

ZH_DIGITS = "零一二三四五六七八九"


def zh_spell_number(number: str) -> str:
    """A012 -> 'A 零一二' (digits one by one, as halls call them)."""
    letters = number.rstrip("0123456789")
    digits = number[len(letters):]
    return f"{letters} {''.join(ZH_DIGITS[int(c)] for c in digits)}".strip()


def zh_count(n: int) -> str:
    """Window numbers as said in Mandarin: 3 -> 三, 12 -> 十二, 20 -> 二十, 105 -> 一零五."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")
    return "".join(ZH_DIGITS[int(c)] for c in str(n))


def wav_duration(path: Path | str) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


class SpeechRenderer:
    """espeak-ng clips, cached on disk by text, voice and speed (see the module docstring)."""

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
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.languages = tuple(languages)
        self.voices = {"zh": voice_zh, "en": voice_en}
        self.speed = speed
        self.espeak = espeak or shutil.which("espeak-ng") or "espeak-ng"
        self._lock = threading.Lock()
        self._rendering: dict[Path, threading.Event] = {}

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

    def _path(self, lang: str, text: str) -> Path:
        h = hashlib.sha1(f"{self.voices[lang]}|{self.speed}|{text}".encode()).hexdigest()[:16]
        return self.cache_dir / f"{lang}-{h}.wav"

    def clip(self, lang: str, text: str) -> Path:
        """The clip of ``text``, rendered now if not cached (only one render per text at a time)."""
        path = self._path(lang, text)
        if path.exists():
            return path
        with self._lock:
            busy = self._rendering.get(path)
            mine = busy is None
            if mine:
                busy = self._rendering[path] = threading.Event()
        if not mine:
            busy.wait(30)
            return path
        try:
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            subprocess.run(
                [self.espeak, "-v", self.voices[lang], "-s", str(self.speed), "-w", str(tmp), text],
                check=True, capture_output=True, timeout=30,
            )
            os.replace(tmp, path)
        finally:
            with self._lock:
                self._rendering.pop(path, None)
            busy.set()
        return path

    def is_ready(self, parts: list[tuple[str, str]]) -> bool:
        return all(self._path(lang, text).exists() for lang, text in parts)

    def prepare_number(self, number: str) -> None:
        for lang, text in self.number_texts(number):
            self.clip(lang, text)

    def prepare_window(self, window: int) -> None:
        for lang, text in self.window_texts(window):
            self.clip(lang, text)

    def number_ready(self, number: str, window: int) -> bool:
        return self.is_ready(self.number_texts(number) + self.window_texts(window))

    def compose(self, call: Call, out: Path, volume: float = 1.0) -> Path:
        """Join number and window parts (per language) into one WAV at ``volume`` (0..1)."""
        parts: list[Path] = []
        num = dict(self.number_texts(call.number))
        win = dict(self.window_texts(call.window))
        for lang in self.languages:
            parts += [self.clip(lang, num[lang]), self.clip(lang, win[lang])]
        return join_wavs(parts, out, volume=volume, pause_s=0.15)


def join_wavs(parts: list[Path], out: Path, *, volume: float = 1.0, pause_s: float = 0.0) -> Path:
    """Concatenate mono 16-bit WAVs of one rate (resampling is not needed: one voice engine)."""
    chunks = []
    rate = None
    for p in parts:
        with wave.open(str(p), "rb") as w:
            if rate is None:
                rate = w.getframerate()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            chunks.append(samples)
            if pause_s:
                chunks.append(np.zeros(int(w.getframerate() * pause_s), dtype="<i2"))
    data = np.concatenate(chunks) if chunks else np.zeros(0, dtype="<i2")
    if volume != 1.0:
        data = np.clip(data.astype(np.float32) * max(0.0, volume), -32768, 32767).astype("<i2")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{threading.get_ident()}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate or 22050)
        w.writeframes(data.tobytes())
    os.replace(tmp, out)
    return out


# ---------------------------------------------------------------------------- sinks
class Sink(Protocol):
    def play(self, path: Path, meta: dict[str, Any]) -> None:
        """Play ``path`` and return when it has finished."""


class AplaySink:
    """ALSA playback through ``aplay`` (Debian alsa-utils)."""

    def __init__(self, device: str | None = None) -> None:
        self.device = device

    @staticmethod
    def available() -> bool:
        snd = Path("/dev/snd")
        return shutil.which("aplay") is not None and snd.is_dir() and any(snd.glob("pcmC*p"))

    def play(self, path: Path, meta: dict[str, Any]) -> None:
        cmd = ["aplay", "-q", *(["-D", self.device] if self.device else []), str(path)]
        subprocess.run(cmd, check=False, timeout=120)


class RecordingSink:
    """No audio device: record each playback (file, call, wall-clock start/end) and take its time.

    ``time_scale`` < 1 shortens the wait (tests); the recorded duration is the clip's real one.
    """

    def __init__(self, log_path: Path | str | None = None, *, time_scale: float = 1.0) -> None:
        self.log_path = Path(log_path) if log_path else None
        self.time_scale = time_scale
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def play(self, path: Path, meta: dict[str, Any]) -> None:
        duration = wav_duration(path)
        start = time.time()
        time.sleep(duration * self.time_scale)
        entry = {**meta, "file": str(path), "duration_s": round(duration, 3), "start": start, "end": time.time()}
        with self._lock:
            self.entries.append(entry)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def auto_sink(log_path: Path | str | None = None) -> Sink:
    return AplaySink() if AplaySink.available() else RecordingSink(log_path)


# ------------------------------------------------------------------------ announcer
@dataclass
class VoiceSettings:
    repeats: int = 2
    recall_repeats: int = 2
    volume: float = 1.0  # 0..1 (scales the samples)
    quiet_hours: list[tuple[dt.time, dt.time]] = field(default_factory=list)
    quiet_volume: float = 0.0  # volume in quiet hours; 0 = do not speak
    pause_s: float = 0.5  # between repeats and between announcements

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
        renderer: SpeechRenderer,
        sink: Sink,
        settings: VoiceSettings | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        on_start: Callable[[Call, dict[str, Any]], None] | None = None,
    ) -> None:
        self.renderer = renderer
        self.sink = sink
        self.settings = settings or VoiceSettings()
        self.clock = clock or (lambda: dt.datetime.now())
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
        if number and number not in self._prepared_numbers:
            self._prepared_numbers.add(number)
            self._prep.put(("number", number))

    def prepare_windows(self, windows: Iterable[int]) -> None:
        for w in windows:
            self._prep.put(("window", int(w)))

    def announce(self, call: Call) -> None:
        ready = self.renderer.number_ready(call.number, call.window)
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
            "prepared": ready, "received": received,
        }
        self.announced += 1
        self.prepared_before += int(ready)
        if volume <= 0:
            self.muted += 1
            self.history.append({**meta, "muted": True})
            return
        name = f"{call.number}-w{call.window}-{call.kind}-{self.announced}.wav"
        path = self.renderer.compose(call, self.renderer.cache_dir / "calls" / name, volume)
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
