"""The kiosk's own widgets: buttons and labels that carry their background colour (so a
test can check each text's contrast on the widget tree), the title bar with back and home,
the banner, and the on-screen keyboard with its candidate bar. Layout in ``kv/common.kv``."""

from __future__ import annotations

from collections.abc import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from . import theme


class KLabel(Label):
    """Text on the screen's background (or a panel's: ``bg``)."""

    bg = ColorProperty(theme.BG)


class KButton(ButtonBehavior, Label):
    """A touch target: at least ``app.target`` high and wide (kv), its colours its own."""

    bg = ColorProperty(theme.PRIMARY)
    role = StringProperty("primary")  # primary | secondary | alert | green
    ref = StringProperty("")  # what the button stands for (an item code, a level, …)
    tile_height = NumericProperty(0)  # a taller tile (home's services); never below the target

    def on_kv_post(self, _base: object) -> None:
        # The role decides both colours, also for the default role (no change, no on_role) and
        # after any rule that set a colour.
        self.on_role(self, self.role)

    def on_role(self, _w: object, role: str) -> None:
        self.bg, self.color = {
            "primary": (theme.PRIMARY, theme.ON_PRIMARY),
            "secondary": (theme.SECONDARY, theme.ON_SECONDARY),
            "alert": (theme.ALERT, theme.ON_ALERT),
            "green": (theme.GREEN, theme.ON_GREEN),
        }[role]


class KPanel(BoxLayout):
    bg = ColorProperty(theme.CARD)


class TopBar(BoxLayout):
    """Title, 返回 and 首页 on every screen (home has neither), language and elder mode."""

    title = StringProperty("")
    show_back = BooleanProperty(True)
    screen = ObjectProperty(None, allownone=True)


class Banner(KLabel):
    """The red line under the title bar: server unreachable, a device fault."""


KEY_ROWS = ("1234567890-", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")  # -: case numbers (NS-20261201-000001)
DIGIT_ROWS = ("123", "456", "789", "X0")  # X: the check character of an ID number


class Keyboard(BoxLayout):
    """Our own keyboard (the system's would be in English and too small): letters and digits,
    delete and clear, and a candidate bar above it that the screen fills (``candidates``:
    pairs of what is shown and what it stands for) and that calls ``on_candidate``."""

    text = StringProperty("")
    candidates = ListProperty([])
    digits_only = BooleanProperty(False)
    max_len = NumericProperty(40)

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)
        self.orientation = "vertical"
        self.on_candidate: Callable[[str], None] | None = None
        self.bar = BoxLayout(size_hint_y=None, spacing=dp(6))
        self.add_widget(self.bar)
        self.keys = BoxLayout(orientation="vertical", spacing=dp(6))
        self.add_widget(self.keys)
        # Built on the next frame (the app's texts are there then), again whenever elder mode
        # changes the sizes or the keyboard changes between letters and digits.
        App.get_running_app().fbind("sizes", self.rebuild)
        self.rebuild()

    def rebuild(self, *_a: object) -> None:
        Clock.schedule_once(lambda _dt: self._build(), 0)

    def _build(self) -> None:
        app = App.get_running_app()
        self.keys.clear_widgets()
        rows = list(DIGIT_ROWS if self.digits_only else KEY_ROWS)
        for row in rows:
            line = BoxLayout(spacing=dp(6), size_hint_y=None)
            line.height = dp(app.sizes.key)
            for k in row:
                line.add_widget(self._key(k, k))
            self.keys.add_widget(line)
        tail = BoxLayout(spacing=dp(6), size_hint_y=None, height=dp(app.sizes.key))
        if not self.digits_only:
            tail.add_widget(self._key(app.tr("key_space"), "SPACE"))
        tail.add_widget(self._key(app.tr("key_delete"), "DEL", "secondary"))
        tail.add_widget(self._key(app.tr("key_clear"), "CLR", "secondary"))
        self.keys.add_widget(tail)
        self.height = dp(app.sizes.key) * (len(rows) + 2) + dp(6) * (len(rows) + 2)
        self.bar.height = dp(app.sizes.key)
        self.on_candidates(self, self.candidates)

    def _key(self, label: str, key: str, role: str = "secondary") -> KButton:
        app = App.get_running_app()
        b = KButton(text=label, role=role, font_size=dp(app.sizes.main), ref=key)
        b.min_width = dp(app.sizes.target)
        b.bind(on_release=lambda btn: self.press(btn.ref))
        return b

    def on_digits_only(self, *_a: object) -> None:
        self.rebuild()

    def on_candidates(self, _w: object, candidates: list[tuple[str, str]]) -> None:
        app = App.get_running_app()
        self.bar.clear_widgets()
        for shown, ref in candidates[:4]:
            b = KButton(text=shown, role="primary", font_size=dp(app.sizes.text), ref=ref)
            b.bind(on_release=lambda btn: self.pick(btn.ref))
            self.bar.add_widget(b)

    def press(self, key: str) -> None:
        if key == "DEL":
            self.text = self.text[:-1]
        elif key == "CLR":
            self.text = ""
        elif key == "SPACE":
            self.text += " "
        elif len(self.text) < self.max_len:
            self.text += key.lower() if key.isalpha() and not self.digits_only else key

    def pick(self, ref: str) -> None:
        if self.on_candidate is not None:
            self.on_candidate(ref)
