"""Text prepared before it is needed, like the speech: big numbers are the slow part of a
redraw (a 200-pixel glyph takes milliseconds to rasterise), so the screens render the label
textures of waiting numbers ahead, in idle frames, and a call only swaps a texture in.

``PreparedLabel`` is a Kivy ``Label`` that takes its texture from the shared cache when the
same text was prepared with the same font options and box; otherwise it renders as usual.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from kivy.factory import Factory
from kivy.uix.label import Label

MAX_TEXTURES = 600


def _freeze(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    return v


class TextureCache:
    def __init__(self, limit: int = MAX_TEXTURES) -> None:
        self.limit = limit
        self._d: OrderedDict[Any, Any] = OrderedDict()
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

    def prepare(self, label: Label, text: str, **props: Any) -> bool:
        """Render ``text`` as ``label`` would show it, into a texture of its own.

        The label's text (and ``props``, e.g. the colour a call is shown in) is set for a moment so that its kv rules (font size fitted to the
        text) give the options it will have; nothing is drawn meanwhile. Returns True if a
        texture was rendered (False: already there).
        """
        old = label.text
        if old and old != text and self.get(old, label._label) is None:
            self._render(old, label._label)
        saved = {name: getattr(label, name) for name in props}
        if old != text:
            label.text = text
        for name, value in props.items():
            setattr(label, name, value)
        try:
            return self._render(text, label._label)
        finally:
            for name, value in saved.items():
                setattr(label, name, value)
            if old != text:
                label.text = old

    def _render(self, text: str, core: Any) -> bool:
        k = self.key(text, core)
        if k in self._d or not text:
            return False
        fresh = core.__class__(**{k2: v for k2, v in core.options.items() if k2 != "text"})
        fresh.usersize = core.usersize
        fresh.text = text
        fresh.refresh()
        if fresh.texture is not None:
            self._d[k] = fresh.texture
            while len(self._d) > self.limit:
                self._d.popitem(last=False)
        return True


TEXTURES = TextureCache()


class PreparedLabel(Label):
    def texture_update(self, *largs: Any) -> None:
        tex = TEXTURES.get(self.text, self._label) if self.text and not self.markup else None
        if tex is None:
            TEXTURES.misses += 1
            super().texture_update(*largs)
            return
        TEXTURES.hits += 1
        self.texture = tex
        self.texture_size = list(tex.size)
        self.is_shortened = False


Factory.register("PreparedLabel", cls=PreparedLabel)
