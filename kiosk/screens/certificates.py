"""Print my certificate (证照打印), also the whole app of a self-print station: ID card, a
face-presence check with the camera (the face-match plug-in where one is installed), the
holder's certificates, print on A4 (CUPS, or saved as PDF), handed out on record."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp

from ..link import Answer
from ..widgets import KButton
from .base import KioskScreen


class CertificatesScreen(KioskScreen):
    title_key = "print_certificate"
    print_station = True

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.face_ok: bool | None = None
        self.certificates: list[dict[str, Any]] = []
        self.printed: dict[str, bool] = {}

    def on_pre_enter(self, *_a: Any) -> None:
        v = self.app.visit
        if v.visitor is not None and self.face_ok is None:
            self.check_face()
        self.refresh()

    def refresh(self) -> None:
        app, v = self.app, self.app.visit
        self.ids.bar.title = self.title()
        self.ids.bar.show_back = app.root is None or app.home_screen != self.name
        if v.visitor is None:
            self.face_ok, self.certificates, self.printed = None, [], {}
            self.ids.hint.text = app.tr("place_id_card")
        elif self.face_ok is None:
            self.ids.hint.text = app.tr("certs_face")
        elif not self.face_ok:
            self.ids.hint.text = app.tr("certs_face_failed")
        elif not self.certificates:
            self.ids.hint.text = app.tr("certs_none", name=v.visitor.name_masked)
        else:
            self.ids.hint.text = app.tr("certs_choose", name=v.visitor.name_masked)
        box = self.ids.list
        box.clear_widgets()
        for c in self.certificates if self.face_ok else []:
            label = self.title_of(c)
            state = self.printed.get(c["number"])
            suffix = {None: "", True: " ✓ " + app.tr("certs_printed"), False: " · " + app.tr("certs_saved")}[state]
            b = KButton(text=f"{label}\n{c['number']}{suffix}", ref=c["number"], font_size=dp(app.sizes.main))
            b.bind(on_release=lambda btn: self.print_certificate(btn.ref))
            box.add_widget(b)
        retry = self.ids.retry
        retry.opacity = 1 if self.face_ok is False else 0
        retry.disabled = self.face_ok is not False

    def title_of(self, c: dict[str, Any]) -> str:
        return self.app.name_of(self.app.certificate_names().get(c["type"])) or c["type"]

    def card_read(self, _visitor: Any) -> None:
        self.face_ok, self.certificates, self.printed = None, [], {}
        self.refresh()
        self.check_face()

    def check_face(self) -> None:
        """Someone is in front of the camera (and, with a face-match plug-in, it is the card's
        holder) before anyone's certificates are listed."""
        visitor = self.app.visit.visitor
        if visitor is None:
            return

        def work() -> None:
            try:
                ok = self.app.face_check(visitor)
            except Exception:
                ok = False
            Clock.schedule_once(lambda _dt: self._faced(ok), 0)

        threading.Thread(target=work, name="face-check", daemon=True).start()

    def _faced(self, ok: bool) -> None:
        self.face_ok = ok
        self.refresh()
        if ok and self.app.visit.visitor is not None:
            self.app.request("certificate.list", {"id_number": self.app.visit.visitor.id_number}, self._listed)

    def _listed(self, answer: Answer) -> None:
        if answer.ok and answer.body is not None:
            self.certificates = [c for c in answer.body["certificates"] if not c.get("revoked")]
        else:
            self.app.tell_failure(answer)
        self.refresh()

    def print_certificate(self, number: str) -> None:
        v = self.app.visit.visitor
        if v is None:
            return
        self.ids.hint.text = self.app.tr("processing")
        self.app.request("certificate.print", {"number": number, "id_number": v.id_number},
                         lambda a: self._granted(a, number))

    def _granted(self, answer: Answer, number: str) -> None:
        app, v = self.app, self.app.visit.visitor
        if not answer.ok or answer.body is None or v is None:
            assert answer.error is not None or v is None
            if answer.error is not None:
                app.tell_failure(answer)
            self.refresh()
            return
        from printer.certificate import CertificatePrint

        c = answer.body
        cert = CertificatePrint(
            title=self.title_of(c),
            number=c["number"],
            holder_name=v.name,
            holder_id_number=v.id_number,
            department=self.department_of(c["department"]),
            issued_on=dt.date.fromisoformat(c["issued_on"]),
            valid_until=dt.date.fromisoformat(c["valid_until"]) if c.get("valid_until") else None,
            verify_url=c["verification_url"],  # as the server gave it: the QR code and printed line
            printed_at=dt.datetime.now(app.tz).replace(tzinfo=None),
            kiosk_id=app.kiosk_id,
        )
        def work() -> None:
            try:
                ok, reason = app.print_certificate(cert)
            except Exception as e:
                ok, reason = False, str(e)
            Clock.schedule_once(lambda _dt: self._printed(number, ok, reason), 0)

        threading.Thread(target=work, name="print-certificate", daemon=True).start()

    def _printed(self, number: str, ok: bool, reason: str) -> None:
        self.printed[number] = ok
        self.refresh()
        self.app.notify(self.app.tr("certs_take") if ok else self.app.tr("certs_not_printed"), alert=not ok)

    def department_of(self, code: str) -> str:
        cat = self.app.catalogue
        for d in (cat.document.get("departments") if cat is not None else None) or []:
            if d["code"] == code:
                return d["name"]["zh"]
        return code
