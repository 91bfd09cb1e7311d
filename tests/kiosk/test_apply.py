"""自助申报 on the real KioskApp, offscreen: item → card → form → pages → review → receipt.

The queue server's side of this flow (typed fields, ``case.prefill``, ``visitor.lookup``) is
being written on another branch, so the app's requests go to a small recording fake here
(``FakeLink``: ``request`` and ``call`` like ``kiosk.link.ServerLink``); the pages go through
the real ``kiosk.upload.upload_page`` into a fake client that keeps chunks as ``page_handlers``
does, and the camera is ``devices.camera.SyntheticSource('page')`` through the real page
detection (``DocumentScanner``). Screenshots land in ``docs/screenshots/kiosk-apply-*.png``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from protocol import RequestFailed, ServerUnavailable, new_key
from protocol.idnumber import check_char
from tests.kiosk.conftest import kiosk_catalogue

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CATALOGUE = ROOT / "queue_server" / "catalogue" / "data" / "district_hall.yaml"
ITEM = "C-SB-002"  # 社会保障卡申领: id_card (e-certificate), photo, application_form, agent_authorisation


def _valid(first17: str) -> str:
    return first17 + check_char(first17)


APPLICANT_ID = _valid("33010619750505002")
AGENT_ID = _valid("33010619800101003")


# ------------------------------------------------------------------ fakes
FIELDS = [
    {"code": "name", "label": {"zh": "姓名", "en": "Name"}, "type": "text", "required": True, "prefill": "name"},
    {"code": "birth", "label": {"zh": "出生日期", "en": "Date of birth"}, "type": "date", "required": True,
     "prefill": "birth"},
    {"code": "address", "label": {"zh": "户籍地址", "en": "Registered address"}, "type": "address", "required": True,
     "max_len": 80, "prefill": "address"},
    {"code": "phone", "label": {"zh": "联系电话", "en": "Phone"}, "type": "phone", "required": True, "prefill": "phone"},
    {"code": "work_unit", "label": {"zh": "工作单位", "en": "Employer"}, "type": "text", "required": False,
     "max_len": 60, "prefill": None},
    {"code": "collect", "label": {"zh": "领取方式", "en": "Collection"}, "type": "choice", "required": True,
     "choices": [{"value": "window", "label": {"zh": "大厅窗口领取", "en": "At a window"}},
                 {"value": "post", "label": {"zh": "邮寄到家", "en": "By post"}}], "prefill": None},
]


def demo_with_fields(tmp: Path) -> Any:
    """The kiosk's catalogue holding the demo catalogue, ITEM with this test's FIELDS."""
    doc = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    next(i for i in doc["items"] if i["code"] == ITEM)["application_fields"] = FIELDS
    return kiosk_catalogue(tmp, doc)


class FakeClient:
    """What ``upload_page`` talks to: ``page.status`` and ``page.upload`` as the server keeps pages."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.chunks: dict[str, dict[int, bytes]] = {}
        self.fail_next = 0
        self.requests: list[str] = []

    def request(self, type: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        self.requests.append(type)
        if self.fail_next:
            self.fail_next -= 1
            raise ServerUnavailable()
        sha = body["sha256"]
        if type == "page.status":
            return {"complete": sha in self.pages, "missing": None}
        got = self.chunks.setdefault(sha, {})
        got[body["index"]] = base64.b64decode(body["data"])
        if len(got) == body["count"]:
            data = b"".join(got[i] for i in range(body["count"]))
            assert hashlib.sha256(data).hexdigest() == sha
            self.pages[sha] = data
            return {"complete": True}
        return {"complete": False, "missing": [i for i in range(body["count"]) if i not in got]}


class FakeLink:
    """``ServerLink``'s face (``request``, ``call``), answering at once from ``answers`` and
    posting the answer on Kivy's clock as the real link does."""

    def __init__(self, answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, dict[str, Any], str]] = []
        self.client = FakeClient()
        self.on_watch: Any = None

    def start(self) -> None: ...
    def close(self) -> None: ...
    def report_health(self, message: dict[str, Any]) -> None: ...

    def _post(self, done: Any, answer: Any) -> None:
        from kivy.clock import Clock

        if done is not None:
            Clock.schedule_once(lambda _dt: done(answer), 0)

    def request(self, type: str, body: dict[str, Any] | None = None, done: Any = None, *, key: str | None = None) -> str:
        from kiosk.link import Answer

        key = key or new_key()
        self.sent.append((type, dict(body or {}), key))
        try:
            answer = Answer(type, body=self.answers[type](dict(body or {})))
        except RequestFailed as e:
            answer = Answer(type, error=e)
        self._post(done, answer)
        return key

    def call(self, fn: Callable[[Any], Any], done: Any = None) -> None:
        from kiosk.link import CALL, Answer

        try:
            answer = Answer(CALL, body={"result": fn(self.client)})
        except RequestFailed as e:
            answer = Answer(CALL, error=e)
        self._post(done, answer)

    def bodies(self, type: str) -> list[tuple[dict[str, Any], str]]:
        return [(b, k) for t, b, k in self.sent if t == type]


@dataclass(frozen=True)
class CapturedPage:
    jpeg: bytes
    preview: bytes
    found: bool


class FakeDevices:
    """The camera from a synthetic page scene through the real page detection; a printer that
    keeps what it was given."""

    def __init__(self) -> None:
        from devices.camera import DocumentScanner, SyntheticSource

        self.source = SyntheticSource("page")
        self.scanner = DocumentScanner(height=700)
        self.printed: list[Any] = []
        self.shots: list[bytes] = []
        self.printer_ok = True

    def start(self, on_event: Any, on_health: Any) -> None: ...
    def stop(self) -> None: ...

    def capture_page(self) -> CapturedPage:
        page = self.scanner.capture(self.source.read())
        jpeg = page.jpeg(80)
        self.shots.append(jpeg)
        return CapturedPage(jpeg=jpeg, preview=jpeg, found=True)

    def print_document(self, doc: Any) -> Any:
        self.printed.append(doc)
        reason = "" if self.printer_ok else "打印机缺纸"
        return types.SimpleNamespace(printed=self.printer_ok, zh=reason, en=reason)


@dataclass
class Card:
    name: str
    id_number: str
    birth: dt.date
    address: str
    sex_code: str = "2"


APPLICANT = Card("钱七", APPLICANT_ID, dt.date(1975, 5, 5), "浙江省杭州市西湖区文三路100号")
AGENT = Card("孙八", AGENT_ID, dt.date(1980, 1, 1), "浙江省杭州市上城区解放路1号", "1")


def answers(state: dict[str, Any]) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    def submit(body: dict[str, Any]) -> dict[str, Any]:
        if state.get("unreachable"):
            state["unreachable"] -= 1
            raise ServerUnavailable()
        refuse = state.pop("refuse_field", None)
        if refuse:
            raise RequestFailed("bad_request", f"{refuse} is not accepted", "该项信息不符合要求",
                                {"field": f"fields.{refuse}"})
        return {"id": "NS-20260505-000001", "check_code": "483920", "item_code": body["item_code"],
                "item_name": {"zh": "社会保障卡申领", "en": "Application for a social security card"},
                "state": "submitted", "channel": "kiosk", "due": "2026-05-19",
                "materials_needed": ["photo"]}

    return {
        "visitor.lookup": lambda b: {"certificates": [{"type": "id_card", "number": "EC-1", "name": {"zh": "居民身份证"}}]},
        "case.prefill": lambda b: {"fields": {"work_unit": "杭州某某科技有限公司", "phone": ""}},
        "case.submit_kiosk": submit,
    }


# ------------------------------------------------------------------ fixtures and helpers
@pytest.fixture(scope="module")
def window() -> Any:
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kivyenv import register_fonts

    register_fonts()
    EventLoop.ensure_window()
    return Window


@pytest.fixture
def kiosk(window: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import kiosk.app as kapp

    portrait = getattr(request, "param", "landscape") == "portrait"
    window.size = (1080, 1920) if portrait else (1920, 1080)
    state: dict[str, Any] = {}
    link = FakeLink(answers(state))
    devices = FakeDevices()
    app = kapp.KioskApp(link=link, devices=devices, catalogue=demo_with_fields(Path(tempfile.mkdtemp(prefix="kiosk-apply-"))), portrait=portrait)  # type: ignore[arg-type]
    root = app.build()
    app.root = root
    window.add_widget(root)
    pump()
    app.state, app.fake_link, app.fake_devices = state, link, devices
    app.orientation = "portrait" if portrait else "landscape"
    yield app
    dismiss_overlays(window)
    window.remove_widget(root)
    if app._idle_event is not None:
        app._idle_event.cancel()
    app.dispatch("on_stop")  # kv's ``app`` forgets this app: the next test's is a new one


def pump(frames: int = 4) -> None:
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        pump(1)
        time.sleep(0.01)


def tap(button: Any) -> None:
    assert not button.disabled and button.opacity > 0, button.text
    button.dispatch("on_release")
    pump()


def overlays(window: Any) -> list[Any]:
    from kivy.uix.modalview import ModalView

    return [w for w in window.children if isinstance(w, ModalView)]


def dismiss_overlays(window: Any) -> list[str]:
    said = []
    for w in overlays(window):
        said.append(getattr(w, "message", ""))
        w.dismiss(animation=False)
    pump()
    return said


def shoot(app: Any, name: str) -> Path:
    pump(3)
    path = SHOTS / f"kiosk-apply-{name}-{app.orientation}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    app.root.export_to_png(str(path))
    return path


def screen(app: Any) -> Any:
    return app.root.current_screen


def type_into(app: Any, text: str) -> None:
    s = screen(app)
    for ch in text:
        key = ch.upper() if ch.isalpha() else ("SPACE" if ch == " " else ch)
        kb = s.keyboard
        b = next(k for line in kb.keys.children for k in line.children if k.ref == key)
        tap(b)


def keys(app: Any) -> set[str]:
    kb = screen(app).keyboard
    return {k.ref for line in kb.keys.children for k in line.children}


def wait_digits(app: Any) -> None:
    wait_for(lambda: "X" in keys(app) and "Q" not in keys(app))


def clear_field(app: Any) -> None:
    kb = screen(app).keyboard
    tap(next(k for line in kb.keys.children for k in line.children if k.ref == "CLR"))


def place_card(app: Any, card: Card) -> None:
    from kiosk.hardware import CardRead

    app.on_device(CardRead(card=card))
    pump()


# ------------------------------------------------------------------ the flow
@pytest.mark.parametrize("kiosk", ["landscape", "portrait"], indirect=True)
def test_self_service_application_from_item_to_receipt(kiosk: Any) -> None:
    app, link, devices = kiosk, kiosk.fake_link, kiosk.fake_devices
    # home → 自助申报 → the item
    tap(next(b for b in app.screen("home").ids.services.children if b.ref == "apply"))
    assert app.root.current == "apply"
    codes = [ref for _label, ref in screen(app).choices()]
    assert ITEM in codes and "E-XY-001" in codes and "C-WJ-002" not in codes  # self-service ones only
    shoot(app, "1-items")
    tap(screen(app).button("", ITEM))
    assert app.root.current == "apply_card" and app.visit.application.item_code == ITEM
    shoot(app, "2-card")

    # the applicant's card: signed in, looked up, on to the form prefilled from card and earlier cases
    place_card(app, APPLICANT)
    assert app.root.current == "apply_fields"
    assert link.bodies("visitor.lookup")[0][0] == {"id_number": APPLICANT_ID}
    assert link.bodies("case.prefill")[0][0] == {"id_number": APPLICANT_ID, "item_code": ITEM}
    fields = app.visit.application.fields
    assert fields["name"] == "钱七" and fields["birth"] == "1975-05-05" and fields["address"].startswith("浙江省")
    assert fields["work_unit"] == "杭州某某科技有限公司" and not fields.get("phone")

    # a bad phone number is refused on the kiosk, next to the field
    s = screen(app)
    tap(s.rows["phone"])
    assert s.keyboard.digits_only
    wait_digits(app)
    type_into(app, "12345678901")
    tap(s.ids.next)
    assert app.root.current == "apply_fields" and "phone" in s.errors
    assert any("手机号码" in w.text for w in s.ids.rows.children if hasattr(w, "text"))
    assert "collect" in s.errors  # required choice not made yet
    shoot(app, "3-fields-refused")
    clear_field(app)
    type_into(app, "13812345678")
    assert fields["phone"] == "13812345678" and "phone" not in s.errors
    tap(s.rows["collect"])
    tap(next(b for b in s.ids.options.children if b.ref == "post"))
    assert fields["collect"] == "post"
    shoot(app, "3-fields")
    tap(s.ids.next)
    assert app.root.current == "apply_materials"

    # materials: the ID card by its e-certificate (held, per visitor.lookup), the form photographed
    m = screen(app)
    assert "ecert:photo" not in m.buttons and "ecert:id_card" in m.buttons
    tap(m.buttons["ecert:id_card"])
    assert app.visit.application.certificates == ["id_card"]
    shoot(app, "4-materials")
    tap(m.buttons["photo:application_form"])
    cam = screen(app)
    assert app.root.current == "apply_capture"
    shoot(app, "5-capture")
    tap(cam.ids.capture)
    wait_for(lambda: cam.shot is not None)
    shoot(app, "5-capture-preview")
    tap(cam.ids.retake)  # the first shot is not kept
    wait_for(lambda: cam.shot is not None and len(devices.shots) == 2)
    tap(cam.ids.keep)
    tap(cam.ids.capture)
    wait_for(lambda: cam.shot is not None and len(devices.shots) == 3)
    link.client.fail_next = 1  # the second page's upload fails: kept, retried
    tap(cam.ids.keep)
    pump()
    a = app.visit.application
    assert [p.jpeg for p in a.captured] == devices.shots[1:]
    assert [p.state.value for p in a.captured] == ["uploaded", "failed"]
    tap(cam.ids.done)
    assert app.root.current == "apply_materials"
    assert "上传失败" in m.ids.status.text and m.ids.retry.opacity == 1
    shoot(app, "4-materials-upload-failed")
    tap(m.ids.next)
    assert app.root.current == "apply_materials"  # not on with a page missing
    tap(m.ids.retry)
    pump()
    assert [p.state.value for p in a.captured] == ["uploaded", "uploaded"]
    shas = [hashlib.sha256(j).hexdigest() for j in devices.shots[1:]]
    assert set(link.client.pages) == set(shas)
    tap(m.ids.next)
    assert app.root.current == "apply_review"

    # review: masked ID, pages per material; submit (unreachable once: the same key again)
    r = screen(app)
    text = r.ids.summary.text
    assert "3301**********" in text and APPLICANT_ID not in text and "已上传 2 页" in text
    shoot(app, "6-review")
    app.state["unreachable"] = 1
    tap(r.ids.submit)
    assert app.root.current == "apply_review"
    said = dismiss_overlays(app.root.get_parent_window())
    assert any("无法连接" in s for s in said)
    tap(r.ids.submit)
    (first, key1), (second, key2) = link.bodies("case.submit_kiosk")
    assert first == second and key1 == key2
    assert second == {
        "item_code": ITEM, "id_number": APPLICANT_ID, "name": "钱七",
        "fields": {"name": "钱七", "birth": "1975-05-05", "address": APPLICANT.address, "phone": "13812345678",
                   "work_unit": "杭州某某科技有限公司", "collect": "post"},
        "materials": ["id_card"],
        "pages": [{"material": "application_form", "sha256": sha} for sha in shas],
    }

    # the receipt: on screen and printed; what is still owed
    wait_for(lambda: app.visit.printed is not None)
    assert app.root.current == "apply_receipt"
    rc = screen(app)
    assert "NS-20260505-000001" in rc.ids.case.text and "483920" in rc.ids.check_code.text
    assert "2026-05-19" in rc.ids.promised.text and "照片" in rc.ids.owed.text
    assert app.visit.printed is True and "取走" in rc.ids.printed.text
    (doc,) = devices.printed
    printed = " ".join(doc.texts())
    assert "NS-20260505-000001" in printed and "483920" in printed and "社会保障卡申领" in printed
    shoot(app, "7-receipt")
    tap(rc.ids.done)
    assert app.root.current == "home" and app.visit.application is None and app.visit.visitor is None


def test_agent_types_the_applicant_and_a_field_refused_by_the_server(kiosk: Any) -> None:
    app, link, devices = kiosk, kiosk.fake_link, kiosk.fake_devices
    devices.printer_ok = False
    app.go("apply")
    pump()
    tap(screen(app).button("", ITEM))
    c = screen(app)
    tap(c.ids.agent)
    assert "代办人" in c.ids.prompt.text
    place_card(app, AGENT)
    assert app.root.current == "apply_card" and c.typing and app.visit.application.agent.id_number == AGENT_ID
    wait_for(lambda: "Q" in keys(app))
    type_into(app, "qian qi")
    tap(next(b for b in c.ids.form.children if b.ref == "id"))
    wait_digits(app)
    type_into(app, APPLICANT_ID[:-1] + ("1" if APPLICANT_ID[-1] != "1" else "2"))  # a wrong check digit
    tap(c.ids.confirm)
    assert app.root.current == "apply_card" and "校验码" in c.ids.error.text
    shoot(app, "2-card-agent-error")
    clear_field(app)
    type_into(app, APPLICANT_ID)
    tap(c.ids.confirm)
    assert app.root.current == "apply_fields"
    a = app.visit.application
    assert a.applicant.id_number == APPLICANT_ID and a.applicant.name == "qian qi" and a.agent.name == "孙八"
    assert a.fields["birth"] == "1975-05-05"  # from the typed ID number's birth date
    s = screen(app)
    tap(s.rows["address"])
    wait_for(lambda: "Q" in keys(app))
    type_into(app, "wensan road 100")
    tap(s.rows["phone"])
    wait_digits(app)
    type_into(app, "057187654321")  # a landline with its area code
    tap(s.rows["collect"])
    tap(next(b for b in s.ids.options.children if b.ref == "window"))
    tap(s.ids.next)
    assert app.root.current == "apply_materials", s.errors
    m = screen(app)
    assert "ecert:id_card" in m.buttons  # offered (the lookup was the agent's: the server checks)
    tap(m.ids.next)
    r = screen(app)
    assert "代办人" in r.ids.summary.text
    app.state["refuse_field"] = "phone"
    tap(r.ids.submit)
    assert app.root.current == "apply_fields" and "phone" in screen(app).errors
    dismiss_overlays(app.root.get_parent_window())
    tap(screen(app).ids.next)
    tap(screen(app).ids.next)
    tap(screen(app).ids.submit)
    (_refused, k1), (sent, k2) = link.bodies("case.submit_kiosk")
    assert k1 != k2 and sent["agent"] == {"id_number": AGENT_ID, "name": "孙八"} and sent["name"] == "qian qi"
    assert sent["materials"] == [] and sent["pages"] == [] and sent["fields"]["phone"] == "057187654321"
    wait_for(lambda: app.visit.printed is not None)
    rc = screen(app)
    assert app.visit.printed is False and "未能打印" in rc.ids.printed.text and "NS-" in rc.ids.case.text
    shoot(app, "7-receipt-not-printed")


def test_elder_mode_asks_one_field_per_screen(kiosk: Any) -> None:
    app = kiosk
    app.set_elder(True)
    app.visit.choose(item_code=ITEM)  # from its guide: straight on to the card
    app.go("apply")
    pump()
    assert app.root.current == "apply_card" and "apply" not in app.history[-1:]
    place_card(app, APPLICANT)
    dismiss_overlays(app.root.get_parent_window())
    s = screen(app)
    assert list(s.rows) == ["name"] and "第 1 项，共 6 项" in s.ids.step.text
    shoot(app, "3-fields-elder")
    tap(s.ids.next)
    tap(s.ids.next)
    tap(s.ids.next)
    assert list(s.rows) == ["phone"]
    tap(s.ids.next)
    assert "phone" in s.errors and list(s.rows) == ["phone"]


def test_link_call_runs_on_the_worker_with_its_client() -> None:
    import threading

    from kiosk.link import CALL, ServerLink

    got: list[Any] = []
    link = ServerLink("tcp://127.0.0.1:1", post=lambda fn: fn(), timeout=0.2, retries=1, watch_s=60)
    link.start()
    try:
        link.call(lambda client: (type(client).__name__, threading.current_thread().name), got.append)
        link.call(lambda client: (_ for _ in ()).throw(ValueError("too big")), got.append)
        end = time.monotonic() + 5
        while len(got) < 2 and time.monotonic() < end:
            time.sleep(0.02)
    finally:
        link.close()
    ok, bad = got
    assert ok.ok and ok.type == CALL and ok.body == {"result": ("HallClient", "kiosk-link")}
    assert bad.code == "bad_request" and "too big" in bad.error.message
