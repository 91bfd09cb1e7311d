"""Kivy set-up the kiosk and the window displays share: environment before import, CJK default font.

Call :func:`prepare_environment` before anything imports ``kivy`` and :func:`register_fonts`
after; both are idempotent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
CJK_BOLD_FONTS = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"]


def prepare_environment(*, headless: bool | None = None) -> None:
    """No command-line parsing by Kivy, a private KIVY_HOME, no log files.

    With no ``DISPLAY`` (and no Wayland) Kivy's SDL runs its offscreen EGL driver.
    """
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if "KIVY_HOME" not in os.environ:
        home = Path(tempfile.gettempdir()) / f"hall-kivy-{os.getuid()}"
        home.mkdir(exist_ok=True)
        os.environ["KIVY_HOME"] = str(home)
    if headless is None:
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")


def find_font(candidates: list[str]) -> str | None:
    for path in candidates:
        if Path(path).exists():
            return path
    for pattern in ("**/NotoSansCJK-Regular.ttc", "**/wqy-microhei.ttc", "**/*CJK*.tt[cf]"):
        for hit in Path("/usr/share/fonts").glob(pattern):
            return str(hit)
    return None


def register_fonts() -> str:
    """Make a CJK font Kivy's default (``Roboto``); returns its path."""
    from kivy.core.text import LabelBase

    regular = find_font(CJK_FONTS)
    if regular is None:
        raise RuntimeError("no CJK font found: install fonts-noto-cjk or fonts-wqy-microhei")
    bold = find_font(CJK_BOLD_FONTS) or regular
    LabelBase.register("Roboto", regular, fn_bold=bold)
    LabelBase.register("HallCJK", regular, fn_bold=bold)
    return regular
