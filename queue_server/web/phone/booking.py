"""Appointments (预约) on the phone: choose an item, a day and a slot, give name and ID number,
and get the booking's page: its code large, the QR code a kiosk's scanner checks in, what to
bring, and cancelling with the ID number it was booked with.

Every step is a plain GET (the item, then the day: links) and one POST that redirects to the
booking's page (post/redirect/get), so it all works without JavaScript and a reload never
books twice. The POST carries an idempotency key made when the form was drawn: a double tap
or a resent form gets the first booking back, not a refusal for booking twice.

The phone number is asked but not kept: an appointment has no place for it (the table holds
the ID number encrypted, and nothing else personal but the masked name), and a phone number
is not stored in clear. The form says so.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any

import segno
from flask import abort, redirect, render_template, request, url_for

from protocol import idnumber
from protocol.models.appointments import NAME_MAX_LEN

from . import ask, links, page_error, phone, refusal
from .guides import hall_rules, no_catalogue, published

#: An appointment code as the hall makes it (protocol.fields.APPOINTMENT_CODE): anything
#: else is no booking, answered without asking the hall (nor counting a wrong code).
CODE = re.compile(r"[A-HJ-NP-Z2-9]{6}\Z")
#: A mobile number (1[3-9] and 9 digits) or a landline with its area code (0755-26010101).
PHONE = re.compile(r"(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\Z")
STATES = {
    "booked": ("已预约，请按时到大厅签到", "Booked: check in at the hall on the day"),
    "checked_in": ("已签到取号", "Checked in: your number is issued"),
    "cancelled": ("已取消", "Cancelled"),
}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def bookable_days(today: date) -> list[dict[str, str]]:
    """The days a visitor may book: from today up to the hall's limit, the days it opens."""
    rules = hall_rules()
    hours = rules.hours
    out = []
    for i in range(rules.appointment_days_ahead + 1):
        d = today + timedelta(days=i)
        if hours is not None and not hours.periods_on(d):
            continue
        out.append({
            "day": d.isoformat(),
            "zh": ("今天 " if i == 0 else "明天 " if i == 1 else "") + f"{d.month}月{d.day}日 {WEEKDAYS[d.weekday()]}",
            "en": ("Today, " if i == 0 else "Tomorrow, " if i == 1 else "") + d.strftime("%a %d %b"),
        })
    return out


def form_errors(form: dict[str, str], days: list[str], slots: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """What is wrong with the form, by field, in both languages; the words never quote the
    ID number (it stays only in its own input, for the visitor to correct)."""
    errors: dict[str, dict[str, str]] = {}
    if form["day"] not in days:
        errors["day"] = {"zh": "请选择可预约的日期", "en": "Choose a day that can be booked"}
    free = {s["start"] for s in slots if s["open"] and s["available"] > 0}
    if form["slot"] not in free:
        errors["slot"] = {"zh": "请选择一个有空位的时段", "en": "Choose a slot with places left"}
    if not form["name"]:
        errors["name"] = {"zh": "请填写姓名", "en": "Give your name"}
    elif len(form["name"]) > NAME_MAX_LEN:
        errors["name"] = {"zh": f"姓名不能超过{NAME_MAX_LEN}个字", "en": f"The name is longer than {NAME_MAX_LEN} characters"}
    if not form["id_number"]:
        errors["id_number"] = {"zh": "请填写身份证号码", "en": "Give your ID number"}
    else:
        bad = idnumber.problem(form["id_number"])
        if bad is not None:
            errors["id_number"] = {
                "zh": f"身份证号码有误（{bad.message_zh}），请核对后重新输入",
                "en": f"The ID number is wrong ({bad.message}); check it and type it again",
            }
    if form["phone"] and not PHONE.match(form["phone"]):
        errors["phone"] = {
            "zh": "手机号码应为11位数字，固定电话请带区号",
            "en": "A mobile number has 11 digits; give a landline with its area code",
        }
    return errors


def read_form() -> dict[str, str]:
    f = request.form
    return {
        "item": (f.get("item") or "").strip(),
        "day": (f.get("day") or "").strip(),
        "slot": (f.get("slot") or "").strip(),
        "name": (f.get("name") or "").strip(),
        "id_number": idnumber.normalise(f.get("id_number") or "")[:40],
        "phone": (f.get("phone") or "").strip().replace(" ", "")[:20],
        "key": f.get("key") or "",
    }


@phone.route("/book", methods=["GET", "POST"])
def book():  # type: ignore[no-untyped-def]
    cat = published()
    if cat is None:
        return no_catalogue()
    posted = request.method == "POST"
    form = read_form() if posted else {"item": request.args.get("item", ""), "day": request.args.get("day", "")}
    item = cat.item(form["item"]) if form["item"] else None
    if item is None:
        if posted:
            return page_error(400, "请先选择事项", "Choose an item first")
        q = (request.args.get("q") or "").strip()[:40]
        return render_template("phone/book.html", q=q, hits=cat.search(q) if q else None, groups=cat.by_theme())
    today_slots = ask("appointment.slots", {"item_code": item["code"]})
    if not today_slots.ok or today_slots.body is None:
        return page_error(503, "预约暂时无法办理，请稍后再试", "Booking is not possible just now; try again shortly")
    days = bookable_days(date.fromisoformat(today_slots.body["day"]))
    day = form["day"] if form["day"] in [d["day"] for d in days] else (days[0]["day"] if days else "")
    slots: list[dict[str, Any]] = []
    if day == today_slots.body["day"]:
        slots = today_slots.body["slots"]
    elif day:
        other = ask("appointment.slots", {"item_code": item["code"], "day": day})
        slots = other.body["slots"] if other.ok and other.body else []
    errors: dict[str, dict[str, str]] = {}
    refused: dict[str, str] | None = None
    status = 200
    if posted:
        errors = form_errors(form, [d["day"] for d in days], slots)
        if not errors:
            body = {"item_code": item["code"], "day": form["day"], "slot": form["slot"],
                    "id_number": form["id_number"], "name": form["name"]}
            # The phone number is not sent: the hall has nowhere to keep it (see the module's note).
            out = ask("appointment.book", body, key=form["key"] or None)
            if out.ok and out.body is not None:
                return redirect(url_for("phone.booking", code=out.body["code"]), 303)
            refused, status = refusal(out), 409 if out.code == "conflict" else 400
            field = str(out.details.get("field") or "")
            if field in ("name", "id_number", "slot", "day"):
                errors[field] = refused
        else:
            status = 422
    values = form if posted else {"name": "", "id_number": "", "phone": "", "slot": ""}
    return render_template(
        "phone/book_form.html", item=item, days=days, day=day, slots=slots, values=values, errors=errors,
        refused=refused, key=secrets.token_urlsafe(16),
    ), status


def qr_svg(url: str) -> str:
    """The booking page's URL as an inline SVG QR code: the kiosk's scanner reads the code
    as the URL's last part (kiosk/screens/checkin.py), and a phone's camera opens the page."""
    return segno.make(url, error="m").svg_inline(scale=5, border=3, dark="#000", light="#fff", omitsize=True)


def booking_page(code: str, *, cancel_error: dict[str, str] | None = None, status: int = 200) -> Any:
    code = code.strip().upper()
    if not CODE.match(code):
        abort(404)
    out = ask("appointment.status", {"code": code})
    if not out.ok or out.body is None:
        if out.code == "not_found":
            return page_error(404, "没有这个预约号，请核对", "There is no appointment with this code; check it")
        r = refusal(out)
        return page_error(429 if out.code == "too_many_requests" else 503, r["zh"], r["en"])
    a = out.body
    cat = published()
    item = cat.item(a["item_code"]) if cat else None
    materials = []
    if item is not None and cat is not None:
        materials = [{**m, "certificate": cat.certificate_name(m.get("e_certificate"))} for m in item["guide"]["materials"]]
    url = links().booking(a["code"])
    return render_template(
        "phone/booking.html", a=a, item=item, materials=materials, state=STATES[a["state"]], qr=qr_svg(url),
        url=url, cancel_error=cancel_error, cancelled=request.args.get("cancelled") == "1",
    ), status


@phone.get("/booking/<code>")
def booking(code: str):  # type: ignore[no-untyped-def]
    return booking_page(code)


@phone.post("/booking/<code>/cancel")
def booking_cancel(code: str):  # type: ignore[no-untyped-def]
    code = code.strip().upper()
    if not CODE.match(code):
        abort(404)
    id_number = idnumber.normalise(request.form.get("id_number") or "")[:40]
    bad = idnumber.problem(id_number) if id_number else None
    if not id_number or bad is not None:
        words = {"zh": "请填写预约时所用的身份证号码", "en": "Give the ID number you booked with"}
        if bad is not None:
            words = {"zh": f"身份证号码有误（{bad.message_zh}），请核对", "en": f"The ID number is wrong ({bad.message}); check it"}
        return booking_page(code, cancel_error=words, status=422)
    out = ask("appointment.cancel", {"code": code, "id_number": id_number})
    if out.ok:
        return redirect(url_for("phone.booking", code=code, cancelled="1"), 303)
    if out.code == "not_found":
        return page_error(404, "没有这个预约号，请核对", "There is no appointment with this code; check it")
    return booking_page(code, cancel_error=refusal(out), status=429 if out.code == "too_many_requests" else 409)
