"""Column widths and line breaking for a thermal printer in Chinese mode.

In Chinese mode (``FS &``) every character sent as a multi-byte GBK/GB18030 code is printed
full width (24 dots, two columns of font A), and every ASCII byte half width (12 dots). So the
width of a character on paper is a matter of its encoding, not of Unicode's East Asian width:
``“`` and ``—`` are two columns on the printer although many terminals draw them as one.
"""

from __future__ import annotations

import re

# Chinese line-breaking rules (避头尾): these may not begin a line ...
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
# ... and these may not end one.
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

_ASCII_WORD = re.compile(r"[!-~]+")


def char_columns(ch: str) -> int:
    return 1 if ord(ch) < 0x80 else 2


def columns(text: str) -> int:
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def _units(paragraph: str) -> list[str]:
    """Split into unbreakable units: ASCII words, single spaces, single non-ASCII characters."""
    units: list[str] = []
    pos = 0
    while pos < len(paragraph):
        m = _ASCII_WORD.match(paragraph, pos)
        if m:
            units.append(m.group())
            pos = m.end()
        else:
            units.append(paragraph[pos])
            pos += 1
    return units


def _split_long(unit: str, width: int) -> list[str]:
    """A word longer than a line (a URL, say) is broken wherever it has to be."""
    pieces, piece, used = [], "", 0
    for ch in unit:
        w = char_columns(ch)
        if used + w > width and piece:
            pieces.append(piece)
            piece, used = "", 0
        piece += ch
        used += w
    if piece:
        pieces.append(piece)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` columns.

    Explicit newlines are kept; ASCII words stay whole unless longer than a line; a line never
    starts with closing punctuation nor ends with an opening one (the previous character moves
    down with it instead). Only ASCII spaces are dropped at a line's end: a full-width space
    (U+3000) is kept, so a white-on-black band can be padded evenly on both sides.
    """
    if width < 2:
        raise ValueError("a line must hold at least one Chinese character (2 columns)")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0
        for unit in _units(paragraph):
            w = columns(unit)
            if w > width:
                for piece in _split_long(unit, width):
                    if line and used + columns(piece) > width:
                        lines.append("".join(line).rstrip(" "))
                        line, used = [], 0
                    line.append(piece)
                    used += columns(piece)
                continue
            if used + w <= width:
                line.append(unit)
                used += w
                continue
            # The unit does not fit: start a new line, respecting the breaking rules.
            carry: list[str] = []
            if unit[0] in NO_LINE_START and len(line) > 1:
                carry.append(line.pop())  # take the previous character down with it
            while len(line) > 1 and line[-1][-1] in NO_LINE_END:
                carry.insert(0, line.pop())
            lines.append("".join(line).rstrip(" "))
            line = carry + ([] if unit == " " else [unit])
            while line and line[0] == " ":
                line.pop(0)
            used = columns("".join(line))
        lines.append("".join(line).rstrip(" "))
    return lines


def pad_row(left: str, right: str, width: int) -> list[str]:
    """``left`` flush left and ``right`` flush right on one line, or on two if they do not fit."""
    gap = width - columns(left) - columns(right)
    if gap >= 1:
        return [left + " " * gap + right]
    out = wrap(left, width)
    for line in wrap(right, width):
        out.append(" " * (width - columns(line)) + line)
    return out
