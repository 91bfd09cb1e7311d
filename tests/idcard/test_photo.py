"""The WLT photo stays opaque; decoding is a plug-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from idcard.cardfile import sample
from idcard.errors import PhotoDecodeError, PhotoDecoderMissing
from idcard.photo import (
    PHOTO_HEIGHT,
    PHOTO_WIDTH,
    DecodedPhoto,
    WltPhoto,
    get_decoder,
    register_decoder,
    unregister_decoder,
)


class GreyDecoder:
    """Stands in for a vendor library: a grey picture whose shade comes from the data."""

    name = "grey-test"

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def decode(self, wlt: bytes) -> DecodedPhoto:
        self.seen.append(wlt)
        return DecodedPhoto(PHOTO_WIDTH, PHOTO_HEIGHT, bytes([wlt[0]]) * (PHOTO_WIDTH * PHOTO_HEIGHT * 3))


@pytest.fixture
def grey() -> Iterator[GreyDecoder]:
    decoder = GreyDecoder()
    register_decoder(decoder)
    yield decoder
    unregister_decoder(decoder)


def test_without_plugin_the_photo_says_no_decoder_installed() -> None:
    photo = sample("resident_long_term").photo
    assert len(photo.data) == 1024
    with pytest.raises(PhotoDecoderMissing, match="未安装照片解码器 / no WLT photo decoder installed"):
        photo.decode()


def test_registered_plugin_decodes_the_exact_wlt_bytes(grey: GreyDecoder) -> None:
    photo = sample("resident_long_term").photo
    assert get_decoder() is grey
    picture = photo.decode()
    assert (picture.width, picture.height) == (102, 126)
    assert grey.seen == [photo.data]
    assert picture.pixels[0] == photo.data[0]


def test_plugin_with_wrong_size_or_crash_is_a_photo_decode_error() -> None:
    class Wrong:
        name = "wrong"

        def decode(self, wlt: bytes) -> DecodedPhoto:
            return DecodedPhoto(10, 10, bytes(300))

    class Crashing:
        name = "crash"

        def decode(self, wlt: bytes) -> DecodedPhoto:
            raise OSError("libwlt2bmp.so: cannot open shared object file")

    photo = sample("resident_long_term").photo
    with pytest.raises(PhotoDecodeError, match="10×10"):
        photo.decode(Wrong())
    with pytest.raises(PhotoDecodeError, match="libwlt2bmp"):
        photo.decode(Crashing())


def test_photo_must_be_1024_bytes() -> None:
    with pytest.raises(PhotoDecodeError):
        WltPhoto(bytes(1000))
