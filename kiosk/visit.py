"""The visit: who is at the kiosk, what they chose and what the server said. Pure.

Screens only show a :class:`Visit`; the app's controller changes it when the visitor taps,
a card is read or an answer arrives. Everything personal lives here and nowhere else, so
:meth:`Visit.clear` (idle, 返回首页, card lifted at the end) forgets the visitor at once:
the ID number is held only in memory, for the requests that need it, and never shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from protocol.idnumber import mask, mask_name

ELDER_AGE = 60
"""The card holder's age from which the kiosk offers elder mode by itself (长辈版)."""


class Mode(StrEnum):
    FULL = "full"
    PRINT_STATION = "print-station"  # 自助打印终端: certificates only


@dataclass(frozen=True)
class Visitor:
    """The card holder signed in at the kiosk (from the ID card reader)."""

    name: str
    id_number: str
    birth: dt.date
    address: str = ""
    sex_code: str = ""
    photo: Any = field(default=None, repr=False, compare=False)
    """The card's photo, for a face-match plug-in only; never sent or stored."""

    @classmethod
    def from_card(cls, card: Any) -> Visitor:
        """From an :class:`idcard.IdCard` (duck-typed: the kiosk's model needs no reader)."""
        return cls(card.name, card.id_number, card.birth, card.address, card.sex_code, getattr(card, "photo", None))

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_masked(self) -> str:
        return mask(self.id_number)

    def age(self, today: dt.date) -> int:
        b = self.birth
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


class OfferKind(StrEnum):
    CHECK_IN = "check_in"  # today's appointment
    CONTINUE_CASE = "continue_case"  # an open case: back to the first-inquiry clerk
    PRINT_CERTIFICATE = "print_certificate"
    RATE = "rate"


@dataclass(frozen=True)
class Offer:
    """Something the hall knows for the card holder, offered on home at once."""

    kind: OfferKind
    ref: str  # appointment code, case id, certificate number, ticket or case to rate
    title_zh: str
    title_en: str
    data: dict[str, Any] = field(default_factory=dict)


def _name(d: dict[str, Any], key: str = "item_name") -> tuple[str, str]:
    n = d.get(key) or {}
    return (n.get("zh", ""), n.get("en", "")) if isinstance(n, dict) else (str(n), str(n))


def slot_text(slot: Any) -> str:
    """An appointment's slot as ``visitor.lookup`` gives it (``{start, end}``): 09:00–09:30."""
    return f"{slot.get('start', '')}–{slot.get('end', '')}" if isinstance(slot, dict) else str(slot or "")


def offers_from(known: dict[str, Any], certificate_names: dict[str, dict[str, str]] | None = None) -> list[Offer]:
    """The offers of a ``visitor.lookup`` answer, most pressing first. ``certificate_names``:
    the catalogue's e-certificate types by code (an answer names a certificate by its type)."""
    out: list[Offer] = []
    for a in known.get("appointments_today") or []:
        zh, en = _name(a)
        slot = slot_text(a.get("slot"))
        out.append(Offer(OfferKind.CHECK_IN, a["code"], f"预约签到：{slot} {zh}", f"Check in: {slot} {en}", a))
    for c in known.get("open_cases") or []:
        zh, en = _name(c)
        out.append(Offer(OfferKind.CONTINUE_CASE, c["case"], f"继续办理：{zh}", f"Continue: {en}", c))
    names = certificate_names or {}
    for cert in known.get("certificates_ready") or []:
        name = names.get(cert.get("type", "")) or {"zh": cert.get("type", ""), "en": cert.get("type", "")}
        out.append(Offer(OfferKind.PRINT_CERTIFICATE, cert["number"], f"打印证照：{name['zh']}",
                         f"Print: {name['en']}", cert))
    for r in known.get("to_rate") or []:
        zh, en = _name(r)
        out.append(Offer(OfferKind.RATE, r.get("ticket") or r.get("case") or "", f"评价服务：{zh}",
                         f"Rate: {en}", r))
    return out


class PageState(StrEnum):
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    FAILED = "failed"


@dataclass
class CapturedPage:
    """A page the visitor kept for a material: held in memory until the visit ends, so that a
    failed upload is retried without photographing the page again."""

    material: str
    jpeg: bytes
    sha256: str = ""  # set once the server holds it
    state: PageState = PageState.UPLOADING
    error: str = ""  # why the last upload failed, in the visitor's words


@dataclass
class Application:
    """A self-service application being filled in (自助申报)."""

    item_code: str
    fields: dict[str, str] = field(default_factory=dict)
    pages: list[tuple[str, str]] = field(default_factory=list)  # (material code, sha256) uploaded
    certificates: list[str] = field(default_factory=list)  # material codes replaced by e-certificates
    agent: Visitor | None = None  # the agent's card when one applies for someone else
    applicant: Visitor | None = None  # whom it is for: the card holder, or typed in by the agent
    captured: list[CapturedPage] = field(default_factory=list)  # every page kept, uploaded or not
    masked: dict[str, tuple[str, str]] = field(default_factory=dict)
    """code -> (value, as shown): a value from an earlier case shown as the server masks it
    (a phone ``138****5678``) until the visitor changes it."""

    def pages_of(self, material: str) -> list[CapturedPage]:
        return [p for p in self.captured if p.material == material]

    def keep(self, material: str, jpeg: bytes) -> CapturedPage:
        page = CapturedPage(material, jpeg)
        self.captured.append(page)
        return page

    def uploaded(self, page: CapturedPage, sha256: str) -> None:
        page.sha256, page.state, page.error = sha256, PageState.UPLOADED, ""
        if (page.material, sha256) not in self.pages:
            self.pages.append((page.material, sha256))

    @property
    def pending(self) -> list[CapturedPage]:
        """Pages not on the server yet (uploading or failed)."""
        return [p for p in self.captured if p.state is not PageState.UPLOADED]


@dataclass
class Visit:
    """See the module docstring. ``version`` changes on every change, so screens redraw then only."""

    lang: str = "zh"
    elder: bool = False
    elder_offered: bool = False
    visitor: Visitor | None = None
    known: dict[str, Any] = field(default_factory=dict)
    stream: str = ""
    theme: str = ""
    item_code: str = ""
    ticket: dict[str, Any] | None = None
    printed: bool | None = None  # None: not tried; False: shown on screen only (paper out, …)
    application: Application | None = None
    case: dict[str, Any] | None = None  # the case being tracked or just submitted
    rated: set[str] = field(default_factory=set)
    version: int = 0

    def touch(self) -> None:
        self.version += 1

    # ---------------------------------------------------------------- visitor
    def sign_in(self, visitor: Visitor, today: dt.date) -> bool:
        """A card was read. Returns whether elder mode should be offered now (60+, not yet)."""
        if self.visitor is not None and self.visitor.id_number != visitor.id_number:
            self.forget_person()
        self.visitor = visitor
        self.touch()
        offer = visitor.age(today) >= ELDER_AGE and not self.elder and not self.elder_offered
        self.elder_offered = self.elder_offered or offer
        return offer

    def learn(self, known: dict[str, Any]) -> None:
        self.known = dict(known)
        self.touch()

    def offers(self, certificate_names: dict[str, dict[str, str]] | None = None) -> list[Offer]:
        done = self.rated
        return [o for o in offers_from(self.known, certificate_names)
                if not (o.kind is OfferKind.RATE and o.ref in done)]

    @property
    def green_channel(self) -> bool:
        return bool(self.known.get("green_channel"))

    @property
    def returning_clerk(self) -> dict[str, Any] | None:
        return self.known.get("returning_clerk") or None

    def forget_person(self) -> None:
        """Everything about the person, keeping language and mode (another person, same session)."""
        self.visitor = None
        self.known = {}
        self.ticket = None
        self.printed = None
        self.application = None
        self.case = None
        self.rated = set()
        self.touch()

    def clear(self) -> None:
        """Idle or home after a visit: the next visitor starts from nothing."""
        self.forget_person()
        self.lang, self.elder, self.elder_offered = "zh", False, False
        self.stream = self.theme = self.item_code = ""
        self.touch()

    # ----------------------------------------------------------------- choice
    def choose(self, *, stream: str | None = None, theme: str | None = None, item_code: str | None = None) -> None:
        if stream is not None:
            self.stream, self.theme, self.item_code = stream, "", ""
        if theme is not None:
            self.theme, self.item_code = theme, ""
        if item_code is not None:
            self.item_code = item_code
        self.touch()

    def ticket_issued(self, answer: dict[str, Any]) -> None:
        self.ticket = dict(answer)
        self.printed = None
        self.touch()

    def text(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh
