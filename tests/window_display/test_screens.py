"""The Kivy screens from a model alone (no server): paused and closed windows, the portrait
board, "connection lost", notices; texts and pixels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.window_display.rig import is_red, is_yellow, region, share, shoot
from tests.window_display.test_model import event, snapshot, window
from window_display.model import HallModel


def model() -> HallModel:
    m = HallModel()
    m.load_snapshot(snapshot(windows=[
        window(1, current={"id": "t1", "number": "A007", "item_code": "C-JY-001", "state": "called"},
               recent=["A007", "A003"]),
        window(2, status="paused", pause_reason="午休 Lunch break"),
        window(3, status="closed", clerk=None),
        window(5, kind="enterprise", stream="enterprise", name="法人窗口 Enterprise"),
    ]))
    m.connected = True
    return m


def test_window_screen_paused_closed_and_lost(kivy_window: Any, tmp_path: Path) -> None:
    from window_display.window_screen import PAUSED_BG, WindowScreen

    m = model()
    s = WindowScreen(window_number=2, size_hint=(None, None), size=(1280, 720))
    kivy_window.add_widget(s)
    try:
        s.refresh(m)
        assert s.number_text == "暂停服务\nPaused\n午休 Lunch break"
        assert tuple(s.number_bg) == PAUSED_BG
        assert "Clerk 2" in s.clerk_text and "SF0102" in s.clerk_text
        s.window_number = 1
        s.refresh(m, force=True)
        assert (s.number_text, s.recent_text) == ("A007", "最近叫号 Recent: A003")
        s.window_number = 3
        s.refresh(m, force=True)
        assert s.number_text.startswith("暂停服务") and "暂无工作人员" in s.clerk_text
        m.connected = False
        m.version += 1
        s.refresh(m)
        assert s.lost
        img = shoot(s, tmp_path / "lost.png")
        assert share(region(img, s, s.ids.lost), is_red) > 0.5
    finally:
        kivy_window.remove_widget(s)


def test_portrait_board_shows_calls_counts_and_notices(kivy_window: Any, tmp_path: Path) -> None:
    from window_display.board import HallBoard
    from window_display.prerender import TEXTURES

    m = model()
    m.apply(event(11, "hall.notices", notices=[{"zh": "今日下午系统维护", "en": "Maintenance this afternoon"}]))
    b = HallBoard(portrait=True, size_hint=(None, None), size=(1080, 1920))
    kivy_window.add_widget(b)
    try:
        b.refresh(m)
        shoot(b, tmp_path / "before.png")  # laid out
        # the text of a call is rendered before the call, then only swapped in
        b.prepare(m, "A001", "enterprise")
        assert b.work(budget_s=10) == 2  # window 5's cell number and its banner
        hits = TEXTURES.hits
        m.apply(event(12, "ticket.called", ticket="t-A001", number="A001", window=5, item="C-JY-001"))
        b.refresh(m)
        b.tick(0.1)
        img = shoot(b, tmp_path / "portrait.png")
        assert TEXTURES.hits >= hits + 2
        assert b.ids.grid.cols == 2 and b.ids.grid.width == 1080
        assert "请 A001 号到 5 号窗口办理" in b.banner_text
        assert b.cells[5].number == "A001" and b.cells[1].number == "A007"
        assert (b.cells[2].number, b.cells[2].status) == ("暂停服务", "Paused")
        assert "今日下午系统维护" in b.notices_text and "Maintenance" in b.notices_text
        assert "等候人数 Waiting: 0" in b.waiting_text
        assert "星期" in b.clock_text
        assert img.size == (1080, 1920)
        cell = region(img, b, b.cells[5])
        assert share(cell, is_red) > 0.4 and share(cell, is_yellow) > 0.02
        assert share(region(img, b, b.cells[2]), is_red) < 0.01  # borders may round into a neighbour
    finally:
        kivy_window.remove_widget(b)
