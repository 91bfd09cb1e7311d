"""A small document model between layouts and the ESC/POS renderer.

Layouts say *what* goes on the slip (this line large and centred, a QR code here); the renderer
decides *how* a given printer does it (encoding, native or raster QR, wrapping to its width).
Keeping layouts free of bytes lets one layout serve 58 mm and 80 mm printers and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from PIL import Image as PILImage

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper width at its size. ``width``/``height`` are 1..8 times."""

    text: str
    align: Align = "left"
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False
    invert: bool = False
    indent: int = 0  # columns of hanging indent for wrapped lines (numbered lists)

    def __post_init__(self) -> None:
        if not (1 <= self.width <= 8 and 1 <= self.height <= 8):
            raise ValueError("character size is 1..8 times")


@dataclass(frozen=True)
class Row:
    """Label flush left, value flush right (``前面等候 ........ 5 人``)."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class QR:
    data: str
    align: Align = "center"
    ec: Literal["L", "M", "Q", "H"] = "M"
    module: int | None = None  # dots per module; None = the profile's


@dataclass(frozen=True)
class Image:
    image: PILImage.Image
    align: Align = "center"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block: TypeAlias = Text | Row | Rule | QR | Image | Feed | Cut


@dataclass(frozen=True)
class Document:
    """One slip: blocks in order, ending with a cut. ``title`` names the print job."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def texts(self) -> list[str]:
        """Every piece of text on the slip, for tests and for showing a slip on screen."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Text):
                out.append(b.text)
            elif isinstance(b, Row):
                out.extend((b.left, b.right))
        return out

    def qr_codes(self) -> list[str]:
        return [b.data for b in self.blocks if isinstance(b, QR)]
