"""Rate our service (服务评价, 好差评) and complaints (投诉建议).

A rating is keyed to a service: the card holder's services today (from ``visitor.lookup``)
and what was just done at this kiosk (an application submitted, a certificate printed). A
complaint has a category, what happened (phrases to tap, and free text on our keyboard)
and a phone number the hall answers on.
"""

from __future__ import annotations

import re
from typing import Any

from kivy.metrics import dp

from ..link import Answer, Retry
from ..widgets import KButton
from .base import KioskScreen

LEVELS = {  # best first, as on the evaluation keypad
    5: "rate_very_satisfied",
    4: "rate_satisfied",
    3: "rate_fairly_satisfied",
    2: "rate_dissatisfied",
    1: "rate_very_dissatisfied",
}
CATEGORIES = ("attitude", "efficiency", "discipline", "facilities", "other")
PHRASES = ("waited_long", "unclear_answer", "sent_away", "rude", "asked_again", "kiosk_broken")
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}", re.ASCII)  # as the server checks it (inputs.PHONE)


class RateScreen(KioskScreen):
    title_key = "rate_service"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.target: dict[str, Any] | None = None
        self.retry = Retry()

    def services(self) -> list[dict[str, Any]]:
        """What can be rated now, newest first: this kiosk's case, then today's services."""
        v = self.app.visit
        out: list[dict[str, Any]] = []
        if v.case and v.case.get("id"):
            out.append({"case": v.case["id"], "item_name": v.case.get("item_name"), "code": v.case.get("check_code")})
        for r in v.known.get("to_rate") or []:
            if (r.get("case") or r.get("ticket")) not in {o.get("case") or o.get("ticket") for o in out}:
                out.append(r)
        return [s for s in out if (s.get("case") or s.get("ticket")) not in v.rated]

    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        box = self.ids.choices
        box.clear_widgets()
        if self.target is None:
            services = self.services()
            if app.visit.visitor is None and not services:
                self.ids.prompt.text = app.tr("rate_card")
            elif not services:
                self.ids.prompt.text = app.tr("rate_nothing")
            else:
                self.ids.prompt.text = app.tr("rate_which")
            for s in services:
                ref = s.get("case") or s.get("ticket") or ""
                number = s.get("number") or ref
                b = KButton(text=f"{app.name_of(s.get('item_name'))}  {number}", ref=ref, role="secondary")
                b.bind(on_release=lambda btn, s=s: self.choose(s))
                box.add_widget(b)
        else:
            self.ids.prompt.text = app.tr("rate_how", item=app.name_of(self.target.get("item_name")))
            for level, key in LEVELS.items():
                b = KButton(text=app.tr(key), ref=str(level), font_size=dp(app.sizes.main),
                            role="green" if level >= 4 else ("secondary" if level == 3 else "alert"))
                b.bind(on_release=lambda btn: self.rate(int(btn.ref)))
                box.add_widget(b)

    def on_pre_enter(self, *_a: Any) -> None:
        services = self.services()
        self.target = services[0] if len(services) == 1 else None
        self.refresh()

    def card_read(self, _visitor: Any) -> None:
        self.target = None
        self.refresh()

    def choose(self, service: dict[str, Any]) -> None:
        self.target = service
        self.refresh()

    def rate(self, level: int) -> None:
        t, v = self.target, self.app.visit
        if t is None:
            return
        body: dict[str, Any] = {"level": level}
        if t.get("case"):
            body["case"] = t["case"]
        else:
            body["ticket"] = t["ticket"]
            if t.get("token"):
                body["token"] = t["token"]
        if v.visitor is not None:
            body["id_number"] = v.visitor.id_number
        elif t.get("code"):
            body["code"] = t["code"]
        self.app.request("case.rate" if t.get("case") else "ticket.rate", body, self.rated, retry=self.retry)

    def rated(self, answer: Answer) -> None:
        app = self.app
        if answer.ok and self.target is not None:
            app.visit.rated.add(self.target.get("case") or self.target.get("ticket") or "")
            self.target = None
            app.notify(app.tr("thanks_for_rating"))
            self.refresh()
            return
        app.tell_failure(answer)


class ComplaintScreen(KioskScreen):
    title_key = "complaint"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.category = ""
        self.phrases: list[str] = []
        self.field = "text"
        self.retry = Retry()

    def on_kv_post(self, _base: Any) -> None:
        self.ids.keyboard.bind(text=lambda _w, t: self._typed(t))

    def _typed(self, text: str) -> None:
        if self.field == "phone":
            self.ids.phone.text = text
        else:
            self.ids.text.text = text

    def on_pre_enter(self, *_a: Any) -> None:
        self.category, self.phrases = "", []
        self.ids.keyboard.text = ""
        self.ids.phone.text = self.ids.text.text = ""
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        cats = self.ids.categories
        cats.clear_widgets()
        for c in CATEGORIES:
            b = KButton(text=app.tr(f"complaint_{c}"), ref=c, role="primary" if c == self.category else "secondary",
                        font_size=dp(app.sizes.text))
            b.bind(on_release=lambda btn: self.choose(btn.ref))
            cats.add_widget(b)
        phrases = self.ids.phrases
        phrases.clear_widgets()
        for p in PHRASES:
            b = KButton(text=app.tr(f"phrase_{p}"), ref=p, role="primary" if p in self.phrases else "secondary",
                        font_size=dp(app.sizes.text))
            b.bind(on_release=lambda btn: self.toggle(btn.ref))
            phrases.add_widget(b)

    def choose(self, category: str) -> None:
        self.category = category
        self.refresh()

    def toggle(self, phrase: str) -> None:
        (self.phrases.remove if phrase in self.phrases else self.phrases.append)(phrase)
        self.refresh()

    def edit(self, field: str) -> None:
        self.field = field
        self.ids.keyboard.digits_only = field == "phone"
        self.ids.keyboard.text = self.ids.phone.text if field == "phone" else self.ids.text.text

    def body(self) -> dict[str, Any] | None:
        app = self.app
        phone = self.ids.phone.text.strip()
        said = [texts_zh(f"phrase_{p}") for p in self.phrases]
        typed = self.ids.text.text.strip()
        if not self.category:
            app.notify(app.tr("complaint_need_category"), alert=True)
            return None
        if not said and not typed:
            app.notify(app.tr("complaint_need_text"), alert=True)
            return None
        if not PHONE.fullmatch(phone):
            app.notify(app.tr("complaint_need_phone"), alert=True)
            return None
        what = "；".join([*said, typed] if typed else said)
        # Category and phone are the complaint's own fields: the server keeps the phone encrypted.
        return {"category": self.category, "text": what, "phone": phone}

    def submit(self) -> None:
        body = self.body()
        if body is not None:
            self.app.request("complaint.file", body, self.filed, retry=self.retry)

    def filed(self, answer: Answer) -> None:
        app = self.app
        if answer.ok and answer.body is not None:
            app.notify(app.tr(
                    "complaint_filed", id=answer.body["id"], code=answer.body["check_code"], due=answer.body.get("accept_due") or ""
                ))
            app.home()
            return
        app.tell_failure(answer)


def texts_zh(key: str) -> str:
    """Complaints are stored in Chinese whatever the screen's language: the hall reads them."""
    from .. import texts

    return texts.T(key, "zh")
