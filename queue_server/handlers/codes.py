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
    return _code(ctx, f"case-check:{case_id}")


def _code(ctx: HallContext, what: str) -> str:
    """CHECK_LEN characters of the alphabet from the keyed hash of ``what``."""
    digest = int(ctx.privacy.lookup_hash(what), 16)
    out = []
    for _ in range(CHECK_LEN):
        digest, i = divmod(digest, len(CODE_ALPHABET))
        out.append(CODE_ALPHABET[i])
    return "".join(out)


def complaint_code(ctx: HallContext, complaint_id: str) -> str:
    """A complaint's check code: given to the citizen when filing, it opens the answer (the
    complaint's number alone must not: it names a case and carries a phone)."""
    return _code(ctx, f"complaint-check:{complaint_id}")


def certificate_code(ctx: HallContext, number: str) -> str:
    """The verification code a certificate's QR code carries."""
    return ctx.privacy.lookup_hash(f"certificate:{number}")[:10].upper()


def credit_code_hash(ctx: HallContext, credit_code: str) -> str:
    """The keyed hash an enterprise is looked up by (its cases, its certificates): the hall's
    ID-number hash of the checked credit code, in a namespace of its own so that no credit code
    can ever meet a resident's ID number. ``ticket.issue`` for an enterprise should key its
    ticket by this too, so a returning company's ticket finds its open cases."""
    return ctx.privacy.lookup_hash(f"uscc:{credit_code}")
