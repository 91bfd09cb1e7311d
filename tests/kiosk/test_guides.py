"""The service guides on the real kiosk app (Kivy offscreen): from the list to an item's
guide by tapping its buttons, every field of the guide, the process chart, the materials an
e-certificate replaces, printing the checklist, elder mode; screenshots for docs/.

Kivy is configured before it is first imported (environment at import time, as in
tests/window_display/conftest.py). The catalogue is the kiosk's own, holding the demo catalogue.
"""

from __future__ import annotations

import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.conftest import kiosk_catalogue

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
ITEM = "C-JY-001"  # 义务教育阶段学生转学: five steps, id card and hukou replaced by e-certificates


# --------------------------------------------------------------------- stand-ins
class RecordingDevices:
    """Records what was printed; ``ok`` and ``reason`` are what the printer answers."""

    def __init__(self) -> None:
        self.printed: list[Any] = []
        self.threads: list[str] = []
        self.ok, self.reason = True, ""

    def print_document(self, doc: Any) -> tuple[bool, str]:
        self.threads.append(threading.current_thread().name)
        self.printed.append(doc)
        return types.SimpleNamespace(printed=self.ok, zh=self.reason, en=self.reason)

    def start(self, **_kw: Any) -> None: ...

    def stop(self) -> None: ...


# ----------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def kiosk() -> Iterator[Any]:
    if True:
        from kivy.base import EventLoop
        from kivy.core.window import Window

        import kiosk.app

        EventLoop.ensure_window()
        Window.size = (1920, 1080)
        app = kiosk.app.KioskApp(link=None, devices=RecordingDevices(), catalogue=kiosk_catalogue(Path(tempfile.mkdtemp(prefix="kiosk-guides-"))), idle_s=3600)
        app.root = app.build()
        app.root.size_hint = (None, None)
        app.root.size = (1920, 1080)
        Window.add_widget(app.root)
        try:
            yield app
        finally:
            app.dispatch("on_stop")  # frees kv's app proxy for the next module's app
            Window.remove_widget(app.root)


@pytest.fixture
def app(kiosk: Any) -> Iterator[Any]:
    """The kiosk at home, Chinese, normal mode, landscape, the printer working."""
    kiosk.devices.printed.clear()
    kiosk.devices.ok, kiosk.devices.reason = True, ""
    kiosk.catalogue.cache.stale = False
    kiosk.end_visit()
    set_layout(kiosk, portrait=False)
    yield kiosk
    from kivy.core.window import Window

    for view in list(Window.children):
        if view is not kiosk.root:  # a notice left open
            view.dismiss()
    frames()


def open_notice() -> Any:
    from kivy.core.window import Window

    from kiosk.screens.idle import Notice

    pump(lambda: isinstance(Window.children[0], Notice))
    return Window.children[0]


def frames(n: int = 3) -> None:
    from kivy.base import EventLoop

    for _ in range(n):
        EventLoop.idle()


def pump(until: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out"
        frames(1)


def set_layout(app: Any, *, portrait: bool) -> None:
    app.portrait = portrait
    app.root.size = (1080, 1920) if portrait else (1920, 1080)
    app.refresh_current()
    frames()


def tap(button: Any) -> None:
    assert button is not None and not button.disabled and button.opacity > 0
    button.dispatch("on_release")
    frames()


def answer(app: Any, screen: str, ref: str) -> Any:
    """The answer button of a one-question screen that stands for ``ref``."""
    return next((b for b in app.screen(screen).ids.choices.children if b.ref == ref), None)


def all_texts(widget: Any) -> list[str]:
    return [w.text for w in widget.walk() if isinstance(getattr(w, "text", None), str)]


def open_item_guide(app: Any, stream: str = "citizen", theme: str = "public_education", code: str = ITEM) -> Any:
    """Home → 办事指南 → stream → theme → item, by the buttons a visitor taps."""
    home = app.screen("home")
    tap(next(b for b in home.ids.services.children if b.ref == "guides"))
    assert app.root.current == "guides"
    tap(answer(app, "guides", stream))
    assert app.root.current == "guide_themes"
    tap(answer(app, "guide_themes", theme))
    assert app.root.current == "guide_items"
    tap(answer(app, "guide_items", code))
    assert app.root.current == "guide"
    return app.screen("guide")


# -------------------------------------------------------------------------- tests
def test_from_the_list_to_an_items_guide(app: Any) -> None:
    screen = open_item_guide(app)
    item = app.catalogue.item(ITEM)
    assert item["name"]["zh"] in all_texts(screen.ids.body)
    assert app.visit.item_code == ITEM
    app.back()
    assert app.root.current == "guide_items"  # 返回 walks the questions back one at a time


def test_every_guide_label_in_order(app: Any) -> None:
    from queue_server.catalogue.model import GUIDE_FIELD_LABELS

    screen = open_item_guide(app)
    assert list(screen.sections) == list(GUIDE_FIELD_LABELS)
    body = screen.ids.body.children[::-1]  # Kivy keeps children last first
    headings = [p.children[-1].text for p in body[1:]]
    assert headings == [label.zh for label in GUIDE_FIELD_LABELS.values()]
    texts = "\n".join(all_texts(screen.ids.body))
    guide = app.catalogue.item(ITEM)["guide"]
    for expected in (guide["legal_basis"][0]["zh"], guide["accepting_unit"]["zh"], guide["fees"]["standard"]["zh"],
                     guide["consultation"]["phone"], guide["office"]["address"]["zh"], guide["transit"]["zh"],
                     guide["status_query"]["zh"], guide["forms"][0]["name"]["zh"],
                     guide["samples"][0]["common_errors"][0]["zh"], "法定办结时限：10个工作日",
                     "承诺办结时限：3个工作日"):
        assert expected in texts
    app.set_lang("en")
    frames()
    headings = [p.children[-1].text for p in screen.ids.body.children[::-1][1:]]
    assert headings == [label.en for label in GUIDE_FIELD_LABELS.values()]


def test_the_flow_chart_has_one_box_per_step(app: Any) -> None:
    screen = open_item_guide(app)
    steps = app.catalogue.item(ITEM)["guide"]["process"]
    chart = screen.flow
    pump(lambda: len(chart.boxes) == len(steps))
    assert [b.text for b in chart.boxes] == [s["zh"] for s in steps]
    tops = [b.y + b.height for b in chart.boxes]
    assert tops == sorted(tops, reverse=True)  # top to bottom
    for upper, lower in zip(chart.boxes, chart.boxes[1:], strict=False):
        assert lower.y + lower.height < upper.y  # room for the arrow, no overlap
    assert chart.height == pytest.approx(chart.boxes[0].y + chart.boxes[0].height - chart.boxes[-1].y)
    drawn = chart.redraws
    screen.ids.scroll.scroll_y = 0.2  # scrolling moves the chart, it does not draw it again
    frames()
    app.refresh_current()  # the hall's counts refresh the screen: the guide is not rebuilt
    frames()
    assert screen.flow is chart and chart.redraws == drawn
    chart.steps = [*chart.steps, "另一步"]  # new text: drawn again, once
    frames()
    assert chart.redraws == drawn + 1 and len(chart.boxes) == len(steps) + 1


def test_a_material_replaced_by_an_e_certificate_is_marked(app: Any) -> None:
    screen = open_item_guide(app)
    id_card = [row.text for row in screen.materials["guardian_id_card"]]
    assert "免提交：可用电子证照「居民身份证」代替" in id_card
    assert any("原件" in t and "1份" in t and "必须提交" in t for t in id_card)
    lease = [row.text for row in screen.materials["rental_contract"]]
    assert not any("免提交" in t for t in lease) and any("视情况提交" in t for t in lease)
    app.set_lang("en")
    frames()
    id_card = [row.text for row in screen.materials["guardian_id_card"]]
    assert "Not needed: e-certificate Resident identity card is checked instead" in id_card


def test_printing_the_checklist_calls_the_printer(app: Any) -> None:
    from printer.document import Text

    screen = open_item_guide(app)
    tap(screen.ids.print)
    pump(lambda: not screen.printing)
    devices = app.devices
    assert len(devices.printed) == 1 and devices.threads[-1] == "print"
    lines = [b.text for b in devices.printed[0].blocks if isinstance(b, Text)]
    joined = "\n".join(lines)
    assert "申请材料清单" in joined and "义务教育阶段学生转学 C-JY-001" in joined
    for m in app.catalogue.item(ITEM)["guide"]["materials"]:
        assert m["name"]["zh"] in joined
    assert "免提交：可用电子证照「居民户口簿」代替" in joined
    notice = open_notice()
    assert "材料清单已打印" in notice.message


def test_a_checklist_the_printer_refuses_says_why(app: Any) -> None:
    app.devices.ok, app.devices.reason = False, "缺纸"
    screen = open_item_guide(app)
    tap(screen.ids.print)
    pump(lambda: not screen.printing)
    assert "缺纸" in open_notice().message


def test_take_a_number_and_apply_from_the_guide(app: Any) -> None:
    screen = open_item_guide(app)
    assert screen.apply_button.parent is None  # C-JY-001 is not a self-service item
    tap(screen.ids.take)
    assert app.root.current == "confirm"
    v = app.visit
    assert (v.stream, v.theme, v.item_code) == ("citizen", "public_education", ITEM)


def test_search_opens_the_guide(app: Any) -> None:
    tap(next(b for b in app.screen("home").ids.services.children if b.ref == "guides"))
    guides = app.screen("guides")
    tap(guides.ids.extra.children[0])
    search = app.screen("search")
    assert app.root.current == "search" and search.ids.bar.title == "查找办事指南"
    search.ids.keyboard.text = "转学"
    frames()
    hit = next(b for b in search.ids.results.children if b.ref == ITEM)
    tap(hit)
    assert app.root.current == "guide" and app.visit.item_code == ITEM
    app.home()
    tap(next(b for b in app.screen("home").ids.services.children if b.ref == "stream"))
    tap(app.screen("stream").ids.extra.children[0])  # the ticket flow's search: a match is a ticket
    assert search.purpose == "ticket"


def test_stale_catalogue_says_the_guides_may_be_out_of_date(app: Any) -> None:
    app.catalogue.cache.stale = True
    screen = open_item_guide(app)
    assert "可能不是最新版本" in screen.ids.stale.text and screen.ids.stale.height > 0
    assert "可能不是最新版本" in app.screen("guides").ids.stale.text
    assert screen.sections  # still readable
    app.catalogue.cache.stale = False
    app.refresh_current()
    assert screen.ids.stale.text == ""


def test_elder_mode_flow_chart_text_is_large(app: Any) -> None:
    from kivy.metrics import dp

    from kiosk import theme

    tap(next(b for b in app.screen("home").ids.services.children if b.ref == "guides"))
    app.set_elder(True)  # elder home keeps four services; the guides are still there in elder mode
    frames()
    tap(answer(app, "guides", "citizen"))
    tap(answer(app, "guide_themes", "public_education"))
    tap(answer(app, "guide_items", ITEM))
    screen = app.screen("guide")
    assert len(app.screen("guides").ids.choices.children) == 2  # one question, one column
    assert app.screen("guides").ids.choices.cols == 1
    pump(lambda: bool(screen.flow.boxes))
    assert all(b.font_size >= dp(theme.ELDER_MIN_TEXT) for b in screen.flow.boxes)
    assert screen.flow.font_size >= dp(theme.ELDER_MIN_MAIN)
    labels = [w for w in screen.walk() if hasattr(w, "font_size") and getattr(w, "text", "")]
    assert all(w.font_size >= dp(theme.ELDER_MIN_TEXT) for w in labels)
    for name in ("print", "take"):
        b = screen.ids[name]
        assert b.height >= dp(theme.ELDER_MIN_TARGET) and b.width >= dp(theme.ELDER_MIN_TARGET)
    app.catalogue.cache.stale = True  # elder mode with the cached copy, for docs/screenshots
    app.refresh_current()
    assert screen.ids.stale.text and screen.ids.stale.font_size >= dp(theme.ELDER_MIN_TEXT)
    screen.ids.scroll.scroll_to(screen.sections["process"], padding=0, animate=False)
    frames(4)
    app.root.export_to_png(str(SHOTS / "kiosk-guide-elder-stale-landscape.png"))


@pytest.mark.parametrize("portrait", [False, True], ids=["landscape", "portrait"])
def test_screenshots(app: Any, portrait: bool) -> None:
    from PIL import Image

    set_layout(app, portrait=portrait)
    shape = "portrait" if portrait else "landscape"
    home = app.screen("home")
    tap(next(b for b in home.ids.services.children if b.ref == "guides"))
    tap(answer(app, "guides", "citizen"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    frames(4)
    app.root.export_to_png(str(SHOTS / f"kiosk-guide-themes-{shape}.png"))
    tap(answer(app, "guide_themes", "public_education"))
    frames(4)
    app.root.export_to_png(str(SHOTS / f"kiosk-guide-list-{shape}.png"))
    tap(answer(app, "guide_items", ITEM))
    screen = app.screen("guide")
    pump(lambda: bool(screen.flow.boxes))
    frames(4)
    app.root.export_to_png(str(SHOTS / f"kiosk-guide-{shape}.png"))
    screen.ids.scroll.scroll_to(screen.sections["materials"], padding=0, animate=False)
    frames(4)
    app.root.export_to_png(str(SHOTS / f"kiosk-guide-materials-{shape}.png"))
    shots = [f"kiosk-guide-themes-{shape}.png", f"kiosk-guide-list-{shape}.png", f"kiosk-guide-{shape}.png", f"kiosk-guide-materials-{shape}.png"]
    for name in shots:
        with Image.open(SHOTS / name) as img:
            assert img.size == ((1080, 1920) if portrait else (1920, 1080))


def test_apply_is_offered_for_a_self_service_item(app: Any) -> None:
    item = next(i for i in app.catalogue.document["items"] if i["flags"]["self_service"])
    try:
        screen = open_item_guide(app, item["stream"], item["theme"], item["code"])
        assert screen.apply_button.parent == screen.ids.actions
        tap(screen.apply_button)
        # the item is chosen already: the application starts at the applicant's card
        assert app.root.current == "apply_card" and app.visit.application.item_code == item["code"]
    finally:
        app.end_visit()


def test_guide_texts_have_contrast(app: Any) -> None:
    from kiosk import theme
    from kiosk.widgets import KButton, KLabel

    app.catalogue.cache.stale = True
    screen = open_item_guide(app)
    shown = [w for w in screen.walk() if isinstance(w, KLabel | KButton) and w.text]
    assert len(shown) > 40
    for w in shown:
        assert theme.contrast(w.color, w.bg) >= 4.5, w.text
    chart = screen.flow
    assert theme.contrast(chart.text_color, chart.box_color) >= 4.5
    assert theme.contrast(chart.arrow_color, theme.CARD) >= 3  # a graphic: WCAG asks 3:1
