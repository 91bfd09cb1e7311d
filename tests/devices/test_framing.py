"""Line framing: CR, LF, CRLF, idle gap; text decoding with the GB18030 fallback."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.framing import LineFramer, decode_text


def test_cr_lf_and_crlf_each_end_one_line() -> None:
    framer = LineFramer(idle_gap=None)
    assert framer.feed(b"A1\rB2\nC3\r\nD4\r\n", now=0) == [b"A1", b"B2", b"C3", b"D4"]


def test_crlf_split_across_reads_is_still_one_end() -> None:
    framer = LineFramer(idle_gap=None)
    assert framer.feed(b"A1\r", now=0) == [b"A1"]
    assert framer.feed(b"\nB2\r", now=1) == [b"B2"]


def test_idle_gap_ends_a_message_without_suffix() -> None:
    framer = LineFramer(idle_gap=0.05)
    assert framer.feed(b"ABC", now=10.0) == []
    assert framer.poll(now=10.03) == []
    assert framer.feed(b"DEF", now=10.04) == []  # still the same message: gap not reached
    assert framer.poll(now=10.10) == [b"ABCDEF"]
    assert framer.feed(b"X", now=11.0) == []
    assert framer.feed(b"Y", now=11.2) == [b"X"]  # the gap before Y ended X


def test_overlong_line_is_cut_not_grown_forever() -> None:
    framer = LineFramer(idle_gap=None, max_len=10)
    assert framer.feed(b"0123456789abc\n", now=0) == [b"0123456789", b"abc"]
    assert framer.overflows == 1


def test_decode_utf8_then_gb18030() -> None:
    assert decode_text("办件编号 A012".encode()) == ("办件编号 A012", "utf-8")
    assert decode_text("办件编号 A012".encode("gb18030")) == ("办件编号 A012", "gb18030")
    assert decode_text(b"\xef\xbb\xbfabc") == ("abc", "utf-8")
    text, encoding = decode_text(b"\xff\xfe\xfd\x81")
    assert encoding in ("gb18030", "utf-8-replaced") and text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\r\n\ufeff"),
            min_size=1,
            max_size=20,
        ),
        max_size=8,
    ),
    st.sampled_from([b"\r", b"\n", b"\r\n"]),
    st.lists(st.integers(min_value=0, max_value=400), max_size=10),
)
def test_lines_survive_any_chunking(lines: list[str], eol: bytes, cuts: list[int]) -> None:
    data = b"".join(line.encode() + eol for line in lines)
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    framer = LineFramer(idle_gap=None)
    out: list[bytes] = []
    for a, b in itertools.pairwise(points):
        out += framer.feed(data[a:b], now=0)
    assert [decode_text(x)[0] for x in out] == lines
