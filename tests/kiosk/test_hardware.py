"""KioskDevices against the real simulators on pseudo-terminals: cards, scanner, ticket
printer (paper out and back), camera, health reports, and the kiosk config's errors."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from devices.camera import register_matcher, unregister_matcher
from idcard.cardfile import sample
from kiosk.config import ConfigError, load_config, parse_config, simulated_config
from kiosk.hardware import (
    CardFailed,
    CardPlaced,
    CardRead,
    CardRemoved,
    CodeScanned,
    KioskDevices,
    PrintFinished,
    ReaderLost,
    ReaderReady,
    card_failure,
)
from printer import demo, layouts

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """Collects what the callbacks deliver (on the dispatcher thread) and waits for it."""

    def __init__(self) -> None:
        self.items: list = []
        self.threads: set[str] = set()
        self._cv = threading.Condition()

    def __call__(self, item) -> None:
        with self._cv:
            self.items.append(item)
            self.threads.add(threading.current_thread().name)
            self._cv.notify_all()

    def wait_for(self, predicate: Callable[[object], bool], timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for item in self.items:
                    if predicate(item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; got {self.items!r}")
                self._cv.wait(left)

    def of(self, cls: type) -> list:
        with self._cv:
            return [i for i in self.items if isinstance(i, cls)]


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[KioskDevices, Recorder, Recorder]]:
    events, health = Recorder(), Recorder()
    devices = KioskDevices(simulated_config(tmp_path / "state"), on_event=events, on_health=health)
    devices.start()
    try:
        events.wait_for(lambda e: isinstance(e, ReaderReady))
        yield devices, events, health
    finally:
        devices.stop()


def test_a_placed_card_is_read_and_its_removal_reported(kiosk) -> None:
    devices, events, _ = kiosk
    devices.sim.place_card("resident_long_term")
    read = events.wait_for(lambda e: isinstance(e, CardRead))
    assert read.card.name == "李文静" and read.card.id_number == "110105196205140024"
    kinds = [type(e) for e in events.items]
    assert kinds.index(CardPlaced) < kinds.index(CardRead)
    devices.sim.remove_card()
    events.wait_for(lambda e: isinstance(e, CardRemoved))
    assert events.threads == {"kiosk-devices"}  # one dispatcher thread, never a device's own


def test_a_garbled_card_fails_with_a_plain_sentence_and_reads_once_replaced(kiosk) -> None:
    devices, events, _ = kiosk
    devices.sim.garble_card()
    devices.sim.place_card(ROOT / "idcard" / "cards" / "hmt_permit_J.json")
    failed = events.wait_for(lambda e: isinstance(e, CardFailed))
    assert failed.kind == "hold_still"
    assert failed.zh == "请将身份证平放在读卡区并保持不动"
    assert failed.en == "Place the card flat on the reader and keep it still"
    assert not events.of(CardRead)
    devices.sim.clear_card_faults()
    devices.sim.remove_card()
    events.wait_for(lambda e: isinstance(e, CardRemoved))
    devices.sim.place_card("hmt_permit_J")
    assert events.wait_for(lambda e: isinstance(e, CardRead)).card.id_number.startswith(("81", "82", "83"))


def test_card_errors_map_to_what_the_visitor_should_do() -> None:
    from idcard import errors

    assert card_failure(errors.CardRemovedError()).kind == "moved"
    assert card_failure(errors.SamError(0x60)).kind == "reader_fault"
    assert card_failure(errors.InvalidCardError(["姓名为空 / name is empty"])).kind == "invalid"
    assert card_failure(errors.UnsupportedCardType("flag Y")).kind == "unsupported"
    assert card_failure(errors.TruncatedFrame()).zh == "请将身份证平放在读卡区并保持不动"


def test_a_scanned_code_arrives_as_text(kiosk) -> None:
    devices, events, _ = kiosk
    devices.sim.scan("CHK-H01-A012-7f3c")
    devices.sim.scan("预约码 0042", suffix=b"\r\n")
    assert events.wait_for(lambda e: isinstance(e, CodeScanned)).text == "CHK-H01-A012-7f3c"
    events.wait_for(lambda e: isinstance(e, CodeScanned) and e.text == "预约码 0042")


def test_a_ticket_prints_on_the_simulated_printer(kiosk) -> None:
    devices, _, health = kiosk
    slip = dataclasses.replace(
        demo.TICKET, number="A077", url="http://127.0.0.1:8080/api/v1/tickets/77?token=t"
    )
    outcome = devices.print_document(layouts.ticket(slip, lang="zh+en"))
    assert outcome.printed, outcome
    page = devices.sim.wait_pages(1, timeout=5)[0]
    assert "A077" in page.text and page.qr_codes == ["http://127.0.0.1:8080/api/v1/tickets/77?token=t"]
    assert page.path is not None and page.path.is_file()
    first = health.wait_for(lambda m: m["device"] == "printer")
    assert first["type"] == "device.health" and first["kind"] == "printer" and first["status"] == "ok"
    now = {m["device"]: m for m in devices.health_messages()}
    assert set(now) == {"idcard", "scanner", "camera", "printer"} and now["printer"]["status"] == "ok"


def test_paper_out_keeps_the_job_reports_health_and_prints_when_paper_is_back(kiosk) -> None:
    devices, events, health = kiosk
    health.wait_for(lambda m: m["device"] == "printer" and m["status"] == "ok")
    devices.sim.paper_out()
    change = health.wait_for(lambda m: m["device"] == "printer" and m["status"] != "ok", timeout=5)
    assert change["status"] == "degraded" and "打印纸用完" in change["reason"]
    assert devices.health()["printer"].status.value == "degraded"

    slip = dataclasses.replace(demo.TICKET, number="B003")
    started = time.monotonic()
    outcome = devices.print_document(layouts.ticket(slip))
    assert time.monotonic() - started < 3.5  # the UI is answered within a bounded time
    assert outcome.kept and not outcome.printed
    assert "打印纸已用完" in outcome.zh and "paper" in outcome.en
    assert len(devices.pending_jobs()) == 1 and devices.sim.pages == []

    devices.sim.paper_in()
    done = events.wait_for(lambda e: isinstance(e, PrintFinished), timeout=10)
    assert done.job_id == outcome.job_id and done.printed
    assert "B003" in devices.sim.wait_pages(1)[0].text
    health.wait_for(lambda m: m["device"] == "printer" and m["old"] == "degraded" and m["status"] == "ok")
    assert devices.pending_jobs() == []


def test_the_camera_crops_a_page_reads_a_qr_code_and_sees_a_face(kiosk) -> None:
    devices, _, health = kiosk
    page = devices.capture_page()
    assert page.found and page.jpeg is not None and page.jpeg[:2] == b"\xff\xd8"
    image = cv2.imdecode(np.frombuffer(page.jpeg, np.uint8), cv2.IMREAD_COLOR)
    h, w = image.shape[:2]
    assert page.size == (w, h) and 0.65 < w / h < 0.76  # a portrait A4-like page, cropped
    assert page.preview is not None and page.preview[:2] == b"\xff\xd8"

    devices.sim.show("blank")
    empty = devices.capture_page(attempts=1)
    assert not empty.found and empty.jpeg is None and "未找到文件页面" in empty.zh

    devices.sim.show("qr", "CHK-H01-A012")
    assert devices.read_qr(timeout=2) == "CHK-H01-A012"

    devices.sim.show("face")
    assert devices.face_present()
    assert devices.face_match(np.zeros((126, 102, 3), np.uint8)) is None  # no plug-in installed

    class Matcher:
        name = "test"

        def similarity(self, face, reference) -> float:
            return 0.9

    matcher = Matcher()
    register_matcher(matcher)
    try:
        check = devices.face_match(np.zeros((126, 102, 3), np.uint8))
        no_photo = devices.face_match(sample("resident_long_term"))  # WLT photo: no decoder plug-in
    finally:
        unregister_matcher(matcher)
    assert check is not None and check.same_person is True and check.score == pytest.approx(0.9)
    assert no_photo is None
    camera = health.wait_for(lambda m: m["device"] == "camera")
    assert camera["status"] == "ok"


def test_a_certificate_is_saved_as_pdf_in_the_a4_folder(kiosk, tmp_path: Path) -> None:
    devices, _, _ = kiosk
    out = devices.print_certificate(dataclasses.replace(demo.CERTIFICATE, printed_at=demo.NOW))
    assert out.pdf.parent == tmp_path / "state" / "certificates" and out.pdf.read_bytes()[:5] == b"%PDF-"
    assert out.cups_job is None and out.error is None


# --- configuration ------------------------------------------------------------------------------


def test_the_example_config_is_whole_and_matches_the_hall(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        settings = load_config(ROOT / "config" / "kiosk.example.toml")
    assert caplog.records == []  # nothing in it is out of date
    hall = yaml.safe_load((ROOT / "config" / "hall.yaml").read_text("utf-8"))
    assert settings.hall == hall["hall"]["code"] == "H01"
    assert (settings.kiosk_id, settings.idle_s, settings.countdown_s, settings.mode, settings.lang) == (
        "kiosk-1",
        60,
        10,
        "full",
        "zh",
    )
    assert settings.server.router == "tcp://127.0.0.1:5570" and settings.server.pub == "tcp://127.0.0.1:5571"
    assert settings.server.secret_key == ROOT / "var" / "demo" / "keys" / "devices" / "kiosk-1.key_secret"
    assert settings.state_dir == ROOT / "var" / "kiosk-1"
    assert (
        settings.printer is not None
        and settings.printer.simulated
        and settings.printer.profile == "generic-80"
    )
    assert (
        settings.printer.a4 is not None
        and settings.printer.a4.folder == ROOT / "var" / "kiosk-1" / "certificates"
    )
    assert settings.devices is not None and set(settings.devices.devices) >= {"idcard", "scanner", "camera"}


def test_an_older_file_with_public_url_still_loads_and_says_once_that_it_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = (ROOT / "config" / "kiosk.example.toml").read_text("utf-8").replace(
        "[server]\n", '[server]\npublic_url = "http://192.0.2.7:8080"\n', 1
    )
    path = tmp_path / "kiosk.toml"
    path.write_text(old, "utf-8")
    with caplog.at_level(logging.WARNING):
        settings = load_config(path)
    assert settings.server.router == "tcp://127.0.0.1:5570"  # the rest of the file still counts
    [said] = [r.getMessage() for r in caplog.records]
    assert str(path) in said and "public_url" in said
    zh, _, en = said.partition(" / ")
    assert "已不再使用" in zh and "ignored" in en and "public.url in config/hall.yaml" in en  # Chinese first


def base(**tables) -> dict:
    data = {"kiosk": {"id": "kiosk-1", "hall": "H01"}}
    for name, value in tables.items():
        data[name] = value
    return data


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"kiosk": {"id": "kiosk-1"}}, "[kiosk] hall is required"),
        ({}, "[kiosk] table is missing"),
        (
            base(kiosk={"id": "k", "hall": "H01", "mode": "kiosk"}),
            "[kiosk] mode must be one of full, print-station",
        ),
        (base(kiosk={"id": "k", "hall": "H01", "idle_s": -5}), "[kiosk] idle_s must be a number of seconds"),
        (base(kiosk={"id": "k", "hall": "H01", "idel_s": 5}), "[kiosk] unknown key(s) ['idel_s']"),
        (base(server={"router": "127.0.0.1:5570"}), "[server] router must be a ZeroMQ endpoint"),
        (base(printer={"profile": "generic-80"}), "[printer] target is required"),
        (base(printer={"target": "lpt://1"}), "[printer] target: unknown printer connection"),
        (
            base(printer={"target": "simulated", "profile": "tm-x"}),
            "[printer] profile: unknown printer profile",
        ),
        (
            base(printer={"target": "simulated", "a4": {"target": "smb://x"}}),
            '[printer.a4] target must be "cups:QUEUE"',
        ),
        (base(devices={"reader": {"kind": "idcard"}}), "device 'reader': port is required"),
        (base(display={}), "unknown table(s) ['display']"),
    ],
)
def test_config_errors_name_the_key(data: dict, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert words in str(info.value)


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    path = tmp_path / "etc" / "kiosk.toml"
    path.write_text(
        '[kiosk]\nid = "kiosk-7"\nhall = "H01"\nstate_dir = "state"\n'
        '[server]\nserver_key = "../keys/server.key"\nsecret_key = "/abs/kiosk-7.key_secret"\n'
        '[printer]\ntarget = "tcp://127.0.0.1:19100"\n[printer.a4]\ntarget = "cups:a4"\n',
        encoding="utf-8",
    )
    s = load_config(path)
    assert s.state_dir == tmp_path / "etc" / "state"
    assert s.server.server_key == tmp_path / "keys" / "server.key"
    assert s.server.secret_key == Path("/abs/kiosk-7.key_secret")
    assert s.printer is not None and s.printer.a4 is not None
    assert (s.printer.a4.kind, s.printer.a4.queue, s.printer.a4.folder) == (
        "cups",
        "a4",
        s.state_dir / "certificates",
    )
    with pytest.raises(ConfigError, match=r"\[server\] server_key: no such file"):
        s.server.curve_keys()


def test_a_simulated_readers_cards_are_found_from_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    card = (ROOT / "idcard" / "cards" / "resident_expired.json").read_text("utf-8")
    (tmp_path / "cards" / "mine.json").write_text(card, "utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\nid = "kiosk-2"\nhall = "H01"\n'
        '[devices.idcard]\nkind = "idcard"\nport = "simulated"\ncards = ["cards/mine.json"]\n',
        encoding="utf-8",
    )
    s = load_config(path)
    assert s.devices is not None
    assert s.devices.devices["idcard"].options["cards"] == [str(tmp_path / "cards" / "mine.json")]


def test_reader_unplugged_is_lost_and_back_when_plugged_in(kiosk) -> None:
    devices, events, health = kiosk
    assert events.of(ReaderReady) == [ReaderReady(first=True)]
    devices.sim.unplug_reader()
    lost = events.wait_for(lambda e: isinstance(e, ReaderLost))
    assert lost.reason
    health.wait_for(lambda m: m["device"] == "idcard" and m["status"] != "ok")
    devices.sim.replug_reader()
    events.wait_for(lambda e: isinstance(e, ReaderReady) and not e.first)
    health.wait_for(lambda m: m["device"] == "idcard" and m["old"] is not None and m["status"] == "ok")


def test_a_printer_switched_off_keeps_the_job_and_says_it_is_not_answering(kiosk) -> None:
    devices, events, health = kiosk
    devices.sim.printer.set_power(False)
    health.wait_for(lambda m: m["device"] == "printer" and m["status"] == "missing", timeout=5)
    outcome = devices.print_document(layouts.ticket(demo.TICKET), wait=1.0)
    assert outcome.kept and "无应答" in outcome.zh and "not answering" in outcome.en
    devices.sim.printer.set_power(True)
    assert events.wait_for(lambda e: isinstance(e, PrintFinished), timeout=10).printed
    assert "A012" in devices.sim.wait_pages(1)[0].text


def test_a_slip_kept_for_paper_prints_after_the_kiosk_restarts(tmp_path: Path) -> None:
    settings = simulated_config(tmp_path / "state")
    assert settings.printer is not None
    assert settings.printer.spool_dir == tmp_path / "state" / "spool" / "printer"  # the default
    events, health = Recorder(), Recorder()
    devices = KioskDevices(settings, on_event=events, on_health=health)
    devices.start()
    try:
        health.wait_for(lambda m: m["device"] == "printer" and m["status"] == "ok")
        devices.sim.paper_out()
        health.wait_for(lambda m: m["device"] == "printer" and m["status"] != "ok", timeout=5)
        outcome = devices.print_document(layouts.ticket(dataclasses.replace(demo.TICKET, number="B004")))
        assert outcome.kept  # the visitor is told their slip will print
    finally:
        devices.stop()  # the kiosk is switched off with the slip waiting
    assert not events.of(PrintFinished)  # not handed back: it is still kept
    assert len(list(settings.printer.spool_dir.glob("*.job"))) == 1

    events = Recorder()
    again = KioskDevices(settings, on_event=events)  # started again; a new roll is in
    assert [j.title for j in again.pending_jobs()] == ["ticket B004"]
    again.start()
    try:
        done = events.wait_for(lambda e: isinstance(e, PrintFinished), timeout=10)
        assert done.printed and done.job_id == outcome.job_id
        assert [ln.text for ln in again.sim.wait_pages(1)[0].lines].count("B004") == 1
        assert again.pending_jobs() == [] and not list(settings.printer.spool_dir.glob("*.job"))
    finally:
        again.stop()


def test_the_spool_folder_is_set_in_the_printer_table(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\nid = "kiosk-3"\nhall = "H01"\nstate_dir = "state"\n'
        '[printer]\ntarget = "tcp://127.0.0.1:19100"\nspool_dir = "spool/ticket-printer"\n',
        encoding="utf-8",
    )
    s = load_config(path)
    assert s.printer is not None and s.printer.spool_dir == tmp_path / "spool" / "ticket-printer"
