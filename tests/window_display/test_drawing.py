"""How the board draws a call fast in software rendering (window_display/README.md, "Drawing a
call fast"): new text in new textures, colours as tints, prepared text swapped in without a
redraw, calls drawn at once and the rest at the board's tick."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.window_display.test_model import event
from tests.window_display.test_screens import big_hall


@pytest.fixture
def board(kivy_window: Any) -> Iterator[Any]:
    from kivy.base import EventLoop

    from window_display.board import HallBoard

    b = HallBoard(size_hint=(None, None), size=(1920, 1080))
    kivy_window.add_widget(b)
    b.model = big_hall(40)
    b.refresh(b.model)
    for _ in range(4):  # laid out, textures made
        EventLoop.idle()
    yield b
    kivy_window.remove_widget(b)


def frames(window: Any, turns: int = 3) -> int:
    """Frames drawn in ``turns`` turns of the loop."""
    from kivy.base import EventLoop

    drawn = [0]

    def count(*_: Any) -> None:
        drawn[0] += 1

    window.bind(on_draw=count)
    try:
        for _ in range(turns):
            EventLoop.idle()
    finally:
        window.unbind(on_draw=count)
    return drawn[0]


def call(b: Any, seq: int, number: str, window: int, kind: str = "ticket.called") -> None:
    b.model.apply(event(seq, kind, ticket=f"t-{number}", number=number, window=window, item="C-JY-001"))


def test_new_text_comes_in_a_new_texture_never_written_over_the_one_on_screen(board: Any) -> None:
    from kivy.base import EventLoop

    waiting = board.ids.waiting
    shown, before = waiting.texture, waiting.text
    pixels = bytes(shown.pixels)
    board.model.apply(event(11, "ticket.issued", ticket="t-n1", number="A500", item="C-JY-001", stream="citizen"))
    board.refresh(board.model)
    EventLoop.idle()
    assert waiting.text != before and "Waiting: 0" not in waiting.text
    assert waiting.texture is not shown  # a new texture for the new count
    assert bytes(shown.pixels) == pixels  # and the one the last frame drew from untouched


def test_the_newest_calls_colour_is_a_tint_and_rows_shifting_down_render_nothing(board: Any) -> None:
    from kivy.base import EventLoop

    from window_display.board import ROW_NEWEST, ROW_OLDER
    from window_display.prerender import TEXTURES

    for i in range(3):
        call(board, 11 + i, f"A30{i}", 1 + i)
        board.refresh(board.model)
        EventLoop.idle()
    rows = board.rows
    newest, next_one = rows[0].texture, rows[1].texture
    misses = TEXTURES.misses
    call(board, 20, "A399", 4)
    board.refresh(board.model)
    EventLoop.idle()
    assert [r.text.split()[0] for r in rows[:4]] == ["A399", "A302", "A301", "A300"]
    assert rows[1].texture is newest and rows[2].texture is next_one  # moved down, not rendered again
    # rendered: the new row, the banner and window 4's number (none prepared here), not the rows below
    assert TEXTURES.misses == misses + 3
    assert list(rows[0].tint) == list(ROW_NEWEST) and list(rows[1].tint) == list(ROW_OLDER)
    assert rows[0].color == rows[1].color  # the text itself is white in both


def test_preparing_a_number_draws_no_frame_and_its_call_swaps_the_texture_in(board: Any, kivy_window: Any) -> None:
    from kivy.base import EventLoop

    from window_display.prerender import TEXTURES

    assert frames(kivy_window) == 0  # nothing changed, nothing drawn
    board.prepare(board.model, "A777", "")
    open_windows = sum(1 for w in board.model.windows.values() if w.status != "closed")
    assert board.work(budget_s=10) == 1 + open_windows  # a cell's number, a banner for each window that may call it
    assert frames(kivy_window) == 0  # the label's text was swapped for a moment: nothing shown
    call(board, 30, "A777", 12)
    board.refresh(board.model)
    EventLoop.idle()
    number, banner = board.cells[12].ids.number, board.ids.banner
    assert number.text == "A777" and "A777 号到 12 号窗口" in banner.text
    # what the screen shows is what was prepared, swapped in
    assert number.texture is not None and number.texture is TEXTURES.get("A777", number._label)
    assert banner.texture is not None and banner.texture is TEXTURES.get(banner.text, banner._label)


def test_a_call_is_news_at_once_and_a_waiting_count_waits_for_the_tick(board: Any) -> None:
    assert not board.has_news(board.model)
    before = board.waiting_text
    board.model.apply(event(11, "ticket.issued", ticket="t-n1", number="A500", item="C-JY-001", stream="citizen"))
    assert not board.has_news(board.model)  # left to the next tick (the app's TICK_S) ...
    board.refresh(board.model)  # ... which refreshes the board
    assert board.waiting_text != before
    call(board, 12, "A500", 2)
    assert board.has_news(board.model)
    board.refresh(board.model)
    assert not board.has_news(board.model) and board.cells[2].number == "A500"
    call(board, 13, "A500", 2, kind="ticket.recalled")  # the same number again is news too
    assert board.has_news(board.model)
    board.refresh(board.model)
    board.model.connected = False  # heartbeats stopped: the strip shows at once
    assert board.has_news(board.model)
