"""The process of a guide (基本流程) drawn as a flow chart: one box per step, top to bottom,
joined by arrows, the step's text wrapped inside its box.

Drawn with canvas instructions in the widget's own coordinates behind a ``Translate``: a
move (scrolling) only moves the translation; the boxes are laid out and drawn again only
when the steps, the font size or the width change. The widget sets its own height to what
the boxes need (its ``size_hint_y`` is ``None``). Colours and the default size: ``kv/guide.kv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, PopMatrix, PushMatrix, Rectangle, RoundedRectangle, Translate, Triangle
from kivy.metrics import dp
from kivy.properties import ColorProperty, ListProperty, NumericProperty
from kivy.uix.widget import Widget

from . import theme


@dataclass(frozen=True)
class Box:
    """One drawn step: its text and its rectangle in the chart's coordinates (y up)."""

    text: str
    x: float
    y: float
    width: float
    height: float
    font_size: float


class FlowChart(Widget):
    steps = ListProperty([])
    """The step texts, in order (already in the visitor's language)."""
    font_size = NumericProperty(dp(20))
    padding = NumericProperty(dp(14))
    gap = NumericProperty(dp(44))
    """The vertical space between two boxes, where the arrow is."""
    max_box_width = NumericProperty(dp(960))
    box_color = ColorProperty(theme.SECONDARY)
    text_color = ColorProperty(theme.ON_SECONDARY)
    arrow_color = ColorProperty(theme.PRIMARY)

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("size_hint_y", None)
        super().__init__(**kw)
        self.boxes: list[Box] = []
        self.redraws = 0
        self._textures: list[Any] = []
        with self.canvas.before:
            PushMatrix()
            self._translate = Translate(self.x, self.y)
        with self.canvas.after:
            PopMatrix()
        self._trigger = Clock.create_trigger(lambda _dt: self.redraw(), -1)
        self.fbind("steps", self._trigger)
        self.fbind("font_size", self._trigger)
        self.fbind("width", self._trigger)
        self.fbind("pos", self._moved)
        self._trigger()

    def _moved(self, *_a: Any) -> None:
        self._translate.xy = self.pos

    def redraw(self) -> None:
        """Lay the boxes out for the current width and draw them (and set the height)."""
        self.redraws += 1
        self.canvas.clear()
        self.boxes, self._textures = [], []
        if not self.steps or self.width <= 1:
            self.height = 0
            return
        pad, gap = self.padding, self.gap
        box_w = min(self.width, self.max_box_width)
        labels = []
        for i, step in enumerate(self.steps, start=1):
            # a no-break space: Kivy wraps at spaces, and a CJK step is one long "word"
            label = CoreLabel(text=f"{i}.\u00a0{step}", font_size=self.font_size, color=self.text_color,
                              text_size=(box_w - 2 * pad, None), halign="left", valign="top")
            label.refresh()
            labels.append(label)
        heights = [max(label.texture.height + 2 * pad, self.font_size * 1.3 + 2 * pad) for label in labels]
        total = sum(heights) + gap * (len(heights) - 1)
        x = (self.width - box_w) / 2
        top = total
        with self.canvas:
            for i, (label, h) in enumerate(zip(labels, heights, strict=True)):
                y = top - h
                tex = label.texture
                Color(*self.box_color)
                RoundedRectangle(pos=(x, y), size=(box_w, h), radius=[dp(10)])
                Color(1, 1, 1, 1)
                Rectangle(texture=tex, pos=(x + pad, y + h - pad - tex.height), size=tex.size)
                self._textures.append(tex)
                self.boxes.append(Box(self.steps[i], x, y, box_w, h, self.font_size))
                if i < len(labels) - 1:
                    self._arrow(x + box_w / 2, y, y - gap)
                top = y - gap
        self.height = total

    def _arrow(self, cx: float, start: float, end: float) -> None:
        """Down from ``start`` to ``end`` (the next box's top), the head touching the box."""
        head = min(dp(16), (start - end) * 0.5)
        Color(*self.arrow_color)
        Line(points=[cx, start - dp(4), cx, end + head], width=dp(2.5))
        Triangle(points=[cx - head * 0.75, end + head, cx + head * 0.75, end + head, cx, end + dp(2)])
