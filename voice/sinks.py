"""Where speech is played: :class:`AplaySink` (ALSA ``aplay``, when a sound card exists) or
:class:`RecordingSink` (no audio device: records what would play, with wall-clock start and end,
and waits the clip's duration so that timing stays real)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from .render import wav_duration


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
    """No audio device: record each playback (file, meta, wall-clock start/end) and take its time.

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
    """``aplay`` where there is a sound card, else a :class:`RecordingSink` writing ``log_path``."""
    return AplaySink() if AplaySink.available() else RecordingSink(log_path)
