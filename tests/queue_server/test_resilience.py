"""The hall loop cannot die of a request, and a failing store does not stop it for good.

A request that fails on a defect of ours (a handler that raises after changing the hall, an
answer or an event that cannot be encoded) fails alone: the other requests of its batch and
of the batches in flight are stored and answered, and nothing of the failed one reaches a
reply, an event, a checkpoint or the next batch. When the store fails the hall answers
'unavailable' at once with the reason and serves again by itself once the store is back.

The defects are simulated by a handler registered for these tests only; everything else is
the real service, loop and SQLite store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ConfigDict
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from protocol.models import REQUESTS, Answer, Body, Spec
from queue_server.auth import Actor
from queue_server.endpoint import EndpointConfig, HallLoop
from queue_server.handlers import HANDLERS, Handler
from queue_server.handlers.context import HallContext
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.service import HallService, Outcome, Pending, StoreUnavailable, request_key
from queue_server.store import make_engine
from tests.support.hall import free_port
from tests.support.wait import wait_for

KIOSK = Actor("device", "kiosk-1", "kiosk")
MANAGER = Actor("token", "manager", "manager")


class BrokenRequest(Body):
    how: str
    item_code: str | None = None


class AnyReply(Answer):
    model_config = ConfigDict(extra="allow")


def _broken(ctx: HallContext, req: BrokenRequest, actor: Actor, now: float) -> dict[str, Any]:
    """A handler with a defect: it changes the hall, then fails in one of several ways."""
    how = req.how
    if how == "bad_event":  # an event whose data cannot be stored (a lone surrogate)
        ctx.service.emit(ctx.engine.set_notices([{"zh": "\ud800", "en": "x"}], now))
        return {"ok": True}
    ctx.service.emit(ctx.engine.issue(req.item_code, now, ctx.service.new_token()))
    if how == "raise":
        raise RuntimeError("a defect after the ticket was issued")
    if how == "refuse":  # an engine refusal after changing the hall breaks "emit last"
        ctx.engine.ticket("no-such-ticket")
    return {"text": "\ud800"}  # how == "bad_answer": an answer that cannot be encoded


@pytest.fixture
def broken_handler() -> Iterator[None]:
    HANDLERS["test.broken"] = Handler(_broken, "public", True)
    REQUESTS["test.broken"] = Spec(BrokenRequest, AnyReply)
    yield
    del HANDLERS["test.broken"], REQUESTS["test.broken"]


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[tuple[HallService, str, str]]:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    yield svc, item, url
    svc.store.engine.dispose()


def _pending(type_: str, body: dict[str, Any], key: str | None, actor: Actor = KIOSK) -> Pending:
    answers: list[Outcome] = []
    return Pending(type_, body, request_key(type_, key), actor, answers.append)


def _stored_numbers(svc: HallService) -> list[str]:
    with svc.store.engine.connect() as c:
        return [r[0] for r in c.execute(text("select number from tickets order by number"))]


def _stored_seqs(svc: HallService) -> list[int]:
    with svc.store.engine.connect() as c:
        return [r[0] for r in c.execute(text("select seq from hall_events order by seq"))]


def _loop(svc: HallService, **kw: Any) -> HallLoop:
    config = EndpointConfig(router=f"tcp://127.0.0.1:{free_port()}", pub=f"tcp://127.0.0.1:{free_port()}")
    loop = HallLoop(svc, config, **kw)
    loop.start()
    return loop


@pytest.mark.parametrize("how", ["raise", "bad_answer", "refuse", "bad_event"])
def test_a_request_that_fails_after_changing_the_hall_fails_alone(
    hall: tuple[HallService, str, str], broken_handler: None, how: str
) -> None:
    svc, item, url = hall
    before = _stored_seqs(svc)
    batch = [
        _pending("ticket.issue", {"item_code": item}, "iso-00001"),
        _pending("test.broken", {"item_code": item, "how": how}, "iso-00002"),
        _pending("ticket.issue", {"item_code": item}, "iso-00003"),
    ]
    commit = svc.handle(batch)
    assert svc.commit(commit)
    svc.finish(commit, True)

    first, broken, third = (p.outcome for p in batch)
    assert first is not None and broken is not None and third is not None
    assert (first.body["number"], third.body["number"]) == ("A001", "A002")
    assert broken.code == "internal" and broken.message == "internal server error"
    assert "surrogate" not in broken.message and "defect" not in broken.message
    # Only the two visitors' tickets exist, in memory and on disk, with gap-free events.
    assert sorted(t.number for t in svc.engine.tickets.values()) == ["A001", "A002"]
    assert _stored_numbers(svc) == ["A001", "A002"]
    assert svc.engine.notices == []
    seqs = _stored_seqs(svc)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == len(before) + 2
    # The failure was not kept as the key's answer: a retry runs again.
    assert svc.replies.get(request_key("test.broken", "iso-00002")) is None
    assert svc.checkpoint()
    # And a restart sees exactly what was acknowledged.
    again = open_hall(make_engine(url), "H01", Paths(Path(url[10:]).parent / "var"))
    assert sorted(t.number for t in again.engine.tickets.values()) == ["A001", "A002"]
    again.store.engine.dispose()


def test_a_failed_request_keeps_the_batches_still_in_flight(
    hall: tuple[HallService, str, str], broken_handler: None
) -> None:
    svc, item, _ = hall
    in_flight = [_pending("ticket.issue", {"item_code": item}, f"fly-{i:05d}") for i in range(3)]
    first = svc.handle(in_flight)  # decided, not yet stored: the undo must keep it
    second_batch = [
        _pending("test.broken", {"item_code": item, "how": "raise"}, "fly-10000"),
        _pending("ticket.issue", {"item_code": item}, "fly-10001"),
    ]
    second = svc.handle(second_batch)
    assert second_batch[0].outcome is not None and second_batch[0].outcome.code == "internal"
    assert svc.commit(first) and svc.commit(second)
    svc.finish(first, True)
    svc.finish(second, True)
    assert [p.outcome.body["number"] for p in in_flight if p.outcome] == ["A001", "A002", "A003"]
    assert second_batch[1].outcome is not None and second_batch[1].outcome.body["number"] == "A004"
    assert _stored_numbers(svc) == ["A001", "A002", "A003", "A004"]
    assert svc.engine.last_seq == svc.store.last_event_seq()
    assert svc.checkpoint()


def test_undoing_with_the_store_away_decides_nothing_of_the_batch(
    hall: tuple[HallService, str, str], broken_handler: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, item, _ = hall

    def away(*a: object, **k: object) -> None:
        raise OperationalError("select", {}, Exception("connection refused"))

    monkeypatch.setattr(svc.store, "latest_checkpoint", away)
    batch = [
        _pending("ticket.issue", {"item_code": item}, "away-00001"),
        _pending("test.broken", {"item_code": item, "how": "raise"}, "away-00002"),
    ]
    with pytest.raises(StoreUnavailable):
        svc.handle(batch)
    assert svc.replies.get(request_key("ticket.issue", "away-00001")) is None
    assert not svc.has_unstored


def test_the_loop_survives_every_defect_and_says_nothing_internal(
    hall: tuple[HallService, str, str], broken_handler: None
) -> None:
    svc, item, _ = hall
    loop = _loop(svc)
    try:
        for how in ("raise", "bad_answer", "refuse", "bad_event"):
            out = loop.call("test.broken", {"item_code": item, "how": how}, KIOSK, f"def-{how}")
            assert out.code == "internal" and out.message_zh == "服务器内部错误"
        # A read whose answer cannot be encoded: the HTTP caller gets its outcome; the loop lives.
        assert loop.call("hall.ping", {}, KIOSK).ok
        t = loop.call("ticket.issue", {"item_code": item}, KIOSK, "def-after")
        assert t.ok and t.body["number"] == "A001"
        assert loop.running
    finally:
        loop.stop()
    assert _stored_numbers(svc) == ["A001"]


class _Outage:
    """The database away: every write and every read of the live queue's tables fails."""

    def __init__(self, svc: HallService, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on = threading.Event()
        for name in ("commit_batch", "latest_checkpoint", "events_after", "idempotent_replies", "last_event_seq"):
            real = getattr(svc.store, name)
            monkeypatch.setattr(svc.store, name, self._guard(real))

    def _guard(self, real: Any) -> Any:
        def guarded(*a: Any, **k: Any) -> Any:
            if self.on.is_set():
                raise OperationalError("statement", {}, Exception("connection to server failed: Connection refused"))
            return real(*a, **k)

        return guarded


def test_a_store_outage_is_answered_at_once_and_the_hall_recovers_by_itself(
    hall: tuple[HallService, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, item, _ = hall
    outage = _Outage(svc, monkeypatch)
    loop = _loop(svc)
    try:
        first = loop.call("ticket.issue", {"item_code": item}, KIOSK, "out-00001")
        assert first.ok and first.body["number"] == "A001"
        outage.on.set()
        failed = loop.call("ticket.issue", {"item_code": item}, KIOSK, "out-00002")
        assert failed.code == "unavailable"
        # From now on every request is refused by the fault itself, saying what is wrong.
        for n in range(20):
            out = loop.call("ticket.issue", {"item_code": item}, KIOSK, f"out-1{n:04d}", timeout=5)
            assert out.code == "unavailable" and out.details["problem"] == "database_unreachable"
            assert "无法连接大厅数据库" in out.message_zh
        ping = loop.call("hall.ping", {}, KIOSK, timeout=5)
        assert ping.code == "unavailable" and ping.details["recovery_attempts"] >= 0
        assert loop.running and loop.fault is not None
        outage.on.clear()
        after = wait_for(  # the loop retries at most a second apart
            lambda: (out := loop.call("ticket.issue", {"item_code": item}, KIOSK, "out-20000", timeout=5)).ok and out,
            interval=0.05,
            message="the hall never served again",
        )
        assert after.body["number"] == "A002"
        assert loop.fault is None
        # The refused requests left nothing behind; the acknowledged one is kept for retries.
        assert loop.call("ticket.issue", {"item_code": item}, KIOSK, "out-00001").body == first.body
        assert loop.call("ticket.issue", {"item_code": item}, KIOSK, "out-00002").body["number"] == "A003"
    finally:
        loop.stop()
    assert _stored_numbers(svc) == ["A001", "A002", "A003"]


def test_checkpoints_hold_committed_state_only(hall: tuple[HallService, str, str]) -> None:
    svc, item, _ = hall
    commit = svc.handle([_pending("ticket.issue", {"item_code": item}, "cp-000001")])
    assert not svc.checkpoint()  # decided, not stored
    assert svc.commit(commit)
    svc.finish(commit, True)
    assert svc.checkpoint()
    # The live queue ahead of the store (what a crashed loop left behind): no checkpoint.
    svc.emit(svc.engine.set_notices([{"zh": "未提交", "en": "never committed"}], svc.clock()))
    svc._batch_events = []  # the batch is gone with the crashed loop; the engine kept it
    assert not svc.checkpoint()
    assert svc.store.latest_checkpoint()[0] == svc.store.last_event_seq()  # type: ignore[index]


def test_a_key_is_per_request_type(hall: tuple[HallService, str, str]) -> None:
    svc, item, _ = hall
    loop = _loop(svc)
    try:
        notices = loop.call("hall.set_notices", {"notices": [{"zh": "通知", "en": "Notice"}]}, MANAGER, "same-key-01")
        ticket = loop.call("ticket.issue", {"item_code": item}, MANAGER, "same-key-01")
        assert notices.ok and ticket.ok and ticket.body["number"] == "A001"
        assert loop.call("ticket.issue", {"item_code": item}, MANAGER, "same-key-01").body == ticket.body
    finally:
        loop.stop()
    with svc.store.engine.connect() as c:
        kinds = sorted(r[0] for r in c.execute(text("select type from idempotency_keys where key like '%same-key-01'")))
    assert kinds == ["hall.set_notices", "ticket.issue"]


def test_a_key_stored_long_ago_and_used_again_does_not_fail_the_batch(hall: tuple[HallService, str, str]) -> None:
    svc, item, _ = hall
    key = request_key("ticket.issue", "old-key-001")
    with svc.store.engine.begin() as c:  # answered two days ago: no longer kept in memory
        c.execute(
            text("insert into idempotency_keys (hall, key, type, reply, at) values ('H01', :k, 'ticket.issue', :r, :at)"),
            {"k": key, "r": '{"ok":true,"body":{"number":"A999"}}', "at": svc.clock() - 2 * 86400},
        )
    batch = [_pending("ticket.issue", {"item_code": item}, "old-key-001"), _pending("ticket.issue", {"item_code": item}, "new-key-001")]
    commit = svc.handle(batch)
    assert svc.commit(commit)
    svc.finish(commit, True)
    assert [p.outcome.body["number"] for p in batch if p.outcome] == ["A001", "A002"]
    with svc.store.engine.connect() as c:
        reply = c.execute(text("select reply from idempotency_keys where key = :k"), {"k": key}).scalar_one()
    assert '"A001"' in reply  # the newest answer is the one a retry gets


def test_a_loop_that_cannot_go_on_says_so_and_refuses_at_once(
    hall: tuple[HallService, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, item, _ = hall
    died: list[BaseException] = []
    loop = _loop(svc, on_fatal=died.append)
    try:
        def broken_drain(router: object) -> list[Pending]:
            raise MemoryError("simulated")

        monkeypatch.setattr(loop, "_drain", broken_drain)
        out = loop.submit("ticket.issue", {"item_code": item}, KIOSK, "fatal-0001")
        wait_for(lambda: died, interval=0.05, message="the loop never reported its death")
        assert isinstance(died[0], MemoryError)
        assert not loop.running
        refused = loop.call("hall.ping", {}, KIOSK, timeout=1)
        assert refused.code == "unavailable" and "not running" in refused.message
        assert not out.done() or out.result().code == "unavailable"
    finally:
        loop.stop()


#: How the in-process stories make real SQLite refuse writes, on every connection taken:
#: full at its page cap (the SQLITE_FULL a full disk gives), or read-only.
_REFUSALS = {
    "disk_full": ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823", "磁盘已满"),
    "read_only": ("PRAGMA query_only = 1", "PRAGMA query_only = 0", "无法写入"),
}


def run_refusing_database_story(tmp_path: Path, problem: str = "disk_full") -> dict[str, Any]:
    """SQLite refuses writes (``problem``: full, or read-only) while reads work: the hall
    refuses at once saying why, keeps what it acknowledged, and serves again by itself once
    writes work again. Used also where no tiny file system can be mounted or no file made
    immutable."""
    from sqlalchemy import event

    refuse, allow, words = _REFUSALS[problem]
    url = f"sqlite:///{tmp_path / f'{problem}.db'}"
    paths = Paths(tmp_path / f"var-{problem}")
    init_hall(url, paths)
    db = make_engine(url)
    pragma = [allow]

    @event.listens_for(db, "checkout")
    def _apply(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.execute(pragma[0])

    svc = open_hall(db, "H01", paths)
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    loop = _loop(svc)
    acked: list[dict[str, Any]] = []
    try:
        acked.append(loop.call("ticket.issue", {"item_code": item}, KIOSK, "refu-00000").body)  # type: ignore[arg-type]
        with db.connect() as c:
            pragma[0] = refuse.format(pages=c.exec_driver_sql("PRAGMA page_count").scalar_one())
        refused = None
        for n in range(1, 2000):  # until a write needs a page the database may not have
            out = loop.call("ticket.issue", {"item_code": item}, KIOSK, f"refu-{n:05d}")
            if not out.ok:
                refused = out
                break
            acked.append(out.body)  # type: ignore[arg-type]
        assert refused is not None and refused.code == "unavailable"
        for _ in range(5):  # refused at once, saying why, however often it is tried
            again = loop.call("ticket.issue", {"item_code": item}, KIOSK, "refu-99999", timeout=5)
            assert again.code == "unavailable" and again.details["problem"] == problem
            assert words in again.message_zh
        pragma[0] = allow
        wait_for(
            lambda: loop.call("ticket.issue", {"item_code": item}, KIOSK, "refu-99999", timeout=5).ok,
            interval=0.05,
            message="the hall never served again",
        )
        assert loop.fault is None
    finally:
        loop.stop()
    numbers = _stored_numbers(svc)
    assert all(a["number"] in numbers for a in acked) and len(numbers) == len(set(numbers)) == len(acked) + 1
    db.dispose()
    return {"acknowledged_before": len(acked)}


@pytest.mark.parametrize("problem", ["disk_full", "read_only"])
def test_a_database_that_refuses_writes_is_refused_at_once_and_served_again_after(
    tmp_path: Path, problem: str
) -> None:
    run_refusing_database_story(tmp_path, problem)
