"""ID numbers never leave a printer unmasked: first 4 and last 4 characters only.

Layouts mask the fields they know to be ID numbers; the renderer masks again anything in free
text that looks like a valid citizen ID number (right length, plausible birth date, correct
check character), so a clerk's note or an address field cannot leak one by accident. The
check character test keeps case numbers and phone numbers from being masked by mistake.
"""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def mask_id_number(number: str) -> str:
    """``11010519491231002X`` → ``1101**********002X``; anything of 8 characters or fewer → all stars."""
    n = number.strip().replace(" ", "")
    if len(n) <= 8:
        return "*" * len(n)
    return n[:4] + "*" * (len(n) - 8) + n[-4:]


def looks_like_id_number(candidate: str) -> bool:
    n = candidate.upper()
    if len(n) != 18 or not n[:17].isdigit() or n[0] == "0":
        return False
    try:
        dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    if not 1880 <= int(n[6:10]) <= 2100:
        return False
    return _CHECK[sum(int(d) * w for d, w in zip(n[:17], _WEIGHTS, strict=True)) % 11] == n[17]


def mask_ids_in_text(text: str) -> str:
    """Mask every valid citizen ID number found in free text."""
    if len(text) < 18:
        return text
    return _CANDIDATE.sub(
        lambda m: mask_id_number(m.group(1)) if looks_like_id_number(m.group(1)) else m.group(1), text
    )
