"""The admin's set-up page (``/setup``): the hall's windows, opening hours and appointment
slots, changed while the hall runs (``setup.apply``; the hall checks the whole set-up as
``init`` checks ``config/hall.yaml`` and names every problem). The form is plain HTML: a
row per window, a line of periods per weekday; what it posts is turned into the request here
and nowhere else."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Response, make_response, render_template, request

from ..users import UserRole
from .views import actor, click_key, hall_loop, signed_in, web

WEEKDAYS: dict[str, tuple[str, str]] = {
    "mon": ("星期一", "Mon"), "tue": ("星期二", "Tue"), "wed": ("星期三", "Wed"), "thu": ("星期四", "Thu"),
    "fri": ("星期五", "Fri"), "sat": ("星期六", "Sat"), "sun": ("星期日", "Sun"),
}
KINDS: dict[str, tuple[str, str]] = {
    "comprehensive": ("综合窗口", "Comprehensive"), "dedicated": ("专窗", "Dedicated"),
    "enterprise": ("法人窗口", "Enterprise"), "green_channel": ("绿色通道", "Green channel"),
}
STREAMS: dict[str, tuple[str, str]] = {"citizen": ("自然人", "Citizens"), "enterprise": ("法人", "Enterprises")}
#: Periods, item codes and caps may be typed with spaces, commas or the Chinese comma.
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _words(raw: str) -> list[str]:
    return [w for w in _SEPARATORS.split(raw.strip()) if w]


class FormProblem(ValueError):
    pass


def _number(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise FormProblem(f"{name}: {raw!r} is not a whole number") from None


def _from_form(form: Any, current: dict[str, Any]) -> dict[str, Any]:
    """The ``setup.apply`` body the form posts (raises FormProblem for what is not even a
    number; the hall checks everything else)."""
    windows = []
    for n in form.getlist("window"):
        windows.append(_window(form, n, _number("window", n)))
    new = form.get("new-number", "").strip()
    if new:
        windows.append(_window(form, "new", _number("new window's number", new)))
    if form.get("always-open") == "1":
        hours = None
    else:
        hours = {d: _words(form.get(f"hours-{d}", "")) for d in WEEKDAYS}
        hours = {d: p for d, p in hours.items() if p}
    caps: dict[str, int] = {}
    for line in form.get("daily-caps", "").splitlines():
        words = _words(line)
        if words:
            if len(words) != 2:
                raise FormProblem(f"daily caps: {line.strip()!r} is not 'ITEM-CODE number'")
            caps[words[0].upper()] = _number(f"daily cap of {words[0]}", words[1])
    rules = {
        "hours": hours,
        "appointment_periods": None if current["explicit_slots"] else _words(form.get("appointment-periods", "")),
        "appointment_slot_min": _number("slot minutes", form.get("appointment-slot-min", "")),
        "appointment_capacity": _number("bookings per slot", form.get("appointment-capacity", "")),
        "appointment_days_ahead": _number("days ahead", form.get("appointment-days-ahead", "")),
        "daily_caps": caps,
    }
    return {"windows": windows, "rules": rules}


def _window(form: Any, key: str, number: int) -> dict[str, Any]:
    return {
        "number": number,
        "kind": form.get(f"kind-{key}", ""),
        "stream": form.get(f"stream-{key}", "citizen"),
        "name": form.get(f"name-{key}", "").strip(),
        "items": [c.upper() for c in _words(form.get(f"items-{key}", ""))],
    }


def _as_typed(form: Any, current: dict[str, Any]) -> dict[str, Any]:
    """The form as the admin typed it, in the page's shape (numbers as typed), so that a
    refused set-up is shown again with their changes, not the stored ones: nothing is lost."""
    rules = current["rules"]
    return {
        **current,
        "windows": [
            {**_window(form, n, 0), "number": n} for n in form.getlist("window")
        ],
        "rules": {
            "hours": None if form.get("always-open") == "1" else {d: _words(form.get(f"hours-{d}", "")) for d in WEEKDAYS},
            "appointment_periods": _words(form.get("appointment-periods", "")) if rules["appointment_periods"] is not None else None,
            "appointment_slot_min": form.get("appointment-slot-min", ""),
            "appointment_capacity": form.get("appointment-capacity", ""),
            "appointment_days_ahead": form.get("appointment-days-ahead", ""),
            "daily_caps": {},
        },
        "daily_caps_text": form.get("daily-caps", ""),
        "new": {k: form.get(f"{k}-new", "") for k in ("number", "kind", "stream", "name", "items")}
        | {"number": form.get("new-number", "")},
    }


def _page(status: int = 200, typed: Any = None, **shown: Any) -> Response:
    outcome = hall_loop().call("setup.get", {}, actor())
    if not outcome.ok:
        return make_response(render_template("error.html", status=409, zh=outcome.message_zh, en=outcome.message), 409)
    current = outcome.body or {}
    response = make_response(
        render_template(
            "setup.html", setup=_as_typed(typed, current) if typed is not None else current, weekdays=WEEKDAYS, kinds=KINDS, streams=STREAMS,
            items=sorted(hall_loop().service.context.catalogue.items), nonce=secrets.token_urlsafe(12), **shown,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@web.get("/setup")
@signed_in(UserRole.ADMIN)
def setup():  # type: ignore[no-untyped-def]
    return _page()


@web.post("/setup")
@signed_in(UserRole.ADMIN)
def setup_apply():  # type: ignore[no-untyped-def]
    current = hall_loop().call("setup.get", {}, actor()).body or {}
    try:
        body = _from_form(request.form, current)
    except FormProblem as e:
        return _page(400, request.form, problems=[str(e)], refused={"zh": "表单填写有误，未作任何更改", "en": "The form has a mistake; nothing changed"})
    outcome = hall_loop().call("setup.apply", body, actor(), click_key("setup"))
    if not outcome.ok:
        problems = outcome.details.get("problems") or [outcome.message]
        return _page(409, request.form, problems=problems, refused={"zh": outcome.message_zh, "en": "Not saved: see the problems below"})
    return _page(applied=outcome.body)
