"""Take a number (取号): citizen or enterprise → theme → item (or search) → confirm → ticket.

Outside opening hours, or when the item's tickets for the day are gone, the server refuses
and the kiosk offers an appointment instead (with the ID card: a booking needs one). A
server that cannot be reached gets a plain message and no number: the kiosk never invents
one. Tapping 取号 again after a failure re-sends the same request key, so an answer lost on
the way never becomes a second ticket.
"""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp

from ..link import Answer, Retry
from ..visit import slot_text
from ..waits import wait_range
from ..widgets import KButton
from .base import KioskScreen
from .choice import ChoiceScreen, stream_choices, theme_choices


def search_for_ticket(app: Any) -> None:
    app.screen("search").purpose = "ticket"
    app.go("search")


class TicketQuestion(ChoiceScreen):
    """A question on the way to a number, with the search below its answers."""

    title_key = "take_number"

    def extra(self) -> list[KButton]:
        b = KButton(text=self.app.tr("search_items"), role="secondary")
        b.bind(on_release=lambda _b: search_for_ticket(self.app))
        return [b]


class StreamScreen(TicketQuestion):
    prompt_key = "choose_stream"

    def choices(self) -> list[tuple[str, str]]:
        return stream_choices(self.app)

    def chosen(self, ref: str) -> None:
        self.app.visit.choose(stream=ref)
        self.app.go("themes")

    def continue_case(self, case: dict[str, Any]) -> None:
        """继续办理: a ticket for the open case's item, reserved for its first-inquiry clerk."""
        code = case.get("item_code") or case.get("item") or ""
        item = self.app.catalogue.item(code) if self.app.catalogue is not None else None
        if item is None:
            return
        self.app.visit.choose(stream=item["stream"], theme=item["theme"], item_code=code)
        self.app.go("confirm")


class ThemeScreen(TicketQuestion):
    prompt_key = "choose_theme"

    def choices(self) -> list[tuple[str, str]]:
        return theme_choices(self.app)

    def chosen(self, ref: str) -> None:
        self.app.visit.choose(theme=ref)
        self.app.go("items")


class ItemScreen(ChoiceScreen):
    title_key = "take_number"
    prompt_key = "choose_item"

    def choices(self) -> list[tuple[str, str]]:
        cat, v = self.app.catalogue, self.app.visit
        if cat is None:
            return []
        waiting = self.app.watch.waiting_by_item
        out = []
        for item in cat.items(v.stream, v.theme):
            n = waiting.get(item["code"], 0)
            out.append((f"{self.app.name_of(item['name'])}\n{self.app.tr('item_waiting', count=n)}", item["code"]))
        return out

    def chosen(self, ref: str) -> None:
        self.app.visit.choose(item_code=ref)
        self.app.go("confirm")


class SearchScreen(KioskScreen):
    """By name, full pinyin or initials on our keyboard; the candidate bar offers the best
    matches after each letter. ``purpose``: what a match opens, a ticket's confirmation
    (``"ticket"``) or the item's guide (``"guide"``); whoever opens the search sets it."""

    title_key = "search_items"
    purpose = "ticket"

    def title(self) -> str:
        return self.app.tr("guides_search") if self.purpose == "guide" else super().title()

    def on_kv_post(self, _base: Any) -> None:
        kb = self.ids.keyboard
        kb.on_candidate = self.chosen
        kb.bind(text=lambda _w, _t: self.search())

    def refresh(self) -> None:
        self.ids.bar.title = self.title()
        self.search()

    def search(self) -> None:
        app = self.app
        query = self.ids.keyboard.text
        self.ids.query.text = query or app.tr("search_hint")
        hits = app.search(query, app.visit.stream or None) if query.strip() else []
        phrases = app.catalogue.candidates(query, app.visit.stream or None) if query.strip() and app.catalogue else []
        self.ids.keyboard.candidates = [(p, "phrase:" + p) for p in phrases if p != query][:4]
        box = self.ids.results
        box.clear_widgets()
        for h in hits[:12]:
            b = KButton(text=f"{app.name_of(h['name'])}  {h['code']}", ref=h["code"], role="secondary",
                        font_size=dp(app.sizes.text))
            b.bind(on_release=lambda btn: self.chosen(btn.ref))
            box.add_widget(b)
        self.ids.none.text = app.tr("no_results") if query.strip() and not hits else ""

    def chosen(self, code: str) -> None:
        if code.startswith("phrase:"):  # a candidate phrase: it becomes the query
            self.ids.keyboard.text = code.removeprefix("phrase:")
            return
        item = self.app.catalogue.item(code)
        self.app.visit.choose(stream=item["stream"], theme=item["theme"], item_code=code)
        self.ids.keyboard.text = ""
        self.app.go("guide" if self.purpose == "guide" else "confirm")


class ConfirmScreen(KioskScreen):
    """The item chosen: how many wait for it, the card's benefits, and 取号."""

    title_key = "take_number"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.retry = Retry()
        self.busy = False

    def refresh(self) -> None:
        app, v = self.app, self.app.visit
        self.ids.bar.title = self.title()
        item = app.catalogue.item(v.item_code) if app.catalogue is not None and v.item_code else None
        self.ids.item.text = app.name_of(item["name"]) if item else ""
        self.ids.waiting.text = app.tr("item_waiting", count=app.watch.waiting_by_item.get(v.item_code, 0))
        if v.visitor is None:
            self.ids.card.text = app.tr("card_optional")
        else:
            lines = [app.tr("signed_in_as", name=v.visitor.name_masked)]
            clerk = v.returning_clerk
            if clerk:
                lines.append(app.tr("returning_clerk", name=clerk.get("name", ""), window=clerk.get("window", "")))
            self.ids.card.text = "\n".join(lines)
        self.ids.green.opacity = 1 if v.green_channel else 0
        self.ids.green.disabled = not v.green_channel

    def issue(self, *, green: bool = False) -> None:
        v = self.app.visit
        if self.busy or not v.item_code:
            return
        body: dict[str, Any] = {"item_code": v.item_code}
        if v.visitor is not None:
            body["id_number"] = v.visitor.id_number
        if green:
            body["priority"] = "green"
        self.busy = True
        self.ids.status.text = self.app.tr("processing")
        self.app.request("ticket.issue", body, self.issued, retry=self.retry)

    def issued(self, answer: Answer) -> None:
        self.busy = False
        self.ids.status.text = ""
        app = self.app
        if answer.ok and answer.body is not None:
            app.visit.ticket_issued(answer.body)
            app.go("ticket")
            app.screen("ticket").print_ticket()
            return
        error = answer.error
        assert error is not None
        if answer.code in ("hall_closed", "cap_reached"):
            app.go("no_ticket")
            app.screen("no_ticket").show(answer.code, error.details or {}, app.said(error))
        else:
            app.tell_failure(answer, "no_ticket_unreachable")


class TicketScreen(KioskScreen):
    """The number, the people ahead in its lane, the wait as a range, the ticket page's QR and
    whether the slip printed (paper out: this screen is the ticket; the job is kept)."""

    title_key = "your_ticket"

    def refresh(self) -> None:
        app, t = self.app, self.app.visit.ticket
        self.ids.bar.title = self.title()
        if not t:
            return
        self.ids.number.text = t["number"]
        self.ids.item.text = app.name_of(t.get("item_name"))
        ahead = int(t.get("position", 0))
        self.ids.ahead.text = app.tr("people_ahead", n=ahead)
        if t.get("beyond_closing"):  # the hall may close first: no minutes are promised
            self.ids.wait.text = app.tr("wait_beyond_closing")
        else:
            self.ids.wait.text = wait_range(ahead, t.get("estimated_wait_s")).text(app.lang)
        notes = [app.name_of(t["wait_notice"])] if t.get("wait_notice") else []
        if t.get("priority") == "green":
            notes.append(app.tr("green_channel_note"))
        if t.get("first_inquiry_clerk"):
            notes.append(app.tr("first_inquiry_note"))
        printed = app.visit.printed
        notes.append({None: app.tr("printing"), True: app.tr("take_slip"), False: app.tr("slip_not_printed")}[printed])
        self.ids.note.text = "\n".join(notes)
        self.ids.qr.texture = app.qr_texture(self.url())

    def on_enter(self, *_a: Any) -> None:
        t = self.app.visit.ticket
        if self.app.elder and t:
            self.app.say_number(t["number"])

    def url(self) -> str:
        """The ticket's phone page as the server gave it: the slip's QR code."""
        return str((self.app.visit.ticket or {}).get("page_url") or "")

    def print_ticket(self) -> None:
        self.app.print_ticket(self.app.visit.ticket, self.url(), self._printed)

    def _printed(self, ok: bool, reason: str) -> None:
        self.app.visit.printed = ok
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()


class NoTicketScreen(KioskScreen):
    """Closed or sold out today: say so plainly and offer an appointment."""

    title_key = "take_number"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.slot: dict[str, Any] | None = None

    def show(self, code: str, details: dict[str, Any], message: str) -> None:
        app = self.app
        self.ids.reason.text = message
        slot = details.get("next_slot") or None
        self.slot = slot if isinstance(slot, dict) else None
        if self.slot:
            self.ids.offer.text = app.tr("appointment_offer", day=self.slot.get("day", ""), slot=slot_text(self.slot))
        else:
            self.ids.offer.text = app.tr("appointment_later")
        self.ids.book.disabled = self.slot is None
        self.ids.book.opacity = 1 if self.slot else 0

    def refresh(self) -> None:
        self.ids.bar.title = self.title()

    def book(self) -> None:
        app, v = self.app, self.app.visit
        if self.slot is None:
            return
        if v.visitor is None:
            app.notify(app.tr("card_needed_for_booking"))
            return
        body = {"item_code": v.item_code, "day": self.slot["day"], "slot": self.slot["start"],
                "id_number": v.visitor.id_number, "name": v.visitor.name}
        app.request("appointment.book", body, self.booked)

    def booked(self, answer: Answer) -> None:
        app = self.app
        if answer.ok and answer.body:
            b = answer.body
            app.notify(app.tr("booked", day=b["day"], slot=b["slot"], code=b["code"]))
            app.home()
        else:
            app.tell_failure(answer)
