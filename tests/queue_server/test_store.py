"""The store on SQLite and on a real PostgreSQL: durable batches, exact recovery, numbering
that continues, idempotent replies that survive a restart, catalogue versions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from queue_server.auth import Actor
from queue_server.engine.state import dump_state
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.service import SYSTEM, Outcome, Pending
from queue_server.store import make_engine
from queue_server.store.models import DailyCounter, HallEventRow, TicketRow

KIOSK = Actor("device", "kiosk-1", "kiosk")
CLERK = Actor("token", "clerk", "manager")


def run(service, *requests: tuple[str, dict, str | None], actor: Actor = KIOSK) -> list[Outcome]:  # type: ignore[no-untyped-def]
    results: list[Outcome] = []
    batch = [Pending(t, b, k, actor, results.append) for t, b, k in requests]
    service.process(batch)
    return results


def citizen_item(service) -> str:  # type: ignore[no-untyped-def]
    return next(c for c, i in service.catalogue.items.items() if i.stream.value == "citizen")


def test_sqlite_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    with db.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_restart_rebuilds_the_same_live_queue(database_url: str, tmp_path: Path) -> None:
    paths = Paths(tmp_path / "var")
    init_hall(database_url, paths)
    db = make_engine(database_url)
    svc = open_hall(db, "H01", paths)
    item = citizen_item(svc)
    issued = run(svc, *[("ticket.issue", {"item_code": item}, f"key-{i:04d}") for i in range(30)])
    assert all(o.ok for o in issued)
    called = run(svc, ("window.call_next", {"window": 1}, "call-0001"), actor=CLERK)
    assert called[0].body["ticket"]["number"] == issued[0].body["number"]
    run(svc, ("ticket.transfer", {"ticket": issued[0].body["id"], "to_window": 2, "note": "需社保业务"}, "tr-0001"), actor=CLERK)
    before = dump_state(svc.engine)

    again = open_hall(make_engine(database_url), "H01", paths)  # a second process start on the same data
    assert dump_state(again.engine)["tickets"] == before["tickets"]
    assert again.engine.last_seq == svc.engine.last_seq
    # Numbering continues, never repeats within the day.
    nxt = run(again, ("ticket.issue", {"item_code": item}, "key-after"))[0]
    assert nxt.body["number"] == "A031"
    # The transferred visitor goes first at window 2.
    first = run(again, ("window.call_next", {"window": 2}, "call-0002"), actor=CLERK)[0]
    assert first.body["ticket"]["id"] == issued[0].body["id"]


def test_retry_after_restart_returns_the_first_answer(database_url: str, tmp_path: Path) -> None:
    paths = Paths(tmp_path / "var")
    init_hall(database_url, paths)
    svc = open_hall(make_engine(database_url), "H01", paths)
    item = citizen_item(svc)
    first = run(svc, ("ticket.issue", {"item_code": item}, "retry-key-1"))[0]
    again = open_hall(make_engine(database_url), "H01", paths)
    retry = run(again, ("ticket.issue", {"item_code": item}, "retry-key-1"))[0]
    assert retry.body == first.body
    with make_engine(database_url).connect() as c:
        assert c.execute(select(func.count()).select_from(TicketRow)).scalar_one() == 1


def test_same_key_twice_in_one_batch_gives_one_ticket(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    item = citizen_item(svc)
    a, b = run(svc, ("ticket.issue", {"item_code": item}, "dup-key-01"), ("ticket.issue", {"item_code": item}, "dup-key-01"))
    assert a.body["id"] == b.body["id"]
    assert len(svc.engine.tickets) == 1


def test_every_state_change_is_a_timestamped_row_and_projections_follow(database_url: str, tmp_path: Path) -> None:
    paths = Paths(tmp_path / "var")
    init_hall(database_url, paths)
    db = make_engine(database_url)
    svc = open_hall(db, "H01", paths)
    item = citizen_item(svc)
    t = run(svc, ("ticket.issue", {"item_code": item, "id_number": "11010519491231002X"}, "k-proj-01"))[0].body
    run(svc, ("window.call_next", {"window": 1}, None), actor=CLERK)
    run(svc, ("ticket.complete", {"ticket": t["id"], "outcome": "one_time_notice"}, None), actor=CLERK)
    with db.connect() as c:
        types = [r.type for r in c.execute(select(HallEventRow).where(HallEventRow.ticket == t["id"]).order_by(HallEventRow.seq))]
        row = c.execute(select(TicketRow).where(TicketRow.id == t["id"])).one()
        counter = c.execute(select(DailyCounter.last).where(DailyCounter.prefix == "A")).scalar_one()
    assert types == ["ticket.issued", "ticket.called", "ticket.completed"]
    assert row.state == "done" and row.outcome == "one_time_notice" and row.first_inquiry_clerk == "c01"
    assert row.called_at is not None and row.ended_at is not None and row.ended_at >= row.called_at
    # ID numbers: encrypted at rest, masked for display, found by keyed hash.
    assert "11010519491231002X" not in (row.id_cipher or "")
    assert svc.privacy.decrypt(row.id_cipher) == "11010519491231002X"
    assert row.id_masked == "1101**********002X"
    assert counter == 1


def test_returning_visitor_is_reserved_for_the_first_inquiry_clerk(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    item = citizen_item(svc)
    idn = "360426199101010071"
    t = run(svc, ("ticket.issue", {"item_code": item, "id_number": idn}, None))[0].body
    call = run(svc, ("window.call_next", {"window": 2}, None), actor=CLERK)[0].body
    assert call["ticket"]["id"] == t["id"]
    run(svc, ("ticket.complete", {"ticket": t["id"], "outcome": "one_time_notice"}, None), actor=CLERK)
    others = run(svc, *[("ticket.issue", {"item_code": item}, None) for _ in range(3)])
    back = run(svc, ("ticket.issue", {"item_code": item, "id_number": idn}, None))[0].body
    assert back["first_inquiry_clerk"] == "c02"
    # Window 1 skips the reserved visitor; window 2 (clerk c02) takes them first.
    w1 = run(svc, ("window.call_next", {"window": 1}, None), actor=CLERK)[0].body
    assert w1["ticket"]["id"] == others[0].body["id"]
    w2 = run(svc, ("window.call_next", {"window": 2}, None), actor=CLERK)[0].body
    assert w2["ticket"]["id"] == back["id"]


def test_a_visitor_back_for_their_case_goes_to_its_first_inquiry_clerk(database_url: str, tmp_path: Path) -> None:
    paths = Paths(tmp_path / "var")
    init_hall(database_url, paths)
    svc = open_hall(make_engine(database_url), "H01", paths)
    item = citizen_item(svc)
    idn = "360426199101010071"
    c02 = Actor("token", "tok-c02", "clerk", clerk="c02")  # signed in at window 2
    case = run(svc, ("case.submit", {"item_code": item, "id_number": idn, "name": "王五"}, None), actor=c02)[0]
    assert case.ok and case.body["first_inquiry_clerk"] == "c02"
    others = run(svc, *[("ticket.issue", {"item_code": item}, None) for _ in range(2)])
    back = run(svc, ("ticket.issue", {"item_code": item, "id_number": idn}, None))[0].body
    assert back["first_inquiry_clerk"] == "c02"
    # window 1 passes the visitor by; window 2 (c02) takes them first
    assert run(svc, ("window.call_next", {"window": 1}, None), actor=CLERK)[0].body["ticket"]["id"] == others[0].body["id"]
    assert run(svc, ("window.call_next", {"window": 2}, None), actor=CLERK)[0].body["ticket"]["id"] == back["id"]
    run(svc, ("ticket.start", {"ticket": others[0].body["id"]}, None), actor=CLERK)  # they came (else: back in line)
    # a second return while c02 is away: after the reservation time any window takes them
    again = run(svc, ("ticket.issue", {"item_code": item, "id_number": idn}, None))[0].body
    assert again["first_inquiry_clerk"] == "c02"
    assert run(svc, ("window.call_next", {"window": 1}, None), actor=CLERK)[0].body["ticket"]["id"] == others[1].body["id"]
    run(svc, ("ticket.start", {"ticket": others[1].body["id"]}, None), actor=CLERK)
    assert run(svc, ("window.call_next", {"window": 1}, None), actor=CLERK)[0].body["ticket"] is None
    start = svc.clock()
    svc.clock = lambda: start + 31 * 60  # reservation_min is 30 in config/hall.yaml
    assert run(svc, ("window.call_next", {"window": 1}, None), actor=CLERK)[0].body["ticket"]["id"] == again["id"]
    # once the case is withdrawn (closed) the visitor queues like anyone else
    withdrawn = run(svc, ("case.withdraw", {"case": case.body["id"]}, None), actor=c02)[0]
    assert withdrawn.ok, withdrawn.message
    fresh = run(svc, ("ticket.issue", {"item_code": item, "id_number": idn}, None))[0].body
    assert "first_inquiry_clerk" not in fresh


def test_catalogue_publishing_makes_versions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    assert svc.catalogue_version == 1
    same = run(svc, ("catalogue.publish", {"document": svc.catalogue.to_document()}, None), actor=SYSTEM)[0]
    assert same.body == {"version": 1, "created": False}
    doc = svc.catalogue.to_document()
    doc["items"][0]["wait_target_min"] = doc["items"][0]["wait_target_min"] + 1
    new = run(svc, ("catalogue.publish", {"document": doc}, None), actor=SYSTEM)[0]
    assert new.body == {"version": 2, "created": True}
    kiosk_has = run(svc, ("catalogue.get", {"have_version": 2}, None))[0].body
    assert kiosk_has == {"version": 2, "unchanged": True}
    stale = run(svc, ("catalogue.get", {"have_version": 1}, None))[0].body
    assert stale["unchanged"] is False and stale["catalogue"]["items"][0]["wait_target_min"] == doc["items"][0]["wait_target_min"]
    bad = dict(doc)
    bad["items"] = [dict(doc["items"][0], stream="martian")]
    refused = run(svc, ("catalogue.publish", {"document": bad}, None), actor=SYSTEM)[0]
    assert refused.code == "bad_request" and doc["items"][0]["code"] in refused.message
    assert svc.catalogue_version == 2


def test_kiosk_cannot_call_numbers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    out = run(svc, ("window.call_next", {"window": 1}, None), actor=KIOSK)[0]
    assert out.code == "forbidden"


def test_bad_bodies_get_clear_errors_and_change_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    seq = svc.engine.last_seq
    cases = [
        ({}, "item_code"),
        ({"item_code": 7}, "item_code"),
        ({"item_code": "NOPE"}, "item_code"),  # not an item code at all: named, not quoted
        ({"item_code": "C-XX-999"}, "C-XX-999"),  # well formed, no such item: quoted
        ({"item_code": citizen_item(svc), "id_number": "123"}, "id_number"),
        ({"item_code": citizen_item(svc), "priority": "vip"}, "priority"),
    ]
    for body, word in cases:
        out = run(svc, ("ticket.issue", body, None))[0]
        assert not out.ok and word in out.message and out.message_zh
    assert svc.engine.last_seq == seq


def test_a_failed_write_answers_unavailable_and_forgets_the_batch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    item = citizen_item(svc)
    working = svc.store.commit_batch

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    svc.store.commit_batch = disk_full  # type: ignore[method-assign]
    out = run(svc, ("ticket.issue", {"item_code": item}, "kiosk:full-0001"))[0]
    assert out.code == "unavailable" and out.message_zh
    assert not svc.engine.tickets and "kiosk:full-0001" not in svc.replies  # nothing half-kept
    svc.store.commit_batch = working  # type: ignore[method-assign]
    again = run(svc, ("ticket.issue", {"item_code": item}, "kiosk:full-0001"))[0]
    assert again.ok and again.body["number"] == "A001"  # the number was never handed out
