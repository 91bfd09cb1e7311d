"""The e-certificate registry with the demo catalogue: no material asked twice."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest

from queue_server.cases import (
    CaseBook,
    CaseItem,
    CertificateRegistry,
    Channel,
    Party,
    Role,
    Where,
    WorkCalendar,
    verification_code,
)
from queue_server.cases.certificates import certificate_number
from queue_server.catalogue import DEMO_CATALOGUE_PATH, load_catalogue
from queue_server.engine.errors import EngineError

CAT = load_catalogue(DEMO_CATALOGUE_PATH)
SECRET = b"hall-secret"
HOLDER = hmac.new(b"data-key", b"11010519491231002X", hashlib.sha256).hexdigest()
OTHER = hmac.new(b"data-key", b"110105194912310037", hashlib.sha256).hexdigest()
ISSUED = date(2025, 5, 6)


def register(reg: CertificateRegistry, item_code: str, serial: int = 1, holder: str = HOLDER, **kw) -> str:
    item = CAT.item(item_code)
    number = certificate_number(item.yields_certificate or "x", ISSUED, serial, "H01")
    reg.apply_all(
        reg.register(
            item,
            case=f"K{serial}",
            number=number,
            holder_hash=holder,
            holder_name_masked="张*",
            issued_on=ISSUED,
            code=verification_code(SECRET, number),
            now=0.0,
            **kw,
        )
    )
    return number


def codes(materials) -> list[str]:
    return [m.code for m in materials]


def test_a_business_licence_on_file_removes_it_from_a_later_case() -> None:
    reg = CertificateRegistry()
    later = CAT.item("E-DJ-003")  # change of registration: needs the business licence
    before = reg.materials_needed(later, HOLDER, date(2025, 6, 1))
    assert "business_licence" in codes(before.needed) and not before.replaced
    number = register(reg, "E-DJ-002")  # registration of an individual business yields one
    after = reg.materials_needed(later, HOLDER, date(2025, 6, 1))
    assert "business_licence" not in codes(after.needed)
    assert [(m.code, c.number) for m, c in after.replaced] == [("business_licence", number)]
    assert len(after.needed) == len(later.guide.materials) - 1
    # someone else's certificates replace nothing
    assert "business_licence" in codes(reg.materials_needed(later, OTHER, date(2025, 6, 1)).needed)


def test_a_social_security_card_replaces_only_its_own_material() -> None:
    reg = CertificateRegistry()
    register(reg, "C-SB-002")
    check = reg.materials_needed(CAT.item("C-RS-003"), HOLDER, date(2025, 6, 1))
    assert "social_security_card" not in codes(check.needed)
    assert "id_card" in codes(check.needed)  # no id_card certificate on file


def test_revoked_expired_or_not_yet_issued_certificates_replace_nothing() -> None:
    reg = CertificateRegistry()
    number = register(reg, "E-DJ-002", valid_until=date(2025, 12, 31))
    item = CAT.item("E-DJ-003")
    assert "business_licence" in codes(reg.materials_needed(item, HOLDER, date(2025, 5, 5)).needed)
    assert "business_licence" in codes(reg.materials_needed(item, HOLDER, date(2026, 1, 1)).needed)
    reg.apply_all(reg.revoke(number, reason="告知承诺核查不实", by="m1", now=1.0))
    assert "business_licence" in codes(reg.materials_needed(item, HOLDER, date(2025, 6, 1)).needed)
    assert reg.by_holder(HOLDER, date(2025, 6, 1)) == [] and len(reg.by_holder(HOLDER)) == 1


def test_registration_is_checked() -> None:
    reg = CertificateRegistry()
    with pytest.raises(EngineError) as err:
        register(reg, "C-JY-001")  # yields no certificate
    assert err.value.code == "bad_request" and "不产生" in err.value.message_zh
    with pytest.raises(EngineError) as err:
        register(reg, "E-DJ-002", holder="11010519491231002X")  # the raw ID number
    assert err.value.code == "bad_request"
    with pytest.raises(EngineError) as err:
        reg.by_holder("11010519491231002X")
    assert err.value.code == "bad_request"
    register(reg, "E-DJ-002")
    with pytest.raises(EngineError) as err:
        register(reg, "E-DJ-002")
    assert err.value.code == "conflict"
    with pytest.raises(EngineError) as err:
        register(reg, "E-DJ-002", serial=2, valid_until=date(2025, 1, 1))
    assert err.value.code == "bad_request"


def test_the_registered_certificate_carries_type_holder_department_and_dates() -> None:
    reg = CertificateRegistry()
    number = register(reg, "C-WJ-002", valid_until=date(2030, 5, 5))
    c = reg.get(number)
    assert (c.type, c.department, c.item, c.case) == ("physician_licence", "health", "C-WJ-002", "K1")
    assert (c.issued_on, c.valid_until, c.holder_hash) == (ISSUED, date(2030, 5, 5), HOLDER)
    assert number == "PHYSICIAN_LICENCE-H01-20250506-000001"


def test_the_qr_page_shows_a_certificate_only_with_its_code() -> None:
    reg = CertificateRegistry()
    number = register(reg, "E-DJ-002")
    code = verification_code(SECRET, number)
    assert verification_code(b"another hall", number) != code
    assert reg.verify(number, code.lower()).number == number
    with pytest.raises(EngineError) as err:
        reg.verify(number, "0000000000")
    assert err.value.code == "not_found"
    with pytest.raises(EngineError) as err:
        reg.verify("NOPE", code)
    assert err.value.code == "not_found"


def test_self_prints_are_counted_and_revoked_certificates_do_not_print() -> None:
    reg = CertificateRegistry()
    a = register(reg, "E-DJ-002")
    b = register(reg, "C-SB-002", serial=2)
    reg.apply_all(reg.record_print(a, hall="H01", kiosk="K03", now=1.0))
    reg.apply_all(reg.record_print(a, hall="H02", kiosk="K01", now=2.0))
    reg.apply_all(reg.record_print(b, hall="H01", kiosk="K03", now=3.0))
    assert reg.get(a).prints == 2 and reg.print_count() == 3
    reg.apply_all(reg.revoke(b, reason="错误发证", by="m1", now=4.0))
    with pytest.raises(EngineError) as err:
        reg.record_print(b, hall="H01", kiosk="K03", now=5.0)
    assert err.value.code == "conflict"
    with pytest.raises(EngineError) as err:
        reg.record_print("NOPE", hall="H01", kiosk="K03", now=5.0)
    assert err.value.code == "not_found"


def test_end_to_end_a_licence_from_one_case_is_not_asked_for_in_the_next() -> None:
    book = CaseBook(WorkCalendar())
    reg = CertificateRegistry()
    first = CaseItem.from_service_item(CAT.item("E-DJ-002"))
    officer = Where("c1", Role.CLERK, Channel.WINDOW, "H01", 2)
    office = Where("m1", Role.DEPARTMENT, Channel.BACK_OFFICE)
    now = 1_741_000_000.0
    book.apply_all(book.submit("K1", first, Party(HOLDER, "张*"), officer, now))
    book.apply_all(book.accept("K1", officer, now))
    book.apply_all(book.start_review("K1", office, now))
    events = book.decide_task("K1", "market", "approved", office, now)
    book.apply_all(events)
    assert events[-1].type == "case.approved"
    case = book.case("K1")
    number = certificate_number(case.item.yields_certificate or "", ISSUED, 7)
    reg.apply_all(
        reg.register(
            case.item,
            case=case.id,
            number=number,
            holder_hash=case.applicant.id_hash,
            holder_name_masked=case.applicant.name_masked,
            issued_on=ISSUED,
            code=verification_code(SECRET, number),
            now=now,
        )
    )
    later = CAT.item("E-DJ-004")  # food business licence: needs the business licence
    needed = [m.code for m in reg.materials_needed(later, HOLDER, ISSUED).needed]
    assert "business_licence" not in needed and "legal_rep_id_card" in needed
    # the new case is submitted with the reduced list; a notice may not ask for the licence again
    item = CaseItem.from_service_item(later)
    book.apply_all(
        book.submit("K2", item, Party(HOLDER, "张*"), officer, now, materials=["legal_rep_id_card"])
    )
    assert "business_licence" in item.materials  # still part of the guide, replaced by the registry
