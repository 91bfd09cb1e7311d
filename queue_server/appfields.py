"""The typed application fields of a self-service application (``ServiceItem.application_fields``):
checked when a case is submitted, kept encrypted with the case, shown masked to clerks.

A refusal names the field as ``fields.<code>`` (the kiosk puts the cursor there) in English
and Chinese, and never quotes the value: it may be personal data typed into the wrong field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import orjson

from protocol.models.cases import MAX_FIELDS

from . import inputs
from .catalogue.model import ApplicationField, FieldType, Prefill, ServiceItem
from .engine.errors import bad_request
from .privacy import Privacy

MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
#: 区号 (3 or 4 digits from 0), a hyphen or not, 7 or 8 digits, an optional extension.
LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(?:-[0-9]{1,6})?", re.ASCII)


def _refuse(f: ApplicationField, en: str, zh: str) -> None:
    name = f"fields.{f.code}"
    raise bad_request(f"{name} ({f.label.en}) {en}", f"{f.label.zh}（{name}）{zh}", field=name)


def _check(f: ApplicationField, value: object, today: date) -> str:
    if not isinstance(value, str):
        _refuse(f, "must be text", "应为文字")
    assert isinstance(value, str)
    v = value.strip()
    if len(v) > f.max_len:
        _refuse(f, f"is longer than {f.max_len} characters", f"过长（最多 {f.max_len} 个字符）")
    inputs.checked_text(v, f"fields.{f.code}")
    if f.type is FieldType.PHONE and not (MOBILE.fullmatch(v) or LANDLINE.fullmatch(v)):
        _refuse(f, "must be a mobile number (11 digits from 1) or a landline like 0755-26010101",
                "应为11位手机号码或座机号码（如 0755-26010101）")  # fmt: skip
    if f.type is FieldType.DATE:
        try:
            if not inputs.DAY.check(v):
                raise ValueError
            day = date.fromisoformat(v)
        except ValueError:
            _refuse(f, "must be a date like 2026-11-26", "应为日期，如 2026-11-26")
        else:
            if f.prefill is Prefill.BIRTH and day > today:
                _refuse(f, "is a birth date and cannot be in the future", "为出生日期，不能晚于今天")
    if f.type is FieldType.CHOICE and v not in {c.value for c in f.choices}:
        _refuse(f, "must be one of " + ", ".join(c.value for c in f.choices),
                "应为以下选项之一：" + "、".join(c.label.zh for c in f.choices))  # fmt: skip
    if f.pattern is not None and re.fullmatch(f.pattern, v) is None:
        _refuse(f, "is not in the expected form", "格式不正确")
    return v


def checked_fields(item: ServiceItem, raw: Any, today: date, *, require: bool = True) -> dict[str, str]:
    """A submit's ``fields`` ({code: value}, as given: the request model leaves them to this
    check) checked against the item: required ones present (``require``), each of its type,
    no field the item does not have. Empty values count as absent. At a window the clerk has
    the paper form: fields given are checked, none required."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict) or len(raw) > MAX_FIELDS:
        raise bad_request(
            f"fields must be an object of at most {MAX_FIELDS} field codes and values",
            f"fields 应为最多 {MAX_FIELDS} 项的“栏目编码: 内容”对象",
            field="fields",
        )
    known = {f.code: f for f in item.application_fields}
    for code in raw:
        if code not in known:
            safe = inputs.checked_code(code, "fields", inputs.MATERIAL)  # a code, or refused unquoted
            raise bad_request(
                f"fields.{safe}: item {item.code} has no such field",
                f"事项 {item.code} 没有栏目 {safe}",
                field=f"fields.{safe}",
            )
    out: dict[str, str] = {}
    for f in item.application_fields:
        value = raw.get(f.code)
        if value is None or value == "":
            if f.required and require:
                _refuse(f, "is required", "为必填项")
            continue
        out[f.code] = _check(f, value, today)
    return out


def seal_fields(privacy: Privacy, fields: dict[str, str]) -> str | None:
    """The values as stored with the case: one encrypted JSON object (phones, addresses)."""
    if not fields:
        return None
    return privacy.encrypt_text(orjson.dumps(fields).decode())


def open_fields(privacy: Privacy, sealed: str | None) -> dict[str, str]:
    if not sealed:
        return {}
    return orjson.loads(privacy.decrypt(sealed))


def masked_phone(value: str) -> str:
    """13812345678 -> 138****5678; 0755-26010101 -> 0755-****0101."""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) < 8:
        return "*" * len(value)
    hide = set(digits[-8:-4])
    return "".join("*" if i in hide else ch for i, ch in enumerate(value))


def fields_view(item: ServiceItem | None, values: dict[str, str]) -> list[dict[str, Any]]:
    """The values for a clerk's screen, in the item's order, with labels; phones masked."""
    defs = {f.code: f for f in item.application_fields} if item else {}
    out = []
    for code, value in values.items():
        f = defs.get(code)
        kind = f.type.value if f else "text"
        out.append(
            {
                "code": code,
                "label": {"zh": f.label.zh, "en": f.label.en} if f else {"zh": code, "en": code},
                "type": kind,
                "value": masked_phone(value) if kind == "phone" else value,
            }
        )
    order = list(defs)
    return sorted(out, key=lambda x: order.index(x["code"]) if x["code"] in order else len(order))


__all__ = ["checked_fields", "fields_view", "masked_phone", "open_fields", "seal_fields"]
