"""ESC/POS byte sequences that python-escpos does not provide (or provides wrongly for Chinese)."""

from __future__ import annotations

ESC_INIT = b"\x1b@"
LF = b"\n"
FS_KANJI_ON = b"\x1c&"  # FS &: following multi-byte codes are Chinese (GBK/GB18030) characters
FS_KANJI_OFF = b"\x1c."  # FS .: back to the single-byte code page

# DLE EOT n: real-time status; answered even while the printer is offline or its buffer is full.
STATUS_PRINTER = 1
STATUS_OFFLINE_CAUSE = 2
STATUS_ERROR_CAUSE = 3
STATUS_PAPER = 4
STATUS_QUERIES = (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_ERROR_CAUSE, STATUS_PAPER)

# DLE DC4 fn=8: clear the receive and print buffers (real time). Answer: 37 25 00.
CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
CLEAR_BUFFERS_REPLY = b"\x37\x25\x00"

# GS ( H fn=48: "process ID response". The printer answers 37 22 d1 d2 d3 d4 00 once it has
# processed (printed) everything received before it: the acknowledgement of a whole job.
PROCESS_ID_REPLY_HEADER = b"\x37\x22"
PROCESS_ID_REPLY_LEN = 7


def dle_eot(n: int) -> bytes:
    if n not in STATUS_QUERIES:
        raise ValueError("DLE EOT n: n is 1..4")
    return bytes((0x10, 0x04, n))


def process_id_request(job_id: int) -> bytes:
    """GS ( H 06 00 30 30 d1 d2 d3 d4; the ID is four ASCII digits (0000..9999)."""
    return b"\x1d(H\x06\x0000" + f"{job_id % 10000:04d}".encode("ascii")


def process_id_reply(digits: bytes) -> bytes:
    return PROCESS_ID_REPLY_HEADER + digits + b"\x00"
