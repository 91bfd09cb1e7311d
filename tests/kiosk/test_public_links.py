"""Every link a visitor's paper carries starts with the hall's configured public address
(``public.url`` in config/hall.yaml), and the kiosk prints the very URL the server gave: a real
server configured with an address of its own (not the one it serves on), its REST and ZeroMQ
replies, the kiosk app offscreen, the slip read off the printer simulator and the certificate's
PDF read back (its text, and its QR code as a phone's camera would)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import requests
import yaml
from PIL import Image

from printer.certificate import preview_png
from protocol.client import HallClient
from protocol.idnumber import check_char
from protocol.keys import CurveClientKeys
from tests.kiosk.rig import KioskRig
from tests.printer.conftest import decode_qr
from tests.support.hall import ROOT, HallProcess, run_cli

PUBLIC = "https://hall.example.gov.cn"
CERT_ITEM = "C-WJ-002"  # 医师执业注册: approval registers a physician's licence


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """The demo hall, its public address configured: phones reach it elsewhere than the
    address it serves on (a reverse proxy's, say)."""
    var = tmp_path_factory.mktemp("public-links")
    config = yaml.safe_load((ROOT / "config" / "hall.yaml").read_text(encoding="utf-8"))
    config["public"] = {**(config.get("public") or {}), "url": PUBLIC}
    (var / "hall.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    run_cli("init", "--config", str(var / "hall.yaml"), var=var, db=h.db)
    h.kiosk = h.enroll("kiosk-1")  # type: ignore[attr-defined]
    h.tokens = {"clerk": h.token("clerk", clerk="c01"), "health": h.token("clerk", clerk="d-health")}  # type: ignore[attr-defined]
    h.start()
    yield h
    h.stop()


def call(hall: HallProcess, method: str, path: str, role: str | None = None, body: Any = None,
         status: int = 200) -> Any:
    headers = {"Authorization": f"Bearer {hall.tokens[role]}"} if role else {}  # type: ignore[attr-defined]
    r = requests.request(method, f"{hall.http}/api/v1{path}", json=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def person(name: str, first17: str, birth: str) -> Any:
    from idcard.cardfile import sample

    sex = "1" if int(first17[16]) % 2 else "2"
    return dataclasses.replace(sample("resident_long_term"), name=name, id_number=first17 + check_char(first17),
                               birth=dt.date.fromisoformat(birth), sex_code=sex)


def test_a_ticket_taken_over_rest_or_zeromq_carries_its_page_under_the_halls_public_address(
    hall: HallProcess,
) -> None:
    over_rest = call(hall, "POST", "/tickets", None, {"item_code": "C-SB-001"}, status=201)
    k = hall.kiosk  # type: ignore[attr-defined]
    with HallClient(hall.router, curve=CurveClientKeys.from_files(k["server_public"], k["secret"]), timeout=5) as c:
        over_zmq = c.request("ticket.issue", {"item_code": "C-SB-001"})
    for t in (over_rest, over_zmq):
        assert t["page_url"] == f"{PUBLIC}/m/ticket/{t['id']}?token={t['token']}", t
        assert hall.http not in t["page_url"]  # not the address the server happens to serve on


def test_the_kiosks_slip_encodes_exactly_the_page_url_the_server_gave(hall: HallProcess, tmp_path: Path) -> None:
    rig = KioskRig(hall, tmp_path / "kiosk")
    try:
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
        ticket = rig.app.visit.ticket
        page = rig.sim.wait_pages(1, timeout=10)[-1]
        assert ticket["number"] in page.text
        assert page.qr_codes == [ticket["page_url"]]
        assert ticket["page_url"].startswith(f"{PUBLIC}/m/ticket/")
    finally:
        rig.close()


def test_the_certificates_pdf_prints_and_encodes_the_verification_url_the_server_gave(
    hall: HallProcess, tmp_path: Path
) -> None:
    card = person("钱佳怡", "33010619880808006", "1988-08-08")
    body = {"item_code": CERT_ITEM, "id_number": card.id_number, "name": card.name,
            "materials": ["id_card", "application_form", "physician_qualification", "health_certificate",
                          "employment_letter", "photo"]}  # fmt: skip
    case = call(hall, "POST", "/cases", "clerk", body, status=201)
    assert case["progress_url"] == f"{PUBLIC}/m/case/{case['id']}?code={case['check_code']}"  # its receipt's QR
    call(hall, "POST", f"/cases/{case['id']}/accept", "clerk", {})
    call(hall, "POST", f"/cases/{case['id']}/review", "clerk", {})
    call(hall, "POST", f"/cases/{case['id']}/decide", "health", {"decision": "approved"})
    [cert] = call(hall, "GET", f"/cases/{case['id']}", "clerk")["certificates"]
    url = cert["verification_url"]
    assert url == f"{PUBLIC}/m/certificate/{cert['number']}?code={cert['verification_code']}"

    rig = KioskRig(hall, tmp_path / "station", mode="print-station")
    try:
        rig.sim.show("face")
        rig.sim.place_card(card)
        rig.pump(lambda: rig.shows("请选择要打印的证照"), timeout=15)
        rig.tap_text("医师执业")
        rig.pump(lambda: rig.shows("证照已打印"), timeout=20)
    finally:
        rig.close()
    [pdf] = (tmp_path / "station" / "certificates").glob("*.pdf")
    lines = [ln.strip() for ln in pypdf.PdfReader(pdf).pages[0].extract_text().splitlines()]
    assert url in lines  # the printed line: whole, exactly as given
    png = preview_png(pdf, tmp_path / "certificate.png", dpi=150)
    assert decode_qr(Image.open(png)) == url
