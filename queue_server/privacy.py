"""Personal data: ID numbers encrypted at rest, found by a keyed hash, shown masked.

Two keys live in the hall's key file (``var/keys/data.key``, created by ``init``): one for
Fernet encryption, one for the HMAC that lets us find a visitor's tickets without decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protocol import idnumber
from protocol.idnumber import mask_ids_in_text

__all__ = ["Privacy", "id_number_problem", "mask", "mask_ids_in_text"]


def id_number_problem(value: str, *, today: date | None = None) -> idnumber.InvalidIdNumber | None:
    """Why a resident ID number is invalid (the shared rules of ``protocol.idnumber``: format,
    province, a real birth date not in the future nor before 1880, check character; 15-digit
    old numbers refused), or None. The exception's ``message``/``message_zh`` never contain
    any part of the number."""
    return idnumber.problem(value, today=today)


def mask(value: str) -> str:
    """First 4 and last 4 characters shown, the rest starred: 1101**********002X."""
    return idnumber.mask(value.strip())


class Privacy:
    def __init__(self, key_material: bytes) -> None:
        if len(key_material) != 64:
            raise ValueError("data key must be 64 bytes: 32 for encryption, 32 for hashing")
        self._fernet = Fernet(base64.urlsafe_b64encode(key_material[:32]))
        # Images are large: AES-GCM without Fernet's base64, under a key of its own.
        self._aead = AESGCM(hmac.new(key_material[:32], b"sealed bytes", hashlib.sha256).digest())
        self._hash_key = key_material[32:]

    @classmethod
    def from_file(cls, path: Path, *, create: bool = False) -> Privacy:
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"data key {path} is missing; run `python -m queue_server init`")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(base64.b64encode(os.urandom(64)))
        return cls(base64.b64decode(path.read_bytes().strip()))

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.strip().upper().encode()).decode()

    def encrypt_text(self, value: str) -> str:
        """Any personal text (an application's phone and address), kept exactly as given:
        ``encrypt`` is for ID numbers and upper-cases them."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def seal(self, data: bytes, context: bytes) -> bytes:
        """Bytes kept at rest that show personal data (captured pages show ID cards), bound to
        ``context`` (what they are, e.g. a page's hash) so one sealed value cannot pass for another."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, context)

    def unseal(self, sealed: bytes, context: bytes) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], context)

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
