"""Appointment check-in (预约签到): scan the booking's QR (scanner, or the camera), place the
ID card (today's appointment is found for it), or type the code. Early or on time keeps the
appointment's priority; late is said plainly: the ticket then waits like a walk-in's."""

from __future__ import annotations

import re
import threading
from typing import Any

from kivy.clock import Clock

from ..link import Answer, Retry
from ..visit import slot_text
from .base import KioskScreen

CODE = re.compile(r"(?<![A-Z0-9])([A-HJ-NP-Z2-9]{6})(?![A-Z0-9])")


def appointment_code(scanned: str) -> str | None:
    """The booking code in what a scanner or the camera read: the bare code, or the
    booking page's URL that carries it."""
    found = CODE.findall(scanned.strip().upper())
    return found[-1] if found else None  # a URL's code is its last part


class CheckInScreen(KioskScreen):
    title_key = "appointment_checkin"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.retry = Retry()

    def on_kv_post(self, _base: Any) -> None:
        self.ids.keyboard.bind(text=lambda _w, t: setattr(self.ids.code, "text", t.upper()))

    def refresh(self) -> None:
        app = self.app
        self.ids.bar.title = self.title()
        v = app.visit
        todays = v.known.get("appointments_today") or [] if v.visitor else []
        if todays:
            a = todays[0]
            self.ids.hint.text = app.tr("checkin_found", slot=slot_text(a.get("slot")), item=app.name_of(a.get("item_name")))
        elif v.visitor is not None:
            self.ids.hint.text = app.tr("checkin_none_today")
        else:
            self.ids.hint.text = app.tr("checkin_hint")
        self.ids.mine.disabled = not todays
        self.ids.mine.opacity = 1 if todays else 0

    def dispatch_scan(self, text: str) -> None:
        self.scanned(text)

    def scanned(self, text: str) -> None:
        code = appointment_code(text)
        if code is None:
            self.app.notify(self.app.tr("checkin_bad_code"), alert=True)
            return
        if self.manager is not None and self.manager.current != self.name:
            self.app.go(self.name)
        self.check_in(code)

    def card_read(self, _visitor: Any) -> None:
        self.refresh()

    def check_in_mine(self) -> None:
        todays = self.app.visit.known.get("appointments_today") or []
        if todays:
            self.check_in(todays[0]["code"])

    def check_in_typed(self) -> None:
        code = appointment_code(self.ids.keyboard.text)
        if code is None:
            self.app.notify(self.app.tr("checkin_bad_code"), alert=True)
            return
        self.check_in(code)

    def camera_scan(self) -> None:
        devices = self.app.devices
        if devices is None:
            self.app.notify(self.app.tr("camera_unavailable"), alert=True)
            return

        def work() -> None:
            try:
                text = devices.read_qr()
            except Exception:
                text = None
            Clock.schedule_once(lambda _dt: self.scanned(text) if text else self.app.notify(
                self.app.tr("camera_no_qr"), alert=True), 0)

        threading.Thread(target=work, name="camera-qr", daemon=True).start()

    def check_in(self, code: str) -> None:
        self.ids.status.text = self.app.tr("processing")
        self.app.request("appointment.check_in", {"code": code}, self.checked_in, retry=self.retry)

    def checked_in(self, answer: Answer) -> None:
        app = self.app
        self.ids.status.text = ""
        if answer.ok and answer.body is not None:
            t = answer.body
            app.visit.ticket_issued(t)
            app.go("ticket")
            ticket = app.screen("ticket")
            ticket.print_ticket()
            app.notify(app.tr("checkin_late") if t.get("late") else app.tr("checkin_on_time"))
            return
        app.tell_failure(answer, "no_ticket_unreachable")
