"""Two halls of a city on one database, each with its own server (issue 16, roles): a hall's
manager sees and runs their own hall only, through the browser and the API; a city admin
signs in at every hall and sees all of them side by side. Both servers share one var folder
(one machine, one session key) and one host, so a browser signed in at one sends its
cookie to the other too: exactly what must not let anybody in."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine

from queue_server.users import create_user
from tests.support.hall import ROOT, HallProcess, h77_config, run_cli
from tests.web.support import MANAGER_PASSWORD, SCREENSHOTS, add_users, sign_in

CITY_PASSWORD = "city-admin-2026"
H77_PASSWORD = "h77-manager-2026"


class City:
    def __init__(self, var: Path) -> None:
        db = f"sqlite:///{var / 'city.db'}"
        self.h01 = HallProcess(var, db, hall="H01")
        self.h77 = HallProcess(var, db, hall="H77")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    subprocess.run(["bash", str(ROOT / "scripts" / "vendor.sh")], check=True, timeout=300)
    var = tmp_path_factory.mktemp("city")
    c = City(var)
    run_cli("init", var=var, db=c.h01.db)
    run_cli("init", "--config", str(h77_config(var)), var=var, db=c.h01.db)
    add_users(c.h01, ("boss", "manager", MANAGER_PASSWORD, None), ("root", "admin", "h01-admin-2026", None))
    db = create_engine(c.h01.db)
    try:
        create_user(db, "H77", "zhao", H77_PASSWORD, "manager")
    finally:
        db.dispose()
    # The city admin as an operator makes one: on the command line, for every hall.
    out = subprocess.run(
        [sys.executable, "-m", "queue_server", "user", "add", "city", "--role", "admin", "--all-halls", "--password-stdin",
         "--db", c.h01.db, "--var", str(var)],
        cwd=ROOT, input=CITY_PASSWORD + "\n", text=True, capture_output=True, timeout=60, check=True,
    )
    assert out.stdout.strip() == "user city (admin) created at every hall"
    c.h01.start()
    c.h77.start()
    yield c
    c.h01.stop()
    c.h77.stop()


def ticket(hall: HallProcess) -> str:
    items = requests.get(f"{hall.http}/api/v1/catalogue", timeout=5).json()["items"]
    item = next(i["code"] for i in items if i["stream"] == "citizen")
    r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()["number"]


def test_a_manager_cannot_sign_in_at_another_hall_nor_carry_a_session_there(city: City, page: Page) -> None:
    sign_in(page, city.h77, "boss", MANAGER_PASSWORD)  # H01's manager at H77's server
    expect(page.locator("[role=alert]")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/login$"))

    sign_in(page, city.h01, "boss", MANAGER_PASSWORD)
    expect(page.locator("#who")).to_contain_text("boss")
    # The same browser, the same host: H01's session cookie goes to H77's server too.
    assert any(c["name"] == "hall_session" for c in page.context.cookies(city.h77.http))
    page.goto(city.h77.http + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#who")).to_have_count(0)


def test_a_manager_s_token_reads_and_changes_only_their_own_hall(city: City) -> None:
    token = run_cli("token", "create", "--role", "manager", "--hall", "H01", var=city.h01.var, db=city.h01.db).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{city.h01.http}/api/v1/reports/dashboard", headers=auth, timeout=10).status_code == 200
    for method, path, body in (
        ("GET", "/api/v1/reports/dashboard", None),
        ("GET", "/api/v1/devices/health", None),
        ("POST", "/api/v1/notices", {"notices": [{"zh": "H01 的通知", "en": "H01's notice"}]}),
    ):
        r = requests.request(method, f"{city.h77.http}{path}", json=body, headers=auth, timeout=10)
        assert r.status_code == 403, (path, r.text)
        assert "H01" in r.json()["error"]["message"] and "H77" in r.json()["error"]["message"]
    # H77's board never got H01's notice.
    assert requests.get(f"{city.h77.http}/api/v1/queue", timeout=10).json()["notices"] == []


def test_a_city_admin_signs_in_at_every_hall_and_sees_them_all(city: City, page: Page) -> None:
    h77_numbers = [ticket(city.h77), ticket(city.h77)]
    ticket(city.h01)
    for hall in (city.h77, city.h01):
        sign_in(page, hall, "city", CITY_PASSWORD)
        expect(page.locator("#who")).to_contain_text("city · 市级系统管理员 City admin")
        page.click("#to-halls")
        expect(page).to_have_url(re.compile(r"/halls$"))
        rows = page.locator("#halls tbody tr")
        expect(rows).to_have_count(2)
        h77 = page.locator("#hall-H77")
        expect(h77.locator(".waiting")).to_have_text(str(len(h77_numbers)))
        expect(h77.locator(".issued")).to_have_text(str(len(h77_numbers)))
        expect(page.locator("#hall-H01 .issued")).to_have_text("1")
        expect(page.locator(f"#hall-{hall.hall} .tag")).to_contain_text("本厅")
        page.locator("#logout").click()
    page.set_viewport_size({"width": 1366, "height": 480})
    sign_in(page, city.h01, "city", CITY_PASSWORD)
    page.goto(city.h01.http + "/halls")
    page.screenshot(path=str(SCREENSHOTS / "city-halls.png"))


def test_the_city_page_is_the_city_admin_s_only(city: City, page: Page) -> None:
    for hall, name, password in ((city.h01, "root", "h01-admin-2026"), (city.h77, "zhao", H77_PASSWORD)):
        sign_in(page, hall, name, password)
        expect(page.locator("#who")).to_contain_text(name)
        expect(page.locator("#to-halls")).to_have_count(0)
        assert page.goto(hall.http + "/halls").status == 403  # type: ignore[union-attr]
        page.goto(hall.http + "/")
        page.locator("#logout").click()
