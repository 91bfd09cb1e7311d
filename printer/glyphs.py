"""Printer-like glyphs and raster images: character cells, text lines, QR codes.

A thermal printer draws font A characters in fixed cells: 12 x 24 dots for ASCII, 24 x 24 for
Chinese, scaled by whole multiples (a 4x character is each dot repeated 4 times). The simulator
draws what it receives this way, and the renderer uses the same cells when it has to send a
line as an image (characters the printer's font lacks), so both look like the real thing.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from printer.fonts import FontFile, cjk_bold_font, cjk_font

CELL_H = 24
ANK_W = 12
KANJI_W = 24
_FONT_PX = 22
_BASELINE = 20


class GlyphRenderer:
    """Draws character cells (mode ``L``, ink 0 on paper 255) with a CJK font."""

    def __init__(self, font: FontFile | None = None, bold_font: FontFile | None = None) -> None:
        regular = font or cjk_font()
        bold = bold_font or (cjk_bold_font() if font is None else regular)
        self._regular, self._bold_file = regular, bold
        self._sizes: dict[int, ImageFont.FreeTypeFont] = {}
        self.cell = lru_cache(maxsize=8192)(self._cell)
        self.smooth = lru_cache(maxsize=1024)(self._smooth)

    def _draw(self, ch: str, w: int, h: int, px: int, bold: bool) -> Image.Image:
        """``ch`` centred in a ``w`` x ``h`` cell at font size ``px``; a glyph wider than the cell
        (``m``, ``W`` in a 12-dot cell) is squeezed to fit, as printer fonts are drawn narrow."""
        font = self._bold_at(px) if bold else self._font_at(px)
        left, _top, right, _bottom = font.getbbox(ch, anchor="ls")
        ink_w = max(1, right - left) + (1 if bold else 0)
        canvas_w = max(w, ink_w + 2)
        img = Image.new("L", (canvas_w, h), 255)
        if ch.strip():
            draw = ImageDraw.Draw(img)
            baseline = round(h * _BASELINE / CELL_H)
            draw.text((canvas_w / 2, baseline), ch, font=font, fill=0, anchor="ms")
            if bold:  # printers embolden by striking each dot twice, one dot to the right
                draw.text(
                    (canvas_w / 2 + max(1, px // _FONT_PX), baseline), ch, font=font, fill=0, anchor="ms"
                )
        if canvas_w != w:
            img = img.resize((w, h), Image.Resampling.LANCZOS)
        return img

    def _font_at(self, px: int) -> ImageFont.FreeTypeFont:
        if px not in self._sizes:
            self._sizes[px] = ImageFont.truetype(str(self._regular.path), px, index=self._regular.index)
        return self._sizes[px]

    def _bold_at(self, px: int) -> ImageFont.FreeTypeFont:
        if -px not in self._sizes:
            self._sizes[-px] = ImageFont.truetype(str(self._bold_file.path), px, index=self._bold_file.index)
        return self._sizes[-px]

    def _cell(self, ch: str, wide: bool, bold: bool) -> Image.Image:
        return self._draw(ch, KANJI_W if wide else ANK_W, CELL_H, _FONT_PX, bold)

    def _smooth(self, ch: str, wide: bool, bold: bool, width: int, height: int) -> Image.Image:
        """A large character drawn at its size (GS b smoothing) rather than dots blown up."""
        cell_w = KANJI_W if wide else ANK_W
        img = self._draw(ch, cell_w * height, CELL_H * height, _FONT_PX * height, bold)
        if width != height:
            img = img.resize((cell_w * width, CELL_H * height), Image.Resampling.LANCZOS)
        return img

    def scaled(
        self, ch: str, wide: bool, bold: bool, width: int, height: int, smooth: bool = False
    ) -> Image.Image:
        if width == 1 and height == 1:
            return self.cell(ch, wide, bold)
        if smooth:
            return self.smooth(ch, wide, bold, width, height)
        img = self.cell(ch, wide, bold)
        return img.resize((img.width * width, img.height * height), Image.Resampling.NEAREST)

    def line_image(
        self, text: str, width: int = 1, height: int = 1, bold: bool = False, smooth: bool = False
    ) -> Image.Image:
        """A line of text laid out in printer cells (half width for ASCII, full for the rest)."""
        cells = [self.scaled(ch, ord(ch) >= 0x80, bold, width, height, smooth) for ch in text]
        img = Image.new("L", (max(1, sum(c.width for c in cells)), CELL_H * height), 255)
        x = 0
        for c in cells:
            img.paste(c, (x, 0))
            x += c.width
        return img


@lru_cache(maxsize=1)
def default_glyphs() -> GlyphRenderer:
    return GlyphRenderer()


def qr_matrix(data: bytes | str, ec: str = "M") -> tuple[bytearray, ...]:
    """Rows of modules (1 = dark) of the smallest model 2 QR code holding ``data``, its mask
    chosen by the standard's penalty rules (ISO/IEC 18004 7.8.3): what a printer draws for
    ``GS ( k``.

    segno scores the eight masks in pure Python (about 4 ms for a ticket URL, most of a 58 mm
    ticket's 5 ms budget). Here segno builds the symbol once with mask 0; numpy unmasks it,
    scores all eight masks at once, and the winner gets its format information from segno.
    """
    error = ec.lower()
    first = segno.make_qr(data, error=error, boost_error=False, mask=0)
    try:
        from segno import consts, encoder

        best, symbol = best_mask(np.array(first.matrix, dtype=np.uint8))
        if best == 0:
            return first.matrix
        rows = [bytearray(row) for row in symbol.tolist()]
        encoder.add_format_info(rows, first.version, consts.ERROR_MAPPING[first.error.upper()], best)
        return tuple(rows)
    except Exception:  # segno's internals changed: let segno choose, slower but right
        return segno.make_qr(data, error=error, boost_error=False).matrix


@lru_cache(maxsize=16)
def _mask_layers(n: int) -> np.ndarray:
    """For an n x n symbol, the eight mask patterns of ISO/IEC 18004 table 10 as 0/1 layers,
    limited to the data modules (masks never touch finder, timing or alignment patterns)."""
    from segno import encoder

    fm = encoder.make_matrix(n, n)
    encoder.add_finder_patterns(fm, n, n)
    encoder.add_alignment_patterns(fm, n, n)
    fm[-8][8] = 0x1  # the dark module
    region = np.array(fm, dtype=np.uint8) > 1
    i, j = np.indices((n, n))
    patterns = np.stack(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i + j) % 2 + (i * j) % 3) % 2 == 0,
        ]
    )
    return (patterns & region).astype(np.uint8)


def best_mask(masked0: np.ndarray) -> tuple[int, np.ndarray]:
    n = masked0.shape[0]
    layers = _mask_layers(n)
    symbols = (masked0 ^ layers[0])[None] ^ layers  # all eight candidates, shape (8, n, n)
    score = np.zeros(8, dtype=np.int64)
    for s in (symbols, symbols.transpose(0, 2, 1)):  # rows, then columns
        eq = s[..., 1:] == s[..., :-1]
        five = eq[..., :-3] & eq[..., 1:-2] & eq[..., 2:-1] & eq[..., 3:]  # 5 alike from here
        starts = five.copy()
        starts[..., 1:] &= ~eq[..., :-4]  # ... and a run starts here
        score += 3 * starts.sum(axis=(1, 2)) + (
            five.sum(axis=(1, 2)) - starts.sum(axis=(1, 2))
        )  # N1: 3 + (len-5)
        # N3: dark-light-dark x3-light-dark with four light modules on one side (light beyond the edge)
        p = np.pad(s, ((0, 0), (0, 0), (4, 4))).astype(np.int16)
        m = p.shape[2] - 14  # window starts
        code = sum(p[..., 4 + k : 4 + k + m] << (6 - k) for k in range(7))
        left = sum(p[..., k : k + m] for k in range(4))
        right = sum(p[..., 11 + k : 11 + k + m] for k in range(4))
        score += 40 * ((code == 0b1011101) & ((left == 0) | (right == 0))).sum(axis=(1, 2))
    a = symbols
    blocks = (
        (a[:, :-1, :-1] == a[:, 1:, :-1])
        & (a[:, :-1, :-1] == a[:, :-1, 1:])
        & (a[:, :-1, :-1] == a[:, 1:, 1:])
    )
    score += 3 * blocks.sum(axis=(1, 2))  # N2
    dark = symbols.sum(axis=(1, 2)) * 100 / (n * n)
    score += 10 * (np.abs(dark - 50) // 5).astype(np.int64)  # N4
    best = int(np.argmin(score))
    return best, symbols[best]


def qr_image(data: bytes | str, module: int, ec: str = "M") -> Image.Image:
    """A QR code as a mode ``L`` image, ``module`` dots per module, no quiet zone (the paper
    around it is the quiet zone)."""
    matrix = qr_matrix(data, ec)
    n = len(matrix)
    small = Image.frombytes("L", (n, n), b"".join(bytes(255 - 255 * m for m in row) for row in matrix))
    return small.resize((n * module, n * module), Image.Resampling.NEAREST)


# Byte-mode capacity of QR versions 1..20 (model 2) per error-correction level, from ISO/IEC 18004.
# Lets the renderer size a native QR code (drawn by the printer) without building it.
QR_BYTE_CAPACITY: dict[str, tuple[int, ...]] = {
    "L": (17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858),
    "M": (14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666),
    "Q": (11, 20, 32, 46, 60, 74, 86, 108, 130, 151, 177, 203, 241, 258, 292, 322, 364, 394, 442, 482),
    "H": (7, 14, 24, 34, 44, 58, 64, 84, 98, 119, 137, 155, 177, 194, 220, 250, 280, 310, 338, 382),
}


def qr_modules(n_bytes: int, ec: str = "M") -> int:
    """Modules per side of the smallest QR code holding ``n_bytes`` bytes."""
    for version, cap in enumerate(QR_BYTE_CAPACITY[ec], start=1):
        if n_bytes <= cap:
            return 17 + 4 * version
    raise ValueError(f"{n_bytes} bytes is more than a receipt QR code should carry")
