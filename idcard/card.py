"""The 256-byte text block of a card: parsing, validation and (for the simulator) encoding.

Text is UCS-2 little-endian, padded with spaces. The card type flag sits at offset 248:
blank for a resident ID card, ``J`` for a Hong Kong/Macau/Taiwan residence permit, ``I`` for a
foreign permanent resident card (2017). Offsets are those of ``shared/DEVICES.md``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any

from idcard import idnumber
from idcard.errors import CardDataError, InvalidCardError, InvalidIdNumber, UnsupportedCardType
from idcard.photo import WltPhoto
from idcard.protocol import TEXT_LEN

LONG_TERM = "长期"

SEX_NAMES: dict[str, tuple[str, str]] = {
    "0": ("未知", "unknown"),
    "1": ("男", "male"),
    "2": ("女", "female"),
    "9": ("未说明", "unspecified"),
}

# GB 3304-1991 order; the card prints the name without 族.
# fmt: off
_NATIONS = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
    "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
# fmt: on
NATION_NAMES: dict[str, str] = {f"{i:02d}": name for i, name in enumerate(_NATIONS, start=1)}
NATION_NAMES.update({"97": "其他", "98": "外国血统中国籍人士"})
assert len(_NATIONS) == 56


class CardKind(enum.StrEnum):
    RESIDENT = "resident"  # 居民身份证
    HMT_PERMIT = "hmt_permit"  # 港澳台居民居住证 (flag J)
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证 2017 (flag I)

    @property
    def label(self) -> str:
        return {
            CardKind.RESIDENT: "居民身份证 / Resident ID card",
            CardKind.HMT_PERMIT: "港澳台居民居住证 / HK, Macao and Taiwan residence permit",
            CardKind.FOREIGN_PERMANENT: "外国人永久居留身份证 / Foreign permanent resident ID card",
        }[self]

    @property
    def flag(self) -> str:
        return {CardKind.RESIDENT: " ", CardKind.HMT_PERMIT: "J", CardKind.FOREIGN_PERMANENT: "I"}[self]


# (field, offset, size in bytes) of each layout; sizes are UCS-2 bytes (2 per character).
RESIDENT_LAYOUT = (
    ("name", 0, 30),
    ("sex", 30, 2),
    ("nation", 32, 4),
    ("birth", 36, 16),
    ("address", 52, 70),
    ("id_number", 122, 36),
    ("authority", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
)
PERMIT_LAYOUT = (
    *RESIDENT_LAYOUT,
    ("pass_number", 220, 18),
    ("issue_count", 238, 4),
)
FOREIGN_LAYOUT = (
    ("english_name", 0, 120),
    ("sex", 120, 2),
    ("id_number", 122, 30),
    ("nationality", 152, 6),
    ("name", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
    ("birth", 220, 16),
    ("card_version", 236, 4),
    ("authority", 240, 8),
)
FLAG_OFFSET = 248
LAYOUTS = {
    CardKind.RESIDENT: RESIDENT_LAYOUT,
    CardKind.HMT_PERMIT: PERMIT_LAYOUT,
    CardKind.FOREIGN_PERMANENT: FOREIGN_LAYOUT,
}

_FOREIGN_NUMBER = re.compile(r"[A-Z]{3}\d{12}")


@dataclass(frozen=True, repr=False)
class IdCard:
    kind: CardKind
    name: str
    sex_code: str
    birth: dt.date
    id_number: str
    valid_from: dt.date
    valid_to: dt.date | None  # None: 长期, no end date
    photo: WltPhoto
    nation_code: str = ""
    address: str = ""
    authority: str = ""
    english_name: str = ""
    pass_number: str = ""
    issue_count: int | None = None
    nationality: str = ""
    card_version: str = ""
    fingerprint: bytes | None = None

    def __repr__(self) -> str:
        # Personal data stays out of logs and tracebacks: the masked number only.
        return f"IdCard({self.kind.value}, {self.masked_id})"

    @property
    def sex(self) -> str:
        return SEX_NAMES.get(self.sex_code, ("未知", "unknown"))[0]

    @property
    def sex_en(self) -> str:
        return SEX_NAMES.get(self.sex_code, ("未知", "unknown"))[1]

    @property
    def nation(self) -> str:
        return NATION_NAMES.get(self.nation_code, "")

    @property
    def masked_id(self) -> str:
        return idnumber.mask(self.id_number)

    @property
    def long_term(self) -> bool:
        return self.valid_to is None

    def is_expired(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        return self.valid_to is not None and self.valid_to < today

    def status(self, today: dt.date | None = None) -> str:
        """``valid``, ``expired`` or ``not_yet_valid`` on ``today``."""
        today = today or dt.date.today()
        if today < self.valid_from:
            return "not_yet_valid"
        return "expired" if self.is_expired(today) else "valid"

    def problems(self, today: dt.date | None = None) -> list[str]:
        return validate_card(self, today=today)

    def to_dict(self, *, reveal: bool = False, today: dt.date | None = None) -> dict[str, Any]:
        """Fields for JSON output. The ID and pass numbers are masked unless ``reveal``."""
        show = (lambda s: s) if reveal else idnumber.mask
        show_pass = (lambda s: s) if reveal else idnumber.mask_short
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "name": self.name,
            "sex": self.sex,
            "sex_code": self.sex_code,
            "birth": self.birth.isoformat(),
            "id_number": show(self.id_number),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else LONG_TERM,
            "status": self.status(today),
            "expired": self.is_expired(today),
            "authority": self.authority,
            "photo_sha256": self.photo.sha256,
        }
        if self.kind is CardKind.RESIDENT:
            data.update(nation=self.nation, nation_code=self.nation_code, address=self.address)
        if self.kind is CardKind.HMT_PERMIT:
            data.update(
                address=self.address, pass_number=show_pass(self.pass_number), issue_count=self.issue_count
            )
        if self.kind is CardKind.FOREIGN_PERMANENT:
            data.update(
                english_name=self.english_name, nationality=self.nationality, card_version=self.card_version
            )
        if self.fingerprint is not None:
            data["fingerprint_bytes"] = len(self.fingerprint)
        return data


# --- parsing ----------------------------------------------------------------------------------


def card_kind(text: bytes) -> CardKind:
    flag = _ucs2(text[FLAG_OFFSET : FLAG_OFFSET + 2], "flag").strip(" \x00")
    if flag == "":
        return CardKind.RESIDENT
    if flag == "J":
        return CardKind.HMT_PERMIT
    if flag == "I":
        return CardKind.FOREIGN_PERMANENT
    if flag == "Y":
        raise UnsupportedCardType(
            "2023版外国人永久居留身份证 / 2023 foreign permanent resident card (flag Y)"
        )
    raise UnsupportedCardType(f"类型标志 {flag!r} / type flag {flag!r}")


def parse_card(
    text: bytes,
    photo: bytes,
    fingerprint: bytes | None = None,
    *,
    strict: bool = True,
    today: dt.date | None = None,
) -> IdCard:
    """Decode a card's text block. Undecodable fields raise :class:`CardDataError`; with
    ``strict`` a decodable card that fails a check (ID check digit, dates, sex) raises
    :class:`InvalidCardError` listing every failure."""
    if len(text) != TEXT_LEN:
        raise CardDataError(
            f"文字信息应为 {TEXT_LEN} 字节 / text block must be {TEXT_LEN} bytes, got {len(text)}"
        )
    kind = card_kind(text)
    raw = {name: _ucs2(text[off : off + size], name).strip(" \x00") for name, off, size in LAYOUTS[kind]}
    issue_count: int | None = None
    if kind is CardKind.HMT_PERMIT:
        try:
            issue_count = int(raw["issue_count"])
        except ValueError:
            raise CardDataError(f"签发次数 {raw['issue_count']!r} / issue count not a number") from None
    card = IdCard(
        kind=kind,
        name=raw["name"],
        sex_code=raw["sex"],
        birth=_date(raw["birth"], "birth"),
        id_number=raw["id_number"],
        valid_from=_date(raw["valid_from"], "valid_from"),
        valid_to=None if raw["valid_to"] == LONG_TERM else _date(raw["valid_to"], "valid_to"),
        photo=WltPhoto(photo),
        nation_code=raw.get("nation", ""),
        address=raw.get("address", ""),
        authority=raw.get("authority", ""),
        english_name=raw.get("english_name", ""),
        pass_number=raw.get("pass_number", ""),
        issue_count=issue_count,
        nationality=raw.get("nationality", ""),
        card_version=raw.get("card_version", ""),
        fingerprint=fingerprint,
    )
    if strict:
        problems = validate_card(card, today=today)
        if problems:
            raise InvalidCardError(problems)
    return card


def validate_card(card: IdCard, *, today: dt.date | None = None) -> list[str]:
    """Every failed check, in words; empty when the card is consistent. Expiry is not a
    problem here: an expired card is genuine, and callers report it through ``status``."""
    today = today or dt.date.today()
    problems: list[str] = []
    if not card.name and not card.english_name:
        problems.append("姓名为空 / name is empty")
    if card.sex_code not in SEX_NAMES:
        problems.append(f"性别代码 {card.sex_code!r} 无效 / invalid sex code")
    if card.kind in (CardKind.RESIDENT, CardKind.HMT_PERMIT):
        try:
            info = idnumber.validate(card.id_number, today=today)
        except InvalidIdNumber as exc:
            problems.append(exc.detail)
        else:
            if info.birth != card.birth:
                problems.append("号码中的出生日期与证件不符 / birth date differs from the ID number")
            if card.sex_code in ("1", "2") and info.male != (card.sex_code == "1"):
                problems.append("号码中的性别与证件不符 / sex differs from the ID number")
            if card.kind is CardKind.HMT_PERMIT and not info.is_permit:
                problems.append("居住证号码应以81/82/83开头 / permit number must start with 81, 82 or 83")
            if card.kind is CardKind.RESIDENT and info.is_permit:
                problems.append(
                    "居民身份证号码不应以81/82/83开头 / resident number starts with a permit code"
                )
    if card.kind is CardKind.RESIDENT and card.nation_code not in NATION_NAMES:
        problems.append(f"民族代码 {card.nation_code!r} 无效 / invalid nation code")
    if card.kind is CardKind.FOREIGN_PERMANENT:
        if not _FOREIGN_NUMBER.fullmatch(card.id_number):
            problems.append(
                "永久居留证号码应为3个字母加12位数字 / card number must be 3 letters and 12 digits"
            )
        if not re.fullmatch(r"[A-Z]{3}", card.nationality):
            problems.append(f"国籍代码 {card.nationality!r} 无效 / invalid nationality code")
    if card.birth > today:
        problems.append("出生日期晚于今天 / birth date in the future")
    if card.valid_to is not None and card.valid_to < card.valid_from:
        problems.append("有效期截止早于起始 / validity ends before it starts")
    if card.valid_from < card.birth:
        problems.append("签发日期早于出生日期 / issued before birth")
    return problems


def _ucs2(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardDataError(f"字段 {name} 无法解码 / field {name} is not UCS-2") from None


def _date(value: str, name: str) -> dt.date:
    if len(value) != 8 or not value.isdigit():
        raise CardDataError(f"{name} {value!r} 不是日期 / not a YYYYMMDD date")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardDataError(f"{name} {value} 日期不存在 / impossible date") from None


# --- encoding (for the simulator and tests) ---------------------------------------------------


def encode_text(card: IdCard) -> bytes:
    """The 256-byte text block a reader would return for ``card``."""
    buf = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    values: dict[str, str] = {
        "name": card.name,
        "english_name": card.english_name,
        "sex": card.sex_code,
        "nation": card.nation_code,
        "birth": card.birth.strftime("%Y%m%d"),
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_to": card.valid_to.strftime("%Y%m%d") if card.valid_to else LONG_TERM,
        "pass_number": card.pass_number,
        "issue_count": f"{card.issue_count or 0:02d}",
        "nationality": card.nationality,
        "card_version": card.card_version,
    }
    for name, off, size in LAYOUTS[card.kind]:
        encoded = values[name].encode("utf-16-le")
        if len(encoded) > size:
            raise CardDataError(f"{name} 超长 / {name} longer than {size // 2} characters")
        buf[off : off + len(encoded)] = encoded
    buf[FLAG_OFFSET : FLAG_OFFSET + 2] = card.kind.flag.encode("utf-16-le")
    return bytes(buf)
