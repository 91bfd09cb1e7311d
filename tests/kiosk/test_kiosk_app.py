"""The kiosk app end to end: real widgets tapped offscreen, a real queue server process, the
ID card reader, scanner, camera and ticket printer as simulators on pseudo-terminals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.kiosk.rig import KioskRig
from tests.support.hall import HallProcess


@pytest.fixture
def rig(hall: HallProcess, tmp_path: Path) -> Iterator[KioskRig]:
    r = KioskRig(hall, tmp_path / "kiosk")
    yield r
    r.close()


def queue(hall: HallProcess, token: str) -> dict:
    return requests.get(f"{hall.http}/api/v1/queue", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()


@pytest.fixture(scope="module")
def clerk(hall: HallProcess) -> str:
    return hall.token("clerk", clerk="c01")


def take_number(rig: KioskRig, theme_text: str, item_text: str) -> None:
    rig.tap_text("取号")
    rig.at("stream")
    rig.tap_text("个人办事")
    rig.at("themes")
    rig.tap_text(theme_text)
    rig.at("items")
    rig.tap_text(item_text)
    rig.at("confirm")


def test_a_number_without_a_card_is_printed_and_shown_with_people_ahead(rig: KioskRig, hall: HallProcess,
                                                                       clerk: str) -> None:
    rig.screenshot("home-landscape")
    before = queue(hall, clerk)["waiting_total"]
    take_number(rig, "社会保障", "城乡居民养老保险参保登记")
    rig.tap_text("确认取号")
    rig.at("ticket")
    ticket = rig.app.visit.ticket
    assert ticket["number"].startswith("A") and ticket["position"] == before
    pages = rig.sim.wait_pages(1, timeout=10)
    assert ticket["number"] in pages[-1].text
    assert any(ticket["id"] in q and ticket["token"] in q for q in pages[-1].qr_codes)
    rig.pump(lambda: rig.app.visit.printed is True)
    rig.pump(lambda: rig.shows("请取走号票"))
    assert rig.shows(ticket["number"]) and rig.shows(f"前面还有 {before} 人")
    rig.screenshot("ticket-landscape")
    waiting = queue(hall, clerk)
    assert ticket["id"] in {t["id"] for t in waiting["waiting"]}
    rig.tap_text("完成")
    rig.at("home")
    assert rig.app.visit.ticket is None


def test_server_down_says_so_and_invents_no_number(tmp_path: Path) -> None:
    hall = HallProcess(tmp_path / "hall", f"sqlite:///{tmp_path}/hall.db")  # its own: this test kills it
    hall.var.mkdir()
    hall.init()
    hall.enroll("kiosk-1")
    hall.start()
    rig = KioskRig(hall, tmp_path / "kiosk")
    hall.kill()
    try:
        rig.pump(lambda: "无法连接服务器" in rig.app.banner, timeout=30)
        rig.tap_text("办事指南")  # the guides stay readable from the kiosk's cached catalogue
        rig.tap_text("个人办事")
        rig.tap_text("社会保障")
        rig.tap_text("城乡居民养老保险参保登记")
        rig.at("guide")
        assert rig.shows("办理依据") and rig.shows("申请材料")
        rig.tap_text("首页")
        take_number(rig, "社会保障", "城乡居民养老保险参保登记")
        rig.tap_text("确认取号")
        rig.pump(lambda: any("未能取号" in t for t in rig.texts()), timeout=30)
        assert rig.app.visit.ticket is None and rig.screen.name == "confirm"
        rig.screenshot("server-down")
    finally:
        hall.start()
    rig.pump(lambda: rig.app.banner == "", timeout=40)
    rig.dismiss_overlays()
    try:
        rig.tap_text("确认取号")  # the same request key: the server decides it once
        rig.at("ticket", timeout=30)
        assert rig.app.visit.ticket["number"].startswith("A")
    finally:
        rig.close()
        hall.stop()


def test_paper_out_shows_the_ticket_keeps_the_job_and_reports_the_fault(rig: KioskRig, hall: HallProcess) -> None:
    manager = hall.token("manager")
    rig.sim.paper_out()
    rig.pump(lambda: "打印机缺纸，请联系工作人员" in rig.app.banner, timeout=10)  # plain words, no device path
    take_number(rig, "社会保障", "城乡居民养老保险参保登记")
    rig.tap_text("确认取号")
    rig.at("ticket")
    rig.pump(lambda: rig.app.visit.printed is False, timeout=10)
    assert rig.shows("号票未能打印") and rig.app.banner  # the fault in plain words
    assert rig.app.devices.pending_jobs(), "the job is kept for when paper is back"
    health = requests.get(f"{hall.http}/api/v1/devices/health", headers={"Authorization": f"Bearer {manager}"},
                          timeout=5).json()
    assert "degraded" in json.dumps(health) or "missing" in json.dumps(health)
    rig.screenshot("paper-out")
    printed = len(rig.sim.pages)
    rig.sim.paper_in()
    rig.pump(lambda: len(rig.sim.pages) > printed, timeout=15)
    assert rig.app.visit.ticket["number"] in rig.sim.pages[-1].text
