"""The service catalogue (事项目录): typed, immutable models.

A catalogue is what a hall publishes: its departments, the e-certificate types it can
check by number (电子证照), the themes of the public catalogue and the service items
(事项) with their guides (办事指南). The loader (`loader.py`) builds one from YAML and
reports every problem at once; the models below also refuse inconsistent data when
built directly, so a `Catalogue` in memory is always consistent.
"""

import difflib
import hashlib
import json
import re
from collections.abc import Collection, Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

MAX_DAYS = 365
"""Upper bound for a time limit in working days (a sanity check against typos)."""
MAX_WAIT_MIN = 240
"""Upper bound for an item's wait target in minutes."""

CITIZEN_THEMES: tuple[str, ...] = (
    "public_education",
    "employment",
    "social_security",
    "healthcare",
    "housing_security",
    "culture_sports",
    "poverty_alleviation",
)
"""The themes of daily life the source document names (公共教育 … 扶贫脱贫)."""
BUSINESS_THEMES: tuple[str, ...] = (
    "business_policy_support",
    "business_legal_info",
    "business_ip_protection",
    "business_skills_training",
)
"""The start-up themes the source document names (政策支持 … 就业技能培训)."""
REQUIRED_THEMES: tuple[str, ...] = CITIZEN_THEMES + BUSINESS_THEMES
"""The eleven themes every published catalogue should cover."""
BUSINESS_REGISTRATION = "business_registration"
"""Extra enterprise theme: starting a business (企业开办)."""
ENTERPRISE_ONLY_PREFIX = "business_"
"""Themes whose key starts with this are for enterprise items only."""


# ---------------------------------------------------------------------------
# Scalar checks. Messages are written for the hall officer who edits the YAML.

_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")
_ITEM_CODE = re.compile(r"[CE]-[A-Z]{2,6}-[0-9]{3}\Z")
_PHONE = re.compile(r"[0-9][0-9-]{2,19}\Z")


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def is_slug(value: str) -> bool:
    """A code of lower-case letters, digits and _ starting with a letter (like id_card)."""
    return bool(_SLUG.match(value))


def _slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError(f"{value!r} is not a valid code: use lower-case letters, digits and _ (like id_card)")
    return value


def _item_code(value: str) -> str:
    if not _ITEM_CODE.match(value):
        raise ValueError(
            f"{value!r} is not a valid item code: write it like C-SB-001 (citizen) or E-DJ-001 "
            "(enterprise): C or E, 2 to 6 capital letters, 3 digits"
        )
    return value


def _phone(value: str) -> str:
    if not _PHONE.match(value):
        raise ValueError(f"{value!r} is not a phone number: use digits and hyphens, like 0755-26980202 or 12345")
    return value


def _relative_file(value: str) -> str:
    parts = value.replace("\\", "/").split("/")
    if not value.strip() or value.startswith(("/", "\\")) or ".." in parts or re.match(r"[A-Za-z]:", value):
        raise ValueError(
            f"{value!r} must be a path relative to the hall's document folder, like forms/C-SB-001-application.docx"
        )
    return value


Str = Annotated[str, Field(strict=True)]
NonBlank = Annotated[str, Field(strict=True), AfterValidator(_non_blank)]
Slug = Annotated[str, Field(strict=True), AfterValidator(_slug)]
ItemCode = Annotated[str, Field(strict=True), AfterValidator(_item_code)]
Phone = Annotated[str, Field(strict=True), AfterValidator(_phone)]
RelativeFile = Annotated[str, Field(strict=True), AfterValidator(_relative_file)]
Days = Annotated[int, Field(strict=True, ge=0, le=MAX_DAYS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A bilingual text: Chinese first, English a faithful short translation."""

    zh: NonBlank
    en: NonBlank

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh" or "en"; anything starting with "en" gives English)."""
        return self.en if lang.lower().startswith("en") else self.zh

    def __str__(self) -> str:
        return self.zh


class Stream(StrEnum):
    """自然人 (citizen) and 法人 (enterprise) are served in separate streams."""

    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"


_CODE_PREFIX = {Stream.CITIZEN: "C", Stream.ENTERPRISE: "E"}


class Tier(StrEnum):
    """The speed tiers of the 三四三 rule."""

    ON_THE_SPOT = "on_the_spot"  # 即办: promised 0 working days
    WITHIN_5_DAYS = "within_5_days"  # 5个工作日内办结: promised 1..5
    HALVED = "halved"  # 比法定时限提速50%: promised <= statutory / 2, statutory > 5


TIER_TARGET_343: dict[str, float] = {Tier.ON_THE_SPOT: 0.3, Tier.WITHIN_5_DAYS: 0.4, Tier.HALVED: 0.3}
"""三四三: the shares of items per tier the source document asks for."""
TIER_TARGET_532: dict[str, float] = {Tier.ON_THE_SPOT: 0.5, Tier.WITHIN_5_DAYS: 0.3, Tier.HALVED: 0.2}
"""五三二: the stricter target for the best units."""


def tier_problem(tier: Tier, statutory_days: int, promised_days: int) -> str | None:
    """Why `tier` does not fit these limits, or None when it does."""
    s, p = statutory_days, promised_days
    if tier is Tier.ON_THE_SPOT and p != 0:
        return f"on_the_spot needs promised_days 0, not {p}"
    if tier is Tier.WITHIN_5_DAYS and not 1 <= p <= 5:
        hint = "use on_the_spot" if p == 0 else "use halved if it is at most half of statutory_days"
        return f"within_5_days needs promised_days from 1 to 5, not {p} ({hint})"
    if tier is Tier.HALVED:
        if p == 0:
            return "halved needs promised_days of at least 1 (use on_the_spot for 0)"
        if s <= 5:
            return f"halved needs statutory_days above 5, not {s} (use within_5_days)"
        if 2 * p > s:
            return f"halved needs promised_days at most half of statutory_days ({s} -> at most {s // 2}), not {p}"
    return None


def tier_for(statutory_days: int, promised_days: int) -> Tier | None:
    """The natural tier of an item (or of a real case's duration), None if it meets none."""
    for tier in Tier:
        if tier_problem(tier, statutory_days, promised_days) is None:
            return tier
    return None


# ---------------------------------------------------------------------------
# The guide (办事指南) and its parts.


class Material(_Model):
    """An application material (申请材料)."""

    code: Slug
    name: Text
    copies: Annotated[int, Field(strict=True, ge=0, le=20)]
    original: StrictBool
    required: StrictBool
    note: Text | None = None
    e_certificate: Slug | None = None
    """The e-certificate type that replaces this material when the hall can check it by number."""

    @field_validator("original")
    @classmethod
    def _something_to_bring(cls, value: bool, info: ValidationInfo) -> bool:
        if not value and info.data.get("copies") == 0:
            raise ValueError("copies is 0 and original is false: the applicant would bring nothing")
        return value


class Form(_Model):
    """A downloadable form (表格下载)."""

    name: Text
    file: RelativeFile


class Sample(_Model):
    """A filled-in example with its common mistakes (示范文本及常见错误示例)."""

    name: Text
    file: RelativeFile
    common_errors: Annotated[tuple[Text, ...], Field(min_length=1)]


class Fees(_Model):
    """收费依据及标准."""

    basis: Text
    standard: Text


class Consultation(_Model):
    """咨询方式."""

    phone: Phone
    hours: Text


class Office(_Model):
    """办公时间地址."""

    hours: Text
    address: Text


class Guide(_Model):
    """The service guide (办事指南): every field the source document lists, in its order."""

    legal_basis: Annotated[tuple[Text, ...], Field(min_length=1)]
    accepting_unit: Text
    process: Annotated[tuple[Text, ...], Field(min_length=1)]
    materials: Annotated[tuple[Material, ...], Field(min_length=1)]
    forms: tuple[Form, ...]
    samples: tuple[Sample, ...]
    fees: Fees
    time_limit_note: Text
    accountability: Text
    consultation: Consultation
    office: Office
    transit: Text
    status_query: Text

    @field_validator("materials")
    @classmethod
    def _materials_sane(cls, value: tuple[Material, ...]) -> tuple[Material, ...]:
        seen: dict[str, int] = {}
        for index, material in enumerate(value):
            if material.code in seen:
                raise ValueError(
                    f"material code {material.code!r} is used twice ([{seen[material.code]}] and [{index}])"
                )
            seen[material.code] = index
        if not any(m.required for m in value):
            raise ValueError("at least one material must have required: true")
        return value


GUIDE_FIELD_LABELS: dict[str, Text] = {
    "legal_basis": Text(zh="办理依据", en="Legal basis"),
    "accepting_unit": Text(zh="受理单位", en="Accepting unit"),
    "process": Text(zh="基本流程", en="Process"),
    "materials": Text(zh="申请材料", en="Application materials"),
    "forms": Text(zh="表格下载", en="Forms"),
    "samples": Text(zh="示范文本及常见错误示例", en="Samples and common errors"),
    "fees": Text(zh="收费依据及标准", en="Fees"),
    "time_limit_note": Text(zh="办理时限", en="Time limit"),
    "accountability": Text(zh="责任追究", en="Accountability"),
    "consultation": Text(zh="咨询方式", en="Enquiries"),
    "office": Text(zh="办公时间地址", en="Office hours and address"),
    "transit": Text(zh="乘车线路", en="How to get here"),
    "status_query": Text(zh="状态查询", en="Progress enquiry"),
}
"""Display labels of the guide fields, in the order of the source document."""


# ---------------------------------------------------------------------------
# Items, departments, the catalogue.


class Limits(_Model):
    """Time limits in working days (工作日) and the 三四三 tier they place the item in."""

    statutory_days: Days
    promised_days: Annotated[int, Field(strict=True, ge=0)]
    tier: Tier

    @field_validator("promised_days")
    @classmethod
    def _not_above_statutory(cls, value: int, info: ValidationInfo) -> int:
        statutory = info.data.get("statutory_days")
        if statutory is not None and value > statutory:
            raise ValueError(f"must not exceed statutory_days ({statutory})")
        return value

    @field_validator("tier")
    @classmethod
    def _tier_fits(cls, value: Tier, info: ValidationInfo) -> Tier:
        statutory, promised = info.data.get("statutory_days"), info.data.get("promised_days")
        if statutory is not None and promised is not None:
            problem = tier_problem(value, statutory, promised)
            if problem:
                raise ValueError(problem)
        return value


class FieldType(StrEnum):
    """What a typed application field holds (the kiosk picks its keyboard from it)."""

    TEXT = "text"
    PHONE = "phone"  # a mobile (1[3-9] and 9 digits) or a landline (0755-26010101)
    DATE = "date"  # YYYY-MM-DD
    CHOICE = "choice"  # one of `choices`
    ADDRESS = "address"


class Prefill(StrEnum):
    """Where a kiosk takes a first value from: the ID card read (name, address, birth) or the
    visitor's earlier applications (phone, through ``case.prefill``)."""

    NAME = "name"
    ADDRESS = "address"
    PHONE = "phone"
    BIRTH = "birth"


class Choice(_Model):
    value: Slug
    label: Text


MAX_FIELD_LEN = 500
"""Upper bound of an application field's `max_len`."""


class ApplicationField(_Model):
    """A typed field of a self-service application (自助申请表的一栏), checked by the server
    when a case is submitted with it."""

    code: Slug
    label: Text
    type: FieldType
    required: StrictBool = False
    choices: tuple[Choice, ...] = ()
    max_len: Annotated[int, Field(strict=True, ge=1, le=MAX_FIELD_LEN)] = 100
    pattern: Str | None = None
    """A regular expression the whole value must match (Python syntax), on top of the type's own check."""
    prefill: Prefill | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise ValueError(f"pattern {value!r} is not a valid regular expression: {e}") from None
        return value

    @model_validator(mode="after")
    def _choices_fit_type(self) -> "ApplicationField":
        if self.type is FieldType.CHOICE:
            if not self.choices:
                raise ValueError(f"field {self.code}: a choice field lists its choices")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError(f"field {self.code}: a choice value is listed twice")
        elif self.choices:
            raise ValueError(f"field {self.code}: only a choice field has choices (type is {self.type.value})")
        return self


class Flags(_Model):
    self_service: StrictBool
    """The item may be done at a self-service kiosk (自助办理)."""
    commitment: StrictBool
    """Commitment-based approval (告知承诺) is allowed."""
    online: StrictBool
    """Fully online handling (全程网办) is allowed."""
    new_entity: StrictBool = False
    """An enterprise item that founds the enterprise (设立登记): it has no credit code yet, so the
    founder applies as themselves, by their ID card; every other enterprise item is applied for
    by the enterprise, by its credit code."""


class ServiceItem(_Model):
    """A service item (事项)."""

    code: ItemCode
    name: Text
    stream: Stream
    theme: Slug
    department: Slug
    """The accepting department; the lead department (牵头部门) when co_departments is not empty."""
    co_departments: tuple[Slug, ...] = ()
    """Departments that handle the case in parallel (并联办理)."""
    wait_target_min: Annotated[int, Field(strict=True, ge=1, le=MAX_WAIT_MIN)]
    limits: Limits
    flags: Flags
    yields_certificate: Slug | None = None
    guide: Guide
    application_fields: tuple[ApplicationField, ...] = ()
    """Typed fields a self-service application fills in (kiosk, online); none by default."""

    @field_validator("application_fields")
    @classmethod
    def _field_codes_distinct(cls, value: tuple[ApplicationField, ...]) -> tuple[ApplicationField, ...]:
        seen: dict[str, int] = {}
        for index, f in enumerate(value):
            if f.code in seen:
                raise ValueError(f"field code {f.code!r} is used twice ([{seen[f.code]}] and [{index}])")
            seen[f.code] = index
        return value

    @field_validator("stream")
    @classmethod
    def _stream_matches_code(cls, value: Stream, info: ValidationInfo) -> Stream:
        code, prefix = info.data.get("code"), _CODE_PREFIX[value]
        if code and not code.startswith(prefix + "-"):
            raise ValueError(f"{value.value} items have codes starting with {prefix}-, but the code is {code}")
        return value

    @field_validator("theme")
    @classmethod
    def _theme_fits_stream(cls, value: str, info: ValidationInfo) -> str:
        if value.startswith(ENTERPRISE_ONLY_PREFIX) and info.data.get("stream") is Stream.CITIZEN:
            raise ValueError(f"theme {value} is for enterprise items, but stream is citizen")
        return value

    @field_validator("co_departments")
    @classmethod
    def _co_departments_distinct(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        lead = info.data.get("department")
        if lead in value:
            raise ValueError(f"{lead} is the lead department (department:); list only the other departments")
        if len(set(value)) != len(value):
            raise ValueError("a department is listed twice")
        return value

    @property
    def wait_target_s(self) -> int:
        return self.wait_target_min * 60

    @property
    def label(self) -> str:
        return item_label(self.code, self.name.zh)


class Department(_Model):
    code: Slug
    name: Text
    phone: Phone
    address: Text


class ECertificateType(_Model):
    """A type of e-certificate (电子证照) in the hall's certificate registry."""

    code: Slug
    name: Text
    issuer: Slug
    """The code of the issuing department."""


def item_label(code: object, name_zh: object = None) -> str:
    """How messages name an item: `item C-SB-001 (城乡居民养老保险参保登记)`."""
    label = f"item {code}"
    return f"{label} ({name_zh})" if isinstance(name_zh, str) and name_zh.strip() else label


def format_path(loc: tuple[int | str, ...]) -> str:
    """('guide', 'materials', 2, 'code') -> 'guide.materials[2].code'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _unknown(kind: str, value: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f"unknown {kind} {value!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


Loc = tuple[int | str, ...]


def item_reference_problems(
    item: Mapping[str, Any],
    departments: Collection[str] | None,
    certificate_types: Collection[str] | None,
    themes: Collection[str] | None,
) -> Iterator[tuple[Loc, str]]:
    """References from an item (in document form) to things that do not exist, as (field path, message).

    Works on plain data so the loader can check items that have other problems too; values
    of the wrong type are skipped (the schema reports them). A collection given as None is
    not checked (the loader passes None when that section is itself broken).
    """

    def check(loc: Loc, value: Any, known: Collection[str] | None, kind: str) -> Iterator[tuple[Loc, str]]:
        if known is not None and isinstance(value, str) and value not in known:
            yield loc, _unknown(kind, value, known)

    yield from check(("theme",), item.get("theme"), themes, "theme")
    yield from check(("department",), item.get("department"), departments, "department")
    co_departments = item.get("co_departments")
    for index, code in enumerate(co_departments if isinstance(co_departments, list | tuple) else ()):
        yield from check(("co_departments", index), code, departments, "department")
    yield from check(("yields_certificate",), item.get("yields_certificate"), certificate_types, "e-certificate type")
    guide = item.get("guide")
    materials = guide.get("materials") if isinstance(guide, Mapping) else None
    for index, material in enumerate(materials if isinstance(materials, list | tuple) else ()):
        if isinstance(material, Mapping):
            loc = ("guide", "materials", index, "e_certificate")
            yield from check(loc, material.get("e_certificate"), certificate_types, "e-certificate type")


class Catalogue(_Model):
    """A hall's service catalogue. `items` keeps the order of the file."""

    hall_name: Text
    departments: dict[str, Department]
    e_certificate_types: dict[str, ECertificateType]
    themes: dict[str, Text]
    items: dict[str, ServiceItem]

    @model_validator(mode="after")
    def _consistent(self) -> "Catalogue":
        problems: list[str] = []
        for section, entries in (
            ("departments", self.departments),
            ("e_certificate_types", self.e_certificate_types),
            ("items", self.items),
        ):
            for key, entry in entries.items():
                if key != entry.code:
                    problems.append(f"{section}: key {key!r} differs from its code {entry.code!r}")
        problems.extend(f"themes: {key!r} is not a valid theme key" for key in self.themes if not is_slug(key))
        for cert in self.e_certificate_types.values():
            if cert.issuer not in self.departments:
                problems.append(
                    f"e-certificate type {cert.code}: issuer: {_unknown('department', cert.issuer, self.departments)}"
                )
        for item in self.items.values():
            for loc, message in item_reference_problems(
                item.model_dump(mode="json"), self.departments, self.e_certificate_types, self.themes
            ):
                problems.append(f"{item.label}: {format_path(loc)}: {message}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def item(self, code: str) -> ServiceItem:
        try:
            return self.items[code]
        except KeyError:
            raise KeyError(f"no service item {code!r} in the catalogue of {self.hall_name.zh}") from None

    def items_by_stream(self, stream: Stream | str) -> list[ServiceItem]:
        wanted = Stream(stream)
        return [item for item in self.items.values() if item.stream is wanted]

    def items_by_theme(self, theme: str) -> list[ServiceItem]:
        return [item for item in self.items.values() if item.theme == theme]

    def tier_shares(self) -> dict[str, float]:
        """Share of items per tier (all three tiers present), for the 三四三 report."""
        total = len(self.items)
        counts = {tier.value: 0 for tier in Tier}
        for item in self.items.values():
            counts[item.limits.tier.value] += 1
        return {tier: (count / total if total else 0.0) for tier, count in counts.items()}

    def to_document(self) -> dict[str, Any]:
        """The catalogue as plain JSON data in the shape of the YAML file."""
        return {
            "hall_name": self.hall_name.model_dump(mode="json"),
            "departments": [d.model_dump(mode="json") for d in self.departments.values()],
            "e_certificate_types": [c.model_dump(mode="json") for c in self.e_certificate_types.values()],
            "themes": {key: text.model_dump(mode="json") for key, text in self.themes.items()},
            "items": [item.model_dump(mode="json") for item in self.items.values()],
        }

    def content_hash(self) -> str:
        """sha256 (hex) of the canonical JSON of `to_document()`: same content, same hash.

        The order of items (and of lists inside them) counts; the order of mapping keys does not.
        """
        return content_hash(self.to_document())


def content_hash(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
