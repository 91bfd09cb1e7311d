"""Track my case (办件查询): by ID card (all the person's open cases), by the receipt's QR
(scanned), or by case number and check code typed on our keyboard. The progress screen
shows the steps, the handling officer's name and phone, the deadline and what is still owed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kivy.metrics import dp

from ..link import Answer
from ..widgets import KButton, KLabel
from .base import KioskScreen

CASE = re.compile(r"NS-\d{8}-\d{6,9}")
CODE = re.compile(r"(?:code=)([A-Za-z0-9]{1,16})")


def receipt_code(scanned: str) -> tuple[str, str] | None:
    """(case number, check code) from a receipt's QR (its progress URL), or None."""
    case, code = CASE.search(scanned.upper()), CODE.search(scanned)
    return (case.group(0), code.group(1)) if case and code else None


class TrackScreen(KioskScreen):
    title_key = "track_case"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.field = "case"  # which of the two the keyboard types into

    def on_kv_post(self, _base: Any) -> None:
        self.ids.keyboard.bind(text=lambda _w, t: self._typed(t))

    def _typed(self, text: str) -> None:
        if self.field == "case":
            self.ids.case.text = text.upper()
        else:
            self.ids.code.text = text.upper()

    def edit(self, field: str) -> None:
        self.field = field
        self.ids.keyboard.text = (self.ids.case.text if field == "case" else self.ids.code.text)

    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        self.ids.hint.text = app.tr("track_mine") if app.visit.visitor else app.tr("track_hint")
        self.ids.by_card.disabled = app.visit.visitor is None
        self.ids.by_card.opacity = 1 if app.visit.visitor else 0

    def card_read(self, _visitor: Any) -> None:
        self.refresh()
        self.by_card()

    def dispatch_scan(self, text: str) -> None:
        found = receipt_code(text)
        if found is None:
            self.app.notify(self.app.tr("track_bad_qr"), alert=True)
            return
        self.ask({"case": found[0], "code": found[1]})

    def by_card(self) -> None:
        v = self.app.visit.visitor
        if v is not None:
            self.ask({"id_number": v.id_number})

    def by_number(self) -> None:
        case, code = self.ids.case.text.strip(), self.ids.code.text.strip()
        if not CASE.fullmatch(case) or not code:
            self.app.notify(self.app.tr("track_need_both"), alert=True)
            return
        self.ask({"case": case, "code": code})

    def ask(self, body: dict[str, Any]) -> None:
        self.ids.status.text = self.app.tr("processing")
        self.app.request("case.progress", body, self.answered)

    def answered(self, answer: Answer) -> None:
        app = self.app
        self.ids.status.text = ""
        if not answer.ok or answer.body is None:
            app.tell_failure(answer)
            return
        cases = answer.body.get("cases", [answer.body])
        if not cases:
            app.notify(app.tr("track_no_cases"))
            return
        app.go("progress")
        app.screen("progress").show(cases)


class ProgressScreen(KioskScreen):
    title_key = "progress"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.cases: list[dict[str, Any]] = []

    def show(self, cases: list[dict[str, Any]]) -> None:
        self.cases = cases
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        box = self.ids.body
        box.clear_widgets()
        for p in self.cases:
            box.add_widget(self._heading(p))
            for line in self.lines(p):
                box.add_widget(KLabel(text=line, font_size=dp(app.sizes.text)))

    def _heading(self, p: dict[str, Any]) -> KLabel:
        app = self.app
        return KLabel(text=f"{app.name_of(p.get('item_name'))}  {p['case']}", bold=True,
                      font_size=dp(app.sizes.main))

    def lines(self, p: dict[str, Any]) -> list[str]:
        """What the visitor reads about one case, in order (tests read these too)."""
        app = self.app
        state = p.get("state_zh", p["state"]) if app.lang == "zh" else p["state"].replace("_", " ")
        out = [app.tr("case_state", state=state)]
        officer = p.get("handling_officer")
        if officer:
            out.append(app.tr("case_officer", name=officer["name"], phone=officer["phone"]))
        if p.get("due"):
            out.append(app.tr("case_due", due=p["due"]))
        owed = p.get("missing_materials") or []
        if owed:
            out.append(app.tr("case_owed", materials="、".join(self._material(p, m) for m in owed)))
        for s in p.get("steps") or []:
            when = dt.datetime.fromtimestamp(s["at"], app.tz).strftime("%m-%d %H:%M")
            who = f" · {s['officer']['name']}" if s.get("officer") else ""
            state = s.get("state_zh", s["state"]) if app.lang == "zh" else s["state"].replace("_", " ")
            out.append(f"  {when}  {state}{who}")
        return out

    def _material(self, p: dict[str, Any], code: str) -> str:
        item = self.app.catalogue.item(p["item"]) if self.app.catalogue is not None else None
        for m in (item or {}).get("guide", {}).get("materials", []):
            if m["code"] == code:
                return self.app.name_of(m["name"])
        return code

    def done_button(self) -> KButton:
        return self.ids.done
