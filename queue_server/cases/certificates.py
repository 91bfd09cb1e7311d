"""The hall's e-certificate registry (电子证照): register, look up, replace materials, verify, print.

Approval of an item that yields a certificate registers one (type, number, holder, issuing
department, dates). Holders are found by the keyed hash of their ID number (see
``queue_server.privacy.Privacy.lookup_hash``), never by the number itself. A certificate on
file replaces, in a later case, every material whose ``e_certificate`` type it is (no
material asked twice). Each certificate has a verification code for the page its QR code
opens; self-prints are counted. Pure: callers pass ``now``, dates and secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from queue_server.catalogue.model import Material, ServiceItem
from queue_server.engine.errors import EngineError, bad_request, conflict, not_found
from queue_server.engine.events import Event

from .lifecycle import CaseItem

CERTIFICATE_REGISTERED = "certificate.registered"
CERTIFICATE_PRINTED = "certificate.printed"
CERTIFICATE_REVOKED = "certificate.revoked"

_HASH = re.compile(r"[0-9a-f]{32,128}\Z")


@dataclass(frozen=True, slots=True)
class Certificate:
    number: str
    type: str  # e-certificate type code of the catalogue (ECertificateType.code)
    holder_hash: str
    holder_name_masked: str
    department: str
    item: str
    case: str
    issued_on: date
    valid_until: date | None
    verification_code: str
    revoked: bool = False
    prints: int = 0

    def valid_on(self, day: date) -> bool:
        return (
            not self.revoked
            and self.issued_on <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True, slots=True)
class MaterialsCheck:
    """A new case's materials list after the registry looked at the holder's certificates."""

    needed: tuple[Material, ...]  # still to bring
    replaced: tuple[tuple[Material, Certificate], ...]  # (material, the certificate that replaces it)


def verification_code(secret: bytes, number: str, length: int = 10) -> str:
    """A short code for the QR page: unguessable without the hall's secret, fixed per certificate."""
    digest = hmac.new(secret, number.encode(), hashlib.sha256).hexdigest().upper()
    return digest[:length]


def certificate_number(type_code: str, issued_on: date, serial: int, hall: str = "") -> str:
    """A readable number: TYPE-HALL-YYYYMMDD-000123 (the caller keeps the serial)."""
    prefix = type_code.upper() + (f"-{hall}" if hall else "")
    return f"{prefix}-{issued_on:%Y%m%d}-{serial:06d}"


@dataclass(slots=True)
class CertificateRegistry:
    certificates: dict[str, Certificate] = field(default_factory=dict)
    by_holder_index: dict[str, list[str]] = field(default_factory=dict)

    # ----------------------------------------------------------------- commands
    def register(
        self,
        item: ServiceItem | CaseItem,
        *,
        case: str,
        number: str,
        holder_hash: str,
        holder_name_masked: str,
        issued_on: date,
        code: str,
        now: float,
        valid_until: date | None = None,
    ) -> list[Event]:
        """On approval of ``item`` (the catalogue item, or the case's snapshot of it): the certificate it yields."""
        if item.yields_certificate is None:
            raise bad_request(
                f"item {item.code} does not yield a certificate",
                f"事项 {item.code} 不产生电子证照",
                item=item.code,
            )
        _check_hash(holder_hash)
        if not number.strip():
            raise bad_request("a certificate needs a number", "电子证照必须有证照编号")
        if number in self.certificates:
            raise conflict(
                f"certificate {number} is registered already", f"证照编号 {number} 已存在", number=number
            )
        if valid_until is not None and valid_until < issued_on:
            raise bad_request("valid_until is before issued_on", "有效期截止日早于发证日期", number=number)
        data = {
            "number": number,
            "type": item.yields_certificate,
            "holder_hash": holder_hash,
            "holder_name_masked": holder_name_masked,
            "department": item.department,
            "item": item.code,
            "case": case,
            "issued_on": issued_on.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "verification_code": code,
        }
        return [Event(CERTIFICATE_REGISTERED, now, data)]

    def record_print(self, number: str, *, hall: str, kiosk: str, now: float) -> list[Event]:
        """A self-print at a kiosk (counted)."""
        c = self.get(number)
        if c.revoked:
            raise conflict(
                f"certificate {number} is revoked", f"证照 {number} 已注销，不能打印", number=number
            )
        return [Event(CERTIFICATE_PRINTED, now, {"number": number, "hall": hall, "kiosk": kiosk})]

    def revoke(self, number: str, *, reason: str, by: str, now: float) -> list[Event]:
        c = self.get(number)
        if c.revoked:
            raise conflict(f"certificate {number} is revoked already", f"证照 {number} 已注销", number=number)
        if not reason.strip():
            raise bad_request("a revocation needs its reason", "注销证照必须说明理由", number=number)
        return [Event(CERTIFICATE_REVOKED, now, {"number": number, "reason": reason.strip(), "by": by})]

    # -------------------------------------------------------------------- apply
    def apply(self, e: Event) -> None:
        d = e.data
        if e.type == CERTIFICATE_REGISTERED:
            c = Certificate(
                number=d["number"],
                type=d["type"],
                holder_hash=d["holder_hash"],
                holder_name_masked=d["holder_name_masked"],
                department=d["department"],
                item=d["item"],
                case=d["case"],
                issued_on=date.fromisoformat(d["issued_on"]),
                valid_until=date.fromisoformat(d["valid_until"]) if d["valid_until"] else None,
                verification_code=d["verification_code"],
            )
            self.certificates[c.number] = c
            self.by_holder_index.setdefault(c.holder_hash, []).append(c.number)
        elif e.type == CERTIFICATE_PRINTED:
            c = self.certificates[d["number"]]
            self.certificates[c.number] = replace(c, prints=c.prints + 1)
        elif e.type == CERTIFICATE_REVOKED:
            c = self.certificates[d["number"]]
            self.certificates[c.number] = replace(c, revoked=True)
        else:
            raise EngineError("internal", f"unknown event type {e.type}", f"未知事件类型 {e.type}")

    def apply_all(self, events: Iterable[Event]) -> None:
        for e in events:
            self.apply(e)

    # -------------------------------------------------------------------- views
    def get(self, number: str) -> Certificate:
        c = self.certificates.get(number)
        if c is None:
            raise not_found("certificate", "电子证照", number)
        return c

    def by_holder(self, holder_hash: str, on: date | None = None) -> list[Certificate]:
        """The holder's certificates (valid on ``on`` when given), newest first."""
        _check_hash(holder_hash)
        found = [self.certificates[n] for n in self.by_holder_index.get(holder_hash, ())]
        if on is not None:
            found = [c for c in found if c.valid_on(on)]
        return sorted(found, key=lambda c: (c.issued_on, c.number), reverse=True)

    def materials_needed(self, item: ServiceItem, holder_hash: str, on: date) -> MaterialsCheck:
        """The item's materials minus those a valid certificate of the holder replaces."""
        on_file: dict[str, Certificate] = {}
        for c in self.by_holder(holder_hash, on):
            on_file.setdefault(c.type, c)  # newest of each type
        needed: list[Material] = []
        replaced: list[tuple[Material, Certificate]] = []
        for m in item.guide.materials:
            cert = on_file.get(m.e_certificate) if m.e_certificate else None
            if cert is None:
                needed.append(m)
            else:
                replaced.append((m, cert))
        return MaterialsCheck(tuple(needed), tuple(replaced))

    def verify(self, number: str, code: str) -> Certificate:
        """The QR page: the certificate when number and code match (a wrong code looks like no certificate)."""
        c = self.certificates.get(number)
        if c is None or not hmac.compare_digest(c.verification_code, code.strip().upper()):
            raise not_found("certificate", "电子证照", number)
        return c

    def print_count(self) -> int:
        return sum(c.prints for c in self.certificates.values())


def _check_hash(holder_hash: str) -> None:
    if not _HASH.match(holder_hash):
        raise bad_request(
            "look holders up by the keyed hash of their ID number, not the number itself",
            "须以身份证号的密钥散列值查询持证人，不能使用身份证号本身",
        )
