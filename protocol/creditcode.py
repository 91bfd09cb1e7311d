"""The unified social credit code (统一社会信用代码, GB 32100-2015): an enterprise's identity.

Layout, 18 characters: registration authority (1) + kind of organisation (1) + region
(6 digits, GB/T 2260) + organisation code (9, GB 11714) + check character (1). Characters are
from the 31-character alphabet ``0-9 A-H J-N P-R T-U W-Y`` (no I, O, S, V, Z: they read as
1, 0, 5, U, 2). The check character is ``31 - (sum of value * weight over the first 17) % 31``
with the weights 3^i mod 31, written in the same alphabet (31 becomes 0).

One module, stdlib only, so the kiosk, the printer and the queue server accept the same codes.
A credit code is not personal data: it is printed on the business licence and published in the
national enterprise credit register; it is never masked (see ``queue_server.handlers.case``).
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# ASCII only; the region part is digits in every issued code.
_FORMAT = re.compile(r"[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{10}\Z")


def check_character(first17: str) -> str:
    """The check character of the first 17 characters (upper case, of the alphabet)."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> tuple[str, str] | None:
    """What is wrong with ``code`` as (English, Chinese), or None for a valid code. The words
    never quote the code (refusals are stored as the answers of idempotent retries)."""
    if len(code) != LENGTH:
        return "it has 18 characters", "应为18位"
    if not _FORMAT.match(code):
        return (
            "it is made of digits and capital letters without I, O, S, V and Z (characters 3 to 8 are digits)",
            "由数字和除 I、O、S、V、Z 外的大写字母组成（第3至8位为数字）",
        )
    if check_character(code[:17]) != code[17]:
        return "its check character does not match: check for a mistyped character", "校验位不符，请核对是否输错"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
