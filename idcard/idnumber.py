"""Citizen ID numbers (公民身份号码, GB 11643-1999): check character, dates, masking.

Layout: 6-digit region + YYYYMMDD birth date + 3-digit sequence (odd = male) + check character.
The check character is ``"10X98765432"[sum(d_i * w_i) mod 11]`` over the first 17 digits.
Hong Kong/Macau/Taiwan residence permits use the same scheme with regions 810000/820000/830000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from idcard.errors import InvalidIdNumber

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# First two digits: provinces of GB/T 2260, plus 71 Taiwan and the permit codes 81/82/83.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
PERMIT_REGIONS = {"81": "香港 Hong Kong", "82": "澳门 Macao", "83": "台湾 Taiwan"}
EARLIEST_BIRTH = dt.date(1880, 1, 1)

_FORMAT = re.compile(r"\d{17}[\dX]")


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
    if len(first17) != 17 or not first17.isdigit():
        raise InvalidIdNumber("需要17位数字 / need 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(number: str) -> str:
    """Strip spaces and accept a lower-case ``x`` as typed on a keyboard."""
    return number.strip().replace(" ", "").upper()


def validate(number: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Check format, province, birth date and check character; raise :class:`InvalidIdNumber`
    saying which check failed."""
    n = normalise(number)
    if len(n) == 15 and n.isdigit():
        raise InvalidIdNumber(
            "15位旧号码不在二代证上使用 / old 15-digit number, not on a 2nd-generation card"
        )
    if not _FORMAT.fullmatch(n):
        raise InvalidIdNumber("应为17位数字加1位校验码 / must be 17 digits and a check character")
    if int(n[:2]) not in PROVINCES:
        raise InvalidIdNumber(f"地区码 {n[:6]} 不存在 / no such region code")
    try:
        birth = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"出生日期 {n[6:14]} 不存在 / impossible birth date") from None
    today = today or dt.date.today()
    if birth > today:
        raise InvalidIdNumber(f"出生日期 {birth} 晚于今天 / birth date in the future")
    if birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(f"出生日期 {birth} 过早 / birth date too early")
    expected = check_char(n[:17])
    if n[17] != expected:
        raise InvalidIdNumber(f"校验码应为 {expected} / check character should be {expected}")
    sequence = int(n[14:17])
    return IdNumberInfo(number=n, region=n[:6], birth=birth, sequence=sequence, male=sequence % 2 == 1)


def is_valid(number: str, *, today: dt.date | None = None) -> bool:
    try:
        validate(number, today=today)
    except InvalidIdNumber:
        return False
    return True


def mask(number: str, head: int = 4, tail: int = 4) -> str:
    """Show the first ``head`` and last ``tail`` characters only: ``1101**********002X``.
    Short strings are masked whole so that masking never reveals more than it hides."""
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def mask_short(number: str) -> str:
    """For short numbers (a 9-character pass number) first/last 4 would show nearly all."""
    return mask(number, 2, 2)
