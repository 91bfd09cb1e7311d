"""Numbers as halls read them aloud in Mandarin."""

from __future__ import annotations

ZH_DIGITS = "零一二三四五六七八九"


def zh_spell_number(number: str) -> str:
    """A012 -> 'A 零一二' (digits one by one, as halls call them)."""
    letters = number.rstrip("0123456789")
    digits = number[len(letters):]
    return f"{letters} {''.join(ZH_DIGITS[int(c)] for c in digits)}".strip()


def zh_count(n: int) -> str:
    """Window numbers as said in Mandarin: 3 -> 三, 12 -> 十二, 20 -> 二十, 105 -> 一零五."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")
    return "".join(ZH_DIGITS[int(c)] for c in str(n))
