"""The hall's chime (叮咚): two falling tones played before a call, or instead of speech in
halls that want no voice. Synthesised, not a recording, so no sound file ships with the code.
"""

from __future__ import annotations

import os
import threading
import wave
from pathlib import Path

import numpy as np

RATE = 22050  # espeak-ng's rate: the chime is joined to speech clips sample for sample
TONES_HZ = (880.0, 660.0)  # a falling major third, as hall chimes go
TONE_S = 0.45


def chime_samples(rate: int = RATE) -> np.ndarray:
    t = np.arange(int(rate * TONE_S)) / rate
    envelope = np.exp(-t * 5.0) * np.minimum(1.0, t * 200)  # soft start, bell-like decay
    tones = [np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t) for f in TONES_HZ]
    wave_ = np.concatenate([tone * envelope for tone in tones])
    return (wave_ / np.abs(wave_).max() * 0.6 * 32767).astype("<i2")


def chime_file(folder: Path | str, rate: int = RATE) -> Path:
    """The chime as a mono 16-bit WAV in ``folder`` (written once)."""
    path = Path(folder) / f"chime-{rate}.wav"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(chime_samples(rate).tobytes())
    os.replace(tmp, path)
    return path
