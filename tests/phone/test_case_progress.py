"""The visitor follows a case on a phone (/m/case): the receipt's QR page, reloaded as the
window and the health bureau move the case on over REST; supplementing online and rating
through the page's own forms; a wrong check code refused as if there were no such case."""

from __future__ import annotations

import copy
import re

import pytest
import requests
from playwright.sync_api import Page, expect

from queue_server.catalogue import load_catalogue
from queue_server.links import PublicLinks
from queue_server.runtime import DEFAULT_CATALOGUE
from tests.phone.cases_support import APPLICANT, ITEM, OWED, OWED_NAMES, Desk
from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess
from tests.web.support import SCREENSHOTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def desk(hall: HallProcess) -> Desk:
    return Desk(hall)


def case_url(hall: HallProcess, case_id: str, code: str) -> str:
    """The receipt's QR code: the hall's public link (here its own address)."""
    return PublicLinks(hall.http).case(case_id, code)


def steps(page: Page) -> list[str]:
    return [s.split("\n")[0] for s in page.locator("#steps > li").all_inner_texts()]


def check_page(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)
    assert_private(page)
    assert APPLICANT not in page.content()


def test_the_page_follows_a_case_from_the_window_to_its_hand_out(phone: Page, hall: HallProcess, desk: Desk) -> None:
    case_id, code = desk.submit()
    phone.goto(case_url(hall, case_id, code))
    expect(phone.locator("h1")).to_contain_text("医师执业注册")
    expect(phone.locator("#case-number")).to_have_text(case_id)
    expect(phone.locator("#case-state")).to_contain_text("已申请")
    # the handling officer's name and phone, public as the reform asks
    expect(phone.locator("#officer")).to_contain_text("陈晓梅")
    expect(phone.locator("#officer a[href='tel:0755-26010101']")).to_be_visible()
    assert steps(phone) == ["提交申请"]
    expect(phone.locator("#owed")).to_have_count(0)
    check_page(phone)

    # the window issues a one-time notice: the page names what is owed, by when, where
    desk.notice(case_id)
    phone.reload()
    expect(phone.locator("#case-state")).to_contain_text("待补正")
    assert steps(phone) == ["提交申请", "一次性告知：需补正材料"]
    owed = phone.locator("#owed")
    for name in OWED_NAMES:
        expect(owed).to_contain_text(name)
    assert "physician_qualification" not in phone.inner_text("body")  # names, never codes
    expect(phone.locator("#deadline")).to_contain_text("已暂停计时")
    expect(phone.locator("#notice")).to_contain_text("一次性告知（第 1 次）")
    expect(phone.locator("#notice")).to_contain_text("1号")  # the window it was issued at
    assert phone.locator("#notice").get_attribute("open") is not None  # unfolded while owed
    check_page(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-case.png"), full_page=True)

    # every item of the seeded catalogue is handled online: the visitor hands the rest in here
    expect(phone.locator("#supplement-form input[name=material]")).to_have_count(len(OWED_NAMES))
    phone.click("#supplement-go")
    expect(phone).to_have_url(re.compile(r"done=supplemented"))
    expect(phone.locator("#done")).to_contain_text("补正材料已提交")
    expect(phone.locator("#case-state")).to_contain_text("已补正")
    assert steps(phone)[-1] == "补正材料"
    expect(phone.locator("#owed")).to_have_count(0)
    expect(phone.locator("#steps > li").last).to_contain_text("网上")

    # accepted: the promised date appears, the clock runs
    desk.accept(case_id)
    phone.reload()
    expect(phone.locator("#case-state")).to_contain_text("已受理")
    expect(phone.locator("#due")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    expect(phone.locator("#deadline")).not_to_contain_text("暂停")
    expect(phone.locator("#rate-form")).to_have_count(0)  # nothing to rate before the result
    assert phone.locator("#notice").get_attribute("open") is None  # the notice is history now, folded

    # the health bureau decides; the result waits at the pick-up window, with its certificate
    desk.approve(case_id)
    desk.result_ready(case_id)
    phone.reload()
    assert steps(phone)[-4:] == ["转部门审批", "示范区卫生健康局审批", "审批通过", "办理结果待领取"]
    expect(phone.locator("#collect")).to_contain_text("出件窗口")
    expect(phone.locator("#result")).to_contain_text("医师执业证书")
    cert = desk.certificate(case_id)
    expect(phone.locator("#cert-link")).to_have_attribute(
        "href", PublicLinks(hall.http).certificate(cert["number"], cert["verification_code"])
    )
    check_page(phone)

    # handed out: the page says when and where, and asks for a rating
    desk.hand_out(case_id)
    phone.reload()
    expect(phone.locator("#case-state")).to_contain_text("已出件")
    expect(phone.locator("#collected")).to_contain_text("窗口出件")
    phone.click("#rate-go")  # no level chosen: said, nothing lost
    expect(phone.locator("#refused")).to_contain_text("请选择一个评价等级")
    phone.check("input[name=level][value='4']")
    phone.fill("#comment", "办事很快")
    phone.click("#rate-go")
    expect(phone.locator("#done")).to_contain_text("感谢您的评价")
    phone.check("input[name=level][value='1']")
    phone.fill("#comment", "再评一次")
    phone.click("#rate-go")  # once per service: the hall's refusal, the comment kept
    expect(phone.locator("#refused")).to_be_visible()
    expect(phone.locator("#comment")).to_have_value("再评一次")
    check_page(phone)

    # the certificate's check link opens its QR page
    phone.click("#cert-link")
    expect(phone.locator("#verdict")).to_contain_text("有效")


def test_a_wrong_check_code_looks_like_no_such_case(phone: Page, hall: HallProcess, desk: Desk) -> None:
    case_id, code = desk.submit()
    wrong = "AAAAAA" if code != "AAAAAA" else "BBBBBB"
    r = requests.get(case_url(hall, case_id, wrong), timeout=10)
    assert r.status_code == 404
    phone.goto(case_url(hall, case_id, wrong))
    refused = phone.locator("#refused")
    expect(refused).to_contain_text("没有找到办件")
    expect(refused.locator("[lang=en]")).to_contain_text("no case")
    body = phone.inner_text("body")
    assert "医师执业注册" not in body and "陈晓梅" not in body and "张" not in body
    # the form is there again, the number kept: the visitor corrects the code and goes on
    expect(phone.locator("#case")).to_have_value(case_id)
    phone.fill("#code", code.lower())
    phone.click("#case-go")
    expect(phone.locator("#case-number")).to_have_text(case_id)
    # a case that does not exist reads the same as a wrong code
    phone.goto(case_url(hall, "NS-20200101-999999", wrong))
    expect(phone.locator("#refused")).to_contain_text("没有找到办件")
    check_page(phone)


def test_the_lookup_form_checks_what_is_typed(phone: Page, hall: HallProcess, desk: Desk) -> None:
    case_id, code = desk.submit()
    phone.goto(hall.http + "/m/")
    phone.click("#to-case")
    check_page(phone)
    phone.fill("#case", case_id)
    phone.fill("#code", "12")
    phone.click("#case-go")
    expect(phone.locator("#refused")).to_contain_text("查询码为受理回执上的 6 位字母和数字")
    expect(phone.locator("#refused [lang=en]")).to_contain_text("check code")
    expect(phone.locator("#case")).to_have_value(case_id)  # nothing typed is lost
    check_page(phone)
    phone.fill("#case", "NS-123")
    phone.fill("#code", code)
    phone.click("#case-go")
    expect(phone.locator("#refused")).to_contain_text("办件编号格式不对")
    phone.fill("#case", case_id.lower())
    phone.fill("#code", code)
    phone.click("#case-go")
    expect(phone).to_have_url(case_url(hall, case_id, code))


def test_the_pages_read_and_post_without_javascript(no_js_phone: Page, hall: HallProcess, desk: Desk) -> None:
    case_id, code = desk.submit()
    desk.notice(case_id)
    page = no_js_phone
    page.goto(hall.http + "/m/case")
    page.fill("#case", case_id)
    page.fill("#code", code)
    page.click("#case-go")
    expect(page).to_have_url(case_url(hall, case_id, code))
    for name in OWED_NAMES:
        expect(page.locator("#owed")).to_contain_text(name)
    # the visitor unticks two they have not got: the form posts what is ticked
    boxes = page.locator("#supplement-form input[name=material]")
    boxes.nth(2).uncheck()
    boxes.nth(3).uncheck()
    page.click("#supplement-go")
    expect(page.locator("#done")).to_be_visible()
    assert "补正材料" in steps(page)
    assert_fits_phone(page)
    assert_private(page)


def test_an_item_not_handled_online_asks_to_bring_the_materials(phone: Page, hall: HallProcess, desk: Desk) -> None:
    """Where the published catalogue says an item is not handled online (flags.online), the
    page lists what is owed and where to bring it, and the hall refuses a supplement over the
    web. (Runs last: it publishes a catalogue, and puts the seeded one back.)"""
    seeded = load_catalogue(DEFAULT_CATALOGUE).to_document()
    changed = copy.deepcopy(seeded)
    next(i for i in changed["items"] if i["code"] == ITEM)["flags"]["online"] = False
    admin = {"Authorization": f"Bearer {hall.token('admin')}"}
    r = requests.post(f"{hall.http}/api/v1/catalogue", json=changed, headers=admin, timeout=60)
    assert r.status_code == 201, r.text
    try:
        case_id, code = desk.submit()
        desk.notice(case_id)
        phone.goto(case_url(hall, case_id, code))
        expect(phone.locator("#supplement-form")).to_have_count(0)
        expect(phone.locator("#bring")).to_contain_text("请携带以上材料到示范区政务服务中心 1号综合窗口")
        for name in OWED_NAMES:
            expect(phone.locator("#owed")).to_contain_text(name)
        check_page(phone)
        online = requests.post(
            f"{hall.http}/api/v1/cases/{case_id}/supplement", json={"code": code, "materials": OWED}, timeout=10
        )
        assert online.status_code == 400 and "网上补正" in online.json()["error"]["message_zh"]
    finally:
        r = requests.post(f"{hall.http}/api/v1/catalogue", json=seeded, headers=admin, timeout=60)
        assert r.status_code in (200, 201), r.text
