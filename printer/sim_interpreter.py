"""An ESC/POS interpreter that draws what a thermal printer would print, page by page.

It understands what a kiosk sends (and skips, by their documented lengths, the commands it does
not draw): text in the single-byte code page (PC437) or, after ``FS &``, in GBK/GB18030;
``ESC !``/``GS !``/``FS !`` sizes (``GS !`` sizes Chinese too, ``ESC !`` does not); bold,
underline, reverse; ``ESC a`` alignment; line spacing and feeds; native QR (``GS ( k``);
raster images (``GS v 0``, ``GS ( L``, ``ESC *``); cuts; process-ID replies (``GS ( H``).

Lines wrap at the printable width the way printers do, so a layout that miscounts widths shows
on the page. A page ends at a cut, or torn when the paper runs out under it.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from printer.glyphs import ANK_W, GlyphRenderer, qr_image

DEFAULT_LINE_SPACING = 30  # dots: 1/6 inch at 180 dpi, the ESC 2 default of most printers
PAGE_MARGIN = 16  # dots of blank paper drawn above and below a page


class Stall(Exception):
    """The printer cannot move paper (paper end, cover open): the command waits."""


@dataclass
class PrintedLine:
    text: str
    top: int  # dot row on the page image
    height: int
    width_mult: int
    height_mult: int
    kanji: bool  # some of it was decoded in Chinese mode


@dataclass
class Page:
    index: int
    image: Image.Image
    lines: list[PrintedLine]
    qr_codes: list[str]
    images: int
    cut: str  # "full", "partial" or "torn"
    continued: bool = False  # began with the remainder of a job torn by paper end
    path: Path | None = None

    @property
    def torn(self) -> bool:
        return self.cut == "torn"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class _Item:
    image: Image.Image
    text: str
    kanji: bool = False
    width_mult: int = 1
    height_mult: int = 1


@dataclass
class _Mode:
    align: int = 0
    bold: bool = False
    underline: int = 0
    kanji_underline: int = 0
    invert: bool = False
    ank_w: int = 1
    ank_h: int = 1
    kanji_w: int = 1
    kanji_h: int = 1
    font_b: bool = False
    line_spacing: int = DEFAULT_LINE_SPACING
    kanji_mode: bool = False
    upside_down: bool = False
    smooth: bool = False


@dataclass
class _QrState:
    module: int = 3
    ec: str = "L"
    data: bytes = b""


@dataclass
class _PageState:
    strips: list[Image.Image] = field(default_factory=list)
    lines: list[PrintedLine] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    images: int = 0
    height: int = 0
    continued: bool = False


_QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
_CP437 = codecs.lookup("cp437")


class EscPosInterpreter:
    """Feed it bytes with :meth:`step`; finished pages go to ``on_page``; replies to ``reply``.

    ``advance(dots)`` asks the paper mechanism to move; False means it cannot (the command is
    not consumed and :class:`Stall` is raised, to be retried once the printer recovers).
    """

    def __init__(
        self,
        *,
        dots: int,
        paper_dots: int,
        encoding: str,
        glyphs: GlyphRenderer,
        advance: Callable[[int], bool] = lambda _dots: True,
        on_page: Callable[[Page], None] = lambda _page: None,
        reply: Callable[[bytes], None] = lambda _data: None,
        kanji_default: bool = False,
    ) -> None:
        self.dots = dots
        self.paper_dots = paper_dots
        self.encoding = encoding
        self.glyphs = glyphs
        self.advance = advance
        self.on_page = on_page
        self.reply = reply
        self.kanji_default = kanji_default
        self.mode = _Mode(kanji_mode=kanji_default)
        self.qr = _QrState()
        self.graphics: Image.Image | None = None  # GS ( L stored image
        self.line: list[_Item] = []
        self.page = _PageState()
        self.page_count = 0
        self.after_tear = False
        self.unknown: list[bytes] = []  # commands skipped as unknown: tests keep this empty

    # -- state ----------------------------------------------------------------------------------

    def initialize(self) -> None:
        """ESC @: modes back to power-on defaults, print buffer cleared (page kept)."""
        self.mode = _Mode(kanji_mode=self.kanji_default)
        self.line = []
        self.after_tear = False  # a new job starts here: not a continuation

    def clear_buffers(self) -> None:
        """DLE DC4 8 (receive buffer handled by the caller): drop the unprinted line."""
        self.line = []
        self.after_tear = False

    def tear(self) -> Page | None:
        """Paper ran out under the current page: what was printed is finished as torn."""
        page = self._finish_page("torn")
        self.after_tear = page is not None  # paper ran out between pages: nothing was torn
        return page

    # -- output ---------------------------------------------------------------------------------

    def _add_strip(self, strip: Image.Image) -> None:
        if not self.advance(strip.height):
            raise Stall
        if not self.page.strips and self.after_tear:
            self.page.continued = True
            self.after_tear = False
        if self.mode.upside_down:
            strip = strip.rotate(180)
        self.page.strips.append(strip)
        self.page.height += strip.height

    def _feed(self, dots: int) -> None:
        if dots > 0:
            self._add_strip(Image.new("L", (self.dots, dots), 255))

    def _x_for(self, width: int) -> int:
        free = max(0, self.dots - width)
        return {0: 0, 1: free // 2, 2: free}.get(self.mode.align, 0)

    def print_line(self, *, force_blank: bool = True) -> None:
        """LF: print the line buffer (or feed one line when empty)."""
        items = self.line
        if not items:
            if force_blank:
                self._feed(self.mode.line_spacing)
            return
        line_h = max(it.image.height for it in items)
        height = max(self.mode.line_spacing, line_h)
        width = sum(it.image.width for it in items)
        strip = Image.new("L", (self.dots, height), 255)
        x = self._x_for(width)
        for it in items:
            strip.paste(it.image, (x, line_h - it.image.height))
            x += it.image.width
        text = "".join(it.text for it in items).rstrip()
        top = self.page.height
        self._add_strip(strip)  # may raise Stall: nothing below runs, the line stays buffered
        self.page.lines.append(
            PrintedLine(
                text=text,
                top=top,
                height=line_h,
                width_mult=max(it.width_mult for it in items),
                height_mult=max(it.height_mult for it in items),
                kanji=any(it.kanji for it in items),
            )
        )
        self.line = []

    def _image_strip(self, img: Image.Image) -> None:
        self.print_line(force_blank=False)
        if img.width > self.dots:
            img = img.crop((0, 0, self.dots, img.height))
        strip = Image.new("L", (self.dots, img.height), 255)
        strip.paste(img, (self._x_for(img.width), 0))
        self._add_strip(strip)
        self.page.images += 1

    def _finish_page(self, cut: str) -> Page | None:
        page_state = self.page
        self.page = _PageState()
        if not page_state.strips:
            return None
        self.page_count += 1
        height = page_state.height + 2 * PAGE_MARGIN
        img = Image.new("L", (self.paper_dots, height), 255)
        left = (self.paper_dots - self.dots) // 2
        y = PAGE_MARGIN
        for strip in page_state.strips:
            img.paste(strip, (left, y))
            y += strip.height
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, self.paper_dots - 1, height - 1), outline=200)
        if cut == "torn":  # a ragged bottom edge, as paper torn off the roll end
            for x in range(0, self.paper_dots, 16):
                draw.polygon([(x, height), (x + 8, height - 8), (x + 16, height)], fill=160)
        for line in page_state.lines:
            line.top += PAGE_MARGIN
        page = Page(
            index=self.page_count,
            image=img,
            lines=page_state.lines,
            qr_codes=page_state.qr_codes,
            images=page_state.images,
            cut=cut,
            continued=page_state.continued,
        )
        self.on_page(page)
        return page

    def cut(self, kind: str, feed: int = 0) -> None:
        self.print_line(force_blank=False)
        self._feed(feed)
        self._finish_page(kind)

    # -- text -----------------------------------------------------------------------------------

    def _add_char(self, ch: str, kanji: bool) -> None:
        m = self.mode
        wide = kanji or ord(ch) >= 0x3000
        if kanji:
            w_mult, h_mult = m.kanji_w, m.kanji_h
        else:
            w_mult, h_mult = m.ank_w, m.ank_h
        img = self.glyphs.scaled(ch, wide, m.bold, w_mult, h_mult, m.smooth)
        if m.font_b and not kanji:  # font B: 9 x 17 cells
            img = img.resize((9 * w_mult, 17 * h_mult), Image.Resampling.NEAREST)
        underline = m.kanji_underline if kanji else m.underline
        if underline or m.invert:
            img = img.copy()
            if underline:
                ImageDraw.Draw(img).rectangle(
                    (0, img.height - underline, img.width - 1, img.height - 1), fill=0
                )
            if m.invert:
                img = ImageOps.invert(img)
        used = sum(it.image.width for it in self.line)
        if used + img.width > self.dots:
            self.print_line(force_blank=False)  # the printer wraps; may raise Stall
        self.line.append(_Item(img, ch, kanji, w_mult, h_mult))

    def _tab(self) -> None:
        cell = ANK_W * self.mode.ank_w
        used = sum(it.image.width for it in self.line)
        spaces = 8 - (used // cell) % 8
        for _ in range(spaces):
            self._add_char(" ", False)

    # -- parsing --------------------------------------------------------------------------------

    def step(self, buf: bytes | bytearray, pos: int) -> int | None:
        """Execute the command at ``buf[pos]``; the position after it, or None if incomplete."""
        b = buf[pos]
        if b >= 0x20 and b != 0x7F:
            return self._text(buf, pos)
        if b == 0x0A:
            self.print_line()
            return pos + 1
        if b == 0x0C:
            self.print_line(force_blank=False)
            return pos + 1
        if b == 0x09:
            self._tab()
            return pos + 1
        if b == 0x1B:
            return self._esc(buf, pos)
        if b == 0x1D:
            return self._gs(buf, pos)
        if b == 0x1C:
            return self._fs(buf, pos)
        if b == 0x10:
            return self._dle(buf, pos)
        return pos + 1  # CR, NUL and other controls: ignored, as printers do

    def _text(self, buf: bytes | bytearray, pos: int) -> int | None:
        b = buf[pos]
        if b < 0x80:
            self._add_char(chr(b), False)
            return pos + 1
        if not self.mode.kanji_mode:
            # Without FS & a byte above 0x7F is a PC437 character: Chinese sent this way is garbage.
            self._add_char(_CP437.decode(bytes([b]))[0], False)
            return pos + 1
        if not 0x81 <= b <= 0xFE:
            self._add_char("?", False)
            return pos + 1
        if pos + 1 >= len(buf):
            return None
        n = 4 if 0x30 <= buf[pos + 1] <= 0x39 else 2
        if pos + n > len(buf):
            return None
        raw = bytes(buf[pos : pos + n])
        try:
            ch = raw.decode(self.encoding)
        except UnicodeDecodeError:
            ch = "？"  # the font has no such character
        self._add_char(ch, True)
        return pos + n

    def _esc(self, buf: bytes | bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        c = buf[pos + 1]
        m = self.mode
        simple = {0x40: 2, 0x32: 2, 0x3C: 2, 0x69: 2, 0x6D: 2, 0x4C: 2, 0x53: 2, 0x0C: 2}
        if c in simple:
            if c == 0x40:
                self.initialize()
            elif c == 0x32:
                m.line_spacing = DEFAULT_LINE_SPACING
            elif c == 0x69:
                self.cut("full")
            elif c == 0x6D:
                self.cut("partial")
            elif c in (0x4C, 0x53, 0x0C):
                self.unknown.append(bytes(buf[pos : pos + 2]))  # page mode: not drawn
            return pos + 2
        one_param = b"!EG-adeJ23MtRV{ UrTK=%fgs"
        if c in b"p":  # ESC p m t1 t2: drawer kick pulse
            return pos + 5 if pos + 5 <= len(buf) else None
        if c in b"$\\":
            return pos + 4 if pos + 4 <= len(buf) else None
        if c == ord("B"):  # ESC B n t: buzzer
            return pos + 4 if pos + 4 <= len(buf) else None
        if c == ord("c"):  # ESC c 3/4/5 n
            return pos + 4 if pos + 4 <= len(buf) else None
        if c == ord("W"):
            return pos + 10 if pos + 10 <= len(buf) else None
        if c == ord("D"):  # tab positions, NUL-terminated
            end = buf.find(b"\x00", pos + 2)
            return None if end < 0 else end + 1
        if c == ord("*"):
            return self._esc_star(buf, pos)
        if c in one_param:
            if pos + 2 >= len(buf):
                return None
            n = buf[pos + 2]
            if c == ord("!"):
                m.font_b = bool(n & 0x01)
                m.bold = bool(n & 0x08)
                m.ank_h = 2 if n & 0x10 else 1
                m.ank_w = 2 if n & 0x20 else 1
                m.underline = 1 if n & 0x80 else 0
            elif c in (ord("E"), ord("G")):
                m.bold = bool(n & 1)
            elif c == ord("-"):
                m.underline = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, 0)
            elif c == ord("a"):
                m.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, 0)
            elif c == ord("d"):
                self.print_line(force_blank=False)
                self._feed(n * m.line_spacing)
            elif c == ord("J"):
                self.print_line(force_blank=False)
                self._feed(n)
            elif c == ord("3"):
                m.line_spacing = n
            elif c == ord("M"):
                m.font_b = n in (1, 49)
            elif c == ord("{"):
                m.upside_down = bool(n & 1)
            return pos + 3
        self.unknown.append(bytes(buf[pos : pos + 2]))
        return pos + 2

    def _esc_star(self, buf: bytes | bytearray, pos: int) -> int | None:
        if pos + 5 > len(buf):
            return None
        mode, width = buf[pos + 2], buf[pos + 3] + 256 * buf[pos + 4]
        rows = 3 if mode in (32, 33) else 1
        end = pos + 5 + width * rows
        if end > len(buf):
            return None
        data = buf[pos + 5 : end]
        height = 8 * rows
        img = Image.new("L", (width, height), 255)
        px = img.load()
        for x in range(width):
            for r in range(rows):
                byte = data[x * rows + r]
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        px[x, r * 8 + bit] = 0
        if mode in (0, 32):  # single density: each column twice as wide
            img = img.resize((width * 2, height), Image.Resampling.NEAREST)
        self.line.append(_Item(img, ""))
        self.page.images += 1
        return end

    def _gs(self, buf: bytes | bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        c = buf[pos + 1]
        m = self.mode
        if c == ord("("):
            return self._gs_paren(buf, pos)
        if c == ord("v"):
            return self._gs_v0(buf, pos)
        if c == ord("V"):
            if pos + 2 >= len(buf):
                return None
            kind = buf[pos + 2]
            if kind in (0, 48, 1, 49):
                self.cut("full" if kind in (0, 48) else "partial")
                return pos + 3
            if pos + 3 >= len(buf):
                return None
            self.cut("full" if kind in (65, 97, 103) else "partial", feed=buf[pos + 3])
            return pos + 4
        if c == ord("k"):  # barcode: skipped (we print none)
            if pos + 2 >= len(buf):
                return None
            kind = buf[pos + 2]
            if kind <= 6:
                end = buf.find(b"\x00", pos + 3)
                return None if end < 0 else end + 1
            if pos + 3 >= len(buf):
                return None
            return pos + 4 + buf[pos + 3] if pos + 4 + buf[pos + 3] <= len(buf) else None
        if c == ord("8") and pos + 2 < len(buf) and buf[pos + 2] == ord("L"):
            if pos + 7 > len(buf):
                return None
            size = int.from_bytes(buf[pos + 3 : pos + 7], "little")
            return pos + 7 + size if pos + 7 + size <= len(buf) else None
        if c == ord("*"):
            if pos + 4 > len(buf):
                return None
            return pos + 4 + buf[pos + 2] * buf[pos + 3] * 8
        if c in b"LW$\\P^":
            return pos + 4 + (1 if c == ord("^") else 0) if pos + 4 <= len(buf) else None
        if c in b"!BabfhwHIrT/":
            if pos + 2 >= len(buf):
                return None
            n = buf[pos + 2]
            if c == ord("!"):
                m.ank_w = m.kanji_w = ((n >> 4) & 7) + 1
                m.ank_h = m.kanji_h = (n & 7) + 1
            elif c == ord("B"):
                m.invert = bool(n & 1)
            elif c == ord("b"):
                m.smooth = bool(n & 1)
            elif c == ord("r"):  # transmit status, in order: answered only once all before it printed
                self.reply(bytes([0x00]))
            elif c == ord("I"):
                self.reply(bytes([0x20]) if n < 65 else b"_HallSim\x00")
            return pos + 3
        self.unknown.append(bytes(buf[pos : pos + 2]))
        return pos + 2

    def _gs_paren(self, buf: bytes | bytearray, pos: int) -> int | None:
        if pos + 5 > len(buf):
            return None
        fn_class = buf[pos + 2]
        size = buf[pos + 3] + 256 * buf[pos + 4]
        end = pos + 5 + size
        if end > len(buf):
            return None
        p = bytes(buf[pos + 5 : end])
        if fn_class == ord("k") and len(p) >= 2 and p[0] == 49:  # QR code
            fn = p[1]
            if fn == 67 and len(p) >= 3:
                self.qr.module = max(1, min(16, p[2]))
            elif fn == 69 and len(p) >= 3:
                self.qr.ec = _QR_EC.get(p[2], "L")
            elif fn == 80 and len(p) >= 3:
                self.qr.data = p[3:]
            elif fn == 81 and self.qr.data:
                img = qr_image(self.qr.data, self.qr.module, self.qr.ec)
                self._image_strip(img)
                self.page.qr_codes.append(self.qr.data.decode("utf-8", "replace"))
        elif fn_class == ord("L") and len(p) >= 2:  # graphics
            fn = p[1]
            if fn == 0x70 and len(p) >= 10:
                width, height = p[6] + 256 * p[7], p[8] + 256 * p[9]
                self.graphics = _bits_to_image(p[10:], width, height)
            elif fn in (0x32, 2) and self.graphics is not None:
                self._image_strip(self.graphics)
        elif fn_class == ord("H") and len(p) >= 6 and p[0] == 0x30:  # process ID
            self.reply(b"\x37\x22" + p[2:6] + b"\x00")
        return end

    def _gs_v0(self, buf: bytes | bytearray, pos: int) -> int | None:
        if pos + 8 > len(buf):
            return None
        mode = buf[pos + 3]
        width_bytes = buf[pos + 4] + 256 * buf[pos + 5]
        height = buf[pos + 6] + 256 * buf[pos + 7]
        end = pos + 8 + width_bytes * height
        if end > len(buf):
            return None
        img = _bits_to_image(bytes(buf[pos + 8 : end]), width_bytes * 8, height)
        if mode & 1:
            img = img.resize((img.width * 2, img.height), Image.Resampling.NEAREST)
        if mode & 2:
            img = img.resize((img.width, img.height * 2), Image.Resampling.NEAREST)
        self._image_strip(img)
        return end

    def _fs(self, buf: bytes | bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        c = buf[pos + 1]
        m = self.mode
        if c == ord("&"):
            m.kanji_mode = True
            return pos + 2
        if c == ord("."):
            m.kanji_mode = False
            return pos + 2
        if c in b"!-CW":
            if pos + 2 >= len(buf):
                return None
            n = buf[pos + 2]
            if c == ord("!"):
                m.kanji_w = 2 if n & 0x04 else 1
                m.kanji_h = 2 if n & 0x08 else 1
                m.kanji_underline = 1 if n & 0x80 else 0
            elif c == ord("-"):
                m.kanji_underline = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, 0)
            elif c == ord("W"):
                m.kanji_w = m.kanji_h = 2 if n & 1 else 1
            return pos + 3
        if c in b"Sp":
            return pos + 4 if pos + 4 <= len(buf) else None
        if c == ord("2"):
            return pos + 76 if pos + 76 <= len(buf) else None
        self.unknown.append(bytes(buf[pos : pos + 2]))
        return pos + 2

    def _dle(self, buf: bytes | bytearray, pos: int) -> int | None:
        # Real-time commands were answered on arrival (see the simulator); here they are skipped.
        if pos + 2 >= len(buf):
            return None
        c = buf[pos + 1]
        if c in (0x04, 0x05):
            return pos + 3
        if c == 0x14:
            fn = buf[pos + 2]
            length = {1: 5, 2: 5, 7: 4, 8: 10}.get(fn, 3)
            return pos + length if pos + length <= len(buf) else None
        return pos + 1


def _bits_to_image(data: bytes, width: int, height: int) -> Image.Image:
    """1 bits are black dots; PIL's mode 1 has 1 = white, hence the inversion."""
    width_bytes = (width + 7) // 8
    data = data[: width_bytes * height].ljust(width_bytes * height, b"\x00")
    img = Image.frombytes("1", (width_bytes * 8, height), data).convert("L")
    img = ImageOps.invert(img)
    return img.crop((0, 0, width, height)) if width != width_bytes * 8 else img
