"""The hall's configured name (config/hall.yaml) is what the kiosk shows and prints, not the
name in the catalogue (one catalogue may serve many halls): a real server whose hall is named
otherwise than its catalogue, the kiosk app offscreen, the slip read off the printer simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk.rig import KioskRig
from tests.support.hall import ROOT, HallProcess, run_cli

CATALOGUE_NAME = "示范区政务服务中心"  # the demo catalogue's hall_name
HALL_NAME, HALL_NAME_EN = "青山区政务服务中心", "Qingshan District Government Service Centre"


def hall_named(var: Path) -> HallProcess:
    """The demo hall, configured under another name than its catalogue's."""
    config = (ROOT / "config" / "hall.yaml").read_text(encoding="utf-8")
    config = config.replace(f"name: {CATALOGUE_NAME}", f"name: {HALL_NAME}", 1)
    config = config.replace("name_en: Demonstration District Government Service Centre", f"name_en: {HALL_NAME_EN}", 1)
    assert HALL_NAME in config and HALL_NAME_EN in config
    path = var / "hall.yaml"
    path.write_text(config, encoding="utf-8")
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    run_cli("init", "--config", str(path), var=h.var, db=h.db)
    return h


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    h = hall_named(tmp_path_factory.mktemp("hall"))
    h.enroll("kiosk-1")
    h.start()
    yield h
    h.stop()


@pytest.fixture
def rig(hall: HallProcess, tmp_path: Path) -> Iterator[KioskRig]:
    r = KioskRig(hall, tmp_path / "kiosk")
    yield r
    r.close()


def test_the_home_screen_and_the_slip_carry_the_halls_own_name(rig: KioskRig) -> None:
    assert rig.app.catalogue.hall_name("zh") == CATALOGUE_NAME  # the catalogue says otherwise
    rig.pump(lambda: rig.shows(HALL_NAME), timeout=10)  # the home screen's title
    assert not rig.shows(CATALOGUE_NAME)

    rig.tap_text("取号")
    rig.at("stream")
    rig.tap_text("个人办事")
    rig.at("themes")
    rig.tap_text("社会保障")
    rig.at("items")
    rig.tap_text("城乡居民养老保险参保登记")
    rig.at("confirm")
    rig.tap_text("确认取号")
    rig.at("ticket")
    number = rig.app.visit.ticket["number"]
    page = rig.sim.wait_pages(1, timeout=10)[-1]
    lines = [ln.text for ln in page.lines]
    assert lines[0] == HALL_NAME and number in lines  # the first thing on the paper is where you are
    assert CATALOGUE_NAME not in page.text

    rig.tap_text("完成")
    rig.at("home")
    rig.app.set_lang("en")
    rig.pump(lambda: rig.shows(HALL_NAME_EN), timeout=5)  # in English, its English name
