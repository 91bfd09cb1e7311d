"""The administration in the browser (issue 16, part 3), against one real hall: an item
edited, checked and published reaches a kiosk's next catalogue request over ZeroMQ (CURVE,
an enrolled kiosk's keys); a device enrolled in the browser talks at once, and one revoked
there is refused at its very next request; a token revoked there is refused at once over
REST; problems are said in words and nothing is published; the audit log finds it all; and
nobody but an admin changes anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine

from kiosk.catalogue_cache import CatalogueCache, Refresh
from protocol.client import HallClient, RequestFailed
from protocol.idnumber import check_char, mask
from protocol.keys import CurveClientKeys
from queue_server.catalogue import DEMO_CATALOGUE_PATH
from queue_server.store import HallStore
from tests.phone.support import assert_accessible
from tests.support.hall import HallProcess
from tests.web.support import CLERK_PASSWORD, MANAGER_PASSWORD, SCREENSHOTS, add_users, new_hall, sign_in

ADMIN_PASSWORD = "admin-root-2026"
ITEM = "C-RS-001"


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    def before_start(h: HallProcess) -> None:
        add_users(h, ("root", "admin", ADMIN_PASSWORD, None))
        h.kiosk = h.enroll("kiosk-1", "kiosk")  # type: ignore[attr-defined]

    h = new_hall(tmp_path_factory.mktemp("admin"), before_start)
    yield h
    h.stop()


def kiosk(hall: HallProcess, keys: dict[str, str]) -> HallClient:
    """A client as the kiosk makes it: CURVE with its own key pair and the server's public key."""
    curve = CurveClientKeys.from_files(keys["server_public"], keys["secret"])
    return HallClient(hall.router, curve=curve, timeout=2, retries=1)


def as_admin(page: Page, hall: HallProcess, path: str) -> None:
    sign_in(page, hall, "root", ADMIN_PASSWORD)
    page.click("#nav-admin")
    page.goto(hall.http + path)


def test_an_item_edited_and_published_reaches_a_kiosks_next_catalogue_request(
    hall: HallProcess, page: Page, tmp_path: Path
) -> None:
    client = kiosk(hall, hall.kiosk)  # type: ignore[attr-defined]
    cache = CatalogueCache(tmp_path)  # the kiosk's own catalogue, refreshed as the kiosk does
    try:
        assert cache.refresh(client) is Refresh.UPDATED
        before = {"version": cache.version, "catalogue": cache.document}
        as_admin(page, hall, "/admin/catalogue")
        expect(page.locator("#catalogue-version")).to_contain_text(str(before["version"]))
        page.fill("#item-search input[name=q]", "失业")
        page.click("#item-search button")
        expect(page.locator(f"#item-{ITEM}")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "admin-catalogue.png"), full_page=True)
        assert_accessible(page)
        page.click(f"#edit-{ITEM}")
        assert_accessible(page)

        page.fill("input[name=name_zh]", "失业登记（含就业困难人员认定）")
        page.fill("input[name=wait_target_min]", "17")
        page.click("#validate")
        expect(page.locator("#valid")).to_contain_text("检查通过")
        page.click("#publish")
        expect(page.locator("#published")).to_contain_text(f"第 {before['version'] + 1} 版")

        assert cache.refresh(client) is Refresh.UPDATED  # its very next request
    finally:
        client.close()
    assert cache.version == before["version"] + 1
    shown = cache.item(ITEM)
    assert shown is not None and shown.name.zh == "失业登记（含就业困难人员认定）" and shown.wait_target_min == 17
    # The guide came back from its YAML as it went in: nothing else of the item changed.
    old = next(i for i in before["catalogue"]["items"] if i["code"] == ITEM)
    assert cache.guide(ITEM) == old["guide"]


def test_problems_are_said_in_words_and_nothing_is_published(hall: HallProcess, page: Page, tmp_path: Path) -> None:
    version = requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()["version"]
    as_admin(page, hall, f"/admin/catalogue/items/{ITEM}")
    statutory = int(page.input_value("input[name=statutory_days]"))
    page.fill("input[name=promised_days]", str(statutory + 5))
    page.fill("input[name=wait_target_min]", "soon")
    page.click("#publish")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("未发布")
    expect(problems).to_contain_text(f"must not exceed statutory_days ({statutory})")
    expect(problems).to_contain_text("“soon” is not a whole number")
    assert requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()["version"] == version

    # A whole file: a broken one is refused with its line; the demo catalogue (about 300 KB,
    # over the 64 KiB of an HTTP body elsewhere) publishes.
    broken = tmp_path / "broken.yaml"
    text = DEMO_CATALOGUE_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace("stream: citizen", "stream: martian", 1), encoding="utf-8")
    page.goto(hall.http + "/admin/catalogue")
    page.set_input_files("#upload input[type=file]", str(broken))
    page.click("#upload-publish")
    expect(page.locator("#problems")).to_contain_text("martian")
    expect(page.locator("#problems")).to_contain_text("line")
    assert requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()["version"] == version

    stale = page.context.new_page()  # an item's form opened before the upload below
    stale.goto(hall.http + f"/admin/catalogue/items/{ITEM}")
    demo = tmp_path / "district_hall.yaml"  # the demo catalogue, one wait target changed: a new version
    demo.write_text(text.replace("wait_target_min: 20", "wait_target_min: 21", 1), encoding="utf-8")
    assert demo.stat().st_size > 200 * 1024
    page.set_input_files("#upload input[type=file]", str(demo))
    page.click("#upload-publish")
    expect(page.locator("#published")).to_contain_text("已发布为事项目录第")
    published = requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()
    assert len(published["items"]) == len(re.findall(r"^  - code: [CE]-", text, re.M))
    stale.click("#publish")  # would undo the upload's version of the item unseen
    expect(stale.locator("#refused")).to_contain_text(f"第 {published['version']} 版")
    assert requests.get(f"{hall.http}/api/v1/catalogue", timeout=10).json()["version"] == published["version"]


def test_an_enrolled_device_gets_its_key_once_and_talks(hall: HallProcess, page: Page, tmp_path: Path) -> None:
    as_admin(page, hall, "/admin/devices")
    form = page.locator("#enroll")
    form.locator("input[name=name]").fill("board-2")
    form.locator("select[name=kind]").select_option("display")
    form.locator("button[type=submit]").click()
    secret = page.locator("#device-secret").inner_text()
    assert "secret-key" in secret
    (tmp_path / "board-2.key_secret").write_text(secret, encoding="ascii")
    (tmp_path / "server.key").write_text(page.locator("#server-public").inner_text(), encoding="ascii")
    expect(page.locator("#device-board-2")).to_contain_text("显示屏")
    assert not (hall.var / "keys" / "devices" / "board-2.key_secret").exists()  # the device holds the only copy

    client = kiosk(hall, {"server_public": str(tmp_path / "server.key"), "secret": str(tmp_path / "board-2.key_secret")})
    try:
        assert client.request("catalogue.get", {})["version"] >= 1  # at once: no wait for a refresh
    finally:
        client.close()
    page.reload()
    expect(page.locator("#device-board-2 .seen")).to_contain_text(date.today().isoformat()[:4])  # seen just now
    expect(page.locator("#device-secret")).to_have_count(0)  # shown once


def test_a_device_revoked_in_the_browser_is_refused_at_its_next_request(hall: HallProcess, page: Page) -> None:
    keys = hall.kiosk  # type: ignore[attr-defined]
    connected = kiosk(hall, keys)
    try:
        assert connected.request("hall.ping", {})["hall"] == "H01"  # its connection is open
        as_admin(page, hall, "/admin/devices")
        page.click("#revoke-kiosk-1")
        expect(page.locator("#revoked")).to_contain_text("即时生效")
        expect(page.locator("#device-kiosk-1")).to_contain_text("已注销")
        page.screenshot(path=str(SCREENSHOTS / "admin-devices.png"), full_page=True)
        assert_accessible(page)
        # The open connection: its very next request is refused, not served as the public's.
        with pytest.raises(RequestFailed) as refused:
            connected.request("catalogue.get", {})
        assert refused.value.code == "forbidden"
    finally:
        connected.close()
    fresh = kiosk(hall, keys)
    try:  # a new connection: ZAP refuses the key, so no answer comes at all
        with pytest.raises(RequestFailed) as unanswered:
            fresh.request("catalogue.get", {})
        assert unanswered.value.code == "unavailable"
    finally:
        fresh.close()


def test_a_token_revoked_in_the_browser_is_refused_at_once(hall: HallProcess, page: Page) -> None:
    as_admin(page, hall, "/admin/tokens")
    form = page.locator("#new-token-form")
    form.locator("input[name=name]").fill("大屏报表")
    form.locator("select[name=role]").select_option("manager")
    form.locator("button[type=submit]").click()
    token = page.locator("#new-token code").inner_text()
    assert token.startswith("hall_")
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{hall.http}/api/v1/help-calls", headers=headers, timeout=10).status_code == 200  # now cached
    row = page.locator("#tokens tr", has_text="大屏报表")
    assert token not in page.locator("#tokens").inner_text()  # the list never shows a token
    row.locator("button").click()
    expect(page.locator("#revoked")).to_be_visible()
    assert requests.get(f"{hall.http}/api/v1/help-calls", headers=headers, timeout=10).status_code == 401


def test_board_notices_set_in_the_browser_reach_the_hall(hall: HallProcess, page: Page) -> None:
    as_admin(page, hall, "/admin/notices")
    page.locator("input[name=zh]").first.fill("今日医保窗口延时服务")
    page.locator("input[name=en]").first.fill("Medical insurance window open late today")
    page.click("#set-notices")
    expect(page.locator("#saved")).to_contain_text("1 条")
    notices = requests.get(f"{hall.http}/api/v1/queue", timeout=10).json()["notices"]
    assert notices == [{"zh": "今日医保窗口延时服务", "en": "Medical insurance window open late today"}]


def test_the_audit_log_finds_the_changes(hall: HallProcess, page: Page) -> None:
    # An entry written with a whole ID number (none of the hall's are: the rule holds even so).
    number = "11010519491231002"
    number += check_char(number)
    db = create_engine(hall.db)
    try:
        HallStore(db, "H01").audit("user:chen", "visitor.view", number, hall="H01", note=number)
    finally:
        db.dispose()
    as_admin(page, hall, "/admin/audit?action=visitor.view")
    expect(page.locator("#audit")).to_contain_text(mask(number))
    assert_accessible(page)
    assert number not in page.content()

    page.goto(hall.http + "/admin/audit")
    page.fill("#audit-search input[name=action]", "device")
    page.fill("#audit-search input[name=actor]", "root")
    page.fill("#audit-search input[name=from]", date.today().isoformat())
    page.click("#audit-find")
    table = page.locator("#audit")
    expect(table).to_contain_text("device.revoke")
    expect(table).to_contain_text("kiosk-1")
    expect(table).to_contain_text("user:root")
    expect(table).not_to_contain_text("catalogue.")

    page.goto(hall.http + "/admin/audit?q=" + "大屏报表")  # free text: a token's name
    expect(page.locator("#audit")).to_contain_text("token.create")
    page.goto(hall.http + "/admin/audit?q=DISPLAY")  # and over the details: the kind enrolled
    expect(page.locator("#audit tbody tr").first).to_contain_text("board-2")
    page.goto(hall.http + f"/admin/audit?action=catalogue.edit&subject={ITEM}")
    expect(page.locator("#audit")).to_contain_text("user:root")
    page.goto(hall.http + "/admin/audit?action=device.revoke&to=2000-01-01")  # before anything
    expect(page.locator("#audit")).to_contain_text("没有符合条件的记录")


def test_only_an_admin_changes_anything(hall: HallProcess, page: Page) -> None:
    sign_in(page, hall, "boss", MANAGER_PASSWORD)
    page.click("#nav-admin")
    expect(page).to_have_url(re.compile(r"/admin/devices$"))
    expect(page.locator("#devices")).to_contain_text("kiosk-1")
    expect(page.locator("#enroll")).to_have_count(0)
    expect(page.locator("#devices button")).to_have_count(0)  # read only
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for path in ("/admin/catalogue", f"/admin/catalogue/items/{ITEM}", "/admin/tokens", "/admin/notices"):
        assert requests.get(hall.http + path, cookies=cookies, timeout=10).status_code == 403, path
    r = requests.post(f"{hall.http}/admin/devices/kiosk-1/revoke", data={"csrf_token": csrf}, cookies=cookies, timeout=10)
    assert r.status_code == 403 and "无权" in r.text
    page.goto(hall.http + "/admin/audit")
    expect(page.locator("#audit")).to_contain_text("device.enroll")

    page.click("#logout")
    sign_in(page, hall, "chen", CLERK_PASSWORD)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for path in ("/admin/catalogue", "/admin/devices", "/admin/audit"):
        assert requests.get(hall.http + path, cookies=cookies, timeout=10).status_code == 403, path
