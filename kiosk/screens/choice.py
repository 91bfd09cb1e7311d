"""A screen that asks one question with a list of answers (one choice per screen, as elder
mode wants it everywhere): stream, theme, item, appointment, case, … Subclasses give the
prompt, the choices and what a choice does."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp

from ..widgets import KButton
from .base import KioskScreen


def stream_choices(app: Any) -> list[tuple[str, str]]:
    """个人 or 企业: the first question of taking a number and of the guides."""
    return [(app.tr("citizen_services"), "citizen"), (app.tr("enterprise_services"), "enterprise")]


def theme_choices(app: Any) -> list[tuple[str, str]]:
    """The themes of the stream chosen, with their labels in the visitor's language."""
    cat = app.catalogue
    return [] if cat is None else [(app.name_of(label), key) for key, label in cat.themes(app.visit.stream)]


class ChoiceScreen(KioskScreen):
    prompt_key = ""

    def choices(self) -> list[tuple[str, str]]:
        """(label, ref) of every answer."""
        return []

    def chosen(self, ref: str) -> None:
        raise NotImplementedError

    def extra(self) -> list[KButton]:
        """Buttons below the answers (search, skip, …)."""
        return []

    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        self.ids.prompt.text = app.tr(self.prompt_key) if self.prompt_key else ""
        box = self.ids.choices
        box.clear_widgets()
        box.cols = 1 if app.elder or app.portrait else 2
        for label, ref in self.choices():
            b = KButton(text=label, ref=ref, font_size=dp(app.sizes.main))
            b.bind(on_release=lambda btn: self.chosen(btn.ref))
            box.add_widget(b)
        tail = self.ids.extra
        tail.clear_widgets()
        for b in self.extra():
            tail.add_widget(b)

    def button(self, label: str, ref: str) -> KButton | None:
        """The answer button for ``ref`` (tests tap it)."""
        for b in self.ids.choices.children:
            if b.ref == ref:
                return b
        return None
