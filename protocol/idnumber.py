"""Citizen ID numbers (公民身份号码, GB 11643-1999): the rules every package shares.

Layout: 6-digit region + YYYYMMDD birth date + 3-digit sequence (odd = male) + check character.
The check character is ``"10X98765432"[sum(d_i * w_i) mod 11]`` over the first 17 digits.
Hong Kong/Macau/Taiwan residence permits use the same scheme with regions 810000/820000/830000.

One module, stdlib only, so that the card reader (``idcard``), the printer (``printer``) and
the queue server (``queue_server``) accept, refuse and mask the same numbers:

- :func:`validate` / :func:`is_valid` / :func:`problem`: format, province, a real birth date
  (not in the future, not before 1880) and the check character. 15-digit first-generation
  numbers are refused: they carry no check character, and every resident has had an 18-digit
  number since the second-generation cards replaced them (2004-2013).
- :func:`mask`: what screens, slips and logs show (first 4 and last 4 characters).
- :func:`mask_ids_in_text`: masks every ID-number-like run in free text (printouts, error
  messages, log lines); :func:`looks_like_id_number` is the test it uses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# First two digits: provinces of GB/T 2260, plus 71 Taiwan and the permit codes 81/82/83.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
PERMIT_REGIONS = {"81": "香港 Hong Kong", "82": "澳门 Macao", "83": "台湾 Taiwan"}
EARLIEST_BIRTH = dt.date(1880, 1, 1)

# ASCII only: str.isdigit() and \d also accept Arabic-Indic, full-width and other digits.
_FORMAT = re.compile(r"[0-9]{17}[0-9X]\Z")
_OLD_FORMAT = re.compile(r"[0-9]{15}\Z")
_FIRST17 = re.compile(r"[0-9]{17}\Z")
# An 18-character run not inside a longer word or number (a hex hash, a case number).
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx])(?![0-9A-Za-z])")
#: Years a birth date in free text may plausibly have (masking errs on the side of hiding).
_PLAUSIBLE_YEARS = range(1880, 2101)


class InvalidIdNumber(ValueError):
    """A number that is not a valid citizen ID number.

    ``str(e)`` is Chinese then English and may name the failing part (the region code, the
    birth date, the expected check character): fine for the holder at a card reader.
    ``reason`` (a short code), ``message`` and ``message_zh`` never contain any part of the
    number: use those wherever the text may reach a log, a stored reply or anyone else.

    Subclasses with their own ``__init__`` (``idcard.errors``) give theirs with ``set_words``.
    """

    reason: str = "invalid"
    message: str = "not a valid ID number"
    message_zh: str = "身份证号码无效"

    def __init__(
        self, *args: object, reason: str | None = None, message: str | None = None, message_zh: str | None = None
    ) -> None:
        super().__init__(*args)
        self.set_words(reason, message, message_zh)

    def set_words(self, reason: str | None, message: str | None, message_zh: str | None) -> None:
        """What may be shown anywhere (``None`` keeps the class's own)."""
        if reason is not None:
            self.reason = reason
        if message is not None:
            self.message = message
        if message_zh is not None:
            self.message_zh = message_zh


def _invalid(reason: str, message: str, message_zh: str, detail: str) -> InvalidIdNumber:
    return InvalidIdNumber(detail, reason=reason, message=message, message_zh=message_zh)


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    region: str
    birth: dt.date
    sequence: int
    male: bool

    @property
    def is_permit(self) -> bool:
        """A Hong Kong/Macau/Taiwan residence permit number (starts 81/82/83)."""
        return self.region[:2] in PERMIT_REGIONS


def check_char(first17: str) -> str:
    if not _FIRST17.match(first17):
        raise _invalid("format", "need 17 digits", "需要17位数字", "需要17位数字 / need 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(number: str) -> str:
    """Strip spaces and accept a lower-case ``x`` as typed on a keyboard."""
    return number.strip().replace(" ", "").upper()


def validate(number: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Check format, province, birth date and check character; raise :class:`InvalidIdNumber`
    saying which check failed."""
    n = normalise(number)
    if _OLD_FORMAT.match(n):
        raise _invalid(
            "old_15",
            "an old 15-digit number: give the 18-digit number of the second-generation card",
            "15位旧号码已停用，请提供二代证的18位号码",
            "15位旧号码不在二代证上使用 / old 15-digit number, not on a 2nd-generation card",
        )
    if not _FORMAT.match(n):
        raise _invalid(
            "format",
            "an ID number has 17 digits and a check character (0-9 or X)",
            "身份证号码应为17位数字加1位校验码（0-9或X）",
            "应为17位数字加1位校验码 / must be 17 digits and a check character",
        )
    if int(n[:2]) not in PROVINCES:
        raise _invalid(
            "region",
            "its region code does not exist",
            "地区码不存在",
            f"地区码 {n[:6]} 不存在 / no such region code",
        )
    try:
        birth = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        raise _invalid(
            "birth_date",
            "its birth date is not a real date",
            "出生日期不存在",
            f"出生日期 {n[6:14]} 不存在 / impossible birth date",
        ) from None
    today = today or dt.date.today()
    if birth > today:
        raise _invalid(
            "birth_future",
            "its birth date is in the future",
            "出生日期晚于今天",
            f"出生日期 {birth} 晚于今天 / birth date in the future",
        )
    if birth < EARLIEST_BIRTH:
        raise _invalid(
            "birth_early",
            "its birth date is before 1880",
            "出生日期早于1880年",
            f"出生日期 {birth} 过早 / birth date too early",
        )
    expected = check_char(n[:17])
    if n[17] != expected:
        raise _invalid(
            "check",
            "the check digit does not match",
            "校验码不符",
            f"校验码应为 {expected} / check character should be {expected}",
        )
    sequence = int(n[14:17])
    return IdNumberInfo(number=n, region=n[:6], birth=birth, sequence=sequence, male=sequence % 2 == 1)


def is_valid(number: str, *, today: dt.date | None = None) -> bool:
    try:
        validate(number, today=today)
    except InvalidIdNumber:
        return False
    return True


def problem(number: str, *, today: dt.date | None = None) -> InvalidIdNumber | None:
    """Why ``number`` is not a valid ID number (the exception, not raised), or None."""
    try:
        validate(number, today=today)
    except InvalidIdNumber as e:
        return e
    return None


def mask(number: str, head: int = 4, tail: int = 4) -> str:
    """Show the first ``head`` and last ``tail`` characters only: ``1101**********002X``.
    Short strings are masked whole so that masking never reveals more than it hides."""
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def mask_short(number: str) -> str:
    """For short numbers (a 9-character pass number) first/last 4 would show nearly all."""
    return mask(number, 2, 2)


def looks_like_id_number(candidate: str) -> bool:
    """An 18-character string a reader would take for an ID number: ASCII digits, a check
    character that matches and a calendar date in a plausible year. Looser than
    :func:`validate` (no province, no "not in the future"), since masking a near miss costs
    nothing; the check character keeps case numbers and phone numbers unmasked."""
    n = candidate.upper()
    if not _FORMAT.match(n) or n[0] == "0":
        return False
    try:
        birth = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    return birth.year in _PLAUSIBLE_YEARS and check_char(n[:17]) == n[17]


def mask_ids_in_text(text: str) -> str:
    """``text`` with every ID-number-like run masked (see :func:`looks_like_id_number`)."""
    if len(text) < 18:
        return text
    return _CANDIDATE.sub(lambda m: mask(m.group(1)) if looks_like_id_number(m.group(1)) else m.group(1), text)


def mask_name(name: str) -> str:
    """A person's name as screens and slips show it: the family name and, for names of three
    characters or more, the last one (张*, 李*明, 司马**光); a Latin name keeps its first letters
    of each word (J*** S****)."""
    name = name.strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


__all__ = [
    "CHECK_CHARS",
    "EARLIEST_BIRTH",
    "PERMIT_REGIONS",
    "PROVINCES",
    "WEIGHTS",
    "IdNumberInfo",
    "InvalidIdNumber",
    "check_char",
    "is_valid",
    "looks_like_id_number",
    "mask",
    "mask_ids_in_text",
    "mask_name",
    "mask_short",
    "normalise",
    "problem",
    "validate",
]

