"""QR codes on screen (the ticket's page, a receipt): segno draws, Kivy shows."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

import segno


@lru_cache(maxsize=16)
def qr_png(text: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_texture(text: str) -> Any:
    from kivy.core.image import Image as CoreImage

    return CoreImage(io.BytesIO(qr_png(text)), ext="png").texture
