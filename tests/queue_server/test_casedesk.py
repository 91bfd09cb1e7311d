"""The case desk: case requests run beside the hall loop (real server processes).

A submit sent twice makes one case, even when its answer was lost between the case's write
and the answer's, and across a kill -9; a case write stuck on the database does not hold the
queue: tickets are issued and called meanwhile."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.support.hall import HallProcess

pytestmark = pytest.mark.slow

APPLICANT = "11010519491231002X"
ITEM = "C-WJ-002"


def _start(var: Any, db: str) -> HallProcess:
    h = HallProcess(var, db)
    h.init()
    h.clerk = h.token("clerk", clerk="c01")  # type: ignore[attr-defined]
    h.start()
    return h


@pytest.fixture
def sqlite_hall(tmp_path: Any) -> Iterator[HallProcess]:
    h = _start(tmp_path, f"sqlite:///{tmp_path / 'hall.db'}")
    yield h
    h.stop()


def _submit(hall: HallProcess, key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {hall.clerk}"}  # type: ignore[attr-defined]
    if key:
        headers["Idempotency-Key"] = key
    body = {"item_code": ITEM, "id_number": APPLICANT, "name": "张三", "materials": ["id_card"]}
    return requests.post(f"{hall.http}/api/v1/cases", json=body, headers=headers, timeout=60)


def _cases(db: str) -> list[str]:
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            return [r[0] for r in c.execute(text("SELECT id FROM cases ORDER BY id"))]
    finally:
        eng.dispose()


def test_a_submit_sent_twice_makes_one_case_even_when_its_answer_was_lost(sqlite_hall: HallProcess) -> None:
    hall, key = sqlite_hall, uuid.uuid4().hex
    first = _submit(hall, key)
    assert first.status_code == 201, first.text
    case_id = first.json()["id"]
    again = _submit(hall, key)
    assert again.status_code == 201 and again.json()["id"] == case_id
    assert _cases(hall.db) == [case_id]
    # The answer is lost (a crash after the case's write, before the answer's): the retry
    # still finds the case its key made, and answers with it.
    eng = create_engine(hall.db)
    with eng.begin() as c:
        gone = c.execute(text("DELETE FROM idempotency_keys WHERE key LIKE :k"), {"k": f"%:{key}"}).rowcount
    eng.dispose()
    assert gone == 1
    retried = _submit(hall, key)
    assert retried.status_code == 201 and retried.json()["id"] == case_id
    # and after a kill -9 and a restart
    hall.kill()
    hall.start()
    after = _submit(hall, key)
    assert after.status_code == 201 and after.json()["id"] == case_id
    assert _cases(hall.db) == [case_id]
    # a new key is a new application
    other = _submit(hall, uuid.uuid4().hex)
    assert other.status_code == 201 and other.json()["id"] != case_id
    assert len(_cases(hall.db)) == 2


def test_the_same_submit_racing_itself_runs_once(sqlite_hall: HallProcess) -> None:
    """Retries arriving while the first is still being written wait for its answer."""
    hall, key = sqlite_hall, uuid.uuid4().hex
    answers: list[requests.Response] = []
    threads = [threading.Thread(target=lambda: answers.append(_submit(hall, key))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [a.status_code for a in answers] == [201] * 6
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(_cases(hall.db)) == 1


def test_a_stuck_case_write_does_not_hold_the_queue(pg_url: str, tmp_path: Any) -> None:
    hall = _start(tmp_path, pg_url)
    blocker = create_engine(pg_url)
    try:
        with blocker.connect() as c:
            tx = c.begin()
            # Another hall's long transaction holds the case log: a case write must wait.
            c.execute(text("LOCK TABLE case_events IN EXCLUSIVE MODE"))
            stuck: list[requests.Response] = []
            writer = threading.Thread(target=lambda: stuck.append(_submit(hall, uuid.uuid4().hex)))
            writer.start()
            writer.join(1.0)
            assert writer.is_alive() and not stuck  # the case waits on the lock...
            clerk = {"Authorization": f"Bearer {hall.clerk}"}  # type: ignore[attr-defined]
            numbers = []
            for _ in range(5):  # ...while visitors still take numbers and are called
                r = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": "C-RS-001"}, timeout=10)
                assert r.status_code == 201, r.text
                numbers.append(r.json()["number"])
            called = requests.post(f"{hall.http}/api/v1/windows/1/call-next", json={}, headers=clerk, timeout=10)
            assert called.status_code == 200, called.text
            assert called.json()["ticket"]["number"] == numbers[0]
            assert writer.is_alive() and not stuck
            tx.rollback()
        writer.join(30)
        assert stuck and stuck[0].status_code == 201, stuck[0].text if stuck else "no answer"
        assert len(_cases(pg_url)) == 1
    finally:
        blocker.dispose()
        hall.stop()
