"""Where the CJK fonts are (Debian's fonts-wqy-microhei and fonts-noto-cjk).

Pillow (simulator pages, raster fallbacks) reads any of them. reportlab (the certificate PDF)
embeds only TrueType outlines: WenQuanYi Micro Hei qualifies, Noto CJK (CFF outlines) does not,
so the PDF falls back to the built-in ``STSong-Light`` CID font (not embedded) without it.
``HALL_CJK_FONT=/path/font.ttc[:index]`` overrides both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # face inside a .ttc collection


# Noto Sans CJK SC is face 2 of the Debian collection (JP, KR, SC, TC, HK order).
_PIL_CANDIDATES = (
    FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
)
_PIL_BOLD_CANDIDATES = (FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 2),)
_TRUETYPE_CANDIDATES = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
)


class FontNotFound(RuntimeError):
    pass


def _override() -> FontFile | None:
    spec = os.environ.get("HALL_CJK_FONT")
    if not spec:
        return None
    path, _, index = spec.partition(":")
    return FontFile(Path(path), int(index or 0))


@cache
def cjk_font() -> FontFile:
    """A CJK font Pillow can draw with."""
    override = _override()
    for f in ((override,) if override else ()) + _PIL_CANDIDATES:
        if f.path.exists():
            return f
    raise FontNotFound("no CJK font found: apt-get install fonts-wqy-microhei (or fonts-noto-cjk)")


@cache
def cjk_bold_font() -> FontFile:
    if _override() is None:
        for f in _PIL_BOLD_CANDIDATES:
            if f.path.exists():
                return f
    return cjk_font()


@cache
def truetype_cjk_font() -> FontFile | None:
    """A CJK font with TrueType outlines that reportlab can embed, or None."""
    override = _override()
    for f in ((override,) if override else ()) + _TRUETYPE_CANDIDATES:
        if f.path.exists():
            return f
    return None
