"""Home (首页): the services, the hall's waiting counts, and card first: a card placed at any
time signs the visitor in and what the hall knows for them is offered here at once."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp

from ..visit import Offer, OfferKind
from ..widgets import KButton
from .base import KioskScreen

SERVICES: tuple[tuple[str, str], ...] = (
    ("take_number", "stream"),
    ("appointment_checkin", "checkin"),
    ("service_guides", "guides"),
    ("self_service", "apply"),
    ("track_case", "track"),
    ("print_certificate", "certificates"),
    ("rate_service", "rate"),
    ("complaint", "complaint"),
)
ELDER_SERVICES = ("take_number", "appointment_checkin", "track_case", "print_certificate")
"""Elder mode keeps the four most asked-for services on home; the rest are one tap further."""


class HomeScreen(KioskScreen):
    title_key = "home_title"

    def refresh(self) -> None:
        app, visit = self.app, self.app.visit
        self.ids.greeting.text = (
            app.tr("hello", name=visit.visitor.name_masked) if visit.visitor else app.tr("place_id_card")
        )
        offers = self.ids.offers
        offers.clear_widgets()
        for offer in visit.offers(app.certificate_names())[:4]:
            b = KButton(text=app.pick(offer.title_zh, offer.title_en), role="green")
            b.bind(on_release=lambda _b, o=offer: self.take_offer(o))
            offers.add_widget(b)
        grid = self.ids.services
        grid.clear_widgets()
        grid.cols = 1 if app.elder else (2 if app.portrait else 4)
        shown = [s for s in SERVICES if not app.elder or s[0] in ELDER_SERVICES]
        for key, target in shown:
            b = KButton(text=app.tr(key), ref=target, font_size=dp(app.sizes.main))
            b.tile_height = dp(app.sizes.target) * (1.3 if app.elder else 2.2)
            b.bind(on_release=lambda btn: self.app.go(btn.ref))
            grid.add_widget(b)
        if app.elder:
            more = KButton(text=app.tr("more_services"), role="secondary")
            more.bind(on_release=lambda _b: self.app.set_elder(False))
            grid.add_widget(more)

    def take_offer(self, offer: Offer) -> None:
        app = self.app
        if offer.kind is OfferKind.CHECK_IN:
            app.go("checkin")
            app.screen("checkin").check_in(offer.ref)
        elif offer.kind is OfferKind.CONTINUE_CASE:
            app.go("stream")
            app.screen("stream").continue_case(offer.data)
        elif offer.kind is OfferKind.PRINT_CERTIFICATE:
            app.go("certificates")
        elif offer.kind is OfferKind.RATE:
            app.go("rate")

    def card_read(self, _visitor: Any) -> None:
        self.refresh()
