"""The hall board shows the hall's configured name (config/hall.yaml), not the catalogue's:
a real server whose hall is named otherwise than its catalogue, the board offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.test_hall_name import CATALOGUE_NAME, HALL_NAME, HALL_NAME_EN, hall_named
from tests.support.hall import HallProcess
from tests.window_display.rig import endpoints
from window_display.runtime import DisplayLink


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = hall_named(tmp_path_factory.mktemp("hall"))
    h.enroll("board-1", kind="display")
    h.start()
    yield h
    h.stop()


def test_the_board_is_headed_with_the_halls_own_name(hall: HallProcess, kivy_window: Any, tmp_path: Path) -> None:
    import time

    from kivy.base import EventLoop

    from window_display.board import HallBoard

    link = DisplayLink(endpoints(hall, "board-1"), heartbeat_timeout=2.5)
    for child in list(kivy_window.children):
        kivy_window.remove_widget(child)
    board = HallBoard(size_hint=(None, None), size=(1920, 1080))
    kivy_window.add_widget(board)
    try:
        deadline = time.monotonic() + 20
        while not (link.model.items and link.model.hall_name and link.model.hall_name["zh"] == HALL_NAME):
            assert time.monotonic() < deadline, f"the board never had the hall's name: {link.model.hall_name}"
            link.poll(0.02)
            board.refresh(link.model)
            EventLoop.idle()
        board.refresh(link.model)
        EventLoop.idle()
        assert board.ids.hall_name.text == f"{HALL_NAME}  {HALL_NAME_EN}"  # the heading's panel
        assert CATALOGUE_NAME not in board.hall_text

        # A catalogue published later (its own hall_name) does not rename the hall.
        link.model.load_catalogue({"hall_name": {"zh": CATALOGUE_NAME, "en": "Shifan"}, "items": []})
        board.refresh(link.model)
        assert board.hall_text == f"{HALL_NAME}  {HALL_NAME_EN}"
    finally:
        kivy_window.remove_widget(board)
        link.close()
