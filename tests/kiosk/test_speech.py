"""Elder-mode speech: the texts, real espeak-ng audio, and the newest-wins queue."""

from __future__ import annotations

import json
import shutil
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech import (
    EspeakBackend,
    LogBackend,
    Speaker,
    Utterance,
    auto_backend,
    en_number_text,
    zh_number_text,
)
from voice.sinks import RecordingSink


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() > 8000
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_ticket_numbers_are_said_digit_by_digit() -> None:
    assert zh_number_text("A012") == "A 零 一 二 号"
    assert zh_number_text("B100") == "B 一 零 零 号"
    assert zh_number_text("GC007") == "G C 零 零 七 号"
    assert zh_number_text("12") == "一 二 号"
    assert en_number_text("A012") == "number A 0 1 2"


class Gate:
    """A backend that holds the first utterance until released, recording all it is given."""

    def __init__(self) -> None:
        self.said: list[Utterance] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def speak(self, utterance: Utterance) -> None:
        self.said.append(utterance)
        self.started.set()
        assert self.release.wait(10)


def test_newest_utterance_replaces_waiting_ones() -> None:
    gate = Gate()
    speaker = Speaker(gate)
    try:
        speaker.say_title("办事指南")
        assert gate.started.wait(5)  # being said: it will finish
        for title in ("取号", "预约签到", "证照打印"):  # a visitor tapping quickly
            speaker.say_title(title)
        speaker.say_number("A012")
        gate.release.set()
        assert speaker.wait_idle(10)
        assert [u.text for u in gate.said] == ["办事指南", "A 零 一 二 号"]
        assert gate.said[1].kind == "number" and speaker.replaced == 3 and speaker.spoken == 2
    finally:
        gate.release.set()
        speaker.close()


def test_say_never_blocks_the_caller() -> None:
    gate = Gate()
    speaker = Speaker(gate)
    try:
        speaker.say("请稍候")
        assert gate.started.wait(5)
        done = threading.Event()
        threading.Thread(target=lambda: (speaker.say("返回"), done.set()), daemon=True).start()
        assert done.wait(1)  # while the backend is still busy
    finally:
        gate.release.set()
        speaker.close()


def test_disabled_and_blank_say_nothing_and_cancel_drops_waiting() -> None:
    backend = LogBackend()
    speaker = Speaker(backend, enabled=False)
    try:
        speaker.say("取号")
        speaker.enabled = True
        speaker.say("   ")
        assert speaker.wait_idle(5) and backend.entries == []
    finally:
        speaker.close()
    gate = Gate()
    speaker = Speaker(gate)
    try:
        speaker.say("一")
        assert gate.started.wait(5)
        speaker.say("二")
        speaker.cancel()
        gate.release.set()
        assert speaker.wait_idle(5) and [u.text for u in gate.said] == ["一"]
    finally:
        speaker.close()


def test_a_failing_backend_does_not_stop_speech(caplog: pytest.LogCaptureFixture) -> None:
    class Flaky:
        def __init__(self) -> None:
            self.calls = 0

        def speak(self, utterance: Utterance) -> None:
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("no such voice")

    flaky = Flaky()
    speaker = Speaker(flaky)
    try:
        speaker.say("一")
        assert speaker.wait_idle(5)
        speaker.say("二")
        assert speaker.wait_idle(5)
        assert flaky.calls == 2 and speaker.spoken == 1 and "saying '一' failed" in caplog.text
    finally:
        speaker.close()


def test_log_backend_writes_jsonl(tmp_path: Path) -> None:
    backend = LogBackend(tmp_path / "playback.jsonl")
    speaker = Speaker(backend)
    try:
        speaker.say_number("A012")
        assert speaker.wait_idle(5)
    finally:
        speaker.close()
    entry = json.loads((tmp_path / "playback.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert entry["text"] == "A 零 一 二 号" and entry["kind"] == "number" and entry["lang"] == "zh"


def test_espeak_renders_real_mandarin_audio(tmp_path: Path) -> None:
    backend = EspeakBackend(tmp_path / "clips", sink=RecordingSink(time_scale=0))
    number = samples(backend.render(Utterance(zh_number_text("A012"))))
    title = samples(backend.render(Utterance("办事指南", kind="title")))
    english = samples(backend.render(Utterance("Service guides", lang="en")))
    for clip in (number, title, english):
        assert clip.size > 4000 and int(np.abs(clip).max()) > 3000  # speech, not silence
    again = backend.render(Utterance(zh_number_text("A012")))
    assert len(list((tmp_path / "clips").glob("*.wav"))) == 3 and again.exists()  # cached by text


def test_speaker_with_espeak_records_what_is_said(tmp_path: Path) -> None:
    log_path = tmp_path / "playback.jsonl"
    backend = EspeakBackend(tmp_path / "clips", sink=RecordingSink(log_path, time_scale=0.01))
    speaker = Speaker(backend)
    try:
        speaker.say_number("A012")
        assert speaker.wait_idle(30)
    finally:
        speaker.close()
    (entry,) = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert entry["text"] == "A 零 一 二 号" and entry["kind"] == "number"
    assert entry["duration_s"] > 0.5 and samples(Path(entry["file"])).any()


def test_auto_backend_without_sound_card_records(tmp_path: Path) -> None:
    backend = auto_backend(tmp_path)
    if shutil.which("espeak-ng") is None:
        assert isinstance(backend, LogBackend)
    else:
        assert isinstance(backend, EspeakBackend)
        if not Path("/dev/snd").is_dir():
            assert isinstance(backend.sink, RecordingSink)
            assert backend.sink.log_path == tmp_path / "playback.jsonl"
