"""kill -9 during a burst of issues: after a restart every acknowledged ticket is there exactly
once, numbering continues, and retries of requests whose reply was lost get the same ticket."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from tests.support.hall import HallProcess
from tests.support.wait import wait_for

pytestmark = pytest.mark.slow


def burst(hall: HallProcess, creds: CurveClientKeys, item: str, acked: dict[str, dict], sent: list[str], stop: threading.Event) -> None:
    with HallClient(hall.router, curve=creds, timeout=0.5, retries=1) as client:
        n = 0
        while not stop.is_set():
            key = f"crash-{threading.get_ident()}-{n:06d}"
            n += 1
            sent.append(key)
            try:
                acked[key] = client.request("ticket.issue", {"item_code": item}, key=key)
            except RequestFailed:
                return  # the server died under us: this request may or may not have been saved


def test_kill_9_during_a_burst_loses_and_duplicates_nothing(database_url: str, tmp_path: Path) -> None:
    hall = HallProcess(tmp_path / "var", database_url)
    hall.init()
    device = hall.enroll("kiosk-crash", "kiosk")
    creds = CurveClientKeys.from_files(device["server_public"], device["secret"])
    hall.start()
    try:
        with HallClient(hall.router, curve=creds, timeout=3) as c:
            item = next(i["code"] for i in c.request("catalogue.get", {})["catalogue"]["items"] if i["stream"] == "citizen")
        acked: dict[str, dict] = {}
        sent: list[str] = []
        stop = threading.Event()
        threads = [threading.Thread(target=burst, args=(hall, creds, item, acked, sent, stop)) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(acked) >= 150, timeout=20, interval=0.01, message="the burst never got going")
        finally:  # killed in the middle of the burst
            hall.kill()
            stop.set()
            for t in threads:
                t.join(10)

        hall.start()
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            rows = conn.execute(text("select id, number from tickets where hall = 'H01'")).all()
            events = conn.execute(text("select count(*) from hall_events where type = 'ticket.issued'")).scalar_one()
        engine.dispose()
        ids = [r.id for r in rows]
        numbers = [r.number for r in rows]
        assert len(ids) == len(set(ids)) and len(numbers) == len(set(numbers)) == events
        for reply in acked.values():
            assert reply["id"] in ids
        # Every request sent, retried now, gives the saved ticket or a new one, never a second copy.
        with HallClient(hall.router, curve=creds, timeout=3) as client:
            for key in sent[-8:]:
                again = client.request("ticket.issue", {"item_code": item}, key=key)
                if key in acked:
                    assert again["id"] == acked[key]["id"]
            after = client.request("ticket.issue", {"item_code": item})
        # Numbering continues after the crash: never a number handed out before.
        assert after["number"] not in numbers
        assert int(after["number"][1:]) > max(int(n[1:]) for n in numbers)
    finally:
        hall.stop()
