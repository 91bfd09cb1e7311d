"""Text prepared before it is needed, like the speech: big numbers are the slow part of a
redraw (a 200-pixel glyph takes milliseconds to rasterise), so the screens render the label
textures of waiting numbers ahead, in idle frames, and a call only swaps a texture in.

``PreparedLabel`` is a Kivy ``Label`` that takes its texture from the shared cache when the
same text was prepared with the same font options and box. Otherwise it renders the text into
a new texture, never into the one on the screen: a stock ``Label`` writes its new text into the
texture it showed, and with software rendering (llvmpipe) that write waits until the frame
still drawing with it is done; measured on a forty-window board, 60 to 100 ms a call, most of
the time from a call to the board redrawn. Its colour is a tint applied when drawn
(``tint``, white text), so a row turning from "newest" yellow to white renders nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty
from kivy.uix.label import Label

MAX_TEXTURES = 600
MAX_BYTES = 256 * 2**20  # RGBA textures kept; a forty-window hall prepares forty banners a number


def _freeze(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    return v


class TextureCache:
    def __init__(self, limit: int = MAX_TEXTURES, max_bytes: int = MAX_BYTES) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(text: str, core: Any) -> Any:
        opts = {k: v for k, v in core.options.items() if k != "text"}
        return (text, _freeze(core.usersize), _freeze(opts))

    def get(self, text: str, core: Any) -> Any:
        k = self.key(text, core)
        tex = self._d.get(k)
        if tex is not None:
            self._d.move_to_end(k)
        return tex

    def prepare(self, label: Label, text: str) -> bool:
        """Render ``text`` as ``label`` would show it, into a texture of its own.

        The label's text is set for a moment so that its kv rules (the font size fitted to the
        text) give the options it will have, then set back, and the texture update that set
        queued is cancelled: the label shows what it showed, and the screen is not redrawn (a
        full frame of a forty-window board in software rendering). Returns True if a texture
        was rendered (False: already there).
        """
        old = label.text
        if old == text:
            return self._render(text, label._label)
        pending = label._trigger_texture.is_triggered  # an update of its own, kept
        label.text = text
        try:
            return self._render(text, label._label)
        finally:
            label.text = old
            if not pending:
                label._trigger_texture.cancel()

    def render(self, text: str, core: Any, *, keep: bool = False) -> Any:
        """A new texture of ``text`` with ``core``'s options (None for no text); kept in the
        cache when ``keep``."""
        fresh = core.__class__(**{k: v for k, v in core.options.items() if k != "text"})
        fresh.usersize = core.usersize
        fresh.text = text
        fresh.refresh()
        tex = fresh.texture
        if tex is not None and keep:
            self._keep(self.key(text, core), tex)
        return tex

    def _render(self, text: str, core: Any) -> bool:
        if not text or self.key(text, core) in self._d:
            return False
        self.render(text, core, keep=True)
        return True

    def _keep(self, k: Any, tex: Any) -> None:
        if k in self._d:
            old = self._d.pop(k)
            self._bytes -= old.width * old.height * 4
        self._d[k] = tex
        self._bytes += tex.width * tex.height * 4
        while self._d and (len(self._d) > self.limit or self._bytes > self.max_bytes):
            _, old = self._d.popitem(last=False)
            self._bytes -= old.width * old.height * 4


TEXTURES = TextureCache()


class PreparedLabel(Label):
    tint = ColorProperty([1, 1, 1, 1])  # multiplies the texture as it is drawn (kv/common.kv)
    keep = BooleanProperty(False)  # keep what it renders: rows of a list that shift down

    def texture_update(self, *largs: Any) -> None:
        if not self.text or self.markup:
            super().texture_update(*largs)
            return
        tex = TEXTURES.get(self.text, self._label)
        if tex is None:
            TEXTURES.misses += 1
            tex = TEXTURES.render(self.text, self._label, keep=self.keep)
            if tex is None:
                super().texture_update(*largs)
                return
        else:
            TEXTURES.hits += 1
        self.texture = tex
        self.texture_size = list(tex.size)
        self.is_shortened = False


Factory.register("PreparedLabel", cls=PreparedLabel)
# The screens' shared kv (this label's own rule, Panel, LostBar), loaded here, once: loaded a
# second time, its ``<-PreparedLabel>`` would drop every rule of a PreparedLabel kind read
# before it (the board's rows lost their font size so).
Builder.load_file(str(Path(__file__).parent / "kv" / "common.kv"))
