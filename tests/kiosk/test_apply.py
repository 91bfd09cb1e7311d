"""自助申报 end to end: the real kiosk app offscreen (``tests/kiosk/rig.py``) on a real queue
server process, the ID card reader, camera (a synthetic page scene through the real page
detection) and receipt printer as simulators. The demo catalogue's self-service items carry
the typed ``application_fields``; the server prefills from earlier cases (``case.prefill``),
says which e-certificates the card holder holds (``visitor.lookup``), keeps the uploaded pages
(``page.upload``) and checks every field again (``case.submit_kiosk``). What the server holds
afterwards is read as a clerk would, over REST. Screenshots land in
``docs/screenshots/kiosk-apply-*.png``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from idcard.card import IdCard
from idcard.cardfile import card_from_dict
from protocol.idnumber import check_char
from tests.kiosk.rig import KioskRig
from tests.support.hall import HallProcess
from tests.support.wait import wait_for

CARD_ITEM = "C-SB-002"  # 社会保障卡申领: phone, address, delivery, bank; yields social_security_card
TRAVEL_ITEM = "C-YB-002"  # 异地就医备案: phone, category, destination, start_date; needs the social security card
BIRTH_ITEM = "C-YB-001"  # 城乡居民基本医疗保险参保登记: birth_date (prefill birth), phone, address, insurance_type


def person(name: str, first17: str, address: str) -> IdCard:
    """A resident ID card with a chosen (valid) ID number, as the reader simulator reads it
    (the sex and validity the number and the law give)."""
    number = first17 + check_char(first17)
    sex = "1" if int(first17[16]) % 2 else "2"
    birth = f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}"
    age = 2016 - int(first17[6:10]) - (first17[10:14] > "0301")  # on issue, 2016-03-01
    valid_to = "长期" if age >= 46 else "2036-03-01" if age >= 26 else "2026-03-01"  # as the law has it
    return card_from_dict({"kind": "resident", "name": name, "sex": sex, "nation": "01", "birth": birth,
                           "address": address, "id_number": number, "authority": "深圳市公安局南山分局",
                           "valid_from": "2016-03-01", "valid_to": valid_to, "photo_seed": number})


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def hrss(hall: HallProcess) -> str:
    """A clerk of the human resources and social security bureau (the social security items'
    department): may read these cases and their pages."""
    return hall.token("clerk", clerk="d-hrss")


@pytest.fixture(scope="module")
def medical(hall: HallProcess) -> str:
    return hall.token("clerk", clerk="d-medical-security")


@pytest.fixture(scope="module")
def window_clerk(hall: HallProcess) -> str:
    return hall.token("clerk", clerk="c01")  # at window 1: accepts a case


@pytest.fixture
def orientation(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "landscape")


@pytest.fixture
def rig(hall: HallProcess, tmp_path: Path, orientation: str) -> Iterator[KioskRig]:
    r = KioskRig(hall, tmp_path / "kiosk", portrait=orientation == "portrait")
    r.orientation = orientation  # type: ignore[attr-defined]
    yield r
    r.close()


# ------------------------------------------------------------------ REST, as a clerk
def api(hall: HallProcess, token: str, path: str, method: str = "GET", **kw: Any) -> requests.Response:
    return requests.request(method, f"{hall.http}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                            timeout=10, **kw)


def case_of(hall: HallProcess, token: str, case_id: str) -> dict[str, Any]:
    r = api(hall, token, f"/cases/{case_id}")
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------ driving the screens
def shoot(rig: KioskRig, name: str) -> Path:
    return rig.screenshot(f"apply-{name}-{rig.orientation}")  # type: ignore[attr-defined]


def keyboard(rig: KioskRig) -> Any:
    return rig.screen.keyboard


def key_refs(rig: KioskRig) -> set[str]:
    return {k.ref for line in keyboard(rig).keys.children for k in line.children}


def wait_digits(rig: KioskRig) -> None:
    rig.pump(lambda: "X" in key_refs(rig) and "Q" not in key_refs(rig))


def wait_letters(rig: KioskRig) -> None:
    rig.pump(lambda: "Q" in key_refs(rig))


def press(rig: KioskRig, ref: str) -> None:
    rig.tap(next(k for line in keyboard(rig).keys.children for k in line.children if k.ref == ref))


def type_into(rig: KioskRig, text: str) -> None:
    for ch in text:
        press(rig, ch.upper() if ch.isalpha() else ("SPACE" if ch == " " else ch))


def start(rig: KioskRig, item: str) -> None:
    """home → 自助申报 → the item: on the card screen."""
    rig.at("home")
    rig.tap_text("自助申报")
    rig.at("apply")
    rig.tap(rig.screen.button("", item))
    rig.at("apply_card")
    assert rig.app.visit.application.item_code == item


def read_card(rig: KioskRig, card: IdCard) -> None:
    rig.sim.place_card(card)
    rig.pump(lambda: rig.app.visit.visitor is not None and rig.app.visit.visitor.id_number == card.id_number,
             timeout=10)
    rig.sim.remove_card()  # taken back: the next placing is a new read


def choose(rig: KioskRig, code: str, value: str) -> None:
    s = rig.screen
    rig.tap(s.rows[code])
    rig.tap(next(b for b in s.ids.options.children if b.ref == value))
    assert rig.app.visit.application.fields[code] == value


def capture(rig: KioskRig, shots: list[Any]) -> None:
    cam = rig.screen
    before = cam.shot
    rig.tap(cam.ids.capture if cam.ids.capture.opacity else cam.ids.retake)
    rig.pump(lambda: cam.shot is not None and cam.shot is not before and not cam.busy, timeout=15)
    assert cam.shot.found, cam.message
    shots.append(cam.shot)


def submit_and_print(rig: KioskRig) -> dict[str, Any]:
    rig.tap(rig.screen.ids.submit)
    rig.at("apply_receipt", timeout=15)
    rig.pump(lambda: rig.app.visit.printed is not None, timeout=15)
    return rig.app.visit.case


# ------------------------------------------------------------------ the flow
@pytest.mark.parametrize("orientation", ["landscape", "portrait"], indirect=True)
def test_self_service_application_from_item_to_receipt_and_again(
        rig: KioskRig, hall: HallProcess, hrss: str, medical: str, window_clerk: str, orientation: str) -> None:
    applicant = person("钱七", "44030519850505" + ("01" if orientation == "landscape" else "02") + "2",
                       "广东省深圳市南山区文心路100号")
    # home → 自助申报 → the item
    rig.tap_text("自助申报")
    rig.at("apply")
    codes = [ref for _label, ref in rig.screen.choices()]
    # Self-service ones only; of the enterprise items only the founding one (the founder's ID
    # card): a kiosk cannot read a company's credit code (issue 13).
    assert CARD_ITEM in codes and "E-DJ-002" in codes and "C-WJ-002" not in codes
    assert "E-XY-001" not in codes
    shoot(rig, "1-items")
    rig.tap(rig.screen.button("", CARD_ITEM))
    rig.at("apply_card")
    assert rig.shows("请将申请人的身份证放在读卡区")
    shoot(rig, "2-card")

    # the applicant's card on the reader: on to the form, the address from the card
    read_card(rig, applicant)
    rig.at("apply_fields")
    a = rig.app.visit.application
    assert a.applicant.id_number == applicant.id_number
    rig.settle(0.5)  # case.prefill answered: nothing earlier for this person
    assert a.fields == {"address": "广东省深圳市南山区文心路100号"}
    s = rig.screen
    assert rig.shows("联系地址：广东省深圳市南山区文心路100号")

    # a bad phone number is refused on the kiosk, next to the field, before anything is sent
    rig.tap(s.rows["phone"])
    wait_digits(rig)
    type_into(rig, "12345678901")
    rig.tap(s.ids.next)
    assert rig.screen.name == "apply_fields" and "phone" in s.errors and "delivery" in s.errors
    assert rig.shows("请填写11位手机号码")
    shoot(rig, "3-fields-refused")
    press(rig, "CLR")
    type_into(rig, "13812345678")
    assert a.fields["phone"] == "13812345678" and "phone" not in s.errors
    choose(rig, "delivery", "post")
    choose(rig, "bank", "icbc")
    shoot(rig, "3-fields")
    rig.tap(s.ids.next)
    rig.at("apply_materials")

    # materials: no e-certificate held yet (visitor.lookup: none), so the form is photographed
    m = rig.screen
    assert not any(k.startswith("ecert:") for k in m.buttons)
    shoot(rig, "4-materials")
    rig.tap(m.buttons["photo:application_form"])
    rig.at("apply_capture")
    cam = rig.screen
    shoot(rig, "5-capture")
    shots: list[Any] = []
    rig.sim.show("page")  # a form lying under the camera (each frame differs by its sensor noise)
    capture(rig, shots)
    shoot(rig, "5-capture-preview")
    capture(rig, shots)  # 重拍: the first shot is not kept
    rig.tap(cam.ids.keep)
    capture(rig, shots)
    rig.tap(cam.ids.keep)
    kept = [shots[1].jpeg, shots[2].jpeg]
    assert len({hashlib.sha256(s.jpeg).digest() for s in shots}) == 3
    rig.pump(lambda: [p.state.value for p in a.captured] == ["uploaded", "uploaded"], timeout=20)
    assert [p.jpeg for p in a.captured] == kept
    rig.tap(cam.ids.done)
    rig.at("apply_materials")
    assert rig.shows("上传进度：2/2 页") and rig.shows("已拍 2 页，已上传 2 页")
    shoot(rig, "4-materials-uploaded")
    rig.tap(m.ids.next)
    rig.at("apply_review")

    # review: the ID number masked, the pages counted; submit
    text = rig.screen.ids.summary.text
    masked = applicant.id_number[:4] + "*" * 10 + applicant.id_number[-4:]
    assert masked in text and applicant.id_number not in text and "已上传 2 页" in text
    shoot(rig, "6-review")
    printed_before = len(rig.sim.pages)
    case = submit_and_print(rig)

    # the receipt on screen and from the printer simulator
    rc = rig.screen
    assert case["id"] in rc.ids.case.text and case["check_code"] in rc.ids.check_code.text
    assert rig.app.visit.printed is True and "取走" in rc.ids.printed.text
    page = rig.sim.wait_pages(printed_before + 1, timeout=10)[-1]
    assert case["id"] in page.text and "社会保障卡申领" in page.text
    # its QR code: the progress page the submit's reply gave, under the hall's address
    assert page.qr_codes == [case["progress_url"]]
    assert case["progress_url"] == f"{hall.http}/m/case/{case['id']}?code={case['check_code']}"
    assert case["materials_needed"] == ["id_card", "photo", "agent_authorisation"]  # told all at once
    assert "一次性告知" in rc.ids.owed.text and "近期一寸免冠彩色照片" in rc.ids.owed.text
    shoot(rig, "7-receipt")

    # the server holds the case, its fields (the phone masked for clerks) and both pages
    view = case_of(hall, hrss, case["id"])
    assert json_has(view, "138****5678") and not json_has(view, "13812345678"), view
    assert json_has(view, "广东省深圳市南山区文心路100号") and json_has(view, "icbc")
    pages = api(hall, hrss, f"/cases/{case['id']}/pages").json()["pages"]
    assert [p["sha256"] for p in pages] == [hashlib.sha256(j).hexdigest() for j in kept]
    assert all(p["material"] == "application_form" for p in pages)
    image = api(hall, hrss, f"/cases/{case['id']}/pages/{pages[1]['number']}")
    assert image.status_code == 200 and image.content == kept[1]
    rig.tap(rc.ids.done)
    rig.at("home")
    assert rig.app.visit.application is None and rig.app.visit.visitor is None

    # accepted at a window and approved by the bureau: the card is now an e-certificate the hall holds
    # the visitor shows the ID card at the window (accepting checks every required material)
    accepted = api(hall, window_clerk, f"/cases/{case['id']}/accept", "POST", json={"materials": ["id_card"]})
    assert accepted.status_code == 200, accepted.text
    review = api(hall, hrss, f"/cases/{case['id']}/review", "POST", json={})
    assert review.status_code == 200, review.text
    approved = api(hall, hrss, f"/cases/{case['id']}/decide", "POST", json={"decision": "approved"})
    assert approved.status_code == 200, approved.text

    # a second application by the same person: the phone from the earlier case, the social
    # security card by its e-certificate
    start(rig, TRAVEL_ITEM)
    read_card(rig, applicant)
    rig.at("apply_fields")
    a = rig.app.visit.application
    rig.pump(lambda: a.fields.get("phone") == "13812345678", timeout=10)  # case.prefill
    assert rig.shows("联系电话：138****5678") and not rig.shows("13812345678")  # shown as the server masks it
    shoot(rig, "3-fields-prefilled")
    choose(rig, "category", "temporary")
    s = rig.screen
    rig.tap(s.rows["destination"])
    wait_letters(rig)
    type_into(rig, "guangzhou")
    rig.tap(s.rows["start_date"])
    wait_digits(rig)
    type_into(rig, "20270110")
    assert a.fields["start_date"] == "2027-01-10"
    rig.tap(s.ids.next)
    rig.at("apply_materials")
    m = rig.screen
    rig.pump(lambda: "ecert:social_security_card" in m.buttons, timeout=10)  # held, per visitor.lookup
    assert "ecert:id_card" not in m.buttons  # not an e-certificate this hall holds for them
    rig.tap(m.buttons["ecert:social_security_card"])
    assert a.certificates == ["social_security_card"] and "photo:social_security_card" not in m.buttons
    shoot(rig, "4-materials-ecert")
    rig.tap(m.ids.next)
    rig.at("apply_review")
    summary = rig.screen.ids.summary.text
    assert "社会保障卡或医保电子凭证：电子证照代替" in summary and "联系电话：138****5678" in summary
    second = submit_and_print(rig)
    assert second["id"] != case["id"] and "social_security_card" not in second["materials_needed"]
    view = case_of(hall, medical, second["id"])
    assert json_has(view, "138****5678") and json_has(view, "guangzhou") and json_has(view, "2027-01-10")
    shoot(rig, "7-receipt-second")


def json_has(doc: Any, text: str) -> bool:
    import json

    return text in json.dumps(doc, ensure_ascii=False)


def test_agent_types_the_applicant_and_a_field_the_server_refuses(rig: KioskRig, hall: HallProcess,
                                                                   medical: str) -> None:
    agent = person("孙八", "44030519800101003", "广东省深圳市福田区深南大道1号")
    applicant_id = "44030520100202004"
    applicant_id += check_char(applicant_id)
    rig.sim.paper_out()  # the receipt will not print: shown to keep, printed when paper is back
    start(rig, BIRTH_ITEM)
    c = rig.screen
    rig.tap(c.ids.agent)
    assert "代办人" in c.ids.prompt.text
    read_card(rig, agent)
    rig.pump(lambda: c.typing)
    assert rig.screen.name == "apply_card" and rig.app.visit.application.agent.id_number == agent.id_number
    wait_letters(rig)
    type_into(rig, "sun xiao")
    rig.tap(next(b for b in c.ids.form.children if b.ref == "id"))
    wait_digits(rig)
    type_into(rig, applicant_id[:-1] + ("1" if applicant_id[-1] != "1" else "2"))  # a wrong check digit
    rig.tap(c.ids.confirm)
    assert rig.screen.name == "apply_card" and "校验码" in c.ids.error.text
    shoot(rig, "2-card-agent-error")
    press(rig, "CLR")
    type_into(rig, applicant_id)
    rig.tap(c.ids.confirm)
    rig.at("apply_fields")
    a = rig.app.visit.application
    assert a.applicant.id_number == applicant_id and a.applicant.name == "sun xiao" and a.agent.name == "孙八"
    assert a.fields["birth_date"] == "2010-02-02"  # from the typed ID number

    # a birth date in the future: the kiosk lets it through, the server does not
    s = rig.screen
    rig.tap(s.rows["birth_date"])
    wait_digits(rig)
    press(rig, "CLR")
    type_into(rig, "20990202")
    rig.tap(s.rows["phone"])
    wait_digits(rig)
    type_into(rig, "075526980303")  # a landline with its area code
    rig.tap(s.rows["address"])
    wait_letters(rig)
    type_into(rig, "futian 1")
    choose(rig, "insurance_type", "student")
    rig.tap(s.ids.next)
    rig.at("apply_materials")
    m = rig.screen
    assert "ecert:id_card" in m.buttons  # offered: the lookup was the agent's, the server checks
    rig.tap(m.ids.next)
    rig.at("apply_review")
    assert "代办人" in rig.screen.ids.summary.text
    rig.tap(rig.screen.ids.submit)
    rig.at("apply_fields", timeout=15)
    assert set(s.errors) == {"birth_date"} and rig.shows("出生日期为出生日期，不能晚于今天"), rig.texts()
    assert not rig.shows("fields.")  # the server's words, without the code it names the field by
    shoot(rig, "3-fields-refused-by-server")
    rig.dismiss_overlays()
    rig.tap(s.rows["birth_date"])
    wait_digits(rig)
    press(rig, "CLR")
    type_into(rig, "20100202")
    rig.tap(s.ids.next)
    rig.at("apply_materials")
    rig.tap(rig.screen.ids.next)
    rig.at("apply_review")
    printed = len(rig.sim.pages)
    case = submit_and_print(rig)
    rc = rig.screen
    assert rig.app.visit.printed is False and "未能打印" in rc.ids.printed.text and case["id"] in rc.ids.case.text
    shoot(rig, "7-receipt-not-printed")
    view = case_of(hall, medical, case["id"])
    assert json_has(view, "0755****0303") and json_has(view, "2010-02-02") and json_has(view, "student"), view
    assert json_has(view, "孙") and "agent" in view and view["agent"], view
    rig.sim.paper_in()
    rig.pump(lambda: len(rig.sim.pages) > printed, timeout=15)
    assert case["id"] in rig.sim.pages[-1].text


def test_elder_mode_asks_one_field_per_screen(rig: KioskRig) -> None:
    elder = person("周九", "44030519500303005", "广东省深圳市南山区桃园路8号")
    rig.app.set_elder(True)
    rig.app.visit.choose(item_code=CARD_ITEM)  # from its guide: straight on to the card
    rig.app.go("apply")
    rig.at("apply_card")
    assert "apply" not in rig.app.history[-1:]
    read_card(rig, elder)
    rig.at("apply_fields")
    rig.dismiss_overlays()
    s = rig.screen
    assert list(s.rows) == ["phone"] and "第 1 项，共 4 项" in s.ids.step.text
    rig.tap(s.ids.next)
    assert "phone" in s.errors and list(s.rows) == ["phone"]  # required: not on without it
    shoot(rig, "3-fields-elder")
    wait_digits(rig)
    type_into(rig, "13912345678")
    rig.tap(s.ids.next)
    assert list(s.rows) == ["address"] and "桃园路" in s.rows["address"].text


def test_server_down_keeps_the_pages_and_the_retried_submit_makes_one_case(tmp_path: Path) -> None:
    hall = HallProcess(tmp_path / "hall", f"sqlite:///{tmp_path}/hall.db")  # its own: this test kills it
    hall.var.mkdir()
    hall.init()
    hall.enroll("kiosk-1")
    hall.start()
    hrss = hall.token("clerk", clerk="d-hrss")
    applicant = person("吴十", "44030519880909006", "广东省深圳市南山区科技园1号")
    rig = KioskRig(hall, tmp_path / "kiosk")
    rig.orientation = "landscape"  # type: ignore[attr-defined]
    try:
        start(rig, CARD_ITEM)
        read_card(rig, applicant)
        rig.at("apply_fields")
        s = rig.screen
        rig.tap(s.rows["phone"])
        wait_digits(rig)
        type_into(rig, "13712345678")
        choose(rig, "delivery", "hall")
        choose(rig, "bank", "ccb")
        rig.tap(s.ids.next)
        rig.at("apply_materials")
        rig.tap(rig.screen.buttons["photo:application_form"])
        rig.at("apply_capture")
        shots: list[Any] = []
        capture(rig, shots)

        # the server goes away: the kept page's upload fails, the page is kept for a retry
        hall.kill()
        rig.pump(lambda: "无法连接服务器" in rig.app.banner, timeout=15)
        rig.tap(rig.screen.ids.keep)
        a = rig.app.visit.application
        rig.pump(lambda: a.captured[0].state.value == "failed", timeout=20)
        rig.tap(rig.screen.ids.done)
        rig.at("apply_materials")
        m = rig.screen
        assert "上传失败" in m.ids.status.text and m.ids.retry.opacity == 1
        rig.tap(m.ids.next)
        assert rig.screen.name == "apply_materials"  # not on with a page missing
        shoot(rig, "4-materials-upload-failed")
        hall.start()
        rig.pump(lambda: rig.app.banner == "", timeout=20)
        rig.tap(m.ids.retry)
        rig.pump(lambda: a.captured[0].state.value == "uploaded", timeout=20)
        rig.tap(m.ids.next)
        rig.at("apply_review")

        # gone again as 确认提交 is tapped: nothing made, said so; back, the same key again
        hall.kill()
        rig.pump(lambda: "无法连接服务器" in rig.app.banner, timeout=15)
        rig.tap(rig.screen.ids.submit)
        rig.pump(lambda: rig.shows("暂时无法连接服务器，申报尚未提交"), timeout=20)
        assert rig.screen.name == "apply_review" and rig.app.visit.case is None
        key = rig.screen.retry._key
        shoot(rig, "6-review-server-down")
        hall.start()
        rig.pump(lambda: rig.app.banner == "", timeout=20)
        rig.dismiss_overlays()
        case = submit_and_print(rig)
        assert rig.screen.name == "apply_receipt" and rig.app.screen("apply_review").retry._key == key

        # had that answer been lost, the same request again is the same case, not a second one
        from kiosk import application as appl

        body = appl.submit_body(a.item_code, a, appl.fields_of(rig.app.catalogue.item(a.item_code)))
        again: list[Any] = []
        rig.app.link.call(lambda client: client.request("case.submit_kiosk", body, key=key), again.append)
        rig.pump(lambda: again)
        assert again[0].ok and again[0].body["result"]["id"] == case["id"]
        assert case["id"].endswith("000001") and case_of(hall, hrss, case["id"])
        nxt = case["id"][:-6] + "000002"
        assert api(hall, hrss, f"/cases/{nxt}").status_code == 404, "exactly one case"
        pages = api(hall, hrss, f"/cases/{case['id']}/pages").json()["pages"]
        assert [p["sha256"] for p in pages] == [hashlib.sha256(shots[0].jpeg).hexdigest()]
    finally:
        rig.close()
        hall.stop()


def test_link_call_runs_on_the_worker_with_its_client() -> None:
    import threading

    from kiosk.link import CALL, ServerLink

    got: list[Any] = []
    link = ServerLink("tcp://127.0.0.1:1", post=lambda fn: fn(), timeout=0.2, retries=1, watch_s=60)
    link.start()
    try:
        link.call(lambda client: (type(client).__name__, threading.current_thread().name), got.append)
        link.call(lambda client: (_ for _ in ()).throw(ValueError("too big")), got.append)
        wait_for(lambda: len(got) >= 2, message=lambda: f"the link answered {got}")
    finally:
        link.close()
    ok, bad = got
    assert ok.ok and ok.type == CALL and ok.body == {"result": ("HallClient", "kiosk-link")}
    assert bad.code == "bad_request" and "too big" in bad.error.message
