"""Colours and sizes of the kiosk, the one place its look is decided.

Sizes are in dp and come in two sets: the normal one and elder mode (长辈版), where the
main text is at least 30 dp, nothing is under 18 dp and every touch target is at least
60×60 dp (normal mode: 44×44 dp). Colours are chosen for a contrast of at least 4.5:1
(WCAG AA) of every text on its background; ``contrast`` is the formula tests check with.
"""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[float, float, float, float]


def _hex(code: str) -> RGBA:
    code = code.lstrip("#")
    return (int(code[0:2], 16) / 255, int(code[2:4], 16) / 255, int(code[4:6], 16) / 255, 1.0)


BG = _hex("#F4F6FA")  # screen background
TEXT = _hex("#16202C")  # body text on BG
MUTED = _hex("#3D4A5C")  # secondary text on BG (7.9:1)
PRIMARY = _hex("#0B57A4")  # main buttons, white text (7.0:1)
ON_PRIMARY = _hex("#FFFFFF")
SECONDARY = _hex("#DCE6F4")  # other buttons, dark blue text
ON_SECONDARY = _hex("#0A3A70")
BAR = _hex("#0A3A70")  # title bar, white text
ON_BAR = _hex("#FFFFFF")
ALERT = _hex("#B3261E")  # server unreachable, device faults: white text (6.5:1)
ON_ALERT = _hex("#FFFFFF")
GREEN = _hex("#1B6B2F")  # done, help is coming: white text (6.6:1)
ON_GREEN = _hex("#FFFFFF")
CARD = _hex("#FFFFFF")  # panels on BG
NUMBER = _hex("#0B57A4")  # the ticket number on CARD


@dataclass(frozen=True)
class Sizes:
    title: float
    main: float
    text: float
    small: float
    target: float  # minimum height and width of anything tappable
    key: float  # on-screen keyboard keys


NORMAL = Sizes(title=30, main=24, text=20, small=16, target=56, key=56)
ELDER = Sizes(title=40, main=32, text=26, small=20, target=84, key=72)
ELDER_MIN_TEXT, ELDER_MIN_MAIN, ELDER_MIN_TARGET, NORMAL_MIN_TARGET = 18, 30, 60, 44


def _luminance(c: RGBA) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in c[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: RGBA | list[float], bg: RGBA | list[float]) -> float:
    """WCAG contrast ratio of two opaque colours, 1 … 21."""
    a, b = _luminance(tuple(fg)), _luminance(tuple(bg))  # type: ignore[arg-type]
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)
