"""ID numbers never leave a printer unmasked: first 4 and last 4 characters only.

Layouts mask the fields they know to be ID numbers; the renderer masks again anything in free
text that looks like a valid citizen ID number (right length, plausible birth date, correct
check character), so a clerk's note or an address field cannot leak one by accident. The
check character test keeps case numbers and phone numbers from being masked by mistake.

The rules are :mod:`protocol.idnumber`'s, shared with the card reader and the queue server.
"""

from __future__ import annotations

from protocol.idnumber import looks_like_id_number, mask, mask_ids_in_text


def mask_id_number(number: str) -> str:
    """``11010519491231002X`` → ``1101**********002X``; anything of 8 characters or fewer → all stars."""
    return mask(number.strip().replace(" ", ""))


__all__ = ["looks_like_id_number", "mask_id_number", "mask_ids_in_text"]
