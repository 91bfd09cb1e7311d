"""The board's notices as pages: each page fits the ticker strip and is held a few seconds,
then the next is shown. A smoothly scrolling ticker redraws the whole board 30 times a second,
which in software rendering (llvmpipe) costs more than a core; a page costs one redraw.
"""

from __future__ import annotations

import re

from .textfit import text_em

_TOKENS = re.compile(r"[\u2e80-\U0010ffff]\s*|[^\s\u2e80-\U0010ffff]+\s*|\s+")

WELCOME = "欢迎来到政务服务中心  Welcome to the Government Service Centre"
PAGE_SECONDS = 6.0  # long enough to read a page of about 40 characters twice


def notice_text(notice: dict[str, str]) -> str:
    return "  ".join(x for x in (notice.get("zh", "").strip(), notice.get("en", "").strip()) if x)


def pages(notices: list[dict[str, str]], width_em: float) -> list[str]:
    """The pages the strip shows in turn: a notice per page, a notice wider than ``width_em``
    ems cut into pages at spaces (or between Chinese characters), never inside a word."""
    out: list[str] = []
    for n in notices:
        text = notice_text(n)
        if text:
            out += _cut(text, max(4.0, width_em))
    return out or [WELCOME]


def _cut(text: str, width_em: float) -> list[str]:
    if text_em(text) <= width_em:
        return [text]
    tokens = _TOKENS.findall(text)  # a Chinese character, or a Latin word with its spaces
    out, line = [], ""
    for tok in tokens:
        if line and text_em(line + tok) > width_em:
            out.append(line.strip())
            line = tok.lstrip()
        else:
            line += tok
    if line.strip():
        out.append(line.strip())
    return out
