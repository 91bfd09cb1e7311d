"""Voice calling alone: espeak-ng clips, joining, the queue, repeats, volume, quiet hours."""

from __future__ import annotations

import datetime as dt
import itertools
import wave
from pathlib import Path

import numpy as np

from tests.support.wait import wait_for
from tests.window_display.rig import make_announcer
from voice.readings import zh_count, zh_spell_number
from voice.render import join_wavs, wav_duration
from window_display.announcer import CallRenderer, VoiceSettings
from window_display.model import Call


def peak(path: Path | str) -> int:
    with wave.open(str(path), "rb") as w:
        return int(np.abs(np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")).max())


def test_numbers_are_said_as_halls_say_them() -> None:
    assert zh_spell_number("A012") == "A 零一二"
    assert zh_spell_number("B100") == "B 一零零"
    assert [zh_count(n) for n in (3, 10, 12, 20, 35, 105)] == ["三", "十", "十二", "二十", "三十五", "一零五"]


def test_clips_are_real_speech_and_joined(tmp_path: Path) -> None:
    r = CallRenderer(tmp_path, languages=("zh", "en"))
    assert r.number_texts("A012") == [("zh", "请 A 零一二 号"), ("en", "Number A 0 1 2,")]
    assert r.window_texts(3) == [("zh", "到 三号窗口 办理"), ("en", "please go to window 3.")]
    assert not r.number_ready("A012", 3)
    r.prepare_number("A012")
    r.prepare_window(3)
    assert r.number_ready("A012", 3)
    full = r.compose(Call("A012", 3), tmp_path / "full.wav")
    half = r.compose(Call("A012", 3), tmp_path / "half.wav", volume=0.5)
    parts = [r.clip(lang, text) for lang, text in r.number_texts("A012") + r.window_texts(3)]
    assert all(wav_duration(p) > 0.3 for p in parts)
    assert wav_duration(full) > sum(wav_duration(p) for p in parts)  # plus short pauses
    assert peak(full) > 3000
    assert abs(peak(half) - peak(full) / 2) <= 2
    assert join_wavs([], tmp_path / "empty.wav").exists()


def test_quiet_hours_may_cross_midnight() -> None:
    s = VoiceSettings(volume=0.8, quiet_volume=0.2,
                      quiet_hours=VoiceSettings.parse_quiet_hours("12:00-13:30, 22:00-07:00"))
    at = dt.time.fromisoformat
    assert [s.volume_at(at(t)) for t in ("11:59", "12:00", "13:29", "13:30", "23:00", "06:59", "07:00")] == [
        0.8, 0.2, 0.2, 0.8, 0.2, 0.2, 0.8]


def test_calls_queue_in_order_never_overlap_and_repeat_as_configured(tmp_path: Path) -> None:
    announcer, sink = make_announcer(tmp_path, repeats=3, recall_repeats=1)
    try:
        calls = [Call("A001", 1), Call("A002", 2), Call("A001", 1, "recall"), Call("B001", 5)]
        for c in calls:
            announcer.announce(c)  # all at once: none may cut another
        assert announcer.wait_idle(60)
        said = [(e["number"], e["window"], e["kind"], e["repeat"]) for e in sink.entries]
        assert said == [("A001", 1, "call", 1), ("A001", 1, "call", 2), ("A001", 1, "call", 3),
                        ("A002", 2, "call", 1), ("A002", 2, "call", 2), ("A002", 2, "call", 3),
                        ("A001", 1, "recall", 1),
                        ("B001", 5, "call", 1), ("B001", 5, "call", 2), ("B001", 5, "call", 3)]
        for a, b in itertools.pairwise(sink.entries):
            assert a["end"] <= b["start"]
        assert announcer.announced == 4 and announcer.prepared_before == 0  # nothing prepared here
        lines = (tmp_path / "playback.jsonl").read_text().splitlines()
        assert len(lines) == len(sink.entries)
    finally:
        announcer.close()


def test_prepared_numbers_count_and_quiet_hours_mute(tmp_path: Path) -> None:
    announcer, sink = make_announcer(tmp_path, quiet_hours=VoiceSettings.parse_quiet_hours("00:00-23:59"),
                                     quiet_volume=0.0)
    try:
        announcer.prepare_windows([4])
        announcer.prepare_number("A100")
        renderer = announcer.renderer
        # prepared by the announcer's own thread
        wait_for(lambda: renderer.number_ready("A100", 4), timeout=30, message="A100 at window 4 never prepared")
        announcer.clock = lambda: dt.datetime(2026, 1, 5, 12, 0)
        announcer.announce(Call("A100", 4))
        assert announcer.wait_idle(30)
        assert sink.entries == []  # quiet hours, volume 0: shown, not spoken
        assert announcer.muted == 1 and announcer.prepared_before == 1
        assert announcer.history[0]["muted"] is True
    finally:
        announcer.close()


def samples(path: Path | str) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_chime_only_plays_the_chime_and_no_speech(tmp_path: Path) -> None:
    from voice.chime import chime_file

    announcer, sink = make_announcer(tmp_path, repeats=1, sound="chime")
    announcer.renderer.espeak = str(tmp_path / "no-espeak-here")  # any speech would fail loudly
    try:
        announcer.prepare_number("A007")
        announcer.announce(Call("A007", 4))
        assert announcer.wait_idle(30)
    finally:
        announcer.close()
    [entry] = sink.entries
    assert (entry["number"], entry["window"], entry["sound"]) == ("A007", 4, "chime")
    played, chime = samples(entry["file"]), samples(chime_file(tmp_path))
    assert np.array_equal(played, chime)  # exactly the chime: not one sample of speech
    assert 0.5 < wav_duration(entry["file"]) < 1.5 and peak(entry["file"]) > 10000
    assert not list(tmp_path.glob("zh-*.wav"))  # no clip was rendered


def test_the_chime_comes_before_the_speech(tmp_path: Path) -> None:
    from voice.chime import chime_file

    r = CallRenderer(tmp_path)
    both = samples(r.compose(Call("A012", 3), tmp_path / "both.wav", sound="chime+speech"))
    speech = samples(r.compose(Call("A012", 3), tmp_path / "speech.wav", sound="speech"))
    chime = samples(chime_file(tmp_path))
    assert np.array_equal(both[: len(chime)], chime)
    assert len(both) > len(chime) + len(speech) - 10  # the whole speech follows (after a short pause)
    assert np.abs(both[len(chime):]).max() > 3000
    try:
        VoiceSettings(sound="bell")
    except ValueError as exc:
        assert "chime+speech" in str(exc)
    else:
        raise AssertionError("an unknown sound was accepted")
