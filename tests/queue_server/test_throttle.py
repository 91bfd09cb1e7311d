"""The failure budget for wrong codes and tokens: the token bucket itself on an
injected clock, and the hall's handlers using it in-process (the clock moves, nobody waits)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from queue_server.auth import Actor
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.service import SYSTEM, HallService, Outcome, Pending
from queue_server.store import make_engine
from queue_server.throttle import FailureBudget, client_of, install, same_secret


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def spend(budget: FailureBudget, client: str, n: int) -> None:
    for _ in range(n):
        assert budget.record(client, False) is None


# ------------------------------------------------------------------ the bucket
def test_ten_failures_then_refused_even_when_right_until_one_refills() -> None:
    clock = Clock()
    budget = FailureBudget(10, 30.0, clock=clock)
    spend(budget, "a", 10)
    assert budget.record("a", True) == pytest.approx(30.0)  # the right code is refused too
    assert budget.record("a", False) == pytest.approx(30.0)  # and refusals do not cost more
    clock.now += 20
    assert budget.record("a", True) == pytest.approx(10.0)
    clock.now += 10
    assert budget.record("a", True) is None  # one try back...
    assert budget.record("a", False) is None  # ...spent on a wrong code
    assert budget.record("a", True) == pytest.approx(30.0)
    assert budget.record("b", True) is None and budget.record("b", False) is None  # per client


def test_right_codes_cost_nothing_and_clients_that_never_fail_are_not_kept() -> None:
    budget = FailureBudget(3, 30.0, clock=Clock())
    for _ in range(100):
        assert budget.record("honest", True) is None
    assert budget.clients() == 0
    spend(budget, "typo", 2)
    assert budget.record("typo", True) is None and budget.clients() == 1


def test_a_refilled_client_is_forgotten() -> None:
    clock = Clock()
    budget = FailureBudget(10, 30.0, clock=clock)
    spend(budget, "a", 10)
    clock.now += 10 * 30 + 61  # full again, and the table's minute has passed
    assert budget.record("other", True) is None
    assert budget.clients() == 0
    spend(budget, "a", 10)  # a full budget again, like a new client
    assert budget.record("a", True) is not None


def test_the_table_is_capped_and_keeps_the_guessers() -> None:
    clock = Clock()
    budget = FailureBudget(10, 30.0, max_clients=100, clock=clock)
    spend(budget, "guesser", 10)
    for i in range(1000):  # a flood of new clients, one failure each
        spend(budget, f"flood-{i}", 1)
        assert budget.clients() <= 100
    assert budget.record("guesser", True) is not None  # still refused: not evicted


def test_failures_from_many_threads_are_counted_exactly() -> None:
    budget = FailureBudget(50, 30.0, clock=Clock())
    admitted: list[bool] = []
    lock = threading.Lock()

    def guess() -> None:
        for _ in range(100):
            ok = budget.record("shared", False) is None
            with lock:
                admitted.append(ok)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 50 and len(admitted) == 800


def test_bad_numbers_are_refused() -> None:
    with pytest.raises(ValueError):
        FailureBudget(0, 30.0)
    with pytest.raises(ValueError):
        FailureBudget(10, 0.0)


def test_clients_are_devices_tokens_and_addresses() -> None:
    assert client_of(Actor("device", "kiosk-1", "kiosk")) != client_of(Actor("device", "kiosk-2", "kiosk"))
    assert client_of(Actor("anonymous", "ip:203.0.113.9", "public")) == "ip:203.0.113.9"
    assert client_of(Actor("anonymous", "ip:::ffff:203.0.113.9", "public")) == "ip:203.0.113.9"
    # one IPv6 subscriber holds a whole /64: its addresses are one client
    a = client_of(Actor("anonymous", "ip:2001:db8:1:2::1", "public"))
    b = client_of(Actor("anonymous", "ip:2001:db8:1:2:ffff::9", "public"))
    assert a == b == "ip:2001:db8:1:2::/64"
    assert client_of(Actor("anonymous", "ip:2001:db8:1:3::1", "public")) != a
    assert client_of(Actor("token", "clerk", "clerk", clerk="c01")) != client_of(
        Actor("token", "clerk", "clerk", clerk="c02")
    )


def test_same_secret_takes_anything_a_body_holds() -> None:
    assert same_secret("ABC", "ABC")
    for given in ("ABD", "验证码", "\ud800", None, 123, ["ABC"], ""):
        assert not same_secret(given, "ABC")


# ------------------------------------------------------------------ the handlers, in-process
@pytest.fixture
def hall(tmp_path: Path) -> tuple[HallService, Clock]:
    paths = Paths(tmp_path / "var")
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    clock = Clock()
    install(svc, FailureBudget(10, 30.0, clock=clock))
    return svc, clock


def ask(svc: HallService, type_: str, body: dict, actor: Actor) -> Outcome:
    out: list[Outcome] = []
    p = Pending(type_, body, None, actor, out.append)
    return svc.answer(p, svc.clock())


WEB = Actor("anonymous", "ip:198.51.100.7", "public")
NEIGHBOUR = Actor("anonymous", "ip:198.51.100.8", "public")


def test_a_guessed_check_code_is_refused_until_the_budget_refills(hall: tuple[HallService, Clock]) -> None:
    svc, clock = hall
    case = ask(
        svc,
        "case.submit",
        {"item_code": "C-WJ-002", "id_number": "11010519491231002X", "name": "张三", "window": 1},
        SYSTEM,
    )
    assert case.ok, case.message
    cid, code = case.body["id"], case.body["check_code"]  # type: ignore[index]
    wrong = "".join("A" if ch != "A" else "B" for ch in code)
    for shapeless in ["验证码", "\ud800", "A-B-C"]:  # refused for their shape, never crash; not counted:
        o = ask(svc, "case.progress", {"case": cid, "code": shapeless}, WEB)  # no such code is ever right
        assert o.code == "bad_request" and "验证码" not in o.message_zh, o.message
    o = ask(svc, "case.progress", {"case": cid}, WEB)  # no code at all: a wrong one
    assert o.code == "not_found", o.message
    for _ in range(9):
        o = ask(svc, "case.progress", {"case": cid, "code": wrong}, WEB)
        assert o.code == "not_found", o.message
    refused = ask(svc, "case.progress", {"case": cid, "code": code}, WEB)
    assert refused.code == "too_many_requests" and refused.details["retry_after_s"] == 30
    assert "秒后再试" in refused.message_zh and "try again in 30 s" in refused.message
    # the same client is refused at every gate that checks a secret, the neighbour is not
    assert ask(svc, "case.rate", {"case": cid, "code": code, "level": 5}, WEB).code == "too_many_requests"
    unknown = {"number": "PHYSICIAN_LICENCE-H01-20260101-000001", "code": "ABCDEF1234"}
    assert ask(svc, "certificate.verify", unknown, WEB).code == "too_many_requests"
    assert ask(svc, "case.progress", {"case": cid, "code": code}, NEIGHBOUR).ok
    clock.now += 30
    assert ask(svc, "case.progress", {"case": cid, "code": code}, WEB).ok
    assert ask(svc, "case.progress", {"case": cid, "code": wrong}, WEB).code == "not_found"
    assert ask(svc, "case.progress", {"case": cid, "code": code}, WEB).code == "too_many_requests"


def test_tokens_appointment_codes_and_id_matches_share_the_budget(hall: tuple[HallService, Clock]) -> None:
    svc, _ = hall
    kiosk = Actor("device", "kiosk-1", "kiosk")
    issued: list[Outcome] = []
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    svc.process([Pending("ticket.issue", {"item_code": item}, None, kiosk, issued.append)])
    t = issued[0].body
    assert t is not None
    for _ in range(4):
        assert ask(svc, "ticket.status", {"ticket": t["id"], "token": "guess"}, kiosk).code == "not_found"
    for _ in range(2):
        assert ask(svc, "ticket.rate", {"ticket": t["id"], "token": "guess", "level": 5}, kiosk).code == "not_found"
    for code in ("AAAAAA", "BBBBBB"):
        assert ask(svc, "appointment.check_in", {"code": code}, kiosk).code == "not_found"
    holder = {"id_number": "11010519491231002X"}
    assert ask(svc, "appointment.cancel", {"code": "CCCCCC", **holder}, kiosk).code == "not_found"
    unknown = "PHYSICIAN_LICENCE-H01-20260101-000001"
    assert ask(svc, "certificate.print", {"number": unknown, **holder}, kiosk).code == "not_found"
    assert ask(svc, "ticket.status", {"ticket": t["id"], "token": t["token"]}, kiosk).code == "too_many_requests"
    assert ask(svc, "ticket.cancel", {"ticket": t["id"], "token": t["token"]}, kiosk).code == "too_many_requests"
    # staff do not guess: their view needs no token
    clerk = Actor("token", "clerk", "clerk", clerk="c01")
    assert ask(svc, "ticket.status", {"ticket": t["id"]}, clerk).ok


def test_a_bookings_status_opens_with_its_code_and_unknown_codes_are_counted(hall: tuple[HallService, Clock]) -> None:
    import datetime as dt

    svc, _ = hall
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    tomorrow = (dt.date.fromisoformat(svc.engine.local_day(svc.clock())) + dt.timedelta(days=1)).isoformat()
    booked: list[Outcome] = []
    body = {"item_code": item, "day": tomorrow, "slot": "09:00", "id_number": "11010519491231002X", "name": "张三"}
    svc.process([Pending("appointment.book", body, None, WEB, booked.append)])
    code = booked[0].body["code"]  # type: ignore[index]
    status = ask(svc, "appointment.status", {"code": code}, WEB)
    assert status.ok and status.body == {
        "code": code, "item_code": item, "day": tomorrow, "slot": "09:00", "slot_end": "09:30",
        "state": "booked", "name_masked": "张*",
    }  # no ID number, masked or hashed
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE", "FFFFFF", "GGGGGG", "HHHHHH", "JJJJJJ", "KKKKKK"):
        assert ask(svc, "appointment.status", {"code": guess}, WEB).code == "not_found"
    assert ask(svc, "appointment.status", {"code": code}, WEB).code == "too_many_requests"
    assert ask(svc, "appointment.status", {"code": code}, NEIGHBOUR).ok  # another client is not held back
