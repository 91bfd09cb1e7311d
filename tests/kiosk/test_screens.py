"""Every kiosk screen on the real app and a real server: elder mode's sizes and the contrast of
every text checked on the widget tree, and a screenshot of each screen in both orientations
(docs/screenshots/kiosk-<screen>-<landscape|portrait>.png)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import theme
from tests.kiosk.rig import KioskRig
from tests.support.hall import HallProcess

# Screens reached by taps from home, in the order a visitor meets them (name, how to get there).
ROUTE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("home", ()),
    ("stream", ("取号",)),
    ("themes", ("个人办事",)),
    ("items", ("社会保障",)),
    ("confirm", ("城乡居民养老保险参保登记",)),
    ("ticket", ("确认取号",)),
    ("checkin", ("首页", "预约签到")),
    ("track", ("首页", "办件查询")),
    ("certificates", ("首页", "证照打印")),
    ("rate", ("首页", "服务评价")),
    ("complaint", ("首页", "投诉建议")),
    ("guides", ("首页", "办事指南")),
    ("search", ("首页", "取号", "按名称或拼音查找")),
    ("help", ("首页", "呼叫工作人员")),
)
#: The same route in elder mode, without the screens it does not reach this way: its home keeps
#: four services (``kiosk.screens.home.ELDER_SERVICES``), and search is not on this walk.
ELDER_ROUTE = tuple(step for step in ROUTE if step[0] not in {"rate", "complaint", "guides", "search"})




def walk(rig: KioskRig, route: tuple[tuple[str, tuple[str, ...]], ...]) -> Iterator[str]:
    for name, taps in route:
        for text in taps:
            rig.dismiss_overlays()
            rig.tap_text(text)
        rig.at(name)
        rig.settle(0.3)
        yield name


def shown(w: Any) -> bool:
    """Visible to the visitor: every widget up to the window has an opacity and a size."""
    while w is not None and not hasattr(w, "screenshot"):
        if w.opacity == 0 or w.width <= 1 or w.height <= 1:
            return False
        w = w.parent
    return True


def problems(root: Any, *, elder: bool) -> list[str]:
    """What breaks the kiosk's rules on this widget tree (sizes in dp: density 1 here)."""
    from kivy.uix.label import Label

    from kiosk.widgets import KButton, KLabel, TopBar

    out = []
    min_target = theme.ELDER_MIN_TARGET if elder else theme.NORMAL_MIN_TARGET
    for w in root.walk(restrict=True):
        if not isinstance(w, Label) or not w.text or not shown(w):
            continue
        where = f"{type(w).__name__} {w.text[:20]!r}"
        if elder and w.font_size < theme.ELDER_MIN_TEXT:
            out.append(f"{where}: text {w.font_size} dp < {theme.ELDER_MIN_TEXT}")
        if isinstance(w, KButton):
            if w.height < min_target or w.width < min_target:
                out.append(f"{where}: target {w.width:.0f}×{w.height:.0f} < {min_target}")
            if elder and w.font_size < theme.ELDER_MIN_MAIN and not isinstance(w.parent.parent, TopBar):
                out.append(f"{where}: main text {w.font_size} dp < {theme.ELDER_MIN_MAIN}")
        if isinstance(w, KLabel | KButton) and theme.contrast(w.color, w.bg) < 4.5:
            out.append(f"{where}: contrast {theme.contrast(w.color, w.bg):.1f} < 4.5")
        if elder and isinstance(w.parent, TopBar) and w.font_size < theme.ELDER_MIN_MAIN:
            out.append(f"{where}: title {w.font_size} dp < {theme.ELDER_MIN_MAIN}")
    return out


@pytest.mark.parametrize("portrait", [False, True], ids=["landscape", "portrait"])
def test_every_screen_keeps_the_rules_and_is_shot(hall: HallProcess, tmp_path: Path, portrait: bool) -> None:
    rig = KioskRig(hall, tmp_path / "kiosk", portrait=portrait)
    shape = "portrait" if portrait else "landscape"
    try:
        found = {}
        for name in walk(rig, ROUTE):
            found[name] = problems(rig.screen, elder=False)
            rig.screenshot(f"{name}-{shape}")
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        rig.close()


def test_elder_mode_sizes_on_every_screen(hall: HallProcess, tmp_path: Path) -> None:
    rig = KioskRig(hall, tmp_path / "kiosk")
    try:
        rig.tap_text("长辈版")
        rig.pump(lambda: rig.app.elder)
        found, number = {}, ""
        for name in walk(rig, ELDER_ROUTE):
            found[name] = problems(rig.screen, elder=True)
            rig.screenshot(f"elder-{name}")
            if name == "ticket":
                number = rig.app.visit.ticket["number"]
                assert rig.app.speech.wait_idle(30)
        assert {k: v for k, v in found.items() if v} == {}
        assert rig.app.speech.wait_idle(30)
        said = [json.loads(line)["text"] for line in
                (rig.settings.state_dir / "playback.jsonl").read_text(encoding="utf-8").splitlines()]
        assert "取号" in said  # the screens' titles, read aloud offline
        digits = "零一二三四五六七八九"
        assert f"A {' '.join(digits[int(d)] for d in number[1:])} 号" in said
    finally:
        rig.close()
