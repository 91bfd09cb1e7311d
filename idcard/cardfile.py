"""Cards as JSON files, for the simulator and the tests.

A file holds the printed fields of one card (dates as ``YYYY-MM-DD``, ``valid_to`` may be
``长期``), the kind (``resident``, ``hmt_permit``, ``foreign_permanent``), and optionally:

* ``photo_base64``: the 1024 WLT bytes; otherwise ``photo_seed`` (or the ID number) seeds
  1024 deterministic stand-in bytes, since no real WLT photo can ship with the project;
* ``fingerprint_bytes``: 0, 512 or 1024 bytes of stand-in fingerprint data for ``30 10`` reads.

The sample cards in ``idcard/cards/`` are fictional people with valid ID numbers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from idcard.card import LONG_TERM, CardKind, IdCard
from idcard.errors import CardDataError
from idcard.photo import WLT_SIZE, WltPhoto
from idcard.protocol import FINGERPRINT_LENS

SAMPLES_DIR = Path(__file__).with_name("cards")


def sample_cards() -> list[Path]:
    return sorted(SAMPLES_DIR.glob("*.json"))


def sample(name: str) -> IdCard:
    """A sample card by file stem, e.g. ``sample("resident_long_term")``."""
    return load_card(SAMPLES_DIR / f"{name}.json")


def stand_in_bytes(seed: str, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def card_from_dict(data: dict[str, Any]) -> IdCard:
    try:
        kind = CardKind(data.get("kind", "resident"))
        if "photo_base64" in data:
            photo = base64.b64decode(data["photo_base64"])
        else:
            photo = stand_in_bytes(str(data.get("photo_seed", data["id_number"])), WLT_SIZE)
        fingerprint = None
        if "fingerprint_bytes" in data:
            size = int(data["fingerprint_bytes"])
            if size not in FINGERPRINT_LENS:
                raise CardDataError(f"fingerprint_bytes must be one of {FINGERPRINT_LENS}")
            fingerprint = stand_in_bytes("fp:" + data["id_number"], size)
        valid_to = data["valid_to"]
        return IdCard(
            kind=kind,
            name=data.get("name", ""),
            english_name=data.get("english_name", ""),
            sex_code=str(data["sex"]),
            nation_code=str(data.get("nation", "")),
            birth=dt.date.fromisoformat(data["birth"]),
            address=data.get("address", ""),
            id_number=data["id_number"],
            authority=data.get("authority", ""),
            valid_from=dt.date.fromisoformat(data["valid_from"]),
            valid_to=None if valid_to == LONG_TERM else dt.date.fromisoformat(valid_to),
            pass_number=data.get("pass_number", ""),
            issue_count=int(data["issue_count"]) if "issue_count" in data else None,
            nationality=data.get("nationality", ""),
            card_version=data.get("card_version", ""),
            photo=WltPhoto(photo),
            fingerprint=fingerprint,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CardDataError(f"卡片文件字段错误 / bad card file field: {exc}") from exc


def load_card(path: str | Path) -> IdCard:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CardDataError(f"无法读取卡片文件 / cannot read card file {path}: {exc}") from exc
    return card_from_dict(data)
