"""The guides on the phone (/m/guides, /m/guides/<code>, /m/hall) against a real hall: the
catalogue by theme and department, pinyin search with and without JavaScript, a guide's every
field in the source document's order with its flow chart and materials, printing, the hall's
address, hours and buses."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from queue_server.catalogue.model import GUIDE_FIELD_LABELS
from queue_server.hallconfig import DEFAULT_HALL_CONFIG, load_hall_config
from tests.phone.support import assert_accessible, assert_fits_phone, assert_private
from tests.support.hall import HallProcess
from tests.web.support import SCREENSHOTS

ITEM = "C-JY-001"  # 义务教育阶段学生转学: five steps, materials that e-certificates replace


@pytest.fixture(scope="module")
def catalogue(hall: HallProcess) -> dict[str, Any]:
    r = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5)
    assert r.status_code == 200
    return r.json()


def item_of(catalogue: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in catalogue["items"] if i["code"] == code)


def test_the_catalogue_reads_by_theme_and_by_department(hall: HallProcess, phone: Page, catalogue: dict[str, Any]) -> None:
    phone.goto(f"{hall.http}/m/guides")
    for key, label in catalogue["themes"].items():
        if any(i["theme"] == key for i in catalogue["items"]):
            expect(phone.locator(f"#group-{key}")).to_contain_text(label["zh"])
    links = phone.locator("main .items a")
    assert links.count() == len(catalogue["items"])  # every item, once
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
    phone.screenshot(path=str(SCREENSHOTS / "phone-guides.png"), full_page=False)
    phone.click("#by-department")
    education = next(d for d in catalogue["departments"] if d["code"] == "education")
    expect(phone.locator("#group-education")).to_contain_text(education["name"]["zh"])
    expect(phone.locator("#group-education + .items")).to_contain_text("义务教育阶段学生转学")
    assert phone.locator("main .items a").count() == len(catalogue["items"])


@pytest.mark.parametrize("query", ["yiwujiaoyu", "ywjy", "zhuanxue"])
def test_a_pinyin_search_finds_the_item(hall: HallProcess, phone: Page, query: str) -> None:
    phone.goto(f"{hall.http}/m/guides")
    phone.fill("#q", query)
    phone.click("#search")
    expect(phone).to_have_url(re.compile(rf"/m/guides\?q={query}$"))
    first = phone.locator("#results .items a").first
    expect(first).to_contain_text("义务教育阶段学生转学")
    first.click()
    expect(phone.locator("#item-code")).to_have_text(ITEM)


def test_a_search_that_finds_nothing_says_so(hall: HallProcess, phone: Page) -> None:
    phone.goto(f"{hall.http}/m/guides?q=qqqqxx")
    expect(phone.locator("#no-results")).to_contain_text("没有找到")
    expect(phone.locator("#no-results")).to_contain_text("No item matches")


def test_the_guide_shows_every_field_in_the_documents_order(hall: HallProcess, phone: Page, catalogue: dict[str, Any]) -> None:
    item = item_of(catalogue, ITEM)
    guide = item["guide"]
    phone.goto(f"{hall.http}/m/guides/{ITEM}")
    expect(phone.locator("#item-name")).to_contain_text(item["name"]["zh"])
    ids = phone.locator("section.guide-field").evaluate_all("els => els.map(e => e.id)")
    assert ids == [f"field-{f}" for f in GUIDE_FIELD_LABELS]
    for field, label in GUIDE_FIELD_LABELS.items():
        expect(phone.locator(f"#h-{field}")).to_contain_text(label.zh)
        expect(phone.locator(f"#h-{field}")).to_contain_text(label.en)
    expect(phone.locator("#field-legal_basis")).to_contain_text(guide["legal_basis"][0]["zh"])
    expect(phone.locator("#field-fees")).to_contain_text(guide["fees"]["standard"]["zh"])
    expect(phone.locator("#field-time_limit_note")).to_contain_text(f"{item['limits']['statutory_days']}个工作日")
    expect(phone.locator("#field-consultation")).to_contain_text(guide["consultation"]["phone"])
    expect(phone.locator("#field-office")).to_contain_text(guide["office"]["address"]["zh"])
    expect(phone.locator("#field-transit")).to_contain_text(guide["transit"]["zh"])
    expect(phone.locator("#field-status_query")).to_contain_text(guide["status_query"]["zh"])
    expect(phone.locator("#field-samples")).to_contain_text(guide["samples"][0]["common_errors"][0]["zh"])
    expect(phone.locator("#field-forms")).to_contain_text(guide["forms"][0]["name"]["zh"])
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)


def test_the_process_is_a_flow_chart_of_boxes_top_to_bottom(hall: HallProcess, phone: Page, catalogue: dict[str, Any]) -> None:
    steps = item_of(catalogue, ITEM)["guide"]["process"]
    phone.goto(f"{hall.http}/m/guides/{ITEM}")
    boxes = phone.locator("#flowchart .flow-step")
    assert boxes.count() == len(steps)
    rects = [boxes.nth(i).bounding_box() for i in range(len(steps))]
    for i, (step, rect) in enumerate(zip(steps, rects, strict=True)):
        expect(boxes.nth(i)).to_contain_text(step["zh"])
        assert rect is not None and rect["width"] > 200  # a box across the screen, not a line of text
    for above, below in itertools.pairwise(rects):
        assert above is not None and below is not None
        assert below["y"] >= above["y"] + above["height"] + 20  # room for the arrow between them
    arrow = boxes.nth(1).evaluate("e => getComputedStyle(e, '::after').borderTopStyle")
    assert arrow == "solid"  # the arrowhead into the second box
    phone.evaluate("() => document.getElementById('h-process').scrollIntoView()")
    phone.screenshot(path=str(SCREENSHOTS / "phone-guide.png"), full_page=False)


def test_the_materials_checklist_says_what_to_bring_and_what_an_e_certificate_replaces(
    hall: HallProcess, phone: Page, catalogue: dict[str, Any]
) -> None:
    materials = item_of(catalogue, ITEM)["guide"]["materials"]
    names = {c["code"]: c["name"] for c in catalogue["e_certificate_types"]}
    phone.goto(f"{hall.http}/m/guides/{ITEM}")
    rows = phone.locator("#materials > li")
    assert rows.count() == len(materials)
    for m in materials:
        row = phone.locator(f"#material-{m['code']}")
        expect(row).to_contain_text(m["name"]["zh"])
        expect(row).to_contain_text("必须提交" if m["required"] else "视情况提交")
        expect(row).to_contain_text(f"{m['copies']}份")
        if m["e_certificate"]:
            expect(row.locator(".ecert")).to_contain_text(f"可用电子证照「{names[m['e_certificate']]['zh']}」代替")
        else:
            assert row.locator(".ecert").count() == 0


def test_the_guide_prints_without_the_pages_chrome(hall: HallProcess, phone: Page) -> None:
    phone.goto(f"{hall.http}/m/guides/{ITEM}")
    expect(phone.locator("#print")).to_be_visible()  # the script shows the button
    phone.emulate_media(media="print")
    expect(phone.locator("header.top")).to_be_hidden()
    expect(phone.locator("footer.foot")).to_be_hidden()
    expect(phone.locator("#book-this")).to_be_hidden()
    expect(phone.locator("#field-materials")).to_be_visible()
    expect(phone.locator("#flowchart")).to_be_visible()


def test_without_javascript_the_search_and_the_guide_read(hall: HallProcess, no_js_phone: Page) -> None:
    page = no_js_phone
    page.goto(f"{hall.http}/m/guides")
    page.fill("#q", "ywjy")
    page.press("#q", "Enter")
    page.locator("#results .items a").first.click()
    expect(page.locator("#item-code")).to_have_text(ITEM)
    expect(page.locator("#flowchart .flow-step").first).to_be_visible()
    expect(page.locator("#print")).to_be_hidden()  # a button that would do nothing is not shown


def test_an_unknown_item_is_a_page_that_says_so(hall: HallProcess, phone: Page) -> None:
    r = requests.get(f"{hall.http}/m/guides/C-XX-999", timeout=5)
    assert r.status_code == 404
    phone.goto(f"{hall.http}/m/guides/C-XX-999")
    expect(phone.locator("main h1")).to_contain_text("页面不存在")


def test_the_hall_page_gives_address_hours_buses_and_phone(hall: HallProcess, phone: Page) -> None:
    public = load_hall_config(DEFAULT_HALL_CONFIG).public
    assert public.address and public.transit and public.phone  # the demo hall tells them
    phone.goto(f"{hall.http}/m/")
    phone.click("#to-hall")
    expect(phone.locator("#address")).to_contain_text(public.address.zh)
    expect(phone.locator("#transit")).to_contain_text(public.transit.zh)
    expect(phone.locator("#hall-phone")).to_have_text(public.phone)
    expect(phone.locator("#hall-phone")).to_have_attribute("href", f"tel:{public.phone}")
    # The demo hall sets no opening hours: it is open every day, and says so.
    expect(phone.locator("#open-daily")).to_contain_text("每天开放")
    expect(phone.locator("#open-now")).to_contain_text("现在正在办公")
    assert_accessible(phone)
    assert_fits_phone(phone)
    assert_private(phone)
