"""Fitting text to boxes without measuring: widths in ems (used from the .kv files)."""

from __future__ import annotations


def text_em(text: str) -> float:
    """Width of the longest line in ems (CJK 1, others about 0.58); at least 1."""
    lines = text.split("\n") or [""]
    return max(1.0, *(sum(1.0 if ord(c) >= 0x2E80 else 0.58 for c in line) for line in lines))
