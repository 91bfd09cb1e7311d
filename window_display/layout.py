"""How the board lays out its windows, and how big a number must be to be read across a hall.

**The number height rule.** A window's number on the board is set at least
:data:`MIN_NUMBER_FRACTION` of the screen's shorter side high (font size): 54 px on a
1080-line board, about 34 mm on a 55-inch panel, whose digits (about 0.7 of the font size,
24 mm) are read at 7 m by the 1:300 rule of signage. The last calls list, read by a visitor
who walks up to the board, is at least half that (:data:`MIN_ROW_FRACTION`). ``tests/window_display`` checks the rule
on the widget tree for 8, 20 and 40 windows, landscape and portrait.

The grid takes the number of columns that gives the numbers the largest font in its box.
"""

from __future__ import annotations

from .textfit import text_em

MIN_NUMBER_FRACTION = 1 / 20
MIN_ROW_FRACTION = MIN_NUMBER_FRACTION / 2
NUMBER_SHARE = 0.55  # of a cell's height: the number's line (the window's name and state share the rest)
NUMBER_FILL = 0.66  # font size / line height (the CJK font's line is about 1.5 em)
WIDTH_FILL = 0.9  # text width / cell width
SAMPLE_NUMBER = "A012"


def min_number_px(width: float, height: float) -> float:
    return min(width, height) * MIN_NUMBER_FRACTION


def min_row_px(width: float, height: float) -> float:
    return min(width, height) * MIN_ROW_FRACTION


def number_font(cell_w: float, cell_h: float, text: str = SAMPLE_NUMBER) -> float:
    """The font size a cell of this size gives a number (the rule in ``kv/board.kv``)."""
    return max(1.0, min(cell_h * NUMBER_SHARE * NUMBER_FILL, (cell_w - 8) * WIDTH_FILL / text_em(text)))


def grid_columns(count: int, width: float, height: float) -> int:
    """The number of columns that gives ``count`` windows the largest numbers in ``width`` × ``height``."""
    if count <= 1 or width <= 0 or height <= 0:
        return 1

    def font(cols: int) -> float:
        rows = -(-count // cols)
        return number_font(width / cols, height / rows)

    return max(range(1, count + 1), key=lambda c: (font(c), -c))
