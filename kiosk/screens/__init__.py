"""Every screen of the kiosk, by name; the layout of ``name`` is ``kiosk/kv/<name>.kv``
(one-question screens share ``choice.kv``). ``print_station = True`` marks the screens a
self-print station (``--mode print-station``) has."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen

from .apply import (
    ApplyCaptureScreen,
    ApplyCardScreen,
    ApplyFieldsScreen,
    ApplyMaterialsScreen,
    ApplyReceiptScreen,
    ApplyReviewScreen,
    ApplyScreen,
)
from .certificates import CertificatesScreen
from .checkin import CheckInScreen
from .feedback import ComplaintScreen, RateScreen
from .guides import GuideItemScreen, GuideScreen, GuidesScreen, GuideThemeScreen
from .help import HelpScreen
from .home import HomeScreen
from .take_number import (
    ConfirmScreen,
    ItemScreen,
    NoTicketScreen,
    SearchScreen,
    StreamScreen,
    ThemeScreen,
    TicketScreen,
)
from .track import ProgressScreen, TrackScreen

SCREENS: dict[str, type[Screen]] = {
    "home": HomeScreen,
    "stream": StreamScreen,
    "themes": ThemeScreen,
    "items": ItemScreen,
    "search": SearchScreen,
    "confirm": ConfirmScreen,
    "ticket": TicketScreen,
    "no_ticket": NoTicketScreen,
    "checkin": CheckInScreen,
    "track": TrackScreen,
    "progress": ProgressScreen,
    "certificates": CertificatesScreen,
    "rate": RateScreen,
    "complaint": ComplaintScreen,
    "help": HelpScreen,
    "guides": GuidesScreen,
    "guide_themes": GuideThemeScreen,
    "guide_items": GuideItemScreen,
    "guide": GuideScreen,
    "apply": ApplyScreen,  # 自助申报 (choice.kv)
    "apply_card": ApplyCardScreen,
    "apply_fields": ApplyFieldsScreen,
    "apply_materials": ApplyMaterialsScreen,
    "apply_capture": ApplyCaptureScreen,
    "apply_review": ApplyReviewScreen,
    "apply_receipt": ApplyReceiptScreen,
}
SHARED_KV = ("common", "choice")
