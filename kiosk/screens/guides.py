"""Service guides (办事指南): citizen or enterprise → theme → item (or search) → the guide.

One question per screen, like taking a number; the guide then shows every field of the
source document in its order, with the process as a flow chart, and offers to print the
materials checklist, to take a number for the item or to apply here (自助申报) when the item
allows it. Guides come from the cached catalogue: when the server cannot be reached they
stay readable, with a line that they may be out of date.
"""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.widget import Widget

from queue_server.catalogue.model import GUIDE_FIELD_LABELS

from .. import theme
from ..flowchart import FlowChart
from ..widgets import KButton, KLabel, KPanel
from .base import KioskScreen
from .choice import ChoiceScreen, stream_choices, theme_choices


def catalogue_stale(app: Any) -> bool:
    return bool(getattr(app.catalogue, "stale", False)) if app.catalogue is not None else False


def show_stale(app: Any, label: KLabel) -> None:
    """The out-of-date line: shown while the catalogue is the cached copy."""
    label.text = app.tr("guides_stale") if catalogue_stale(app) else ""


def open_guide(app: Any, code: str) -> None:
    """Show the guide of ``code`` (the visit remembers the item, for 取号 from the guide)."""
    item = app.catalogue.item(code) if app.catalogue is not None else None
    if item is None:
        app.notify(app.tr("guide_missing"))
        return
    app.visit.choose(stream=item["stream"], theme=item["theme"], item_code=code)
    app.go("guide")


def open_search(app: Any) -> None:
    app.screen("search").purpose = "guide"
    app.go("search")


class GuideChoiceScreen(ChoiceScreen):
    """A guides question: ``kv/guides.kv`` (the choice layout and the out-of-date line)."""

    title_key = "service_guides"

    def __init__(self, **kw: Any) -> None:
        from ..app import load_kv

        load_kv("guides")  # the three guide questions share this rule, whichever is built first
        super().__init__(**kw)

    def refresh(self) -> None:
        super().refresh()
        show_stale(self.app, self.ids.stale)

    def extra(self) -> list[KButton]:
        b = KButton(text=self.app.tr("guides_search"), role="secondary")
        b.bind(on_release=lambda _b: open_search(self.app))
        return [b]


class GuidesScreen(GuideChoiceScreen):
    """Screen ``guides``: personal (个人) or business (企业)."""

    prompt_key = "guides_choose_stream"

    def choices(self) -> list[tuple[str, str]]:
        return stream_choices(self.app)

    def chosen(self, ref: str) -> None:
        self.app.visit.choose(stream=ref)
        self.app.go("guide_themes")


class GuideThemeScreen(GuideChoiceScreen):
    prompt_key = "guides_choose_theme"

    def choices(self) -> list[tuple[str, str]]:
        return theme_choices(self.app)

    def chosen(self, ref: str) -> None:
        self.app.visit.choose(theme=ref)
        self.app.go("guide_items")


class GuideItemScreen(GuideChoiceScreen):
    prompt_key = "guides_choose_item"

    def choices(self) -> list[tuple[str, str]]:
        cat, v = self.app.catalogue, self.app.visit
        if cat is None:
            return []
        return [(self.app.name_of(item["name"]), item["code"]) for item in cat.items(v.stream, v.theme)]

    def refresh(self) -> None:
        super().refresh()
        if not self.ids.choices.children:
            self.ids.prompt.text = self.app.tr("guides_none")

    def chosen(self, ref: str) -> None:
        open_guide(self.app, ref)


class GuideScreen(KioskScreen):
    """Screen ``guide``: one item's whole guide (``kv/guide.kv``), built again only when the
    item, the language, elder mode or the catalogue's copy of it changed (the hall's waiting
    counts refresh the screen every few seconds, and the visitor's place in a long guide must
    not jump back to the top)."""

    title_key = "service_guides"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.item: dict[str, Any] | None = None
        self._built: tuple[Any, ...] | None = None
        self.sections: dict[str, KPanel] = {}
        self.flow: FlowChart | None = None
        self.materials: dict[str, list[KLabel]] = {}
        self.printing = False
        self.apply_button: KButton = self.ids.apply.__self__  # held here: it leaves the bar at times

    # ------------------------------------------------------------- building
    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        show_stale(app, self.ids.stale)
        code = app.visit.item_code
        item = app.catalogue.item(code) if app.catalogue is not None and code else None
        key = (code, app.lang, app.elder, app.portrait, item)
        if key == self._built:
            return
        self._built, self.item = key, item
        self.build_guide()

    @property
    def body_size(self) -> float:
        s = self.app.sizes
        return dp(s.main if self.app.elder else s.text)

    def build_guide(self) -> None:
        app, item = self.app, self.item
        body = self.ids.body
        body.clear_widgets()
        self.sections, self.materials, self.flow = {}, {}, None
        self.ids.scroll.scroll_y = 1
        self._actions()
        if item is None:
            body.add_widget(self.line(app.tr("guide_missing"), bg=theme.BG))
            return
        head = self.panel()
        head.add_widget(self.line(app.name_of(item["name"]), size=dp(app.sizes.title), bold=True))
        flags = item.get("flags") or {}
        facts = [app.tr("guide_code", code=item["code"])]
        facts += [app.tr(f"guide_{flag}") for flag in ("online", "commitment", "self_service") if flags.get(flag)]
        head.add_widget(self.line("  ·  ".join(facts), color=theme.MUTED))
        body.add_widget(head)
        guide = item["guide"]
        for field, label in GUIDE_FIELD_LABELS.items():
            panel = self.panel()
            panel.add_widget(self.line(app.name_of(label.model_dump()), size=dp(app.sizes.main), bold=True,
                                       color=theme.ON_SECONDARY))
            getattr(self, f"_{field}")(panel, guide[field], item)
            self.sections[field] = panel
            body.add_widget(panel)

    def _actions(self) -> None:
        item = self.item
        for b in (self.ids.print, self.ids.take, self.apply_button):
            b.disabled = item is None
        can_apply = bool(item and (item.get("flags") or {}).get("self_service") and self.app.root is not None
                         and self.app.root.has_screen("apply"))
        apply, bar = self.apply_button, self.ids.actions
        apply.disabled = not can_apply
        if can_apply and apply.parent is None:
            bar.add_widget(apply)
        elif not can_apply and apply.parent is not None:
            bar.remove_widget(apply)  # not just hidden: a zero-width button would wrap its text tall

    def panel(self) -> KPanel:
        p = KPanel(orientation="vertical", size_hint_y=None, padding=dp(20), spacing=dp(10))
        p.bind(minimum_height=p.setter("height"))
        return p

    def line(self, text: str, *, size: float | None = None, bold: bool = False, color: Any = theme.TEXT,
             bg: Any = theme.CARD) -> KLabel:
        return KLabel(text=text, font_size=size or self.body_size, bold=bold, color=color, bg=bg)

    def lines(self, panel: KPanel, texts: list[str]) -> None:
        for text in texts:
            panel.add_widget(self.line(text))

    # ------------------------------------------------------- the guide fields
    def _legal_basis(self, panel: KPanel, value: list[dict[str, str]], _item: dict[str, Any]) -> None:
        self.lines(panel, [f"•\u00a0{self.app.name_of(t)}" for t in value])

    def _accepting_unit(self, panel: KPanel, value: dict[str, str], _item: dict[str, Any]) -> None:
        self.lines(panel, [self.app.name_of(value)])

    def _process(self, panel: KPanel, value: list[dict[str, str]], _item: dict[str, Any]) -> None:
        self.flow = FlowChart(steps=[self.app.name_of(t) for t in value], font_size=self.body_size)
        panel.add_widget(self.flow)

    def _materials(self, panel: KPanel, value: list[dict[str, Any]], _item: dict[str, Any]) -> None:
        app = self.app
        for i, m in enumerate(value, start=1):
            rows = [self.line(f"{i}.\u00a0{app.name_of(m['name'])}", bold=True)]
            rows.append(self.line(self.material_facts(m), color=theme.MUTED))
            if m.get("note"):
                rows.append(self.line(app.tr("material_note", note=app.name_of(m["note"]))))
            cert = self.e_certificate(m)
            if cert:
                rows.append(self.line(app.tr("material_e_certificate", name=cert), bold=True, color=theme.GREEN))
            for row in rows:
                panel.add_widget(row)
            self.materials[m["code"]] = rows
            if i < len(value):
                panel.add_widget(Widget(size_hint_y=None, height=dp(6)))

    def material_facts(self, m: dict[str, Any]) -> str:
        app = self.app
        return "  ·  ".join([
            app.tr("material_original") if m["original"] else app.tr("material_copy"),
            app.tr("material_copies", copies=m["copies"]),
            app.tr("material_required") if m["required"] else app.tr("material_optional"),
        ])

    def e_certificate(self, m: dict[str, Any]) -> str:
        """The name of the e-certificate that replaces material ``m`` ("" if none)."""
        code = m.get("e_certificate")
        if not code:
            return ""
        types = (self.app.catalogue.document or {}).get("e_certificate_types") or []
        if isinstance(types, dict):
            types = list(types.values())
        for t in types:
            if t.get("code") == code:
                return self.app.name_of(t.get("name"))
        return code

    def _forms(self, panel: KPanel, value: list[dict[str, Any]], _item: dict[str, Any]) -> None:
        if not value:
            self.lines(panel, [self.app.tr("guide_no_forms")])
            return
        self.lines(panel, [f"•\u00a0{self.app.name_of(f['name'])}" for f in value])
        panel.add_widget(self.line(self.app.tr("guide_form_where"), color=theme.MUTED))

    def _samples(self, panel: KPanel, value: list[dict[str, Any]], _item: dict[str, Any]) -> None:
        app = self.app
        if not value:
            self.lines(panel, [app.tr("guide_no_samples")])
            return
        for s in value:
            panel.add_widget(self.line(f"•\u00a0{app.name_of(s['name'])}", bold=True))
            panel.add_widget(self.line(app.tr("sample_errors"), color=theme.MUTED))
            self.lines(panel, [f"\u00a0\u00a0\u00a0\u00a0–\u00a0{app.name_of(e)}" for e in s.get("common_errors") or []])

    def _fees(self, panel: KPanel, value: dict[str, Any], _item: dict[str, Any]) -> None:
        app = self.app
        self.lines(panel, [app.tr("fees_standard", text=app.name_of(value["standard"])),
                           app.tr("fees_basis", text=app.name_of(value["basis"]))])

    def _time_limit_note(self, panel: KPanel, value: dict[str, str], item: dict[str, Any]) -> None:
        app, limits = self.app, item.get("limits") or {}
        out = []
        if "statutory_days" in limits:
            out.append(app.tr("limits_statutory", days=limits["statutory_days"]))
        if "promised_days" in limits:
            days = limits["promised_days"]
            out.append(app.tr("limits_promised", days=days) if days else app.tr("limits_on_the_spot"))
        for text in out:
            panel.add_widget(self.line(text, bold=True))
        panel.add_widget(self.line(app.name_of(value), color=theme.MUTED))

    def _accountability(self, panel: KPanel, value: dict[str, str], _item: dict[str, Any]) -> None:
        self.lines(panel, [self.app.name_of(value)])

    def _consultation(self, panel: KPanel, value: dict[str, Any], _item: dict[str, Any]) -> None:
        app = self.app
        panel.add_widget(self.line(app.tr("consultation_phone", phone=value["phone"]), bold=True))
        self.lines(panel, [app.tr("consultation_hours", hours=app.name_of(value["hours"]))])

    def _office(self, panel: KPanel, value: dict[str, Any], _item: dict[str, Any]) -> None:
        app = self.app
        self.lines(panel, [app.tr("office_hours", hours=app.name_of(value["hours"])),
                           app.tr("office_address", address=app.name_of(value["address"]))])

    def _transit(self, panel: KPanel, value: dict[str, str], _item: dict[str, Any]) -> None:
        self.lines(panel, [self.app.name_of(value)])

    def _status_query(self, panel: KPanel, value: dict[str, str], _item: dict[str, Any]) -> None:
        self.lines(panel, [self.app.name_of(value)])

    # -------------------------------------------------------------- actions
    def checklist(self) -> Any:
        """The materials checklist of the item, as the ticket printer's document."""
        from printer import MaterialsChecklist, materials_checklist

        app, item = self.app, self.item
        assert item is not None
        rows: list[tuple[str, str]] = []
        for m in item["guide"]["materials"]:
            notes = [self.material_facts(m)]
            if m.get("note"):
                notes.append(app.name_of(m["note"]))
            cert = self.e_certificate(m)
            if cert:
                notes.append(app.tr("material_e_certificate", name=cert))
            rows.append((app.name_of(m["name"]), "；".join(notes) if app.lang == "zh" else "; ".join(notes)))
        slip = MaterialsChecklist(item_name=f"{app.name_of(item['name'])} {item['code']}", materials=tuple(rows))
        return materials_checklist(slip, "en" if app.lang == "en" else "zh")

    def print_checklist(self) -> None:
        if self.item is None or self.printing:
            return
        self.printing = True
        self.ids.status.text = self.app.tr("checklist_printing")
        self.app.print_document(self.checklist(), self._printed)

    def _printed(self, ok: bool, reason: str) -> None:
        self.printing = False
        self.ids.status.text = ""
        app = self.app
        if ok:
            app.notify(app.tr("checklist_printed"))
        else:
            app.notify(app.tr("checklist_not_printed", reason=reason), alert=True)

    def take_number(self) -> None:
        item = self.item
        if item is None:
            return
        self.app.visit.choose(stream=item["stream"], theme=item["theme"], item_code=item["code"])
        self.app.go("confirm")

    def apply(self) -> None:
        item = self.item
        if item is None or not (item.get("flags") or {}).get("self_service"):
            return
        self.app.visit.choose(item_code=item["code"])
        self.app.go("apply")
