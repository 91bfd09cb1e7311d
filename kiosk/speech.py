"""Spoken guidance for elder mode (长辈版): screen titles and ticket numbers said aloud, offline.

Speech is made with espeak-ng through :class:`voice.render.SpeechRenderer` (the hall board's
voice, an on-disk clip cache by text, so a title is rendered once) and played through
:mod:`voice.sinks`: ALSA ``aplay`` where there is a sound card, else a ``RecordingSink`` that
writes ``playback.jsonl``, so a kiosk without speakers (and the tests) records what would be said.

:class:`Speaker` never blocks the UI: it hands the utterance to one worker thread. Only the
newest utterance waits; one that arrives while another is waiting replaces it, because an
elderly visitor tapping through three screens wants to hear where they are now, not a
backlog of where they were. The utterance being spoken is finished, not cut.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from voice.readings import ZH_DIGITS
from voice.render import SpeechRenderer
from voice.sinks import Sink, auto_sink

log = logging.getLogger(__name__)

KEEP_CLIPS = 300
"""Rendered clips kept on disk: titles are few, ticket numbers are not (one per visitor)."""
ELDER_SPEED = 130
"""Words per minute: a little slower than espeak's 175, and than the board's 150, for elders."""


def zh_number_text(number: str) -> str:
    """A ticket number as said in Mandarin, digit by digit: 'A012' -> 'A 零 一 二 号'.

    Halls read numbers digit by digit (零一二, not 十二) so 12 and 012 are never confused."""
    letters = number.rstrip("0123456789")
    digits = number[len(letters):]
    return " ".join([*letters.strip(), *(ZH_DIGITS[int(d)] for d in digits), "号"]).strip()


def en_number_text(number: str) -> str:
    """'A012' -> 'number A 0 1 2'."""
    return "number " + " ".join(number.strip())


@dataclass(frozen=True, slots=True)
class Utterance:
    """What to say: the text, its language ("zh" or "en") and what it is (for the log)."""

    text: str
    lang: str = "zh"
    kind: str = "text"  # "title", "number", "text"


class Backend(Protocol):
    """Says one utterance and returns when it has been said."""

    def speak(self, utterance: Utterance) -> None: ...


class EspeakBackend:
    """espeak-ng clips (cached by text) played through a sink."""

    def __init__(
        self,
        cache_dir: Path | str,
        sink: Sink | None = None,
        *,
        log_path: Path | str | None = None,
        voice_zh: str = "cmn",
        voice_en: str = "en",
        speed: int = ELDER_SPEED,
        espeak: str | None = None,
        keep_clips: int = KEEP_CLIPS,
    ) -> None:
        self.renderer = SpeechRenderer(cache_dir, voice_zh=voice_zh, voice_en=voice_en, speed=speed, espeak=espeak)
        self.sink: Sink = sink or auto_sink(log_path)
        self.keep_clips = keep_clips
        self._made = 0

    @staticmethod
    def available(espeak: str | None = None) -> bool:
        return shutil.which(espeak or "espeak-ng") is not None

    def render(self, utterance: Utterance) -> Path:
        """The WAV file of ``utterance`` (rendered now unless cached)."""
        lang = "en" if utterance.lang.lower().startswith("en") else "zh"
        return self.renderer.clip(lang, utterance.text)

    def speak(self, utterance: Utterance) -> None:
        path = self.render(utterance)
        self.sink.play(path, {"text": utterance.text, "lang": utterance.lang, "kind": utterance.kind})
        self._made += 1
        if self._made % 50 == 0:
            self._prune()

    def _prune(self) -> None:
        with contextlib.suppress(OSError):
            clips = sorted(self.renderer.cache_dir.glob("*.wav"), key=lambda p: p.stat().st_mtime)
            for p in clips[:-self.keep_clips]:
                p.unlink()


class LogBackend:
    """No espeak-ng at all: append what would be said to a JSONL log (and keep it in memory)."""

    def __init__(self, log_path: Path | str | None = None) -> None:
        self.log_path = Path(log_path) if log_path else None
        self.entries: list[dict[str, Any]] = []

    def speak(self, utterance: Utterance) -> None:
        entry = {"text": utterance.text, "lang": utterance.lang, "kind": utterance.kind, "start": time.time()}
        self.entries.append(entry)
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def auto_backend(state_dir: Path | str) -> Backend:
    """espeak-ng into the sound card or ``playback.jsonl`` in ``state_dir``; text only without espeak."""
    state = Path(state_dir)
    log_path = state / "playback.jsonl"
    if EspeakBackend.available():
        return EspeakBackend(state / "speech", log_path=log_path)
    log.warning("espeak-ng not found: elder-mode speech is only logged to %s", log_path)
    state.mkdir(parents=True, exist_ok=True)
    return LogBackend(log_path)


class Speaker:
    """Non-blocking speech for the screens: the newest utterance replaces a waiting one."""

    def __init__(self, backend: Backend, *, enabled: bool = True) -> None:
        self.backend = backend
        self.enabled = enabled
        """Elder mode on: say things; off: :meth:`say` does nothing."""
        self.spoken = 0
        self.replaced = 0
        self._next: Utterance | None = None
        self._busy = False
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="kiosk-speech", daemon=True)
        self._thread.start()

    def say(self, text: str, lang: str = "zh", kind: str = "text") -> None:
        """Say ``text`` soon; returns at once."""
        if not self.enabled or not text.strip():
            return
        with self._cond:
            if self._closed:
                return
            if self._next is not None:
                self.replaced += 1
            self._next = Utterance(text.strip(), lang, kind)
            self._cond.notify_all()

    def say_title(self, title: str, lang: str = "zh") -> None:
        """Say a screen title (e.g. 办事指南) as the screen opens."""
        self.say(title, lang, "title")

    def say_number(self, number: str, lang: str = "zh") -> None:
        """Say a ticket number digit by digit."""
        text = en_number_text(number) if lang.lower().startswith("en") else zh_number_text(number)
        self.say(text, lang, "number")

    def cancel(self) -> None:
        """Drop what is waiting (the visitor left: idle reset); what is being said finishes."""
        with self._cond:
            self._next = None
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 30) -> bool:
        """Block until nothing is waiting or being said (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._next is not None or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float = 10) -> None:
        with self._cond:
            self._closed = True
            self._next = None
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._next is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                utterance, self._next, self._busy = self._next, None, True
            assert utterance is not None
            try:
                self.backend.speak(utterance)
                self.spoken += 1
            except Exception:  # a missing voice or a failed playback must not end speech for the day
                log.exception("saying %r failed", utterance.text)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
