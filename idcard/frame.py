"""SAM frame codec: an object fed bytes as they come off the line, handing back frames.

Like pyserial's ``serial.threaded.Packetizer`` it knows nothing of the port: the driver, the
simulator and the tests feed it whatever chunks they have. It never raises on bad input;
each problem comes back in the result list as a :class:`~idcard.errors.FrameError`, so one
corrupted frame costs that frame only and the stream goes on.

Resynchronisation: after a bad length or checksum the decoder drops only the first byte of
the false preamble and searches again, so a frame hidden inside a corrupted one (a reply cut
short by a card pulled away, followed by the next reply) is still found.
"""

from __future__ import annotations

from idcard.errors import ChecksumError, FrameError, GarbageBytes, LengthError, TruncatedFrame
from idcard.protocol import HEADER_LEN, MAX_LEN, MIN_LEN, PREAMBLE, Frame, checksum

Item = Frame | FrameError


class SamFrameDecoder:
    """Incremental decoder. ``feed(data)`` returns the frames and errors completed by ``data``."""

    def __init__(self, max_len: int = MAX_LEN) -> None:
        self.max_len = max_len
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame (or of a possible preamble)."""
        return len(self._buf)

    @property
    def in_frame(self) -> bool:
        """True while a preamble has been seen and its frame is not complete yet."""
        return self._buf.startswith(PREAMBLE)

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes | bytearray | memoryview) -> list[Item]:
        self._buf += data
        return self._parse(final=False)

    def expire(self) -> list[Item]:
        """The line went quiet: whatever is held back will never complete. Report the partial
        frame as truncated, and still recover any complete frame that sits behind it."""
        return self._parse(final=True)

    def _parse(self, final: bool) -> list[Item]:
        out: list[Item] = []
        buf = self._buf
        while buf:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that could be the beginning of a preamble split across chunks.
                keep = 0 if final else _preamble_prefix_len(buf)
                junk = len(buf) - keep
                if junk:
                    out.append(GarbageBytes(f"{junk} byte(s) skipped", bytes(buf[:junk])))
                    del buf[:junk]
                break
            if start:
                out.append(GarbageBytes(f"{start} byte(s) skipped", bytes(buf[:start])))
                del buf[:start]
            if len(buf) < HEADER_LEN:
                if final:
                    out.append(TruncatedFrame(f"{len(buf)} byte(s) of header", bytes(buf)))
                    buf.clear()
                break
            length = int.from_bytes(buf[5:7], "big")
            if not MIN_LEN <= length <= self.max_len:
                out.append(LengthError(f"LEN={length}", bytes(buf[:HEADER_LEN])))
                del buf[:1]  # resync: search again from the next byte
                continue
            total = HEADER_LEN + length
            if len(buf) < total:
                if not final:
                    break
                out.append(TruncatedFrame(f"{len(buf)} of {total} bytes", bytes(buf)))
                # A complete frame may still hide behind the cut-off one.
                del buf[: _skip_bad_frame(buf, len(buf))]
                continue
            frame_bytes = bytes(buf[:total])
            if checksum(frame_bytes[5:-1]) != frame_bytes[-1]:
                out.append(ChecksumError(f"frame of {total} bytes", frame_bytes))
                del buf[: _skip_bad_frame(buf, total)]
                continue
            out.append(Frame(frame_bytes[HEADER_LEN:-1]))
            del buf[:total]
        return _merge_garbage(out)


def _skip_bad_frame(buf: bytearray, extent: int) -> int:
    """How many bytes to drop after a bad frame that claims ``extent`` bytes: up to the next
    preamble inside it (the bad frame may be a cut-off one with a good frame behind it), else
    the whole extent. The dropped bytes belong to the reported error, not to garbage."""
    nxt = buf.find(PREAMBLE, 1)
    if 0 < nxt < extent:
        return nxt
    if nxt < 0:
        k = _preamble_prefix_len(buf)
        if k and len(buf) - k < extent:
            return len(buf) - k
    return extent


def _preamble_prefix_len(buf: bytearray) -> int:
    """Length of the longest suffix of ``buf`` that is a proper prefix of the preamble."""
    for n in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf.endswith(PREAMBLE[:n]):
            return n
    return 0


def _merge_garbage(items: list[Item]) -> list[Item]:
    """Report a run of skipped bytes once rather than once per resync step."""
    merged: list[Item] = []
    for item in items:
        prev = merged[-1] if merged else None
        if isinstance(item, GarbageBytes) and isinstance(prev, GarbageBytes):
            raw = prev.raw + item.raw
            merged[-1] = GarbageBytes(f"{len(raw)} byte(s) skipped", raw)
        else:
            merged.append(item)
    return merged
