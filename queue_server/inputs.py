"""The checks every request handler runs on what it reads from a body: text, codes and
identifiers, whole numbers, flags. Shared by the ZeroMQ and the HTTP side (both hand the
same bodies to the same handlers), so every input is checked once, at the edge, and a
handler never relies on an exception deep inside to refuse a bad value.

Every refusal is a ``bad_request`` naming the field, in English and Chinese. A refused value
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
from dataclasses import dataclass
from typing import Any

from protocol.idnumber import looks_like_id_number

from .engine.errors import bad_request

INT_MAX = 2**31 - 1
MAX_INT_DIGITS = 10
#: Window numbers, as ``hallconfig.WindowConfig`` allows them.
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
#: catalogue/model.py ``_ITEM_CODE``: C or E, 2 to 6 capital letters, 3 digits.
ITEM_CODE = _p(r"[CE]-[A-Z]{2,6}-[0-9]{3}", "a service item code like C-SB-001", "事项编码，如 C-SB-001")
#: engine/hall.py ``issue``: hall code (hallconfig: [A-Z0-9]{2,16}), day, prefix letter, counter.
TICKET_ID = _p(
    r"[A-Z0-9]{2,16}-[0-9]{8}-[A-Z][0-9]{3,9}", "a ticket id like H01-20261126-A012", "票号ID，如 H01-20261126-A012"
)
#: case_handlers.py ``_new_case_id``: NS-YYYYMMDD-NNNNNN.
CASE_ID = _p(r"NS-[0-9]{8}-[0-9]{6,9}", "a case number like NS-20261126-000001", "办件编号，如 NS-20261126-000001", upper=True)
#: case_handlers.py ``complaint_file``: TS-YYYYMMDD- and 8 hex digits.
COMPLAINT_ID = _p(
    r"TS-[0-9]{8}-[0-9A-Z]{8}", "a complaint number like TS-20261126-1A2B3C4D", "投诉编号，如 TS-20261126-1A2B3C4D", upper=True
)
#: Evaluations made here are uuid4 hex; imported ones (and the seeded tests) have other ids.
EVALUATION_ID = _p(r"[A-Za-z0-9_-]{1,64}", "an evaluation id (letters, digits, - and _)", "评价编号（字母、数字、- 或 _）")
#: handlers.py ``CODE_ALPHABET``: 6 characters without 0/O and 1/I.
APPOINTMENT_CODE = _p(r"[A-HJ-NP-Z2-9]{6}", "a 6-character appointment code", "6位预约号", upper=True)
#: hallconfig.py ``ClerkConfig.id``.
CLERK_ID = _p(r"[A-Za-z0-9_-]{1,32}", "a staff id like c01", "工作人员编号，如 c01")
#: catalogue/model.py ``Slug``: departments and material codes.
DEPARTMENT = _p(r"[a-z][a-z0-9_]{0,39}", "a department code like hrss", "部门编码，如 hrss")
MATERIAL = _p(r"[a-z][a-z0-9_]{0,63}", "material codes like id_card", "材料编码，如 id_card")
#: cases/certificates.py ``certificate_number``: TYPE[-HALL]-YYYYMMDD-NNNNNN.
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


# ------------------------------------------------------------------ text
def checked_text(value: str, name: str, *, multiline: bool = False) -> str:
    """``value`` if every character may be stored and shown (see the module's notes); in a
    multi-line field with its line ends made ``\\n``."""
    if multiline and "\r" in value:
        value = _NEWLINES.sub("\n", value)
    bad = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_ONE_LINE).search(value)
    if bad is not None:
        cp = f"U+{ord(bad.group()):04X}"
        raise bad_request(
            f"{name} contains {cp}, a character that is not allowed (a control character, a "
            "bidirectional control, a line break in a one-line field or a noncharacter)",
            f"{name} 含有不允许的字符 {cp}（控制字符、双向控制符、单行字段中的换行或非字符）",
            field=name,
            character=cp,
        )
    return value


def text(
    body: dict[str, Any], name: str, *, required: bool = True, max_len: int = 200, multiline: bool = False
) -> str | None:
    """A text field: a string of at most ``max_len`` characters (code points), checked."""
    v = body.get(name)
    if v is None or v == "":
        if required:
            raise bad_request(f"{name} is required", f"缺少必填项 {name}", field=name)
        return None
    if not isinstance(v, str):
        raise bad_request(f"{name} must be a string", f"{name} 应为字符串", field=name)
    if len(v) > max_len:
        raise bad_request(
            f"{name} is longer than {max_len} characters", f"{name} 过长（最多 {max_len} 个字符）", field=name
        )
    return checked_text(v, name, multiline=multiline)


# ------------------------------------------------------------------ codes
def checked_code(value: object, name: str, pattern: Pattern) -> str:
    """``value`` as a code of ``pattern`` (stripped, upper-cased where the pattern allows
    lower case); anything else is refused without quoting it."""
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string", f"{name} 应为字符串", field=name)
    v = _canonical_code(value, pattern) if len(value) <= MAX_MEMO_CHARS else _canonical(value, pattern)
    if v is None:
        raise bad_request(f"{name} must be {pattern.en}", f"{name} 应为{pattern.zh}", field=name)
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


def code(body: dict[str, Any], name: str, pattern: Pattern, *, required: bool = True) -> str | None:
    v = body.get(name)
    if v is None or v == "":
        if required:
            raise bad_request(f"{name} is required", f"缺少必填项 {name}", field=name)
        return None
    return checked_code(v, name, pattern)


def codes(body: dict[str, Any], name: str, pattern: Pattern, *, required: bool = False, max_items: int = 100) -> list[str]:
    """A list of codes (material codes of a guide)."""
    v = body.get(name)
    if v is None or v == []:
        if required:
            raise bad_request(f"{name} is required (a list of {pattern.en})", f"缺少必填项 {name}", field=name)
        return []
    if not isinstance(v, list) or len(v) > max_items:
        raise bad_request(
            f"{name} must be a list of at most {max_items} {pattern.en}",
            f"{name} 应为最多 {max_items} 项的{pattern.zh}列表",
            field=name,
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
        raise bad_request(f"{name} must be a whole number", f"{name} 应为整数", field=name)
    if not min <= n <= max:
        raise bad_request(
            f"{name} must be between {min} and {max}", f"{name} 应在 {min} 到 {max} 之间", field=name, min=min, max=max
        )
    return n


def integer(
    body: dict[str, Any], name: str, *, required: bool = True, min: int = 0, max: int = INT_MAX
) -> int | None:
    v = body.get(name)
    if v is None:
        if required:
            raise bad_request(f"{name} is required", f"缺少必填项 {name}", field=name)
        return None
    return checked_int(v, name, min=min, max=max)


_TRUE, _FALSE = ("true", "1"), ("false", "0")


def flag(body: dict[str, Any], name: str, *, default: bool = False) -> bool:
    """true or false: a JSON boolean, or (from a query string) "true"/"false"/"1"/"0"."""
    v = body.get(name)
    if v is None or v == "":
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.isascii() and v.lower() in (*_TRUE, *_FALSE):
        return v.lower() in _TRUE
    raise bad_request(f"{name} must be true or false", f"{name} 应为 true 或 false", field=name)


__all__ = [
    "APPOINTMENT_CODE",
    "CASE_ID",
    "CERTIFICATE_NUMBER",
    "CHECK_CODE",
    "CLERK_ID",
    "COMPLAINT_ID",
    "DAY",
    "DEPARTMENT",
    "EVALUATION_ID",
    "INT_MAX",
    "ITEM_CODE",
    "MATERIAL",
    "MAX_INT_DIGITS",
    "MIME",
    "PHONE",
    "SHA256",
    "SLOT",
    "TICKET_ID",
    "TOKEN",
    "WINDOW_MAX",
    "WINDOW_MIN",
    "WORD",
    "Pattern",
    "checked_code",
    "checked_int",
    "checked_text",
    "code",
    "codes",
    "flag",
    "integer",
    "pattern",
    "text",
]
