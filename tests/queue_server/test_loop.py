"""The hall loop in one process: pipelined group commit, and recovery from a failed write."""

from __future__ import annotations

from pathlib import Path

from queue_server.auth import Actor
from queue_server.endpoint import EndpointConfig, HallLoop
from queue_server.paths import Paths
from queue_server.runtime import init_hall, open_hall
from queue_server.store import make_engine
from tests.support.hall import free_port
from tests.support.wait import wait_for

KIOSK = Actor("device", "kiosk-1", "kiosk")


def test_a_failed_write_in_the_pipeline_is_answered_and_the_hall_carries_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    paths = Paths(tmp_path / "var")
    init_hall(url, paths)
    svc = open_hall(make_engine(url), "H01", paths)
    item = next(c for c, i in svc.catalogue.items.items() if i.stream.value == "citizen")
    loop = HallLoop(svc, EndpointConfig(router=f"tcp://127.0.0.1:{free_port()}", pub=f"tcp://127.0.0.1:{free_port()}"))
    loop.start()
    try:
        first = loop.call("ticket.issue", {"item_code": item}, KIOSK, "kiosk:loop-0001")
        assert first.ok and first.body["number"] == "A001"
        working = svc.store.commit_batch

        def disk_full(*args: object, **kwargs: object) -> None:
            raise OSError("No space left on device")

        svc.store.commit_batch = disk_full  # type: ignore[method-assign]
        futures = [loop.submit("ticket.issue", {"item_code": item}, KIOSK, f"kiosk:loop-1{i:03d}") for i in range(20)]
        outcomes = [f.result(10) for f in futures]
        assert all(o.code == "unavailable" for o in outcomes)
        svc.store.commit_batch = working  # type: ignore[method-assign]

        def issued():  # refused ('unavailable', at once) until the hall has rebuilt: <= 1 s apart
            out = loop.call("ticket.issue", {"item_code": item}, KIOSK, "kiosk:loop-2000")
            assert out.ok or (out.code == "unavailable" and out.details["problem"] == "disk_full"), out
            return out if out.ok else None

        after = wait_for(issued, interval=0.05, message="the hall never served again")
        assert after.body["number"] == "A002"  # nothing unsaved was kept
        retry = loop.call("ticket.issue", {"item_code": item}, KIOSK, "kiosk:loop-0001")
        assert retry.body == first.body
    finally:
        loop.stop()
