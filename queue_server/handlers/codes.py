"""The hall's own codes: the alphabet they are written in, a case's check code (查询码) and a
certificate's verification code, both derived from the hall's data key (nothing is stored)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import HallContext

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed on a kiosk
CHECK_LEN = 6


def check_code(ctx: HallContext, case_id: str) -> str:
    """The case's check code (查询码), fixed per case, unguessable without the data key."""
    digest = int(ctx.privacy.lookup_hash(f"case-check:{case_id}"), 16)
    out = []
    for _ in range(CHECK_LEN):
        digest, i = divmod(digest, len(CODE_ALPHABET))
        out.append(CODE_ALPHABET[i])
    return "".join(out)


def certificate_code(ctx: HallContext, number: str) -> str:
    """The verification code a certificate's QR code carries."""
    return ctx.privacy.lookup_hash(f"certificate:{number}")[:10].upper()
