"""Fixtures of the display tests: Kivy with no screen, a real queue server, a rig of displays.

Kivy must be configured before it is first imported: this file sets the environment at
import time (KIVY_NO_ARGS, a private KIVY_HOME, no log file, SDL offscreen).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_HOME", _KIVY_HOME)
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

from tests.support.hall import HallProcess  # noqa: E402


@pytest.fixture(scope="session")
def kivy_window():  # type: ignore[no-untyped-def]
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kivyenv import register_fonts

    register_fonts()
    EventLoop.ensure_window()
    Window.size = (1920, 1080)
    return Window


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """A real queue server (CURVE) with the demo hall; displays board-1 and window-3 enrolled."""
    var = tmp_path_factory.mktemp("hall")
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    h.init()
    h.enroll("board-1", kind="display")
    h.enroll("window-3", kind="display")
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def manager(hall: HallProcess) -> str:
    return hall.token("manager")


@pytest.fixture
def voice_dir(tmp_path: Path) -> Path:
    d = tmp_path / "voice"
    d.mkdir()
    return d
