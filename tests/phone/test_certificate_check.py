"""The certificate check on a phone (/m/certificate): the page a certificate's QR code opens
(the URL ``PublicLinks.certificate`` builds) says VALID; a forged code says NOT VALID and
shows nothing of the certificate; the form checks what is typed."""

from __future__ import annotations

from datetime import date

import pytest
import requests
from playwright.sync_api import Page, expect

from queue_server.links import PublicLinks
from queue_server.web.phone.certificates import why_not
from tests.phone.cases_support import APPLICANT, Desk
from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess
from tests.web.support import SCREENSHOTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def certificate(hall: HallProcess) -> dict[str, str]:
    """A physician licence the health bureau's approval issued: its number and code."""
    desk = Desk(hall)
    case_id, _ = desk.approved_case()
    return desk.certificate(case_id)


def qr_url(hall: HallProcess, number: str, code: str) -> str:
    return PublicLinks(hall.http).certificate(number, code)


def forged(code: str) -> str:
    return code[:-1] + ("A" if code[-1] != "A" else "B")


def check_page(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)
    assert_private(page)
    assert APPLICANT not in page.content()


def test_the_qr_page_of_a_certificate_says_valid(phone: Page, hall: HallProcess, certificate: dict[str, str]) -> None:
    phone.goto(qr_url(hall, certificate["number"], certificate["verification_code"]))
    verdict = phone.locator("#verdict")
    expect(verdict).to_contain_text("有效")
    expect(verdict.locator(".big [lang=en]")).to_have_text("VALID")
    expect(phone.locator("#cert-title")).to_contain_text("医师执业证书")
    expect(phone.locator("#cert-number")).to_have_text(certificate["number"])
    expect(phone.locator("#holder")).to_have_text("张**")  # masked, as on the certificate
    expect(phone.locator("main")).to_contain_text("示范区卫生健康局")
    expect(phone.locator("#issued-on")).to_have_text(certificate["issued_on"])
    check_page(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-certificate.png"), full_page=True)


def test_a_forged_code_says_not_valid_and_shows_nothing(
    phone: Page, hall: HallProcess, certificate: dict[str, str]
) -> None:
    url = qr_url(hall, certificate["number"], forged(certificate["verification_code"]))
    assert requests.get(url, timeout=10).status_code == 404
    phone.goto(url)
    verdict = phone.locator("#verdict")
    expect(verdict).to_contain_text("未通过核验")
    expect(verdict.locator(".big [lang=en]")).to_have_text("NOT VALID")
    body = phone.inner_text("body")
    assert "张" not in body and "医师执业证书" not in body and "卫生健康局" not in body
    why = phone.locator("#why-not").text_content()
    # an unknown number reads word for word the same: the page tells a forger nothing
    phone.goto(qr_url(hall, "PHYSICIAN_LICENCE-H01-20200101-999999", certificate["verification_code"]))
    assert phone.locator("#why-not").text_content() == why
    check_page(phone)


def test_the_form_checks_what_is_typed_then_opens_the_qr_page(
    phone: Page, hall: HallProcess, certificate: dict[str, str]
) -> None:
    phone.goto(hall.http + "/m/")
    phone.click("#to-certificate")
    check_page(phone)
    phone.fill("#number", certificate["number"].lower())
    phone.fill("#code", "123")
    phone.click("#certificate-go")
    expect(phone.locator("#refused")).to_contain_text("核验码为证照二维码旁的 10 位字母和数字")
    expect(phone.locator("#refused [lang=en]")).to_contain_text("verification code")
    expect(phone.locator("#number")).to_have_value(certificate["number"])  # kept
    check_page(phone)
    phone.fill("#code", certificate["verification_code"].lower())
    phone.click("#certificate-go")
    expect(phone).to_have_url(qr_url(hall, certificate["number"], certificate["verification_code"]))
    expect(phone.locator("#verdict")).to_contain_text("有效")


def test_the_check_reads_without_javascript(
    no_js_phone: Page, hall: HallProcess, certificate: dict[str, str]
) -> None:
    page = no_js_phone
    page.goto(hall.http + "/m/certificate")
    page.fill("#number", certificate["number"])
    page.fill("#code", forged(certificate["verification_code"]))
    page.click("#certificate-go")
    expect(page.locator("#verdict .big [lang=en]")).to_have_text("NOT VALID")
    page.goto(qr_url(hall, certificate["number"], certificate["verification_code"]))
    expect(page.locator("#verdict .big [lang=en]")).to_have_text("VALID")
    assert_fits_phone(page)
    assert_private(page)


def test_guessing_codes_is_stopped_in_the_hall_s_words(
    phone: Page, hall: HallProcess, certificate: dict[str, str]
) -> None:
    """Wrong codes are counted per client: after a handful the hall refuses for a while, and the
    page says so in both languages. (Last of the module's hall tests: it spends this client's
    budget.)"""
    statuses = []
    for n in range(12):
        r = phone.goto(qr_url(hall, certificate["number"], f"GUESS{n:05d}"))
        assert r is not None
        statuses.append(r.status)
        if r.status == 429:
            break
    assert statuses[0] == 404 and statuses[-1] == 429, statuses
    expect(phone.locator("#why-not")).to_contain_text("错误次数过多")
    expect(phone.locator("#why-not [lang=en]")).to_contain_text("too many wrong codes")
    expect(phone.locator("#verdict .big [lang=en]")).to_have_text("NOT VALID")


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [
        ({"revoked": True}, "已注销", "revoked"),
        ({"issued_on": "2027-01-04"}, "尚未生效（2027-01-04 起有效）", "Not valid yet"),
        ({"valid_until": "2026-11-30"}, "已过期（有效期至 2026-11-30）", "expired on 2026-11-30"),
    ],
)
def test_a_certificate_that_is_not_valid_says_why(change: dict[str, object], zh: str, en: str) -> None:
    """The hall's registry has no revocation or back-dated certificate to drive through the
    server yet: the words the page gives for each, from the reply's fields."""
    cert = {"revoked": False, "issued_on": "2026-01-05", "valid_until": None, **change}
    said_zh, said_en = why_not(cert, date(2026, 12, 2))
    assert said_zh == zh and en in said_en
