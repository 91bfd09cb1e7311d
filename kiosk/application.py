"""The self-service application (自助申报) without the screens: the item's typed fields,
their prefill and the kiosk's checks (the server's, mirrored, so the visitor hears of a
mistake next to the field before anything is sent), the ``case.submit_kiosk`` body and the
receipt. Pure: the screens in ``kiosk/screens/apply.py`` show and call this.

A field (``item["application_fields"]``)::

    {code, label: {zh, en}, type: text|phone|date|choice|address, required: bool,
     choices: [{value, label: {zh, en}}], max_len, pattern, prefill: name|address|phone|birth|null}
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .visit import Application, Visitor

MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
DIGIT_TYPES = ("phone", "date")
DEFAULT_MAX_LEN = {"text": 40, "address": 80, "phone": 13, "date": 10}

Problem = tuple[str, str]
"""(zh, en): what is wrong with a value, in the visitor's words."""


def fields_of(item: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((item or {}).get("application_fields") or [])


def max_len(f: dict[str, Any]) -> int:
    return int(f.get("max_len") or DEFAULT_MAX_LEN.get(f.get("type", "text"), 40))


def date_from_digits(digits: str) -> str:
    """What the digits keyboard typed (``19750505``) as the ISO date it stands for, shown as
    it grows: ``1975``, ``1975-05``, ``1975-05-05``."""
    d = re.sub(r"[^0-9]", "", digits)[:8]
    return "-".join(p for p in (d[:4], d[4:6], d[6:8]) if p)


def digits_of(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)


def card_prefill(fields: list[dict[str, Any]], person: Visitor | None) -> dict[str, str]:
    """The values the ID card gives (name, address, birth date)."""
    if person is None:
        return {}
    from_card = {"name": person.name, "address": person.address, "birth": person.birth.isoformat()}
    out = {}
    for f in fields:
        value = from_card.get(f.get("prefill") or "")
        if value:
            out[f["code"]] = value
    return out


def merge_prefill(values: dict[str, str], fields: list[dict[str, Any]], *sources: dict[str, Any]) -> dict[str, str]:
    """``values`` with every empty field filled from the first source that has it (sources:
    the card, then ``case.prefill``'s earlier cases); what the visitor typed is never replaced."""
    known = {f["code"] for f in fields}
    out = dict(values)
    for source in sources:
        for code, value in (source or {}).items():
            if code in known and not out.get(code) and isinstance(value, str) and value:
                out[code] = value
    return out


def earlier_values(answer: dict[str, Any]) -> dict[str, str]:
    """``case.prefill``'s answer as {code: value}: its ``fields`` are a list of ``{code, value,
    shown, case}`` (``shown`` masks a phone for a screen; the form needs ``value``)."""
    out = {}
    for f in answer.get("fields") or []:
        if isinstance(f, dict) and isinstance(f.get("code"), str) and isinstance(f.get("value"), str):
            out[f["code"]] = f["value"]
    return out


def earlier_masked(answer: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """``case.prefill``'s values the server shows otherwise on a screen: {code: (value, shown)}."""
    out = {}
    for f in answer.get("fields") or []:
        if isinstance(f, dict) and isinstance(f.get("code"), str) and isinstance(f.get("value"), str):
            shown = f.get("shown")
            if isinstance(shown, str) and shown and shown != f["value"]:
                out[f["code"]] = (f["value"], shown)
    return out


def display_value(f: dict[str, Any], application: Application, lang: str) -> str:
    """A field's value as the screens show it: masked while it is the earlier case's, a
    choice by its label."""
    value = application.fields.get(f["code"], "")
    masked = application.masked.get(f["code"])
    if masked is not None and value and masked[0] == value:
        return masked[1]
    return shown_value(f, value, lang)


def check_field(f: dict[str, Any], value: str, today: dt.date | None = None) -> Problem | None:
    """The kiosk's check of one value, as the server checks it: required, length, type, pattern."""
    value = value.strip()
    kind = f.get("type", "text")
    if not value:
        return ("此项必填", "This is required") if f.get("required") else None
    if len(value) > max_len(f):
        n = max_len(f)
        return (f"最多 {n} 个字", f"At most {n} characters")
    if kind == "phone" and not (MOBILE.fullmatch(value) or LANDLINE.fullmatch(value)):
        return ("请填写11位手机号码（1开头）或带区号的固定电话",
                "Give an 11-digit mobile number (starting with 1) or a landline with its area code")
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return ("请按 年-月-日 填写真实日期，如 1975-05-05", "Give a real date as year-month-day, e.g. 1975-05-05")
        if len(value) != 10 or day.year < 1880:
            return ("请按 年-月-日 填写真实日期，如 1975-05-05", "Give a real date as year-month-day, e.g. 1975-05-05")
    if kind == "choice" and value not in {c.get("value") for c in f.get("choices") or []}:
        return ("请选择一项", "Choose one of the options")
    pattern = f.get("pattern")
    if pattern and kind != "choice" and not re.fullmatch(pattern, value):
        return ("格式不符合要求", "This is not in the expected format")
    return None


def check_all(fields: list[dict[str, Any]], values: dict[str, str]) -> dict[str, Problem]:
    out = {}
    for f in fields:
        problem = check_field(f, values.get(f["code"], ""))
        if problem is not None:
            out[f["code"]] = problem
    return out


def shown_value(f: dict[str, Any], value: str, lang: str) -> str:
    """A value as the form shows it (a choice by its label)."""
    if f.get("type") == "choice":
        for c in f.get("choices") or []:
            if c.get("value") == value:
                label = c.get("label") or {}
                return label.get(lang) or label.get("zh", value)
    return value


def refused_field(error: Any) -> str | None:
    """The field code a ``case.submit_kiosk`` refusal names (``details.field = "fields.<code>"``)."""
    field = ((getattr(error, "details", None) or {}).get("field") or "") if error is not None else ""
    return field[len("fields."):] if isinstance(field, str) and field.startswith("fields.") else None


def refusal_problem(error: Any, code: str) -> Problem:
    """The server's words for a refused field, without the field's code it names for the
    program (``出生日期（fields.birth_date）…``, ``fields.birth_date (Date of birth) …``)."""
    name = re.escape(f"fields.{code}")
    zh = re.sub(rf"[（(]{name}[）)]", "", str(getattr(error, "message_zh", "") or ""))
    en = re.sub(rf"{name} \(([^)]*)\)", r"\1", str(getattr(error, "message", "") or ""))
    return zh.strip(), re.sub(name, "", en).strip()


def materials_of(item: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list(((item or {}).get("guide") or {}).get("materials") or [])


def held_certificates(known: dict[str, Any]) -> set[str] | None:
    """The e-certificate types the card holder holds, from ``visitor.lookup``'s answer; None
    when the answer does not say (the kiosk then offers every e-certificate and the server checks)."""
    lists = [known.get(k) for k in ("certificates", "certificates_ready", "e_certificates") if k in known]
    if not lists:
        return None
    return {str(c.get("type")) for cs in lists for c in cs or [] if isinstance(c, dict) and c.get("type")}


def submit_body(item_code: str, application: Application, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """``case.submit_kiosk``: the applicant, the agent, the typed fields (empty ones left out),
    the materials an e-certificate stands for and the uploaded pages."""
    person = application.applicant
    assert person is not None
    body: dict[str, Any] = {"item_code": item_code, "id_number": person.id_number, "name": person.name}
    if application.agent is not None:
        body["agent"] = {"id_number": application.agent.id_number, "name": application.agent.name}
    codes = {f["code"] for f in fields}
    body["fields"] = {k: v.strip() for k, v in application.fields.items() if k in codes and v.strip()}
    body["materials"] = list(application.certificates)
    body["pages"] = [{"material": m, "sha256": sha} for m, sha in application.pages]
    return body


def promised_date(case: dict[str, Any]) -> dt.date | None:
    due = case.get("due")
    try:
        return dt.date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        return None
