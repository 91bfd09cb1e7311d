"""The whole corpus of bad inputs (``bad_inputs.py``) against one real server process, over
HTTP and over the ZeroMQ ROUTER (CURVE, enrolled kiosk and call pad): each answer is the
expected 4xx / error code with an English and a Chinese message, personal data is quoted in
no reply, log line or database row, and the hall keeps serving."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import zmq

from protocol.idnumber import check_char
from protocol.keys import CurveClientKeys, apply_client
from protocol.messages import decode_reply, new_key
from queue_server.http.errors import STATUS
from tests.queue_server import bad_inputs as corpus
from tests.queue_server.bad_inputs import BAD_INPUTS, BadInput
from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var = tmp_path_factory.mktemp("bad-inputs")
    h = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    h.init()
    h.devices = {"kiosk": h.enroll("kiosk-1", "kiosk"), "pad": h.enroll("pad-3", "callpad", window=3)}  # type: ignore[attr-defined]
    h.tokens = {r: h.token(r, clerk="c01" if r == "clerk" else None) for r in ("clerk", "manager", "admin")}  # type: ignore[attr-defined]
    h.start()
    items = requests.get(f"{h.http}/api/v1/catalogue", timeout=10).json()["items"]
    h.fill = {  # type: ignore[attr-defined]
        "{item}": next(i["code"] for i in items if i["stream"] == "citizen"),
        "{today}": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat(),
    }
    yield h
    h.stop()


def fill(hall: HallProcess, text: bytes) -> bytes:
    for k, v in hall.fill.items():  # type: ignore[attr-defined]
        text = text.replace(k.encode(), v.encode())
    return text


def assert_error(code: str, expected: str, message: str, message_zh: str) -> None:
    assert code == expected, (code, message)
    assert code != "internal"
    assert LATIN.search(message), message  # English
    assert CJK.search(message_zh), message_zh  # and Chinese


def assert_not_quoted(hall: HallProcess, case: BadInput, *answers: str) -> None:
    """The secret is in no answer, no log line and no byte of the database (nor its WAL)."""
    if case.secret is None:
        return
    db = Path(hall.db.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    for text in (*answers, hall.log()):
        assert case.secret not in text
    assert case.secret.encode() not in stored


def assert_hall_lives(hall: HallProcess) -> None:
    assert hall.proc is not None and hall.proc.poll() is None, hall.log()[-2000:]
    assert requests.get(f"{hall.http}/api/v1/health", timeout=2).status_code == 200


@pytest.mark.parametrize("case", [c for c in BAD_INPUTS if c.http], ids=lambda c: c.name)
def test_http(hall: HallProcess, case: BadInput) -> None:
    h = case.http
    assert h is not None
    headers: dict[str, str | bytes] = {k: v.encode() for k, v in h.headers}  # non-ASCII as UTF-8 bytes
    if h.body is not None:
        headers["Content-Type"] = "application/json"
    if h.role:
        headers["Authorization"] = f"Bearer {hall.tokens[h.role]}"  # type: ignore[attr-defined]
    url = f"{hall.http}/api/v1" + fill(hall, h.path.encode()).decode()
    r = requests.request(
        h.method, url, data=fill(hall, h.body) if h.body is not None else None, headers=headers, timeout=10
    )
    assert r.status_code == STATUS[h.code], r.text[:500]
    err = r.json()["error"]
    assert_error(err["code"], h.code, err["message"], err["message_zh"])
    assert_not_quoted(hall, case, r.text)
    assert_hall_lives(hall)


@pytest.mark.parametrize("case", [c for c in BAD_INPUTS if c.wire], ids=lambda c: c.name)
def test_zeromq(hall: HallProcess, case: BadInput) -> None:
    w = case.wire
    assert w is not None
    device = hall.devices[w.device]  # type: ignore[attr-defined]
    key = new_key()
    frame = b'{"v":1,"type":"%s","key":"%s","body":%s}' % (w.type.encode(), key.encode(), fill(hall, w.body))
    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.linger = 0
    apply_client(sock, CurveClientKeys.from_files(device["server_public"], device["secret"]))
    sock.connect(hall.router)
    try:
        sock.send(frame)
        assert sock.poll(10_000), f"no reply to {case.name}"
        raw = sock.recv()
    finally:
        sock.close(0)
    reply = decode_reply(raw)
    assert not reply.ok and reply.error is not None
    assert reply.key in (key, None)  # None: the frame could not be read far enough to find it
    assert_error(str(reply.error.code), w.code, reply.error.message, reply.error.message_zh)
    assert_not_quoted(hall, case, raw.decode())
    assert_hall_lives(hall)


def test_after_the_corpus_tickets_are_still_issued_and_called(hall: HallProcess) -> None:
    """Runs after the corpus (file order): the hall answers and does its work."""
    assert_hall_lives(hall)
    clerk = {"Authorization": f"Bearer {hall.tokens['clerk']}"}  # type: ignore[attr-defined]
    item = hall.fill["{item}"]  # type: ignore[attr-defined]
    online = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
    assert online.status_code == 201
    called = requests.post(f"{hall.http}/api/v1/windows/1/call-next", headers=clerk, timeout=5)
    assert called.status_code == 200 and called.json()["ticket"]["id"] == online.json()["id"]

    from protocol.client import HallClient

    def client(device: str) -> HallClient:
        d = hall.devices[device]  # type: ignore[attr-defined]
        return HallClient(hall.router, curve=CurveClientKeys.from_files(d["server_public"], d["secret"]), timeout=5)

    with client("kiosk") as kiosk:
        ticket = kiosk.request("ticket.issue", {"item_code": item})
    with client("pad") as pad:
        assert pad.request("window.call_next", {"window": 3})["ticket"]["id"] == ticket["id"]


def test_the_corpus_means_what_it_says() -> None:
    """Its impossible ID numbers have right check characters (only the other rule fails), its
    Arabic-Indic digit is one int() takes, and every entry is sent somewhere."""
    for number in (corpus.MONTH_13, corpus.FEBRUARY_30, corpus.BORN_2099, corpus.BORN_1800, corpus.REGION_000000):
        assert check_char(number[:17]) == number[17]
    assert check_char(corpus.ID[:17]) == corpus.ID[17]
    assert int(corpus.ARABIC_3) == 3 and corpus.ARABIC_3.isdigit() and not corpus.ARABIC_3.isascii()
    assert len(corpus.DIGITS_5000) > 4300 and corpus.DEEP.count(b"[") == 30_000
    assert all(c.http or c.wire for c in BAD_INPUTS)
    assert len({c.name for c in BAD_INPUTS}) == len(BAD_INPUTS)
