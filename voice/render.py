"""Speech clips made with Debian's ``espeak-ng`` (Mandarin voice ``cmn``, English ``en``), cached on disk.

A clip is keyed by its text, voice and speed, so a text is rendered once and read from the cache
after; :func:`join_wavs` joins clips (a copy of samples, well under a millisecond) at a volume.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import numpy as np


def wav_duration(path: Path | str) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


class SpeechRenderer:
    """espeak-ng clips, cached on disk by text, voice and speed."""

    def __init__(
        self,
        cache_dir: Path | str,
        *,
        voice_zh: str = "cmn",
        voice_en: str = "en",
        speed: int = 150,
        espeak: str | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.voices = {"zh": voice_zh, "en": voice_en}
        self.speed = speed
        self.espeak = espeak or shutil.which("espeak-ng") or "espeak-ng"
        self._lock = threading.Lock()
        self._rendering: dict[Path, threading.Event] = {}

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
        """Whether every ``(lang, text)`` part is in the cache already."""
        return all(self._path(lang, text).exists() for lang, text in parts)


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
