"""The fields of request bodies: the formats of codes and identifiers, the checks of text,
whole numbers and flags, and the pydantic field types built on them that the request models
of :mod:`protocol.models` use. The queue server checks every body with those models, at the
edge, so a handler never relies on an exception deep inside to refuse a bad value; kiosks
and displays build their requests from the same models.

Every refusal is a :class:`FieldError` naming the field, in English and Chinese (the queue
server answers it as ``bad_request``). A refused value
is never quoted back: it may be personal data typed into the wrong field (an ID number as an
item code), and error replies are stored as the answers of idempotent retries.

Decisions:

- Text is not NFC-normalised: NFC maps the CJK compatibility ideographs (U+F900..U+FAD9) to
  other code points, and a name must stay exactly as the visitor's documents spell it.
  Codes and identifiers are ASCII, where normalisation changes nothing. Text is checked
  instead: no C0/C1 control characters (``\\n`` and ``\\t`` are allowed in multi-line
  fields, where ``\\r\\n`` and a lone ``\\r`` become ``\\n``), no lone surrogates, no
  bidirectional controls (a U+202E turns "A012" into "210A" on the board), no line or
  paragraph separators, no noncharacters. Emoji (with U+200D ZWJ sequences and variation
  selectors) and all of CJK pass.
- Whole numbers are ASCII digits only (``str.isdigit`` and ``int`` also take Arabic-Indic,
  full-width and superscript digits), at most :data:`MAX_INT_DIGITS` of them in a string
  (``int()`` of a 5,000-digit string raises), and every number has a range; the default
  0..2^31-1 cannot overflow SQLite's or PostgreSQL's integers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)

from protocol import creditcode
from protocol.idnumber import looks_like_id_number, problem

INT_MAX = 2**31 - 1
MAX_INT_DIGITS = 10
#: Window numbers, as ``queue_server.hallconfig.WindowConfig`` allows them.
WINDOW_MIN, WINDOW_MAX = 1, 999

# Characters no text field takes. Built from code points so that this file itself holds none.
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_NONCHARACTERS = [*range(0xFDD0, 0xFDF0)] + [p * 0x10000 + low for p in range(17) for low in (0xFFFE, 0xFFFF)]


def _class(*ranges: tuple[int, int]) -> str:
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_ALWAYS = (
    (0x00, 0x08),  # C0 controls but \t \n (and \r, handled below)
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),  # DEL and the C1 controls
    (0x2028, 0x2029),  # line and paragraph separators
    (0xD800, 0xDFFF),  # surrogates: only a lone one can be in a str
    *((c, c) for c in _BIDI),
    *((c, c) for c in _NONCHARACTERS),
)
_FORBIDDEN_MULTILINE = re.compile(f"[{_class(*_ALWAYS)}]")
_FORBIDDEN_ONE_LINE = re.compile(f"[{_class(*_ALWAYS, (0x09, 0x0A), (0x0D, 0x0D))}]")
_NEWLINES = re.compile("\r\n?")


@dataclass(frozen=True, slots=True)
class Pattern:
    """The format of a code or identifier, with words for the error message."""

    regex: re.Pattern[str]
    en: str
    zh: str
    upper: bool = False  # accepted in lower case too (typed on a kiosk or in a URL)
    max_len: int = 200  # looked at before the pattern

    def check(self, value: str) -> bool:
        return value.isascii() and self.regex.fullmatch(value) is not None


def pattern(regex: str, en: str, zh: str, *, upper: bool = False, max_len: int = 200) -> Pattern:
    return Pattern(re.compile(regex, re.ASCII), en, zh, upper, max_len)


_p = pattern


# The real formats, as the code that makes them writes them.
#: queue_server/catalogue/model.py ``_ITEM_CODE``: C or E, 2 to 6 capital letters, 3 digits.
ITEM_CODE = _p(r"[CE]-[A-Z]{2,6}-[0-9]{3}", "a service item code like C-SB-001", "事项编码，如 C-SB-001")
#: queue_server/engine/hall.py ``issue``: hall code (hallconfig: [A-Z0-9]{2,16}), day, prefix letter, counter.
TICKET_ID = _p(
    r"[A-Z0-9]{2,16}-[0-9]{8}-[A-Z][0-9]{3,9}", "a ticket id like H01-20261126-A012", "票号ID，如 H01-20261126-A012"
)
#: queue_server/handlers/case.py (new case numbers): NS-YYYYMMDD-NNNNNN.
CASE_ID = _p(r"NS-[0-9]{8}-[0-9]{6,9}", "a case number like NS-20261126-000001", "办件编号，如 NS-20261126-000001", upper=True)
#: queue_server/handlers/complaint.py (new complaints): TS-YYYYMMDD- and 8 hex digits.
COMPLAINT_ID = _p(
    r"TS-[0-9]{8}-[0-9A-Z]{8}", "a complaint number like TS-20261126-1A2B3C4D", "投诉编号，如 TS-20261126-1A2B3C4D", upper=True
)
#: Evaluations made here are uuid4 hex; imported ones (and the seeded tests) have other ids.
EVALUATION_ID = _p(r"[A-Za-z0-9_-]{1,64}", "an evaluation id (letters, digits, - and _)", "评价编号（字母、数字、- 或 _）")
#: queue_server/handlers/codes.py ``CODE_ALPHABET``: 6 characters without 0/O and 1/I.
APPOINTMENT_CODE = _p(r"[A-HJ-NP-Z2-9]{6}", "a 6-character appointment code", "6位预约号", upper=True)
#: queue_server/hallconfig.py ``ClerkConfig.id``.
CLERK_ID = _p(r"[A-Za-z0-9_-]{1,32}", "a staff id like c01", "工作人员编号，如 c01")
#: queue_server/catalogue/model.py ``Slug``: departments and material codes.
DEPARTMENT = _p(r"[a-z][a-z0-9_]{0,39}", "a department code like hrss", "部门编码，如 hrss")
MATERIAL = _p(r"[a-z][a-z0-9_]{0,63}", "material codes like id_card", "材料编码，如 id_card")
#: queue_server/cases/certificates.py ``certificate_number``: TYPE[-HALL]-YYYYMMDD-NNNNNN.
CERTIFICATE_NUMBER = _p(
    r"[A-Z][A-Z0-9_]{0,39}(?:-[A-Z0-9]{2,16})?-[0-9]{8}-[0-9]{6,9}",
    "a certificate number like PHYSICIAN_LICENCE-H01-20261126-000001",
    "证照编号，如 PHYSICIAN_LICENCE-H01-20261126-000001",
    upper=True,
)
SHA256 = _p(r"[0-9a-f]{64}", "64 hex digits", "64 位十六进制数字")
#: A ticket's slip token (``secrets.token_urlsafe``).
TOKEN = _p(r"[A-Za-z0-9_-]{1,64}", "the token printed on the slip", "票据上的令牌")
#: A case's check code (6 characters) or a certificate's verification code (10 hex digits).
CHECK_CODE = _p(r"[A-Za-z0-9]{1,16}", "a check code of letters and digits", "由字母和数字组成的查询码")
DAY = _p(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date like 2026-11-26", "日期，如 2026-11-26")
SLOT = _p(r"[0-9]{2}:[0-9]{2}", "a time like 09:00", "时间，如 09:00")
#: A phone number to call a visitor back on (a complaint's): a mobile number, or a landline
#: with its 区号 (3 or 4 digits from 0), a hyphen or not, 7 or 8 digits; no extension.
PHONE = _p(
    r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}",
    "a mobile number (11 digits from 1) or a landline like 0755-26010101",
    "11位手机号码或座机号码（如 0755-26010101）",
    max_len=20,
)
#: One of a fixed set of words (channel, decision, outcome, state, priority): checked by the
#: handler afterwards, and then safe to name in its message.
WORD = _p(r"[a-z][a-z_]{0,31}", "a lower-case word", "小写英文单词")
MIME = _p(r"[a-z]+/[a-z0-9.+-]{1,24}", "a media type like image/jpeg", "媒体类型，如 image/jpeg")


class FieldError(ValueError):
    """A field of a body that cannot be taken: what is wrong, in English and Chinese, and the
    field's name. The value itself is never quoted (it may be personal data typed into the
    wrong field, and refusals are stored as the answers of idempotent retries)."""

    def __init__(self, field: str, message: str, message_zh: str, **details: object) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.message_zh = message_zh
        self.details = details


def required(name: str) -> FieldError:
    return FieldError(name, f"{name} is required", f"缺少必填项 {name}")


# ------------------------------------------------------------------ text
def checked_text(value: str, name: str, *, multiline: bool = False) -> str:
    """``value`` if every character may be stored and shown (see the module's notes); in a
    multi-line field with its line ends made ``\\n``."""
    if multiline and "\r" in value:
        value = _NEWLINES.sub("\n", value)
    bad = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_ONE_LINE).search(value)
    if bad is not None:
        cp = f"U+{ord(bad.group()):04X}"
        raise FieldError(
            name,
            f"{name} contains {cp}, a character that is not allowed (a control character, a "
            "bidirectional control, a line break in a one-line field or a noncharacter)",
            f"{name} 含有不允许的字符 {cp}（控制字符、双向控制符、单行字段中的换行或非字符）",
            character=cp,
        )
    return value


def text_value(v: object, name: str, *, max_len: int = 200, multiline: bool = False) -> str:
    """A text field's value: a string of at most ``max_len`` characters (code points), checked."""
    if not isinstance(v, str):
        raise FieldError(name, f"{name} must be a string", f"{name} 应为字符串")
    if len(v) > max_len:
        raise FieldError(name, f"{name} is longer than {max_len} characters", f"{name} 过长（最多 {max_len} 个字符）")
    return checked_text(v, name, multiline=multiline)


# ------------------------------------------------------------------ codes
def checked_code(value: object, name: str, pattern: Pattern) -> str:
    """``value`` as a code of ``pattern`` (stripped, upper-cased where the pattern allows
    lower case); anything else is refused without quoting it."""
    if not isinstance(value, str):
        raise FieldError(name, f"{name} must be a string", f"{name} 应为字符串")
    v = _canonical_code(value, pattern) if len(value) <= MAX_MEMO_CHARS else _canonical(value, pattern)
    if v is None:
        raise FieldError(name, f"{name} must be {pattern.en}", f"{name} 应为{pattern.zh}")
    return v


MAX_MEMO_CHARS = 80


def _canonical(value: str, pattern: Pattern) -> str | None:
    v = value.strip()
    if v.isascii() and pattern.upper:
        v = v.upper()
    # An ID number is never a code, even where the pattern would take one (a clerk id, an
    # evaluation id): typed into the wrong field, it must not travel on into replies.
    if len(v) > pattern.max_len or not pattern.check(v) or looks_like_id_number(v):
        return None
    return v


# The same few item codes, windows' clerks and words come thousands of times a day, and the
# check sits on every ticket's path through the hall loop: answers for short values are kept
# (bounded; a value's answer never changes).
_canonical_code = functools.lru_cache(maxsize=4096)(_canonical)


def codes_value(v: object, name: str, pattern: Pattern, *, max_items: int = 100) -> list[str]:
    """A list of codes (material codes of a guide)."""
    if not isinstance(v, list) or len(v) > max_items:
        raise FieldError(
            name,
            f"{name} must be a list of at most {max_items} {pattern.en}",
            f"{name} 应为最多 {max_items} 项的{pattern.zh}列表",
        )
    return [checked_code(x, name, pattern) for x in v]


# ------------------------------------------------------------------ numbers and flags
def checked_int(v: object, name: str, *, min: int = 0, max: int = INT_MAX) -> int:
    """A whole number in ``min..max``: a JSON integer, or a string of ASCII digits (query
    strings and path segments)."""
    if isinstance(v, str) and 0 < len(v) <= MAX_INT_DIGITS and v.isascii() and v.isdigit():
        n = int(v)
    elif isinstance(v, int) and not isinstance(v, bool):
        n = v
    else:
        raise FieldError(name, f"{name} must be a whole number", f"{name} 应为整数")
    if not min <= n <= max:
        raise FieldError(
            name, f"{name} must be between {min} and {max}", f"{name} 应在 {min} 到 {max} 之间", min=min, max=max
        )
    return n


_TRUE, _FALSE = ("true", "1"), ("false", "0")


def checked_flag(v: object, name: str) -> bool:
    """true or false: a JSON boolean, or (from a query string) "true"/"false"/"1"/"0"."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.isascii() and v.lower() in (*_TRUE, *_FALSE):
        return v.lower() in _TRUE
    raise FieldError(name, f"{name} must be true or false", f"{name} 应为 true 或 false")


def absent(v: object) -> bool:
    """What a body's field counts as not given: left out, null, or a blank (a form's empty
    field, an empty query parameter)."""
    return v is None or v == ""


# ------------------------------------------------------------------ pydantic field types
# Each type checks the raw JSON value itself, before pydantic's own coercion, so that HTTP
# and ZeroMQ bodies are refused with exactly the words above, and so that the lax parts of
# pydantic's coercion (a float 3.0 for an int, "yes" for a bool, str subclasses) never apply.
# ``required`` types refuse null and "" as missing; optional ones (``opt_*``) read them as
# not given, and their model gives the default.


def _name(info: ValidationInfo) -> str:
    return info.field_name or "value"


def _schema(schema: dict[str, Any], optional: bool) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [schema, {"type": "null"}]} if optional else schema)


def _field(
    check: Callable[[object, str], Any],
    schema: dict[str, Any],
    base: Any,
    *,
    optional: bool,
    blank_is_absent: bool = True,
) -> Any:
    def validate(v: object, info: ValidationInfo) -> Any:
        name = _name(info)
        if v is None or (blank_is_absent and v == ""):
            if optional:
                return None
            raise required(name)
        return check(v, name)

    return Annotated[base | None if optional else base, BeforeValidator(validate), _schema(schema, optional)]


def text(max_len: int = 200, *, multiline: bool = False, optional: bool = False, **schema: Any) -> Any:
    """A one-line (or ``multiline``) text of at most ``max_len`` characters."""
    return _field(
        lambda v, n: text_value(v, n, max_len=max_len, multiline=multiline),
        {"type": "string", "maxLength": max_len, **schema},
        str,
        optional=optional,
    )


def code_schema(p: Pattern, **extra: Any) -> dict[str, Any]:
    """A code's JSON schema from the pattern it is checked against, so the document says what
    is accepted (lower case is taken too where ``p.upper``)."""
    return {"type": "string", "pattern": f"^(?:{p.regex.pattern})$", "maxLength": p.max_len, **extra}


def code(p: Pattern, *, optional: bool = False, **schema: Any) -> Any:
    """A code or identifier of pattern ``p``, stripped and upper-cased where ``p.upper``."""
    return _field(lambda v, n: checked_code(v, n, p), code_schema(p, **schema), str, optional=optional)


def codes(p: Pattern, *, max_items: int = 100, **schema: Any) -> Any:
    """A list of codes; left out, null or empty is the empty list."""

    def validate(v: object, info: ValidationInfo) -> list[str]:
        if v is None or v == []:
            return []
        return codes_value(v, _name(info), p, max_items=max_items)

    return Annotated[
        list[str],
        BeforeValidator(validate),
        WithJsonSchema({"type": "array", "items": code_schema(p), "maxItems": max_items, **schema}),
    ]


def integer(min: int = 0, max: int = INT_MAX, *, optional: bool = False, **schema: Any) -> Any:
    """A whole number in ``min..max``: a JSON integer, or ASCII digits in a string (from a path
    or a query string). A blank is no number (``?limit=`` is refused, not the default): only
    left out or null is not given."""
    return _field(
        lambda v, n: checked_int(v, n, min=min, max=max),
        {"type": "integer", "minimum": min, "maximum": max, **schema},
        int,
        optional=optional,
        blank_is_absent=False,
    )


def flag(default: bool = False, **schema: Any) -> Any:
    """true or false (or "true"/"false"/"1"/"0" from a query string); left out, null or ""
    (a query parameter not given) is ``default``."""

    def validate(v: object, info: ValidationInfo) -> bool:
        return default if absent(v) else checked_flag(v, _name(info))

    return Annotated[bool, BeforeValidator(validate), WithJsonSchema({"type": "boolean", "default": default, **schema})]


Flag = flag(False)


def required_codes(p: Pattern, *, max_items: int = 100, **schema: Any) -> Any:
    """A non-empty list of codes: null and [] are refused as missing. Give the field
    ``Field(None, validate_default=True)`` so a body leaving it out is refused in these words
    too (and name it in :func:`also_required`)."""

    def validate(v: object, info: ValidationInfo) -> list[str]:
        name = _name(info)
        if v is None or v == []:
            raise FieldError(name, f"{name} is required (a list of {p.en})", f"缺少必填项 {name}")
        return codes_value(v, name, p, max_items=max_items)

    return Annotated[
        list[str],
        BeforeValidator(validate),
        WithJsonSchema({"type": "array", "items": code_schema(p), "minItems": 1, "maxItems": max_items, **schema}),
    ]


def loose(schema: dict[str, Any]) -> Any:
    """A part of a body its handler checks itself, with its own messages (a nested value whose
    model would name its problems otherwise): taken as it is; ``schema`` documents it."""
    return Annotated[Any, WithJsonSchema(schema)]


def also_required(*names: str) -> Any:
    """``json_schema_extra`` of a model whose ``names`` are required though they have a default
    (a validated one, to refuse their absence in the handler's own words)."""

    def extra(schema: dict[str, Any]) -> None:
        listed = schema.setdefault("required", [])
        for name in names:
            schema["properties"][name].pop("default", None)
            if name not in listed:
                listed.append(name)

    return extra


def _day(v: object, name: str) -> str:
    raw = checked_code(v, name, DAY)
    try:
        date.fromisoformat(raw)
    except ValueError:
        raise FieldError(name, f"{name} is not a real date", f"{name} 不是有效日期") from None
    return raw


_DAY_SCHEMA = {"type": "string", "format": "date", "pattern": f"^(?:{DAY.regex.pattern})$", "maxLength": DAY.max_len}
#: A calendar date as YYYY-MM-DD (ASCII digits; ``date.fromisoformat`` takes other forms).
Day = _field(_day, _DAY_SCHEMA, str, optional=False)
OptDay = _field(_day, _DAY_SCHEMA, str, optional=True)


def id_number_value(v: object, info: ValidationInfo) -> str | None:
    """An ID number checked by the shared rules (:mod:`protocol.idnumber`), upper-cased. The
    birth date is checked against ``today`` of the validation context (the hall's day)."""
    name = _name(info)
    if absent(v):
        return None
    if not isinstance(v, str) or len(v) > 40:
        raise FieldError(name, f"{name} must be an 18-character ID number", f"{name} 应为18位身份证号码")
    value = v.strip().upper()
    today = (info.context or {}).get("today") if isinstance(info.context, dict) else None
    found = problem(value, today=today)
    if found is not None:
        # The shared rules' own words, which never contain any part of the number.
        raise FieldError(name, f"{name} is not valid: {found.message}", f"身份证号码无效（{found.message_zh}），请核对")
    return value


ID_NUMBER_SCHEMA = {
    "type": "string",
    # What a pattern can say of GB 11643: a region not starting 0, born 1880-2099 on a day that
    # can exist in some month; the real date, province and check character are checked too.
    "pattern": "^[1-9][0-9]{5}(18[89]|19[0-9]|20[0-9])[0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$",
    "description": "resident ID number (GB 11643: region, real birth date, check character); stored "
    "encrypted, shown masked",
}
#: An optional resident ID number (left out, null or blank: not given).
IdNumber = Annotated[str | None, BeforeValidator(id_number_value), _schema(ID_NUMBER_SCHEMA, True)]


def required_id_number(en: str, zh: str) -> Any:
    """A required ID number whose absence is refused in the given words (each handler has its
    own: "the applicant's id_number is required"). Give the field ``Field(None,
    validate_default=True)`` so a body leaving it out gets them too, and name it in the
    model's :func:`also_required`."""

    def validate(v: object, info: ValidationInfo) -> str | None:
        if absent(v):
            raise FieldError(_name(info), en, zh)
        return id_number_value(v, info)

    return Annotated[str, BeforeValidator(validate), WithJsonSchema(ID_NUMBER_SCHEMA)]

def credit_code_value(v: object, info: ValidationInfo) -> str | None:
    """A unified social credit code checked by GB 32100 (:mod:`protocol.creditcode`),
    stripped and upper-cased (typed on a kiosk or a clerk's keyboard)."""
    name = _name(info)
    if absent(v):
        return None
    if not isinstance(v, str) or len(v) > 40:
        raise FieldError(name, f"{name} must be an 18-character credit code", f"{name} 应为18位统一社会信用代码")
    value = v.strip().upper()
    found = creditcode.problem(value)
    if found is not None:
        en, zh = found
        raise FieldError(
            name,
            f"{name} is not a valid unified social credit code: {en}",
            f"统一社会信用代码无效（{zh}），请对照营业执照核对",
        )
    return value


def _required_credit_code(v: object, info: ValidationInfo) -> str:
    value = credit_code_value(v, info)
    if value is None:
        raise required(_name(info))
    return value


CREDIT_CODE_SCHEMA = {
    "type": "string",
    "pattern": "^[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{10}$",
    "description": "统一社会信用代码 (GB 32100: 18 characters, the check character is checked too); "
    "public data (printed on the business licence): shown in full",
    "examples": ["91350100M000100Y43"],
}
#: A required unified social credit code (an enterprise's identity).
CreditCode = Annotated[
    str,
    BeforeValidator(_required_credit_code),
    WithJsonSchema(CREDIT_CODE_SCHEMA),
]
#: An optional one (left out, null or blank: not given).
OptCreditCode = Annotated[str | None, BeforeValidator(credit_code_value), _schema(CREDIT_CODE_SCHEMA, True)]


# The identifiers every domain shares.
ItemCode = code(ITEM_CODE, examples=["C-SB-001"])
OptItemCode = code(ITEM_CODE, optional=True, examples=["C-SB-001"])
TicketId = code(TICKET_ID, examples=["H01-20261126-A012"])
CaseId = code(CASE_ID, examples=["NS-20261126-000001"])
OptCaseId = code(CASE_ID, optional=True, examples=["NS-20261126-000001"])
CertificateNumber = code(CERTIFICATE_NUMBER, examples=["PHYSICIAN_LICENCE-H01-20261126-000001"])
ComplaintId = code(COMPLAINT_ID)
AppointmentCode = code(APPOINTMENT_CODE)
ClerkId = code(CLERK_ID)
OptClerkId = code(CLERK_ID, optional=True)
Department = code(DEPARTMENT)
OptDepartment = code(DEPARTMENT, optional=True)
Materials = codes(MATERIAL)
CheckCode = code(CHECK_CODE)
OptCheckCode = code(CHECK_CODE, optional=True)
Token = code(TOKEN)
OptToken = code(TOKEN, optional=True)
Word = code(WORD)
OptWord = code(WORD, optional=True)
Phone = code(PHONE)
OptPhone = code(PHONE, optional=True)
WindowNumber = integer(WINDOW_MIN, WINDOW_MAX)
OptWindowNumber = integer(WINDOW_MIN, WINDOW_MAX, optional=True)


def defaulted(field_type: Any, default: Any) -> Any:
    """An optional field type that reads null and blank as ``default`` too, not only a key
    left out (as a form's empty field means "the default"). The model gives ``default``."""
    return Annotated[field_type, AfterValidator(lambda v: default if v is None else v)]


class Bilingual(BaseModel):
    """A text in both languages: Chinese first, English second."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str
    en: str


# ------------------------------------------------------------------ validation errors
_PYDANTIC_WORDS: dict[str, tuple[str, str]] = {
    # pydantic's own error types, for what the field types above do not check themselves
    # (nested objects, literal choices, lists): the words the handlers always used.
    "missing": ("{f} is required", "缺少必填项 {f}"),
    "literal_error": ("{f} must be one of {choices}", "{f} 应为以下之一：{choices}"),
    "enum": ("{f} must be one of {choices}", "{f} 应为以下之一：{choices}"),
    "string_type": ("{f} must be a string", "{f} 应为字符串"),
    "int_type": ("{f} must be a whole number", "{f} 应为整数"),
    "bool_type": ("{f} must be true or false", "{f} 应为 true 或 false"),
    "list_type": ("{f} must be a list", "{f} 应为列表"),
    "model_type": ("{f} must be an object", "{f} 应为对象"),
    "dict_type": ("{f} must be an object", "{f} 应为对象"),
    "model_attributes_type": ("{f} must be an object", "{f} 应为对象"),
    "too_long": ("{f} has too many entries (at most {max_length})", "{f} 条目过多（最多 {max_length} 项）"),
    "too_short": ("{f} has too few entries (at least {min_length})", "{f} 条目过少（至少 {min_length} 项）"),
    "string_too_long": ("{f} is longer than {max_length} characters", "{f} 过长（最多 {max_length} 个字符）"),
    "string_too_short": ("{f} must not be empty", "{f} 不能为空"),
    "extra_forbidden": ("{f} is not a field of this request", "{f} 不是本请求的字段"),
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``notices[1].zh`` from pydantic's location ``("notices", 1, "zh")``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def field_error(exc: ValidationError) -> FieldError:
    """The first problem of a failed validation, as a :class:`FieldError` naming its field.
    Never quotes the value: pydantic's own messages may (``input_value=...``), so they are
    not used; its error types are put in the handlers' words instead."""
    err = exc.errors(include_url=False, include_input=False)[0]
    path = field_path(err["loc"])
    ctx = err.get("ctx") or {}
    found = ctx.get("error")
    if isinstance(found, FieldError):
        # A nested field's own check names only itself: say where it is.
        if path and path != found.field:
            return FieldError(
                path,
                found.message.replace(found.field, path, 1),
                found.message_zh.replace(found.field, path, 1),
                **found.details,
            )
        return found
    words = _PYDANTIC_WORDS.get(err["type"])
    if words is None:
        return FieldError(path, f"{path} is not valid", f"{path} 无效")
    blanks = {"f": path, "choices": ctx.get("expected", ""), **{k: v for k, v in ctx.items() if k != "error"}}
    return FieldError(path, words[0].format(**blanks), words[1].format(**blanks))
