"""The SAM serial protocol of resident ID card readers: frames, commands, status codes.

Frame (both directions)::

    AA AA AA 96 69 | LEN_hi LEN_lo | body ... | CHK

LEN is big-endian and counts every byte after itself, CHK included. CHK is the XOR of every
byte from LEN_hi through the last body byte. A host command's body is ``CMD PARA [data]``; a
reader reply's body is ``SW1 SW2 SW3 [data]``. Success is judged by SW3 alone: SW1/SW2 are
not reliable across vendors.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from idcard.errors import (
    CardReadError,
    CardSelectError,
    CommandRejected,
    NoCardError,
    SamError,
    StatusError,
)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2  # preamble + LEN
# Shortest body is a command (CMD PARA) plus CHK.
MIN_LEN = 3
# The longest legitimate frame is a read with 1024 bytes of fingerprint: LEN = 2314. Anything far
# above is a corrupted length; refusing it early keeps the codec from swallowing good frames.
MAX_LEN = 4096

TEXT_LEN = 256
PHOTO_LEN = 1024
FINGERPRINT_LENS = (0, 512, 1024)

# Baud codes of the `60 n` command.
BAUD_CODES = {115200: 0, 57600: 1, 38400: 2, 19200: 3, 9600: 4}


class Command(enum.Enum):
    """(CMD, PARA) of each host command."""

    RESET = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ = (0x30, 0x01)
    READ_WITH_FINGERPRINT = (0x30, 0x10)
    SET_BAUD = (0x60, 0x00)  # PARA is the baud code; see :func:`encode_command`

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]

    @classmethod
    def lookup(cls, cmd: int, para: int) -> Command | None:
        if cmd == 0x60:
            return cls.SET_BAUD
        for command in cls:
            if command.value == (cmd, para):
                return command
        return None


class Status(enum.IntEnum):
    SUCCESS = 0x90
    FIND_OK = 0x9F
    NO_CONTENT = 0x91
    CHECKSUM = 0x10
    LENGTH = 0x11
    COMMAND = 0x21
    UNAUTHORISED = 0x23
    UNRECOGNISED = 0x24
    CARD_AUTH_SAM = 0x31
    SAM_AUTH_CARD = 0x32
    VERIFY = 0x33
    CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81


_STATUS_TEXT: dict[int, tuple[str, str]] = {
    0x90: ("成功", "success"),
    0x9F: ("寻卡成功", "card found"),
    0x91: ("证件无此项内容", "card has no content for this item"),
    0x10: ("校验和错误", "checksum error"),
    0x11: ("长度错误", "length error"),
    0x21: ("命令错误", "command error"),
    0x23: ("越权操作", "unauthorised operation"),
    0x24: ("无法识别的错误", "unrecognised error"),
    0x31: ("证件认证安全模块失败", "card failed to authenticate the SAM"),
    0x32: ("安全模块认证证件失败", "SAM failed to authenticate the card"),
    0x33: ("信息验证错误", "information verification error"),
    0x40: ("无法识别的证件类型", "unrecognised card type"),
    0x41: ("读证件操作失败", "read failed"),
    0x47: ("取随机数失败", "get-random failed"),
    0x60: ("安全模块自检失败", "SAM self-test failed"),
    0x66: ("安全模块未经授权", "SAM not authorised"),
    0x80: ("寻卡失败（无证件）", "find card failed (no card)"),
    0x81: ("选卡失败", "select card failed"),
}

_STATUS_ERROR: dict[int, type[StatusError]] = {
    0x80: NoCardError,
    0x81: CardSelectError,
    0x31: SamError,
    0x32: SamError,
    0x47: SamError,
    0x60: SamError,
    0x66: SamError,
    0x33: CardReadError,
    0x40: CardReadError,
    0x41: CardReadError,
    0x91: CardReadError,
    0x10: CommandRejected,
    0x11: CommandRejected,
    0x21: CommandRejected,
    0x23: CommandRejected,
}


def status_text(sw3: int) -> tuple[str, str]:
    return _STATUS_TEXT.get(sw3, ("未知状态", "unknown status"))


def status_error(sw3: int, detail: str = "") -> StatusError:
    """The typed error for a failure status."""
    return _STATUS_ERROR.get(sw3, StatusError)(sw3, detail)


def checksum(data: bytes | bytearray | memoryview) -> int:
    """XOR of all bytes. Folding 8 bytes at a time keeps a 1,288-byte frame cheap in Python."""
    data = bytes(data)
    n = len(data) - len(data) % 8
    acc = 0
    for i in range(0, n, 8):
        acc ^= int.from_bytes(data[i : i + 8], "little")
    folded = 0
    while acc:
        folded ^= acc & 0xFF
        acc >>= 8
    for b in data[n:]:
        folded ^= b
    return folded


def encode_frame(body: bytes) -> bytes:
    """Wrap a body (command or reply, without CHK) into a full frame."""
    length = len(body) + 1
    if not MIN_LEN <= length <= 0xFFFF:
        raise ValueError(f"body of {len(body)} bytes cannot be framed")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([checksum(head + body)])


def encode_command(command: Command, data: bytes = b"", *, para: int | None = None) -> bytes:
    return encode_frame(bytes([command.cmd, command.para if para is None else para]) + data)


def encode_reply(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame. ``body`` excludes preamble, LEN and CHK."""

    body: bytes

    # Reply view
    @property
    def sw1(self) -> int:
        return self.body[0]

    @property
    def sw2(self) -> int:
        return self.body[1] if len(self.body) > 1 else 0

    @property
    def sw3(self) -> int:
        return self.body[2] if len(self.body) > 2 else -1

    @property
    def reply_data(self) -> bytes:
        return self.body[3:]

    # Command view
    @property
    def cmd(self) -> int:
        return self.body[0]

    @property
    def para(self) -> int:
        return self.body[1] if len(self.body) > 1 else -1

    @property
    def command_data(self) -> bytes:
        return self.body[2:]

    @property
    def wire_len(self) -> int:
        return HEADER_LEN + len(self.body) + 1

    def to_bytes(self) -> bytes:
        return encode_frame(self.body)


def wire_seconds(n_bytes: int, baud: int) -> float:
    """Time that ``n_bytes`` take on an 8N1 line: 10 bits per byte (115200 baud = 11,520 bytes/s)."""
    return n_bytes * 10 / baud


def read_reply_len(fingerprint_len: int | None = None) -> int:
    """Whole length of a read reply: 1,295 bytes for 30 01; 1,297 + fingerprint for 30 10."""
    if fingerprint_len is None:
        return HEADER_LEN + 3 + 4 + TEXT_LEN + PHOTO_LEN + 1
    return HEADER_LEN + 3 + 6 + TEXT_LEN + PHOTO_LEN + fingerprint_len + 1
