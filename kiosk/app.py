"""The kiosk app: one ScreenManager, the visit, and the shell around them.

The app owns the imperative edges: the server link (requests on a worker thread, answers
posted back to Kivy's clock), the devices (card reader, scanner, camera, printers; their
events arrive on device threads and are posted the same way), speech, and the idle timer.
Screens read ``app.visit`` and call the app's actions; they never talk to a device or the
server themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kivyenv import prepare_environment, register_fonts

prepare_environment()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.lang import Builder  # noqa: E402
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty  # noqa: E402
from kivy.uix.screenmanager import NoTransition, ScreenManager  # noqa: E402

from . import hardware as hw  # noqa: E402
from . import texts, theme, widgets  # noqa: E402,F401 - widgets: registered for the kv rules
from .link import Answer, HallWatch, Retry, ServerLink  # noqa: E402
from .visit import Mode, Visit, Visitor  # noqa: E402

register_fonts()
log = logging.getLogger(__name__)
KV_DIR = Path(__file__).parent / "kv"


def load_kv(name: str) -> None:
    """Load ``kv/<name>.kv`` once (tests build several apps in one process)."""
    path = str(KV_DIR / f"{name}.kv")
    if path not in Builder.files:
        Builder.load_file(path)


DEVICE_FAULTS = {"printer": "printer_failed", "scanner": "scanner_failed", "camera": "camera_failed",
                 "idcard": "reader_failed"}


def fault_text(health: dict[str, Any]) -> str | None:
    """What the banner tells visitors of a device's health (a ``device.health`` message), in
    plain words; None when they need not know. The technician's reason goes to the server."""
    if health.get("status") == "ok":
        return None
    kind, reason = str(health.get("kind", "")), str(health.get("reason", ""))
    if kind == "printer" and "paper low" in reason:
        return None  # it still prints; staff reload it (the hall sees it on its device list)
    if kind == "printer" and "paper" in reason.lower():
        return "printer_out_of_paper"
    return DEVICE_FAULTS.get(kind, "failed_ask_staff")


def post(fn: Callable[[], None]) -> None:
    """Run ``fn`` on the UI thread (Kivy's clock is safe to schedule on from any thread)."""
    Clock.schedule_once(lambda _dt: fn(), 0)


class KioskApp(App):
    lang = StringProperty("zh")
    elder = BooleanProperty(False)
    # rebind: kv rules read ``app.sizes.main``; without it Kivy binds nothing on that chain
    # (its last link is a plain value) and elder mode would not resize what the rules size.
    sizes = ObjectProperty(theme.NORMAL, rebind=True)
    banner = StringProperty("")
    hall_name = StringProperty("")
    waiting_text = StringProperty("")

    def __init__(
        self,
        *,
        link: ServerLink | None,
        devices: Any = None,
        catalogue: Any = None,
        speech: Any = None,
        mode: Mode = Mode.FULL,
        portrait: bool = False,
        idle_s: float = 60.0,
        countdown_s: float = 10.0,
        kiosk_id: str = "kiosk",
        timezone: str = "Asia/Shanghai",
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.link = link
        if link is not None:
            link.post = self.post  # answers arriving after on_stop reach no screen
        self.devices = devices
        self.catalogue = catalogue
        self.speech = speech
        self.mode = Mode(mode)
        self.portrait = portrait
        self.idle_s = idle_s
        self.countdown_s = countdown_s
        self.kiosk_id = kiosk_id
        self.tz = ZoneInfo(timezone)
        self.visit = Visit()
        #: Set by on_stop: work finishing on other threads (a print, a catalogue fetch) posts
        #: nothing to screens that are gone.
        self.stopped = False
        self.watch = HallWatch()
        self.history: list[str] = []
        self.device_faults: dict[str, str] = {}  # device name -> the text key the banner says
        # The hall's configured name from ``hall.info`` (config/hall.yaml): what the home screen
        # and the slip show. The catalogue's ``hall_name`` only until the server has named it.
        self.hall_names: dict[str, str] | None = None
        self._idle_event: Any = None
        self.title = "政务服务自助终端 Self-service kiosk"

    # ------------------------------------------------------------------ build
    def build(self) -> ScreenManager:
        from .screens import SCREENS, SHARED_KV

        Window.clearcolor = theme.BG
        for name in SHARED_KV:
            load_kv(name)
        sm = ScreenManager(transition=NoTransition())
        for name, cls in SCREENS.items():
            if self.mode is Mode.PRINT_STATION and not getattr(cls, "print_station", False):
                continue
            if (KV_DIR / f"{name}.kv").exists():
                load_kv(name)
            sm.add_widget(cls(name=name))
        sm.current = self.home_screen
        Window.bind(on_touch_down=self._touched, on_key_down=self._touched)
        self._arm_idle()
        self.hall_name = self.hall_name_in(self.lang)
        return sm

    def on_start(self) -> None:
        if self.link is not None:
            self.link.on_watch = self.on_watch
            self.link.start()
        if self.devices is not None:
            self.devices.on_event = lambda e: self.post(lambda: self.on_device(e))
            self.devices.on_health = self.on_health
            self.devices.start()
        self._update_banner()

    def post(self, fn: Callable[[], None]) -> None:
        """``post`` for this app: dropped once the app has stopped."""
        post(lambda: None if self.stopped else fn())

    def on_stop(self) -> None:
        self.stopped = True
        Window.unbind(on_touch_down=self._touched, on_key_down=self._touched)
        if self._idle_event is not None:
            self._idle_event.cancel()
        if self.devices is not None:
            self.devices.stop()
        if self.link is not None:
            self.link.close()
        if self.speech is not None:
            self.speech.close()

    # ----------------------------------------------------------------- texts
    def tr(self, key: str, lang: str | None = None, **values: Any) -> str:
        """A visitor-facing text in the current language (``lang`` is passed by kv rules only
        so that they are re-evaluated when the language changes)."""
        return texts.T(key, self.lang, **values)

    def pick(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def name_of(self, text: dict[str, str] | None) -> str:
        if not text:
            return ""
        return text.get("en" if self.lang == "en" else "zh") or text.get("zh", "")

    def set_lang(self, lang: str) -> None:
        self.lang = self.visit.lang = lang
        self.visit.touch()
        self.hall_name = self.hall_name_in(lang)
        self._show_watch()
        self.refresh_current()

    def toggle_lang(self) -> None:
        self.set_lang("en" if self.lang == "zh" else "zh")

    def set_elder(self, on: bool) -> None:
        self.elder = self.visit.elder = on
        self.sizes = theme.ELDER if on else theme.NORMAL
        self.visit.touch()
        self.refresh_current()
        if on:
            self.say(self.root.current_screen.title() if self.root else "")

    def say(self, text: str) -> None:
        if self.speech is not None and text:
            self.speech.say(text, lang=self.lang)

    def say_number(self, number: str) -> None:
        """A ticket number digit by digit (A 零 一 二 号), as the hall board will call it."""
        if self.speech is not None and number:
            self.speech.say_number(number, lang=self.lang)

    # ------------------------------------------------------------- navigation
    @property
    def home_screen(self) -> str:
        return "certificates" if self.mode is Mode.PRINT_STATION else "home"

    def go(self, name: str) -> None:
        sm = self.root
        if sm.current != name:
            self.history.append(sm.current)
            del self.history[:-20]
        sm.current = name

    def back(self) -> None:
        self.root.current = self.history.pop() if self.history else self.home_screen

    def home(self) -> None:
        """首页: the visit's choices are dropped; the signed-in card holder stays until the
        card is lifted or the kiosk is left idle."""
        self.history.clear()
        self.visit.choose(stream="")
        self.visit.ticket = self.visit.case = self.visit.application = None
        self.root.current = self.home_screen
        self.refresh_current()

    def end_visit(self) -> None:
        """Personal data cleared, normal mode, Chinese, home (idle, or 结束 at the end)."""
        if self.speech is not None:
            self.speech.cancel()  # nothing of this visitor is said to the next one
        self.visit.clear()
        if self.elder:
            self.set_elder(False)
        if self.lang != "zh":
            self.set_lang("zh")
        self.history.clear()
        self.root.current = self.home_screen
        self.refresh_current()

    def refresh_current(self) -> None:
        if self.root is not None:
            self.root.current_screen.refresh()

    def screen(self, name: str) -> Any:
        return self.root.get_screen(name)

    # ------------------------------------------------------------------ idle
    def _touched(self, *_a: Any) -> None:
        self._arm_idle()

    def _arm_idle(self) -> None:
        if self._idle_event is not None:
            self._idle_event.cancel()
        self._idle_event = Clock.schedule_once(self._idle, self.idle_s)

    def _idle(self, _dt: float) -> None:
        nothing_to_forget = self.visit.visitor is None and self.root.current == self.home_screen
        if nothing_to_forget and not self.visit.stream:
            self._arm_idle()
            return
        from .screens.idle import IdleCountdown

        IdleCountdown(self.countdown_s, on_more=self._arm_idle, on_timeout=self.end_visit).open()

    # ---------------------------------------------------------------- server
    def request(self, type: str, body: dict[str, Any], done: Callable[[Answer], None], *,
                retry: Retry | None = None) -> str:
        """Send a request; ``done(answer)`` on the UI thread. With ``retry``, the visitor's
        repeated tap after an unreachable server re-sends the same request key."""
        def answered(answer: Answer) -> None:
            if retry is not None:
                retry.answered(answer)
            done(answer)

        if self.link is None:
            from protocol import ServerUnavailable

            answered(Answer(type, error=ServerUnavailable()))
            return ""
        return self.link.request(type, body, answered, key=retry.key(type, body) if retry else None)

    def said(self, error: Any) -> str:
        """A refusal from the server, in the visitor's language."""
        return self.pick(error.message_zh, error.message)

    def tell_failure(self, answer: Answer, unreachable: str = "server_unreachable") -> None:
        """A request that did not work, in plain words: the server's reason, or ``unreachable``."""
        assert answer.error is not None
        self.notify(self.tr(unreachable) if answer.unreachable else self.said(answer.error), alert=True)

    def call(self, fn: Callable[[Any], Any], done: Callable[[Answer], None]) -> None:
        """``fn(client)`` on the link's worker thread (a page upload: several requests in turn);
        ``done`` gets ``Answer("call", body={"result": …})`` or the error, on the UI thread."""
        if self.link is None:
            from protocol import ServerUnavailable

            done(Answer("call", error=ServerUnavailable()))
            return
        self.link.call(fn, done)

    def on_watch(self, watch: HallWatch) -> None:
        """The hall's counts or the connection changed. On (re)connecting: the catalogue is
        asked for (with the version held: usually "unchanged") and the hall's time zone."""
        reconnected = watch.connected and not self.watch.connected
        self.watch = watch
        self._show_watch()
        if reconnected:
            self.refresh_catalogue()
            self.request("hall.info", {}, self._hall_info)
        self.refresh_current()

    def _show_watch(self) -> None:
        by = self.watch.waiting_by_stream
        self.waiting_text = self.tr("waiting_counts", total=self.watch.waiting_total,
                                    citizen=by.get("citizen", 0), enterprise=by.get("enterprise", 0))
        self._update_banner()

    def _hall_info(self, answer: Answer) -> None:
        """The hall's own time zone for today's date and the times the kiosk shows, and its
        own name for the home screen and the slips."""
        if not (answer.ok and answer.body):
            return
        if answer.body.get("timezone"):
            self.tz = ZoneInfo(answer.body["timezone"])
        name = answer.body.get("name")
        if isinstance(name, dict) and name.get("zh"):
            self.hall_names = {"zh": name["zh"], "en": name.get("en") or name["zh"]}
            self.hall_name = self.hall_name_in(self.lang)

    def refresh_catalogue(self) -> None:
        if self.catalogue is None:
            return

        def fetch() -> None:
            try:
                changed = self.catalogue.refresh()
            except Exception:
                log.exception("catalogue refresh failed")
                return
            if changed:
                self.post(self._catalogue_changed)

        threading.Thread(target=fetch, name="catalogue", daemon=True).start()

    def _catalogue_changed(self) -> None:
        self.hall_name = self.hall_name_in(self.lang)
        self.refresh_current()

    def _update_banner(self) -> None:
        parts = []
        if self.link is None or not self.watch.connected:
            parts.append(self.tr("server_unreachable"))
        parts += [self.tr(key) for key in dict.fromkeys(self.device_faults.values())]
        self.banner = "\n".join(parts)

    # --------------------------------------------------------------- devices
    def on_device(self, event: Any) -> None:
        """A device said something (on the UI thread now). A lifted card does not sign the
        visitor out: they may still be reading; idle or 结束 does."""
        if isinstance(event, hw.CardRead):
            self.card_read(Visitor.from_card(event.card))
        elif isinstance(event, hw.CardFailed):
            self.notify(self.pick(event.zh, event.en), alert=True)
        elif isinstance(event, hw.CodeScanned):
            screen = self.root.current_screen
            if hasattr(screen, "dispatch_scan"):
                screen.dispatch_scan(event.text)
            elif self.root.has_screen("checkin"):  # on another screen a code is a booking's
                self.screen("checkin").scanned(event.text)

    def on_health(self, message: dict[str, Any]) -> None:
        """A device's health changed (any thread): reported to the server, shown in plain words."""
        if self.link is not None:
            self.link.report_health(message)
        self.post(lambda: self._health_shown(message))

    def _health_shown(self, message: dict[str, Any]) -> None:
        name = str(message.get("device", ""))
        key = fault_text(message)
        if key is None:
            self.device_faults.pop(name, None)
        else:
            self.device_faults[name] = key
        self._update_banner()

    def card_read(self, visitor: Visitor) -> None:
        offer_elder = self.visit.sign_in(visitor, self.today())
        self.request("visitor.lookup", {"id_number": visitor.id_number}, self._known)
        screen = self.root.current_screen
        if hasattr(screen, "card_read"):
            screen.card_read(visitor)
        else:
            self.refresh_current()
        if offer_elder:
            from .screens.idle import ElderOffer

            ElderOffer(on_yes=lambda: self.set_elder(True)).open()

    def _known(self, answer: Answer) -> None:
        if answer.ok and answer.body is not None and self.visit.visitor is not None:
            self.visit.learn(answer.body)
            self.refresh_current()

    def notify(self, message: str, *, alert: bool = False) -> None:
        from .screens.idle import Notice

        Notice(message, alert=alert).open()
        if self.elder:
            self.say(message)

    def today(self) -> dt.date:
        return dt.datetime.now(self.tz).date()

    # --------------------------------------------------------------- services
    def search(self, query: str, stream: str | None = None) -> list[dict[str, Any]]:
        if self.catalogue is None:
            return []
        return self.catalogue.search(query, stream)

    def qr_texture(self, text: str) -> Any:
        from .qr import qr_texture

        return qr_texture(text)

    def print_ticket(self, ticket: dict[str, Any] | None, url: str, done: Callable[[bool, str], None]) -> None:
        """Print the slip on a thread (the printer may take seconds, or be out of paper: then the
        ticket stays on screen with its QR and the spooler keeps the job for when paper is back)."""
        if ticket is None:
            return
        if self.devices is None:
            done(False, self.tr("no_printer"))
            return
        from printer import ticket as ticket_layout

        from .slips import ticket_slip

        slip = ticket_slip(ticket, self.hall_name_zh(), url, self.tz)

        self.print_document(ticket_layout(slip, lang="zh+en"), done)

    def print_document(self, doc: Any, done: Callable[[bool, str], None]) -> None:
        """Print on the ticket printer off the UI thread; ``done(printed, reason)`` on the UI
        thread. A job the printer cannot take now (no paper) is kept by the spooler."""
        if self.devices is None:
            done(False, self.tr("no_printer"))
            return
        devices = self.devices

        def work() -> None:
            try:
                outcome = devices.print_document(doc)
                ok, reason = outcome.printed, self.pick(outcome.zh, outcome.en)
            except Exception as e:  # a driver defect: the visitor still has the screen
                log.exception("printing failed")
                ok, reason = False, str(e)
            self.post(lambda: done(ok, reason))

        threading.Thread(target=work, name="print", daemon=True).start()

    def face_check(self, visitor: Visitor) -> bool:
        """Someone is in front of the camera and, with a face-match plug-in installed, it is the
        card's holder (without one, presence is what the kiosk can check). Blocks: call off
        the UI thread."""
        if self.devices is None or not self.devices.face_present():
            return False
        if visitor.photo is None:
            return True
        match = self.devices.face_match(visitor.photo)
        return match is None or bool(getattr(match, "same_person", getattr(match, "matched", True)))

    def print_certificate(self, cert: Any) -> tuple[bool, str]:
        """A4 through CUPS, or saved as PDF where the station has no CUPS queue. Blocks."""
        if self.devices is None:
            return False, self.tr("no_printer")
        out = self.devices.print_certificate(cert)
        return out.error is None, out.error or ""

    def certificate_names(self) -> dict[str, dict[str, str]]:
        """The e-certificate types' names by code, from the catalogue."""
        types = self.catalogue.document.get("e_certificate_types") if self.catalogue is not None else None
        return {t["code"]: t["name"] for t in types or []}

    def hall_name_in(self, lang: str) -> str:
        """The hall's configured name; the catalogue's before the server has answered."""
        if self.hall_names:
            return self.hall_names.get(lang) or self.hall_names["zh"]
        return self.catalogue.hall_name(lang) if self.catalogue is not None else ""

    def hall_name_zh(self) -> str:
        return self.hall_name_in("zh")

    # ----------------------------------------------------------------- help
    def call_staff(self) -> None:
        screen = self.root.current_screen.name
        self.go("help")
        self.request("kiosk.help", {"screen": screen}, self.screen("help").answered)
