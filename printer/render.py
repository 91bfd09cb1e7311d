"""Document → ESC/POS bytes for one printer profile, through python-escpos.

python-escpos builds the commands (styles, sizes, alignment, native QR, raster images, cut)
into a ``Dummy`` buffer. Text we send ourselves: python-escpos 3.1 sends Chinese as GB18030
without ``FS &`` and turns full-width punctuation into ``?``. Here every line holding non-ASCII
text goes out as ``FS &`` + the profile's encoding (GB18030, GBK or GB2312) + ``FS .``; a line
the printer's font cannot encode (a rare character in a name on a GBK printer) goes out as a
raster image drawn with a CJK font, so nothing prints as ``?``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escpos.capabilities import Profile as EscposProfile
from escpos.constants import QR_ECLEVEL_H, QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q
from escpos.printer import Dummy
from PIL import Image as PILImage

from printer.commands import ESC_INIT, FS_KANJI_OFF, FS_KANJI_ON, LF
from printer.document import QR, Align, Cut, Document, Feed, Image, Row, Rule, Text
from printer.glyphs import GlyphRenderer, default_glyphs, qr_image, qr_modules
from printer.privacy import mask_ids_in_text
from printer.profiles import Profile, get_profile
from printer.text import pad_row, wrap

_ESCPOS_EC = {"L": QR_ECLEVEL_L, "M": QR_ECLEVEL_M, "Q": QR_ECLEVEL_Q, "H": QR_ECLEVEL_H}
# Caller-supplied text must not smuggle printer commands in: keep printable characters only.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MIN_QR_MODULE = 2  # below 2 dots a module is too small for phone cameras


class RenderError(ValueError):
    pass


@dataclass(frozen=True)
class _Style:
    align: Align = "left"
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False
    invert: bool = False

    @property
    def smooth(self) -> bool:
        # GS b: printers smooth the outline of large characters instead of repeating dots.
        return max(self.width, self.height) >= 2


def _escpos_profile(profile: Profile) -> EscposProfile:
    """python-escpos's own profile, told the paper width (its image code checks against it)."""
    features = {
        "paperFullCut": True,
        "paperPartCut": profile.cut == "partial",
        "bitImageRaster": True,
        "qrCode": profile.native_qr,
    }
    ep = EscposProfile(columns=profile.chars, features=features)
    ep.profile_data = {
        **ep.profile_data,
        "media": {"width": {"mm": profile.paper_mm, "pixels": profile.dots}, "dpi": 203},
    }
    return ep


class EscPosRenderer:
    """Renders documents for one profile. Not thread-safe (it reuses one command buffer)."""

    def __init__(self, profile: Profile | str = "generic-80", glyphs: GlyphRenderer | None = None) -> None:
        self.profile = get_profile(profile)
        self._glyphs = glyphs
        self._p = Dummy(profile=_escpos_profile(self.profile))
        self._style = _Style()

    @property
    def glyphs(self) -> GlyphRenderer:
        if self._glyphs is None:  # loading fonts costs time; most jobs never need them
            self._glyphs = default_glyphs()
        return self._glyphs

    def render(self, doc: Document) -> bytes:
        p = self._p
        p.clear()
        p._raw(ESC_INIT)  # a known state whatever the previous job left behind
        self._style = _Style()
        for block in doc.blocks:
            if isinstance(block, Text):
                self._text(block)
            elif isinstance(block, Row):
                self._set(_Style(bold=block.bold))
                for line in pad_row(self._clean(block.left), self._clean(block.right), self.profile.chars):
                    self._line(line)
            elif isinstance(block, Rule):
                self._set(_Style())
                ch = block.char if block.char.isascii() else "-"
                self._line(ch * self.profile.chars)
            elif isinstance(block, QR):
                self._qr(block)
            elif isinstance(block, Image):
                self._set(_Style(align=block.align))
                self._image(block.image)
            elif isinstance(block, Feed):
                p.print_and_feed(block.lines)
            elif isinstance(block, Cut):
                self._set(_Style())
                p.cut(mode="PART" if self.profile.cut == "partial" else "FULL")
            else:  # pragma: no cover - the Block union is closed
                raise RenderError(f"unknown block {block!r}")
        return p.output

    # -- pieces ---------------------------------------------------------------------------------

    @staticmethod
    def _clean(text: str) -> str:
        return mask_ids_in_text(_CONTROL.sub("", text.replace("\t", " ").replace("\r", "")))

    def _set(self, style: _Style) -> None:
        """Send only what changed: a ticket is a few hundred bytes and the wire is slow."""
        old, changes = self._style, {}
        if style.align != old.align:
            changes["align"] = style.align
        if (style.width, style.height) != (old.width, old.height):
            # GS ! sizes ASCII and Chinese characters alike; ESC ! would leave Chinese small.
            changes.update(custom_size=True, width=style.width, height=style.height)
        if style.bold != old.bold:
            changes["bold"] = style.bold
        if style.underline != old.underline:
            changes["underline"] = 1 if style.underline else 0
        if style.invert != old.invert:
            changes["invert"] = style.invert
        if style.smooth != old.smooth:
            changes["smooth"] = style.smooth
        if changes:
            self._p.set(**changes)
        self._style = style

    def _text(self, block: Text) -> None:
        style = _Style(block.align, block.width, block.height, block.bold, block.underline, block.invert)
        self._set(style)
        width = self.profile.chars // block.width
        text = self._clean(block.text)
        lines = wrap(text, width)
        if block.indent and len(lines) > 1 and width - block.indent >= 2:
            # Hanging indent: wrapped lines start under the text, not under the list number.
            first = lines[0]
            rest = text[len(first) :].lstrip() if text.startswith(first) else " ".join(lines[1:])
            lines = [first] + [" " * block.indent + ln for ln in wrap(rest, width - block.indent)]
        for line in lines:
            self._line(line)

    def _line(self, line: str) -> None:
        p = self._p
        if line.isascii():
            p._raw(line.encode("ascii") + LF)
            return
        try:
            encoded = line.encode(self.profile.encoding)
        except UnicodeEncodeError:
            self._raster_line(line)
            return
        p._raw(FS_KANJI_ON + encoded + FS_KANJI_OFF + LF)

    def _raster_line(self, line: str) -> None:
        s = self._style
        # Threshold rather than let the 1-bit conversion dither the anti-aliased edges into specks.
        img = self.glyphs.line_image(line, s.width, s.height, s.bold, s.smooth).point(
            lambda v: 0 if v < 140 else 255
        )
        if img.width > self.profile.dots:  # wrap() counted columns; never wider, but be safe
            img = img.crop((0, 0, self.profile.dots, img.height))
        self._image(img)

    def _image(self, img: PILImage.Image) -> None:
        if img.width > self.profile.dots:
            raise RenderError(f"image {img.width} dots wide; paper has {self.profile.dots}")
        # GS v 0 raster; the printer aligns it per ESC a, so only the image's own width goes on the wire.
        self._p.image(img, impl="bitImageRaster", center=False)

    def _qr(self, block: QR) -> None:
        self._set(_Style(align=block.align))
        data = block.data.encode("utf-8")
        try:
            n_modules = qr_modules(len(data), block.ec)
        except ValueError as exc:
            raise RenderError(str(exc)) from exc
        module = min(block.module or self.profile.qr_module, self.profile.dots // n_modules)
        if module < MIN_QR_MODULE:
            raise RenderError(
                f"QR data of {len(data)} bytes is too long for {self.profile.paper_mm} mm paper"
            )
        if self.profile.native_qr:
            self._p.qr(block.data, ec=_ESCPOS_EC[block.ec], size=module, native=True)
        else:
            self._image(qr_image(data, module, block.ec))
        self._p._raw(LF)


def render(doc: Document, profile: Profile | str = "generic-80") -> bytes:
    """Convenience for one-off rendering (builds a renderer each call)."""
    return EscPosRenderer(profile).render(doc)
