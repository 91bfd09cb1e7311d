"""The certificate check (证照核验) on a phone: the page a certificate's QR code opens
(``links().certificate``), or its number and verification code typed in. It says VALID or
NOT VALID in large words, and why not (revoked, expired, not yet valid); a number and code
that do not match look like no certificate at all, as the hall answers them (a forgery must
learn nothing from the page). The holder is shown as the certificate's own masked name.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import redirect, render_template, request, url_for

from ..views import catalogue, hall_loop
from . import ask, phone, refusal

#: protocol/fields.py CERTIFICATE_NUMBER; the code is the 10 letters and digits of the QR code.
NUMBER_FORM = re.compile(r"[A-Z][A-Z0-9_]{0,39}(?:-[A-Z0-9]{2,16})?-[0-9]{8}-[0-9]{6,9}")
CODE_FORM = re.compile(r"[A-Z0-9]{10}")


def _lookup_page(number: str = "", error: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("phone/certificate_lookup.html", number=number, error=error), status


@phone.get("/certificate")
def certificate_lookup():  # type: ignore[no-untyped-def]
    return _lookup_page()


@phone.post("/certificate")
def certificate_find():  # type: ignore[no-untyped-def]
    """The typed number and code, checked for their form, then to the page the QR code opens."""
    number = request.form.get("number", "").strip().upper()[:80]
    code = request.form.get("code", "").strip().upper()[:20]
    if not NUMBER_FORM.fullmatch(number):
        return _lookup_page(number, {
            "zh": "证照编号格式不对：应如 PHYSICIAN_LICENCE-H01-20261126-000001",
            "en": "A certificate number looks like PHYSICIAN_LICENCE-H01-20261126-000001"}, 400)  # fmt: skip
    if not CODE_FORM.fullmatch(code):
        return _lookup_page(number, {
            "zh": "核验码为证照二维码旁的 10 位字母和数字",
            "en": "The verification code is the 10 letters and digits beside the QR code"}, 400)  # fmt: skip
    return redirect(url_for("phone.certificate_page", number=number, code=code), 303)


def why_not(cert: dict[str, Any], today: date) -> tuple[str, str]:
    """Why a certificate the hall knows is not valid today."""
    if cert["revoked"]:
        return "已注销", "It has been revoked"
    if date.fromisoformat(cert["issued_on"]) > today:
        return f"尚未生效（{cert['issued_on']} 起有效）", f"Not valid yet (from {cert['issued_on']})"
    return f"已过期（有效期至 {cert['valid_until']}）", f"It expired on {cert['valid_until']}"


@phone.get("/certificate/<number>")
def certificate_page(number: str):  # type: ignore[no-untyped-def]
    code = request.args.get("code", "").strip()[:20]
    got = ask("certificate.verify", {"number": number, "code": code})
    if not got.ok:
        status = 429 if got.code == "too_many_requests" else 503 if got.code == "unavailable" else 404
        # Throttled or busy: the hall's words; else the certificate simply does not check out.
        error = refusal(got) if status != 404 else None
        return render_template("phone/certificate.html", cert=None, error=error), status
    cert = got.body
    cat = catalogue()
    kind = cat.e_certificate_types.get(cert["type"])
    dept = cat.departments.get(cert["department"])
    item = cat.items.get(cert["item_code"])
    today = datetime.now(hall_loop().service.engine.tz).date()
    view = {
        "cert": cert,
        "kind": kind.name if kind else None,
        "department": dept.name if dept else None,
        "item": item.name if item else None,
        "why_not": None if cert["valid"] else why_not(cert, today),
        "checked_on": today.isoformat(),
    }
    return render_template("phone/certificate.html", **view, error=None)
