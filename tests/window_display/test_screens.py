"""The Kivy screens from a model alone (no server): paused and closed windows, the portrait
board, "connection lost", notices; texts and pixels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
        assert (b.cells[2].number, b.cells[2].status) == ("—", "暂停服务 Paused")
        assert b.rows[0].text == "A001  →  5号窗口"  # the last calls list, newest first
        assert "今日下午系统维护" in b.notices_text and "Maintenance" in b.notices_text
        assert "等候人数 Waiting: 0" in b.waiting_text
        assert "星期" in b.clock_text
        assert img.size == (1080, 1920)
        cell = region(img, b, b.cells[5])
        assert share(cell, is_red) > 0.4 and share(cell, is_yellow) > 0.02
        assert share(region(img, b, b.cells[2]), is_red) < 0.01  # borders may round into a neighbour
    finally:
        kivy_window.remove_widget(b)


def test_the_board_keeps_the_halls_clock_on_a_machine_set_to_utc(
        kivy_window: Any, monkeypatch: Any) -> None:
    import datetime as dt
    import time
    from zoneinfo import ZoneInfo

    from window_display.board import HallBoard

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        m = model()
        m.load_hall_info({"timezone": "Asia/Shanghai", "name": {"zh": "示范区政务服务中心", "en": "Demo"}})
        b = HallBoard(size_hint=(None, None), size=(1920, 1080))
        kivy_window.add_widget(b)
        try:
            b.refresh(m)
            # a Wednesday evening in Shanghai is still Wednesday morning in UTC, and after 16:00 UTC
            # it is already Thursday in the hall
            late = dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC)
            b.tick(0.5, now=late)
            assert b.clock_text == "2026年12月03日 星期四 Thu  00:30"
            shanghai = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
            b.tick(0.5)
            assert f"{shanghai:%H:%M}" in b.clock_text or f"{shanghai + dt.timedelta(minutes=1):%H:%M}" in b.clock_text
            assert time.strftime("%H:%M") not in b.clock_text  # the machine's own (UTC) time is not shown
        finally:
            kivy_window.remove_widget(b)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_display_shows_connecting_until_its_first_snapshot_then_lost_only_after(kivy_window: Any) -> None:
    from window_display.window_screen import WindowScreen

    s = WindowScreen(window_number=1, size_hint=(None, None), size=(1280, 720))
    kivy_window.add_widget(s)
    try:
        fresh = HallModel()
        s.refresh(fresh)
        assert (s.link_state, s.lost) == ("connecting", False)
        assert "正在连接" in s.ids.lost.text and "Connecting" in s.ids.lost.text
        assert "连接中断" not in s.ids.lost.text
        m = model()
        s.refresh(m)
        assert s.link_state == "live" and s.ids.lost.opacity == 0
        m.connected = False
        m.version += 1
        s.refresh(m)
        assert s.lost and "连接中断" in s.ids.lost.text
    finally:
        kivy_window.remove_widget(s)


def test_notices_are_shown_a_page_at_a_time(kivy_window: Any, monkeypatch: Any) -> None:
    from window_display import board as board_module
    from window_display.board import HallBoard
    from window_display.notices import WELCOME

    clock = [1000.0]
    monkeypatch.setattr(board_module, "_mono", lambda: clock[0])
    m = model()
    b = HallBoard(size_hint=(None, None), size=(1920, 1080))
    kivy_window.add_widget(b)
    try:
        from kivy.base import EventLoop

        m.apply(event(10, "hall.notices", notices=[]))
        b.refresh(m)
        for _ in range(3):  # laid out: the strip has its width
            EventLoop.idle()
        b.tick(0.5)
        assert b.ids.ticker.width == 1920 and b.notices_text == WELCOME
        long_zh = "因系统升级，今日下午十四时至十六时不动产登记与公积金业务暂停受理，请合理安排时间" * 2
        m.apply(event(11, "hall.notices", notices=[{"zh": "今日下午系统维护", "en": "Maintenance this afternoon"},
                                                   {"zh": long_zh, "en": ""}]))
        b.refresh(m)
        seen = [b.notices_text]
        for _ in range(8):
            clock[0] += 6.1
            b.tick(0.5)
            seen.append(b.notices_text)
        assert seen[0] == "今日下午系统维护  Maintenance this afternoon"
        assert seen[1] != seen[0] and seen[1] in long_zh  # the long notice, cut into pages that fit
        assert "".join(p for p in seen[1:] if p in long_zh).startswith(long_zh[:40])
        assert seen[0] in seen[2:]  # and round again
        before = b.notices_text
        clock[0] += 1  # within a page's time nothing moves
        b.tick(0.5)
        assert b.notices_text == before
    finally:
        kivy_window.remove_widget(b)


def test_the_window_screen_posts_the_officers_photo_and_phone(kivy_window: Any, tmp_path: Path) -> None:
    from PIL import Image as PILImage
    from PIL import ImageDraw

    from window_display.window_screen import WindowScreen

    photos = tmp_path / "staff"
    photos.mkdir()
    portrait = PILImage.new("RGB", (300, 400), (200, 30, 30))  # a staff photo's red backdrop (红底)
    draw = ImageDraw.Draw(portrait)
    draw.ellipse((95, 70, 205, 190), fill=(240, 215, 190))
    draw.rounded_rectangle((40, 210, 260, 420), radius=60, fill=(30, 40, 70))
    portrait.save(photos / "SF0103.png")
    m = HallModel()
    m.load_snapshot(snapshot(windows=[
        window(3, clerk={"id": "c03", "name": "李娜", "staff_no": "SF0103", "phone": "0755-26010103"}),
        window(4, clerk={"id": "c04", "name": "张伟", "staff_no": "SF0104", "phone": ""}),
    ]))
    m.connected = True
    s = WindowScreen(window_number=3, photos_dir=str(photos), size_hint=(None, None), size=(1280, 720))
    kivy_window.add_widget(s)
    try:
        s.refresh(m)
        assert "李娜" in s.clerk_text and "SF0103" in s.clerk_text
        assert "联系电话 Tel.: 0755-26010103" in s.clerk_text
        assert s.photo_source == str(photos / "SF0103.png")
        img = shoot(s, Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "window-officer.png")
        photo = region(img, s, s.ids.photo)
        assert s.ids.photo.width > 50 and share(photo, is_red) > 0.3
        # no photo posted for SF0104, no phone: the name takes the row, nothing is made up
        s.window_number = 4
        s.refresh(m, force=True)
        assert s.photo_source == "" and "Tel." not in s.clerk_text
        shoot(s, tmp_path / "no-photo.png")
        assert s.ids.photo.width == 0
    finally:
        kivy_window.remove_widget(s)


def big_hall(count: int) -> HallModel:
    """``count`` windows: a called number at each, some paused or closed after a call."""
    m = HallModel()
    windows = []
    for n in range(1, count + 1):
        number = f"A{n:03d}"
        if n % 7 == 0:
            windows.append(window(n, status="paused", recent=[number]))
        elif n % 11 == 0:
            windows.append(window(n, status="closed", clerk=None, recent=[number]))
        else:
            windows.append(window(n, current={"id": f"t{n}", "number": number, "item_code": "C-JY-001",
                                              "state": "called" if n % 2 else "serving"}, recent=[number]))
    m.load_snapshot(snapshot(windows=windows))
    m.connected = True
    return m


def assert_readable(b: Any, size: tuple[int, int]) -> None:
    """Every window's number is set, at least the rule's height (layout.py) and inside its cell."""
    from window_display.layout import min_number_px

    smallest = min_number_px(*size)
    grid = b.ids.grid
    for n, cell in b.cells.items():
        label = cell.ids.number
        assert label.text, n
        assert label.font_size >= smallest, (n, label.font_size, smallest)
        # inside its cell, and the cell inside the grid
        assert label.texture_size[0] <= cell.width and label.texture_size[1] <= label.height, n
        assert grid.x - 1 <= cell.x and cell.right <= grid.right + 1, n
        assert grid.y - 1 <= cell.y and cell.top <= grid.top + 1, n


@pytest.mark.parametrize("count", [8, 20, 40])
@pytest.mark.parametrize("portrait", [False, True], ids=["landscape", "portrait"])
def test_every_number_fits_its_cell_and_is_read_across_the_hall(
        kivy_window: Any, tmp_path: Path, count: int, portrait: bool) -> None:
    from kivy.base import EventLoop

    from window_display.board import HallBoard
    from window_display.layout import min_row_px

    size = (1080, 1920) if portrait else (1920, 1080)
    b = HallBoard(portrait=portrait, size_hint=(None, None), size=size)
    kivy_window.add_widget(b)
    try:
        m = big_hall(count)
        for i in range(12):  # calls in the last calls list, a recall among them
            m.apply(event(11 + i, "ticket.recalled" if i == 5 else "ticket.called", ticket=f"x{i}",
                          number=f"A{200 + i}", window=1 + i % 5, item="C-JY-001"))
        b.refresh(m)
        for _ in range(4):
            EventLoop.idle()
        b.refresh(m, force=True)
        img = shoot(b, tmp_path / "board.png")
        keep = Path(__file__).resolve().parents[2] / "docs" / "screenshots"  # the README's boards
        img.save(keep / f"board-{count}-{'portrait' if portrait else 'landscape'}.png")
        assert len(b.cells) == count
        assert_readable(b, size)
        assert b.cells[7].number == "A007" and b.cells[7].status == "暂停服务 Paused"  # paused after a call
        if count >= 11:
            assert b.cells[11].number == "A011" and b.cells[11].status == "已关闭 Closed"
        rows = [r.text for r in b.rows]
        assert len(rows) == 10 and rows[0].startswith("A211  →")
        assert "A205  →" in rows[6] and "再次 Recall" in rows[6] and "再次" not in rows[5]
        for row in b.rows:  # read by a visitor walking up to the board (layout.MIN_ROW_FRACTION)
            assert row.font_size >= min_row_px(*size) and row.texture_size[0] <= row.width + 1
    finally:
        kivy_window.remove_widget(b)
