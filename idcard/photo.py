"""The card photo: 1024 opaque bytes of WLT, and a plug-in interface to decode them.

WLT is a proprietary wavelet format; only vendor libraries (libwlt2bmp.so, WltRS.dll) decode it,
into a 102×126 24-bit picture. No open decoder exists, so the bytes are kept as they are and a
decoder is a plug-in:

* in code: ``register_decoder(MyDecoder())``;
* from an installed package: an entry point in the group ``hall.idcard.photo_decoders`` whose
  object is a decoder instance or a zero-argument factory.

Without a plug-in, :func:`get_decoder` returns :class:`NoPhotoDecoder`, which raises
:class:`~idcard.errors.PhotoDecoderMissing` ("未安装照片解码器 / no WLT photo decoder installed").
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol, runtime_checkable

from idcard.errors import PhotoDecodeError, PhotoDecoderMissing

WLT_SIZE = 1024
PHOTO_WIDTH = 102
PHOTO_HEIGHT = 126
ENTRY_POINT_GROUP = "hall.idcard.photo_decoders"


@dataclass(frozen=True)
class DecodedPhoto:
    """A decoded photo: ``pixels`` are rows of BGR triples, top row first (OpenCV's order)."""

    width: int
    height: int
    pixels: bytes

    def __post_init__(self) -> None:
        if len(self.pixels) != self.width * self.height * 3:
            raise PhotoDecodeError(f"{len(self.pixels)} bytes for {self.width}×{self.height}×3")


@runtime_checkable
class PhotoDecoder(Protocol):
    """What a WLT decoder plug-in provides."""

    name: str

    def decode(self, wlt: bytes) -> DecodedPhoto: ...


class NoPhotoDecoder:
    """The default: says plainly that no decoder is installed."""

    name = "none"

    def decode(self, wlt: bytes) -> DecodedPhoto:
        raise PhotoDecoderMissing(
            "安装厂商解码库插件后可显示照片 / install a vendor decoder plug-in to show the photo"
        )


@dataclass(frozen=True)
class WltPhoto:
    """The photo as read from the card, kept byte for byte."""

    data: bytes

    def __post_init__(self) -> None:
        if len(self.data) != WLT_SIZE:
            raise PhotoDecodeError(f"WLT photo must be {WLT_SIZE} bytes, got {len(self.data)}")

    @property
    def sha256(self) -> str:
        """A fingerprint for logs and caches that does not reveal the photo."""
        return hashlib.sha256(self.data).hexdigest()

    def decode(self, decoder: PhotoDecoder | None = None) -> DecodedPhoto:
        decoder = decoder or get_decoder()
        try:
            photo = decoder.decode(self.data)
        except (PhotoDecoderMissing, PhotoDecodeError):
            raise
        except Exception as exc:  # a vendor library may fail in any way; give it one type
            raise PhotoDecodeError(f"{decoder.name}: {exc}") from exc
        if not isinstance(photo, DecodedPhoto):
            raise PhotoDecodeError(f"{decoder.name} returned {type(photo).__name__}")
        if (photo.width, photo.height) != (PHOTO_WIDTH, PHOTO_HEIGHT):
            raise PhotoDecodeError(
                f"{decoder.name} returned {photo.width}×{photo.height}, expected {PHOTO_WIDTH}×{PHOTO_HEIGHT}"
            )
        return photo


_lock = threading.Lock()
_registered: list[PhotoDecoder] = []
_entry_points_loaded = False


def register_decoder(decoder: PhotoDecoder) -> None:
    """Install a decoder; the one registered last is used."""
    if not isinstance(decoder, PhotoDecoder):
        raise TypeError(f"{decoder!r} does not provide name and decode()")
    with _lock:
        _registered.append(decoder)


def unregister_decoder(decoder: PhotoDecoder) -> None:
    with _lock:
        if decoder in _registered:
            _registered.remove(decoder)


def available_decoders() -> list[str]:
    _load_entry_points()
    with _lock:
        return [d.name for d in _registered]


def get_decoder() -> PhotoDecoder:
    _load_entry_points()
    with _lock:
        return _registered[-1] if _registered else NoPhotoDecoder()


def _load_entry_points() -> None:
    global _entry_points_loaded
    with _lock:
        if _entry_points_loaded:
            return
        _entry_points_loaded = True
        found = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    for ep in found:
        obj = ep.load()
        decoder = obj if isinstance(obj, PhotoDecoder) else obj()
        # Entry points go first so that a decoder registered in code wins.
        with _lock:
            _registered.insert(0, decoder)
