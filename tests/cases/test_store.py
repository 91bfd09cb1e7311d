"""The case store: cases survive a restart, two halls share one database (同城通办), concurrent
writers retry on the per-case log, the supervision list from SQL agrees with the pure core, and
stored certificates replace materials. Every scenario runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from queue_server.cases import CaseBook, CaseItem, CaseState, Subject, supervision_list, verification_code
from queue_server.cases.lifecycle import CASE_APPROVED, CASE_HANDED_OUT, CASE_TASK_DECIDED
from queue_server.catalogue import DEMO_CATALOGUE_PATH, load_catalogue
from queue_server.engine.errors import EngineError
from queue_server.store import make_engine, migrate
from queue_server.store.casestore import CaseStore
from queue_server.store.migrations import alembic_config
from queue_server.store.models import Base
from tests.support.postgres import normalize_url, url_str

from . import AGENT, APPLICANT, CAL, PARALLEL, SIMPLE, back, day_ts, kiosk, new_book, online, ts, window

T0 = ts(2025, 3, 3)  # Monday
H = 3600.0


def open_store(url: str, engines: list[Engine], *, fresh: bool = False) -> CaseStore:
    eng = make_engine(url)
    engines.append(eng)
    if fresh:
        migrate(eng)
    return CaseStore(eng, CAL)


# ---------------------------------------------------------------- migration


def test_migration(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines, fresh=True)
    with store.engine.connect() as c:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    assert diff == []  # the migrations build exactly the models
    names = set(inspect(store.engine).get_table_names())
    assert {
        "case_events",
        "cases",
        "case_tasks",
        "case_notices",
        "certificates",
        "evaluations",
        "complaints",
    } <= names
    migrate(store.engine)  # idempotent at head


# ------------------------------------------------------- a whole life, reopened


def test_whole_life_survives_reopening(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines, fresh=True)
    store.submit("K1", SIMPLE, APPLICANT, window("c1"), T0, agent=AGENT, materials=["id_card"])
    with pytest.raises(EngineError) as err:
        store.submit("K1", SIMPLE, APPLICANT, window("c1"), T0)
    assert err.value.code == "conflict"
    store.issue_notice("K1", window("c1"), T0 + H, ["photo", "form"])
    store.supplement("K1", kiosk("H01"), day_ts(date(2025, 3, 5)), ["photo", "form"])
    with pytest.raises(EngineError) as err:  # refused by the rules: nothing written
        store.hand_out("K1", window("c1"), day_ts(date(2025, 3, 5)) + H)
    assert err.value.code == "conflict"
    store.accept("K1", window("c2"), day_ts(date(2025, 3, 5)) + H)
    store.start_review("K1", back("c2", role=window().role), day_ts(date(2025, 3, 5)) + 2 * H)
    store.decide_task("K1", "hrss", "approved", back(), day_ts(date(2025, 3, 6)))
    store.result_ready("K1", back(), day_ts(date(2025, 3, 6)) + H)
    store.hand_out("K1", window("c9", "H01", 9), day_ts(date(2025, 3, 7)))
    store.close("K1", back("c1", role=window().role), day_ts(date(2025, 3, 7)) + H)
    store.rate("E1", Subject("case", "K1"), "hand_out", 2, "kiosk", day_ts(date(2025, 3, 7)) + H, hall="H01")
    with pytest.raises(EngineError) as err:
        store.rate("E2", Subject("case", "K1"), "hand_out", 5, "web", day_ts(date(2025, 3, 8)))
    assert err.value.code == "conflict"
    store.file_complaint("P1", "窗口态度差", "web", day_ts(date(2025, 3, 7)), subject=Subject("case", "K1"))
    store.accept_complaint("P1", "m1", day_ts(date(2025, 3, 10)))
    with pytest.raises(EngineError):
        store.close_complaint("P1", "m1", day_ts(date(2025, 3, 10)))  # not answered yet

    # what the pure core makes of the same events
    book = new_book()
    book.apply_all(store.events("K1"))
    expected = book.case("K1")
    assert (
        expected.state is CaseState.CLOSED and expected.visits == 3 and expected.first_inquiry_clerk == "c1"
    )
    assert [e.seq for e in store.events("K1")] == list(range(1, 11))

    # another process, another engine: the same case
    again = open_store(database_url, engines)
    loaded = again.load("K1")
    assert loaded == expected
    assert [s.action for s in loaded.steps][-3:] == ["result_ready", "hand_out", "close"]
    s = again.summary("K1")
    assert (s.state, s.visits, s.first_inquiry_clerk, s.hall_submitted, s.hall_accepted) == (
        CaseState.CLOSED, 3, "c1", "H01", "H01",
    )  # fmt: skip
    assert s.closed_at == day_ts(date(2025, 3, 7)) + H and s.due is None and s.version == 10
    assert [c.id for c in again.my_cases("c1", include_closed=True)] == ["K1"] and again.my_cases("c1") == []
    assert [c.id for c in again.cases_of(AGENT.id_hash, include_closed=True)] == ["K1"]
    ev = again.evaluation("E1")
    assert ev.level == 2 and ev.follow_up_due == CAL.add_workdays(date(2025, 3, 7), 15)
    again.answer_follow_up("E1", "已约谈窗口人员", "m1", day_ts(date(2025, 3, 10)))
    with pytest.raises(EngineError):
        again.answer_follow_up("E1", "again", "m1", day_ts(date(2025, 3, 10)))
    again.answer_complaint("P1", "已整改", "m1", day_ts(date(2025, 3, 11)))
    closed = again.close_complaint("P1", "m1", day_ts(date(2025, 3, 12)))
    assert [h[0].value for h in open_store(database_url, engines).complaint("P1").history] == [
        "filed", "accepted", "answered", "closed",
    ]  # fmt: skip
    assert closed.answer == "已整改"
    assert open_store(database_url, engines).evaluation("E1").follow_up_answer == "已约谈窗口人员"


# ---------------------------------------------------------------- two halls


def test_two_halls(database_url: str, engines: list[Engine]) -> None:
    h01 = open_store(database_url, engines, fresh=True)
    h02 = open_store(database_url, engines)
    h01.submit("K1", SIMPLE, APPLICANT, window("c1", "H01"), T0, materials=["id_card", "photo", "form"])
    h01.accept("K1", window("c1", "H01"), T0 + H)
    h02.start_review("K1", back("d1"), T0 + 2 * H)  # any hall's server sees H01's writes
    h01.decide_task("K1", "hrss", "approved", back("d1"), day_ts(date(2025, 3, 4)))
    h02.result_ready("K1", back("d1"), day_ts(date(2025, 3, 4)) + H)
    h02.hand_out("K1", window("c7", "H02", 2), day_ts(date(2025, 3, 6)))  # 同城通办: picked up at H02
    for store in (h01, h02):
        k = store.load("K1")
        assert k.state is CaseState.HANDED_OUT and k.handed_out_hall == "H02"
        assert k.visit_days == [date(2025, 3, 3), date(2025, 3, 6)] and k.first_inquiry_clerk == "c1"
        s = store.summary("K1")
        assert (s.hall_submitted, s.hall_accepted, s.hall_handed_out, s.visits) == ("H01", "H01", "H02", 2)
        assert [c.id for c in store.my_cases("c1")] == ["K1"] and store.my_cases("c7") == []
    with h01.engine.connect() as c:
        halls = (
            c.execute(text("SELECT hall FROM case_events WHERE case_id = 'K1' ORDER BY n")).scalars().all()
        )
    assert halls == ["H01", "H01", None, None, None, None, "H02"]


# ------------------------------------------------------------ concurrent writers


def race(stores: list[CaseStore], *jobs: Callable[[CaseStore], Any]) -> list[Any]:
    """Run one job per store at once; both read the case before either writes."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    for s in stores:
        s.before_write = lambda _case, attempt: barrier.wait() if attempt == 0 else None
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            results[i] = jobs[i](stores[i])
        except Exception as err:  # collected for the test to inspect
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for s in stores:
        s.before_write = None
    return results


def test_concurrent_writers(database_url: str, engines: list[Engine]) -> None:
    a = open_store(database_url, engines, fresh=True)
    b = open_store(database_url, engines)
    a.submit("P1", PARALLEL, APPLICANT, window("c1"), T0, materials=list(PARALLEL.materials))
    a.accept("P1", window("c1"), T0 + H)
    a.start_review("P1", back("c1", role=window().role), T0 + 2 * H)
    got = race(
        [a, b],
        lambda s: s.decide_task("P1", "tax", "approved", back("t1"), T0 + 3 * H),
        lambda s: s.decide_task("P1", "public_security", "approved", back("p1"), T0 + 3 * H),
    )
    assert all(isinstance(r, list) for r in got), got
    assert a.conflicts + b.conflicts == 1  # the loser re-read and ran its command again
    events = a.events("P1")
    assert [e.seq for e in events] == list(range(1, len(events) + 1)) == [1, 2, 3, 4, 5]
    assert [e.data.get("department") for e in events[3:]] in (
        ["tax", "public_security"], ["public_security", "tax"],
    )  # fmt: skip
    # the last decision, from the other hall, sees both and approves the case
    last = b.decide_task("P1", "market", "approved", back("m1"), T0 + 4 * H)
    assert [e.type for e in last] == [CASE_TASK_DECIDED, CASE_APPROVED] and [e.seq for e in last] == [6, 7]
    assert a.summary("P1").state is CaseState.APPROVED and a.summary("P1").version == 7
    a.result_ready("P1", back(), T0 + 5 * H)
    # both halls try to hand the result out: one does, the other is told by the rules
    got = race(
        [a, b],
        lambda s: s.hand_out("P1", window("c1", "H01"), T0 + 6 * H),
        lambda s: s.hand_out("P1", window("c7", "H02"), T0 + 6 * H),
    )
    errors = [r for r in got if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], EngineError) and errors[0].code == "conflict"
    events = a.events("P1")
    assert [e.type for e in events].count(CASE_HANDED_OUT) == 1
    assert [e.seq for e in events] == list(range(1, 10))


def test_a_case_that_keeps_changing_is_a_clear_conflict(sqlite_url: str, engines: list[Engine]) -> None:
    store = open_store(sqlite_url, engines, fresh=True)
    other = open_store(sqlite_url, engines)
    store.retries = 2
    store.submit("K1", SIMPLE, APPLICANT, window("c1"), T0)
    notes = iter(["photo", "form", "id_card"])

    def meddle(_case: str, _attempt: int) -> None:  # another hall writes before every attempt
        k = other.load("K1")
        if k.state is CaseState.SUBMITTED or k.state is CaseState.SUPPLEMENTED:
            other.issue_notice("K1", window("c1"), T0 + H, [next(notes)])
        else:
            other.supplement("K1", online(), T0 + 2 * H, ["photo", "form", "id_card"])

    store.before_write = meddle
    with pytest.raises(EngineError) as err:
        store.act("K1", "withdraw", online(), T0 + 3 * H)
    assert err.value.code == "conflict" and "正被其他窗口" in err.value.message_zh
    assert store.conflicts == 3
    # the meddler's second notice asked for a material the first did not: flagged for the manager
    assert store.flagged_notices() == [("K1", 2, ["form"])]
    assert [e.type for e in store.events("K1")][1:] == [
        "case.notice_issued",
        "case.supplemented",
        "case.notice_issued",
    ]
    with pytest.raises(EngineError) as err:
        store.act("K1", "drop_table", online(), T0)
    assert err.value.code == "bad_request"
    with pytest.raises(EngineError) as err:
        store.accept("NOPE", window(), T0)
    assert err.value.code == "not_found"


# ------------------------------------------------------------- supervision list


def build_cases(store: CaseStore, book: CaseBook) -> None:
    def both(name: str, cid: str, *args: Any, **kw: Any) -> None:
        book.apply_all(getattr(book, name)(cid, *args, **kw))
        if name == "submit":
            store.submit(cid, *args, **kw)
        else:
            store.act(cid, name, *args, **kw)

    def d(m: int, day: int, hour: int = 10) -> float:
        return ts(2025, m, day, hour)

    # running from Monday
    both("submit", "S1", SIMPLE, APPLICANT, window("c1"), d(3, 3), materials=["id_card"])
    both("accept", "S1", window("c1"), d(3, 3, 11))
    # paused by a notice on Wednesday, still waiting: held card
    both("submit", "S2", SIMPLE, APPLICANT, window("c2"), d(3, 3))
    both("issue_notice", "S2", window("c2"), d(3, 5), ["photo"])
    # noticed long after its due date: held red with days left below zero
    both("submit", "S3", SIMPLE, AGENT, kiosk(), d(3, 3, 9))
    both("issue_notice", "S3", window("c3"), d(3, 12), ["photo", "form"])
    # parallel: the tax office decided, two tasks open with their own limits
    both("submit", "P1", PARALLEL, APPLICANT, window("c1"), d(3, 3, 12), materials=list(PARALLEL.materials))
    both("accept", "P1", window("c1"), d(3, 3, 13))
    both(
        "start_review", "P1", back("c1", role=window().role), d(3, 4), limits={"tax": 1, "public_security": 2}
    )
    both("decide_task", "P1", "tax", "approved", back("t1"), d(3, 5))
    # a pause that ended: the clock moved on
    both("submit", "S5", SIMPLE, APPLICANT, window("c2"), d(3, 4))
    both("issue_notice", "S5", window("c2"), d(3, 4, 11), ["photo", "form"])
    both("supplement", "S5", online(), d(3, 6), ["photo", "form"])
    both("accept", "S5", window("c2"), d(3, 6, 11))
    # decided: no card any more; withdrawn: closed
    both("submit", "S6", SIMPLE, APPLICANT, window("c1"), d(3, 3))
    both("accept", "S6", window("c1"), d(3, 3, 11), commitment=True)
    both("submit", "S7", SIMPLE, APPLICANT, window("c1"), d(3, 3))
    both("withdraw", "S7", online(), d(3, 4))
    # submitted online on Friday, nobody touched it; and one submitted across a holiday (清明)
    both("submit", "S8", SIMPLE, APPLICANT, online(), d(3, 7))
    both("submit", "S9", PARALLEL, APPLICANT, online(), d(4, 2))


def test_supervision_list_agrees_with_the_core(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines, fresh=True)
    book = new_book()
    build_cases(store, book)
    days = [date(2025, 3, d) for d in (3, 4, 5, 6, 7, 8, 10, 11, 12, 14, 20)] + [
        date(2025, 4, d) for d in (3, 7, 9)
    ]
    seen_cards = set()
    for today in days:
        pure = supervision_list(book.watches(today))
        assert store.supervision_list(today) == pure, today
        everything = supervision_list(book.watches(today), include_green=True)
        assert store.supervision_list(today, include_green=True) == everything, today
        assert store.supervision_list(today, 3) == pure[:3], today
        seen_cards |= {(w.card, w.task, w.paused) for w in everything}
    # the set covered what it should: red and yellow, cases and tasks, held and running
    assert {
        ("red", False, True),
        ("red", False, False),
        ("yellow", True, False),
        ("green", False, False),
    } <= {(c.value, t, p) for c, t, p in seen_cards}
    again = open_store(database_url, engines)  # from the projection alone, in another process
    assert again.supervision_list(date(2025, 3, 10)) == supervision_list(book.watches(date(2025, 3, 10)))
    assert [c.id for c in again.my_cases("c1")] == [c.id for c in book.my_cases("c1")]
    assert [c.id for c in again.my_cases("c2")] == [c.id for c in book.my_cases("c2")]
    assert [c.id for c in again.cases_of(APPLICANT.id_hash)] == [
        c.id for c in book.cases_of(APPLICANT.id_hash)
    ]
    assert [c.id for c in again.cases_of(AGENT.id_hash)] == ["S3"]


# ---------------------------------------------------------------- certificates

CAT = load_catalogue(DEMO_CATALOGUE_PATH)
SECRET = b"hall-secret"


def test_certificate_replaces_material(database_url: str, engines: list[Engine]) -> None:
    store = open_store(database_url, engines, fresh=True)
    later = CAT.item("E-DJ-003")  # change of registration: needs the business licence
    on = date(2025, 6, 1)
    assert "business_licence" in [m.code for m in store.materials_needed(later, APPLICANT.id_hash, on).needed]
    item = CaseItem.from_service_item(CAT.item("E-DJ-002"))  # yields a business licence
    store.submit("K1", item, APPLICANT, window("c1"), ts(2025, 5, 6))
    number = "BUSINESS_LICENCE-H01-20250506-000001"
    code = verification_code(SECRET, number)
    with pytest.raises(EngineError) as err:  # not approved yet
        store.register_certificate(
            "K1", number=number, code=code, issued_on=date(2025, 5, 6), now=ts(2025, 5, 6)
        )
    assert err.value.code == "conflict"
    store.accept("K1", window("c1"), ts(2025, 5, 6, 11), commitment=True)  # 告知承诺: approved at once
    cert = store.register_certificate(
        "K1", number=number, code=code, issued_on=date(2025, 5, 6), now=ts(2025, 5, 6)
    )
    assert (cert.type, cert.holder_hash, cert.department, cert.case) == (
        "business_licence", APPLICANT.id_hash, "market", "K1",
    )  # fmt: skip
    with pytest.raises(EngineError) as err:
        store.register_certificate(
            "K1", number=number, code=code, issued_on=date(2025, 5, 6), now=ts(2025, 5, 6)
        )
    assert err.value.code == "conflict"

    again = open_store(database_url, engines)
    check = again.materials_needed(later, APPLICANT.id_hash, on)
    assert "business_licence" not in [m.code for m in check.needed]
    assert [(m.code, c.number) for m, c in check.replaced] == [("business_licence", number)]
    assert "business_licence" in [m.code for m in again.materials_needed(later, AGENT.id_hash, on).needed]
    assert again.verify_certificate(number, code.lower()).number == number
    with pytest.raises(EngineError) as err:
        again.verify_certificate(number, "0000000000")
    assert err.value.code == "not_found"
    assert again.record_print(number, hall="H02", kiosk="K01", now=ts(2025, 6, 1)) == 1
    assert store.record_print(number, hall="H01", kiosk="K03", now=ts(2025, 6, 2)) == 2
    assert again.print_count() == 2 and [c.number for c in again.certificates_of(APPLICANT.id_hash, on)] == [
        number
    ]
    again.revoke_certificate(number, reason="告知承诺核查不实", by="m1", now=ts(2025, 6, 3))
    with pytest.raises(EngineError):
        store.record_print(number, hall="H01", kiosk="K03", now=ts(2025, 6, 4))
    assert "business_licence" in [m.code for m in store.materials_needed(later, APPLICANT.id_hash, on).needed]


def supervision_ties(url: str, engines: list[Engine]) -> None:
    """Lines that tie on card and days left come in Python's string order whatever the
    database's collation, and a limit cuts them as the pure list does; paused cases with the
    same days left share their due date."""
    store = open_store(url, engines, fresh=True)
    book = new_book()

    def both(name: str, cid: str, *args: Any, **kw: Any) -> None:
        book.apply_all(getattr(book, name)(cid, *args, **kw))
        if name == "submit":
            store.submit(cid, *args, **kw)
        else:
            store.act(cid, name, *args, **kw)

    ids = ["k-b", "K-a", "k-A", "é1", "z1", "Z1", "k_b", "k b"]
    for cid in ids:
        both("submit", cid, SIMPLE, APPLICANT, window("c1"), ts(2025, 3, 3), materials=["id_card"])
        both("accept", cid, window("c1"), ts(2025, 3, 3, 11))
    for cid in ("P-b", "p-a", "P-A"):  # paused on Tuesday with the same days left
        both("submit", cid, SIMPLE, APPLICANT, window("c1"), ts(2025, 3, 3))
        both("issue_notice", cid, window("c1"), ts(2025, 3, 4), ["photo"])
    for today in (date(2025, 3, 5), date(2025, 3, 6), date(2025, 3, 10)):
        pure = supervision_list(book.watches(today), include_green=True)
        assert store.supervision_list(today, include_green=True) == pure, today
        for n in range(1, len(pure) + 1):
            assert store.supervision_list(today, n, include_green=True) == pure[:n], (today, n)
        assert len({w.due for w in pure if w.paused}) == 1


def test_supervision_ties(database_url: str, engines: list[Engine]) -> None:
    supervision_ties(database_url, engines)


def test_supervision_ties_postgres_natural_language_collation(
    pg_server_url: str, engines: list[Engine]
) -> None:
    """On a database whose default collation sorts as people read (ICU, where "k-a" comes
    before "K-b" and "é1" before "z1"), the list still comes in Python's (code point) order."""
    admin = create_engine(normalize_url(pg_server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"hall_icu_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(
                f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' "
                "LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
            )
        url = url_str(normalize_url(pg_server_url).set(database=name))
        probe = make_engine(url)
        engines.append(probe)
        with probe.connect() as c:  # the collation really differs from Python's order
            assert c.exec_driver_sql("SELECT 'é1' < 'z1', 'k-a' < 'K-b'").one() == (True, True)
            assert "é1" > "z1" and "k-a" > "K-b"
        supervision_ties(url, engines)
    finally:
        for e in engines:
            e.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
