"""The SAM frame codec: known frames byte for byte, resynchronisation, and fuzzing."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from idcard.errors import ChecksumError, FrameError, GarbageBytes, LengthError, TruncatedFrame
from idcard.frame import SamFrameDecoder
from idcard.protocol import (
    PREAMBLE,
    Command,
    Frame,
    encode_command,
    encode_frame,
    encode_reply,
    read_reply_len,
)

# Frames as printed in DEVICES.md.
KNOWN_COMMANDS = {
    Command.RESET: "AA AA AA 96 69 00 03 10 FF EC",
    Command.SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    Command.SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    Command.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    Command.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    Command.READ: "AA AA AA 96 69 00 03 30 01 32",
    Command.READ_WITH_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
}
FIND_OK = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")


def frames_of(items: list[Frame | FrameError]) -> list[Frame]:
    return [i for i in items if isinstance(i, Frame)]


def test_commands_match_the_documented_bytes() -> None:
    for command, text in KNOWN_COMMANDS.items():
        assert encode_command(command) == bytes.fromhex(text), command


def test_documented_find_reply_decodes() -> None:
    assert encode_reply(0x9F, bytes(4)) == FIND_OK
    [frame] = SamFrameDecoder().feed(FIND_OK)
    assert isinstance(frame, Frame)
    assert frame.sw3 == 0x9F and frame.reply_data == bytes(4)


def test_read_reply_length_is_1295_bytes() -> None:
    reply = encode_reply(0x90, (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + bytes(1280))
    assert len(reply) == read_reply_len() == 1295
    assert reply[5:7] == bytes.fromhex("0508")
    assert read_reply_len(0) == 1297 and read_reply_len(512) == 1809 and read_reply_len(1024) == 2321


def test_byte_by_byte_feeding_gives_the_frame_once_complete() -> None:
    decoder = SamFrameDecoder()
    out: list[Frame | FrameError] = []
    for i, b in enumerate(FIND_OK):
        out += decoder.feed(bytes([b]))
        if i < len(FIND_OK) - 1:
            assert out == []
    assert frames_of(out) == [Frame(FIND_OK[7:-1])]
    assert decoder.pending == 0


def test_bad_checksum_is_reported_and_the_next_frame_still_found() -> None:
    bad = FIND_OK[:-1] + b"\x00"
    out = SamFrameDecoder().feed(bad + FIND_OK)
    assert isinstance(out[0], ChecksumError)
    assert frames_of(out) == [Frame(FIND_OK[7:-1])]
    # The bad frame's bytes belong to the checksum error, not to "garbage".
    assert not any(isinstance(i, GarbageBytes) for i in out)


def test_garbage_between_frames_is_skipped_and_reported() -> None:
    out = SamFrameDecoder().feed(b"\x01\x02\xaa\xaa" + FIND_OK + b"noise\xaa" + FIND_OK)
    assert len(frames_of(out)) == 2
    garbage = [i for i in out if isinstance(i, GarbageBytes)]
    assert sum(len(g.raw) for g in garbage) == 4 + 6


def test_preamble_split_across_chunks_is_kept() -> None:
    decoder = SamFrameDecoder()
    [junk] = decoder.feed(b"xyz" + FIND_OK[:3])
    assert isinstance(junk, GarbageBytes) and junk.raw == b"xyz"
    assert decoder.pending == 3  # AA AA AA may start a preamble: held back, not discarded
    assert frames_of(decoder.feed(FIND_OK[3:])) == [Frame(FIND_OK[7:-1])]


def test_impossible_length_is_a_length_error() -> None:
    out = SamFrameDecoder().feed(PREAMBLE + b"\xff\xff" + b"\x00" * 10 + FIND_OK)
    assert isinstance(out[0], LengthError)
    assert frames_of(out) == [Frame(FIND_OK[7:-1])]


def test_cut_off_frame_followed_by_a_good_one_is_recovered() -> None:
    # A read reply cut short (card pulled away), then the reader answers the next command.
    cut = encode_reply(0x90, bytes(1284))[:600]
    decoder = SamFrameDecoder()
    out = decoder.feed(cut + FIND_OK)
    assert frames_of(out) == []  # still waiting: the cut frame claims 1295 bytes
    out = decoder.expire()
    assert isinstance(out[0], TruncatedFrame)
    assert frames_of(out) == [Frame(FIND_OK[7:-1])]
    assert decoder.pending == 0


# --- fuzzing ------------------------------------------------------------------------------------

bodies = st.binary(min_size=2, max_size=300)
# Garbage may contain anything except a whole preamble (then it would be a frame start).
garbage = st.binary(max_size=40).filter(lambda b: PREAMBLE not in b) | st.sampled_from(
    [b"", b"\xaa", b"\xaa\xaa", b"\xaa\xaa\xaa", b"\xaa\xaa\xaa\x96", b"\x69\x96\xaa"]
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.lists(st.integers(min_value=0, max_value=4000), max_size=20))
def test_random_bytes_never_raise_and_yield_only_typed_items(data: bytes, cuts: list[int]) -> None:
    decoder = SamFrameDecoder()
    out: list[Frame | FrameError] = []
    for chunk in chunked(data, cuts):
        out += decoder.feed(chunk)
    out += decoder.expire()
    assert all(isinstance(i, Frame | FrameError) for i in out)
    for frame in frames_of(out):
        assert frame.to_bytes() in data  # nothing invented
    assert decoder.pending == 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(garbage, bodies), min_size=1, max_size=6),
    garbage,
    st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
)
def test_valid_frames_embedded_in_garbage_are_all_found(
    parts: list[tuple[bytes, bytes]], tail: bytes, cuts: list[int]
) -> None:
    stream = b"".join(g + encode_frame(body) for g, body in parts) + tail
    decoder = SamFrameDecoder()
    out: list[Frame | FrameError] = []
    for chunk in chunked(stream, cuts):
        out += decoder.feed(chunk)
    assert [f.body for f in frames_of(out)] == [body for _, body in parts]
    assert not any(isinstance(i, ChecksumError | LengthError) for i in out)
    out_expired = decoder.expire()
    assert not frames_of(out_expired)


@st.composite
def mutated_streams(draw: st.DrawFn) -> bytes:
    frames = draw(st.lists(bodies, min_size=1, max_size=5))
    stream = bytearray(b"".join(encode_frame(b) for b in frames))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        pos = draw(st.integers(min_value=0, max_value=max(0, len(stream) - 1)))
        if op == "flip" and stream:
            stream[pos] ^= draw(st.integers(min_value=1, max_value=255))
        elif op == "delete" and stream:
            del stream[pos : pos + draw(st.integers(min_value=1, max_value=20))]
        elif op == "insert":
            stream[pos:pos] = draw(st.binary(min_size=1, max_size=20))
        elif op == "truncate":
            del stream[pos:]
    return bytes(stream)


@settings(max_examples=300, deadline=None)
@given(mutated_streams(), st.lists(st.integers(min_value=0, max_value=4000), max_size=10))
def test_mutated_streams_report_only_codec_errors(stream: bytes, cuts: list[int]) -> None:
    decoder = SamFrameDecoder()
    out: list[Frame | FrameError] = []
    for chunk in chunked(stream, cuts):
        out += decoder.feed(chunk)
    out += decoder.expire()
    for item in out:
        assert isinstance(item, Frame | ChecksumError | LengthError | TruncatedFrame | GarbageBytes)
    for frame in frames_of(out):
        assert frame.to_bytes() in stream


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(garbage, bodies), min_size=1, max_size=4), st.lists(st.integers(0, 3000), max_size=30)
)
def test_chunking_does_not_change_the_frames_found(parts: list[tuple[bytes, bytes]], cuts: list[int]) -> None:
    stream = b"".join(g + encode_frame(body) for g, body in parts)
    whole = frames_of(SamFrameDecoder().feed(stream))
    decoder = SamFrameDecoder()
    pieces: list[Frame | FrameError] = []
    for chunk in chunked(stream, cuts):
        pieces += decoder.feed(chunk)
    assert frames_of(pieces) == whole
