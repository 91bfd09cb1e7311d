"""End to end: a real queue server process, displays with no screen (SDL offscreen), voice
recorded by a sink. Calls show on the right window screen and the board, are spoken in order
without overlap, lost events are recovered, a restarted server is rejoined by itself."""

from __future__ import annotations

import itertools
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.hall import HallProcess
from tests.window_display.rig import (
    DroppingProxy,
    Rig,
    call_next,
    is_red,
    is_yellow,
    issue,
    make_rig,
    recall,
    region,
    share,
    shoot,
)
from voice.render import wav_duration

pytestmark = pytest.mark.slow


@pytest.fixture
def rig(hall: HallProcess, voice_dir: Path, kivy_window: Any) -> Iterator[Rig]:
    r = make_rig(hall, voice_dir, kivy_window)
    r.pump(lambda: r.board_link.subscriber.synced and r.window_link.subscriber.synced
           and r.board_link.model.connected and r.window_link.model.connected, what="both displays in sync")
    yield r
    r.close()


def audio_ok(path: str) -> bool:
    """A real speech clip: longer than 0.3 s and not silence."""
    with wave.open(path, "rb") as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return wav_duration(path) > 0.3 and int(np.abs(samples).max()) > 1000


def played(rig: Rig, number: str, kind: str = "call") -> list[dict[str, Any]]:
    return [e for e in rig.sink.entries if e["number"] == number and e["kind"] == kind]


def test_a_call_shows_on_the_right_window_screen_and_the_board(
        rig: Rig, hall: HallProcess, manager: str, tmp_path: Path) -> None:
    ticket = issue(hall)
    number = ticket["number"]
    renderer = rig.board_link.announcer.renderer
    rig.pump(lambda: rig.board_link.model.waiting_total >= 1 and renderer.number_ready(number, 3),
             what="ticket issued on the board and its speech prepared")
    called = call_next(hall, manager, 3)
    assert called["number"] == number
    rig.pump(lambda: rig.screen.number_text == number and rig.board.cells[3].number == number,
             what="the call on both screens")

    # texts: window screen
    s = rig.screen
    assert s.title_text == "3号窗口   Window 3"
    assert "综合窗口" in s.kind_text
    assert "李娜" in s.clerk_text and "SF0103" in s.clerk_text
    assert s.number_text == number
    assert not s.lost
    # texts: board banner, the cell of window 3 and no other
    b = rig.board
    assert f"请 {number} 号到 3 号窗口办理" in b.banner_text
    assert f"Number {number}, please go to window 3" in b.banner_text
    assert [n for n, c in b.cells.items() if c.number == number] == [3]
    assert b.cells[4].status == "已关闭 Closed"  # window 4 has no clerk in the demo hall

    # pixels: the number panel of the window screen is red with yellow digits
    img = shoot(s, tmp_path / "window-3.png")
    assert img.size == (1280, 720)
    panel = region(img, s, s.ids.number)
    assert share(panel, is_red) > 0.5
    assert share(panel, is_yellow) > 0.03
    lost = region(img, s, s.ids.title)
    assert share(lost, is_red) < 0.01
    # pixels: the board's cell of window 3 is red with yellow digits; window 1's is not
    board_img = shoot(b, tmp_path / "board.png")
    assert board_img.size == (1920, 1080)
    cell3 = region(board_img, b, b.cells[3])
    assert share(cell3, is_red) > 0.4 and share(cell3, is_yellow) > 0.02
    assert share(region(board_img, b, b.cells[1]), is_red) < 0.01

    # voice: said twice (repeats=2), from a real WAV
    rig.pump(lambda: len(played(rig, number)) == 2, what="the call announced")
    entries = played(rig, number)
    assert [e["window"] for e in entries] == [3, 3]
    assert entries[0]["prepared"] is True  # the speech was ready before the clerk called
    assert audio_ok(entries[0]["file"])


def test_two_calls_are_announced_in_order_without_overlap(rig: Rig, hall: HallProcess, manager: str) -> None:
    first, second = issue(hall)["number"], issue(hall)["number"]
    rig.pump(lambda: rig.board_link.model.waiting_total >= 2, what="two tickets issued")
    assert call_next(hall, manager, 1)["number"] == first
    assert call_next(hall, manager, 2)["number"] == second
    rig.pump(lambda: len(played(rig, first)) == 2 and len(played(rig, second)) == 2, what="both announced")
    log = [e for e in rig.sink.entries if e["number"] in (first, second)]
    assert [(e["number"], e["window"]) for e in log] == [(first, 1), (first, 1), (second, 2), (second, 2)]
    for a, b in itertools.pairwise(log):
        assert a["end"] <= b["start"], "announcements overlap"
    assert all(audio_ok(e["file"]) for e in log)
    # the board shows both; the newest call is in the banner
    assert rig.board.cells[1].number == first and rig.board.cells[2].number == second
    assert second in rig.board.banner_text


def test_a_recall_is_announced_again(rig: Rig, hall: HallProcess, manager: str) -> None:
    number = issue(hall)["number"]
    rig.pump(lambda: rig.board_link.model.waiting_total >= 1, what="ticket issued")
    ticket = call_next(hall, manager, 3)
    rig.pump(lambda: len(played(rig, number)) == 2, what="the call announced")
    recall(hall, manager, ticket["id"])
    rig.pump(lambda: len(played(rig, number, "recall")) == 2, what="the recall announced")
    entries = [e for e in rig.sink.entries if e["number"] == number]
    assert [e["kind"] for e in entries] == ["call", "call", "recall", "recall"]
    assert entries[1]["end"] <= entries[2]["start"]
    assert "再次请" in rig.board.banner_text and number in rig.board.banner_text
    assert rig.screen.number_text == number


def test_events_dropped_on_the_wire_are_recovered_by_snapshot(
        tmp_path_factory: pytest.TempPathFactory, voice_dir: Path, kivy_window: Any) -> None:
    var = tmp_path_factory.mktemp("lossy")
    hall = HallProcess(var, f"sqlite:///{var}/hall.db", insecure=True)
    hall.init()
    hall.start()
    token = hall.token("manager")
    proxy = DroppingProxy(hall.pub, drop=lambda e: e["type"] in ("ticket.issued", "ticket.called"))
    r = make_rig(hall, voice_dir, kivy_window, secure=False, board_pub=proxy.endpoint)
    try:
        r.pump(lambda: r.board_link.subscriber.synced and r.board_link.model.connected, what="board in sync")
        number = issue(hall)["number"]
        assert call_next(hall, token, 3)["number"] == number
        # the board never receives ticket.issued/ticket.called; a heartbeat shows the gap
        r.pump(lambda: r.board.cells[3].number == number, what="the lost call recovered")
        assert len(proxy.dropped) == 2
        sub = r.board_link.subscriber
        assert sub.gaps_detected >= 1 and sub.snapshots_taken >= 2
        assert f"{number} 号到 3 号窗口" in r.board.banner_text
        # and the call whose event was lost is still announced
        r.pump(lambda: len(played(r, number)) == 2, what="the recovered call announced")
    finally:
        r.close()
        proxy.close()
        hall.stop()


def test_displays_come_back_by_themselves_after_a_server_restart(
        rig: Rig, hall: HallProcess, manager: str, tmp_path: Path) -> None:
    epoch = rig.board_link.subscriber.epoch
    hall.kill()
    rig.pump(lambda: rig.board.lost and rig.screen.lost, what="connection lost shown")
    assert "连接中断" in rig.screen.ids.lost.text and "Connection lost" in rig.board.ids.lost.text
    img = shoot(rig.screen, tmp_path / "lost.png")
    assert share(region(img, rig.screen, rig.screen.ids.lost), is_red) > 0.5

    hall.start()
    rig.pump(lambda: not rig.board.lost and not rig.screen.lost
             and rig.board_link.subscriber.epoch not in (None, epoch)
             and rig.window_link.subscriber.epoch not in (None, epoch),
             timeout=30, what="both displays back on the new server run")
    number = issue(hall)["number"]
    rig.pump(lambda: rig.board_link.model.waiting_total >= 1, what="ticket issued after restart")
    assert call_next(hall, manager, 3)["number"] == number
    rig.pump(lambda: rig.screen.number_text == number and rig.board.cells[3].number == number
             and len(played(rig, number)) == 2, what="a call after the restart")


def test_ten_calls_in_five_seconds_are_all_in_the_last_calls_list_newest_first(
        rig: Rig, hall: HallProcess, manager: str) -> None:
    import time

    numbers = [issue(hall)["number"] for _ in range(10)]
    rig.pump(lambda: rig.board_link.model.waiting_total >= 10, what="ten tickets issued")
    called: list[tuple[str, int]] = []
    started = time.monotonic()
    for i in range(10):
        window = (1, 2, 3)[i % 3]
        called.append((call_next(hall, manager, window)["number"], window))
    assert time.monotonic() - started < 5, "the calls were not made within five seconds (a slow machine)"
    assert [n for n, _ in called] == numbers
    rows = rig.board.rows
    rig.pump(lambda: rows[0].text.startswith(called[-1][0]) and rows[9].text.startswith(called[0][0]),
             what="the ten calls on the board")
    expected = [f"{n}  →  {w}号窗口" for n, w in reversed(called)]
    assert [r.text for r in rows] == expected  # every call, newest first: none flashed and vanished
    assert rows[0].tint == [1, 0.92, 0.2, 1]  # the newest stands out
    # the cells show each window's newest call
    for window in (1, 2, 3):
        assert rig.board.cells[window].number == next(n for n, w in reversed(called) if w == window)


def test_a_display_started_before_its_server_shows_connecting_then_its_first_snapshot(
        tmp_path_factory: pytest.TempPathFactory, voice_dir: Path, kivy_window: Any) -> None:
    var = tmp_path_factory.mktemp("late-server")
    late = HallProcess(var, f"sqlite:///{var}/hall.db")
    late.init()
    late.enroll("board-1", kind="display")
    late.enroll("window-3", kind="display")
    rig = make_rig(late, voice_dir, kivy_window)
    try:
        seen: set[str] = set()

        def watch() -> bool:
            seen.update({rig.board.link_state, rig.screen.link_state})
            return False

        with pytest.raises(AssertionError, match="timed out"):
            rig.pump(watch, timeout=4.0, what="nothing: the server is not started")
        assert seen == {"connecting"}  # never "connection lost" before the first snapshot
        assert "正在连接" in rig.board.ids.lost.text and rig.board.ids.lost.opacity == 1
        late.start()
        rig.pump(lambda: rig.board.link_state == "live" and rig.screen.link_state == "live",
                 what="the first snapshot after the server started")
        assert rig.board.ids.lost.opacity == 0
        assert rig.board_link.model.loaded and rig.screen.title_text == "3号窗口   Window 3"
        assert "李娜" in rig.screen.clerk_text and "0755-26010103" in rig.screen.clerk_text  # the officer's phone
    finally:
        rig.close()
        late.stop()


def test_a_forty_window_hall_is_laid_out_readable_from_the_server(
        tmp_path_factory: pytest.TempPathFactory, voice_dir: Path, kivy_window: Any) -> None:
    from tests.support.hall import wide_hall_config
    from tests.window_display.test_screens import assert_readable

    var = tmp_path_factory.mktemp("forty")
    big = HallProcess(var, f"sqlite:///{var}/hall.db")
    big.init(wide_hall_config(var, 40))
    big.enroll("board-1", kind="display")
    big.enroll("window-3", kind="display")
    big.start()
    rig = make_rig(big, voice_dir, kivy_window)
    try:
        rig.pump(lambda: rig.board_link.subscriber.synced and len(rig.board.cells) == 40, what="forty windows")
        token = big.token("manager")
        number = issue(big)["number"]
        rig.pump(lambda: rig.board_link.model.waiting_total >= 1, what="a ticket issued")
        assert call_next(big, token, 3)["number"] == number
        rig.pump(lambda: rig.board.cells[3].number == number and rig.board.rows[0].text.startswith(number),
                 what="the call on the forty-window board")
        shoot(rig.board, var / "board-40.png")  # laid out and drawn
        assert rig.board.grid_cols >= 7  # forty cells in a grid, not four columns of ten
        assert_readable(rig.board, (1920, 1080))
        assert rig.board.cells[40].status == "已关闭 Closed"
    finally:
        rig.close()
        big.stop()
