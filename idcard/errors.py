"""Typed errors of the ID card package.

Every error carries a message with Chinese first and English second, because the kiosk shows
``str(error)`` to visitors and clerks as it is. The hierarchy lets callers react by kind:

    IdCardError
    ├── FrameError            bytes on the line that are not a good frame (reported by the codec)
    │   ├── ChecksumError
    │   ├── LengthError
    │   ├── TruncatedFrame
    │   └── GarbageBytes
    ├── ReaderError           the reader as a device
    │   ├── ReaderUnavailable ── ReaderDisconnected
    │   ├── ReaderTimeout
    │   ├── UnexpectedReply
    │   ├── CardRemovedError
    │   └── StatusError (SW3 is not success)
    │       ├── NoCardError, CardSelectError, CardReadError, SamError, CommandRejected
    ├── CardDataError         the card's content
    │   ├── InvalidIdNumber, InvalidCardError, UnsupportedCardType
    └── PhotoError
        ├── PhotoDecoderMissing, PhotoDecodeError
"""

from __future__ import annotations

from protocol import idnumber as _idnumber_rules


class IdCardError(Exception):
    """Base of every error raised or reported by :mod:`idcard`."""

    zh: str = "身份证读卡错误"
    en: str = "ID card error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        text = f"{self.zh} / {self.en}"
        super().__init__(f"{text}: {detail}" if detail else text)


# --- frames -----------------------------------------------------------------------------------


class FrameError(IdCardError):
    """A stretch of bytes that is not a well-formed frame. The codec *returns* these (it never
    raises them) so that one bad frame does not stop the stream; the driver may raise them."""

    zh = "数据帧错误"
    en = "bad frame"

    def __init__(self, detail: str = "", raw: bytes = b"") -> None:
        super().__init__(detail)
        self.raw = raw


class ChecksumError(FrameError):
    zh = "校验和错误"
    en = "checksum error"


class LengthError(FrameError):
    zh = "帧长度错误"
    en = "impossible frame length"


class TruncatedFrame(FrameError):
    zh = "数据帧不完整"
    en = "frame cut short"


class GarbageBytes(FrameError):
    """Bytes outside any frame (line noise, a reader talking at another baud rate)."""

    zh = "线路上有无效数据"
    en = "garbage between frames"


# --- reader -----------------------------------------------------------------------------------


class ReaderError(IdCardError):
    zh = "读卡器错误"
    en = "reader error"


class ReaderUnavailable(ReaderError):
    zh = "未找到身份证读卡器"
    en = "no ID card reader"


class ReaderDisconnected(ReaderUnavailable):
    zh = "身份证读卡器已断开"
    en = "ID card reader disconnected"


class ReaderTimeout(ReaderError):
    zh = "读卡器无应答"
    en = "reader did not answer in time"


class UnexpectedReply(ReaderError):
    zh = "读卡器应答异常"
    en = "unexpected reply from the reader"


class CardRemovedError(ReaderError):
    zh = "读卡过程中证件被移开，请重新放置"
    en = "card removed during the read, place it again"


class StatusError(ReaderError):
    """The reader answered with a failure status (SW3)."""

    zh = "读卡器返回错误状态"
    en = "reader reported a failure"

    def __init__(self, sw3: int, detail: str = "") -> None:
        from idcard.protocol import status_text  # late import: protocol imports this module

        self.sw3 = sw3
        zh, en = status_text(sw3)
        super().__init__(f"SW3=0x{sw3:02X} {zh} / {en}" + (f"; {detail}" if detail else ""))


class NoCardError(StatusError):
    zh = "未检测到证件，请将身份证放在读卡区"
    en = "no card on the reader"


class CardSelectError(StatusError):
    zh = "选卡失败，请重新放置证件"
    en = "could not select the card"


class CardReadError(StatusError):
    zh = "读卡失败，请重新放置证件"
    en = "could not read the card"


class SamError(StatusError):
    zh = "读卡器安全模块故障"
    en = "SAM (security module) failure"


class CommandRejected(StatusError):
    zh = "读卡器拒绝了命令"
    en = "reader rejected the command"


# --- card data --------------------------------------------------------------------------------


class CardDataError(IdCardError):
    zh = "证件信息无效"
    en = "invalid card data"


class InvalidIdNumber(CardDataError, _idnumber_rules.InvalidIdNumber):
    """Also the shared rules' ``protocol.idnumber.InvalidIdNumber`` (a ``ValueError``), so a
    caller of either package catches both; ``reason``/``message``/``message_zh`` say which
    check failed without any part of the number."""

    zh = "证件号码无效"
    en = "invalid ID number"

    def __init__(
        self, detail: str = "", *, reason: str | None = None, message: str | None = None, message_zh: str | None = None
    ) -> None:
        super().__init__(detail)
        self.set_words(reason, message, message_zh)


class InvalidCardError(CardDataError):
    """The card decoded but failed the checks; ``problems`` lists every failed check."""

    zh = "证件信息校验失败"
    en = "card failed validation"

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problems))


class UnsupportedCardType(CardDataError):
    zh = "不支持的证件类型"
    en = "unsupported card type"


# --- photo ------------------------------------------------------------------------------------


class PhotoError(IdCardError):
    zh = "证件照片错误"
    en = "card photo error"


class PhotoDecoderMissing(PhotoError):
    zh = "未安装照片解码器"
    en = "no WLT photo decoder installed"


class PhotoDecodeError(PhotoError):
    zh = "照片解码失败"
    en = "photo could not be decoded"
