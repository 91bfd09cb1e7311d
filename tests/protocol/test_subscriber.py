"""CloneSubscriber (Clone pattern) against a real PUB/ROUTER server process we drive
(tests/protocol/hall_server.py): order, buffering, gaps, restarts, heartbeats."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from protocol.client import HallClient
from protocol.subscriber import CloneSubscriber
from tests.protocol.procs import ServerProcess, free_port
from tests.support.wait import wait_for

HEARTBEAT_TIMEOUT = 0.5  # the test server beats every 0.1 s


class Model:
    """What a display keeps: the tickets of the hall, rebuilt from snapshot + events."""

    def __init__(self) -> None:
        self.tickets: list[str] = []
        self.snapshots: list[dict[str, Any]] = []
        self.event_seqs: list[int] = []
        self.fail_on_seq: int | None = None

    def on_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.snapshots.append(snapshot)
        self.tickets = list(snapshot["state"]["tickets"])

    def on_event(self, event: dict[str, Any]) -> None:
        assert event["type"] == "ticket.issued" and event["hall"] == "H01"
        if event["seq"] == self.fail_on_seq:
            self.fail_on_seq = None
            raise RuntimeError("display bug")
        self.tickets.append(event["data"]["number"])
        self.event_seqs.append(event["seq"])


Maker = Callable[..., tuple[CloneSubscriber, Model]]


@pytest.fixture
def make() -> Iterator[Maker]:
    made: list[tuple[CloneSubscriber, HallClient]] = []

    def _make(pub: str, router: str, *, timeout: float = 0.3, retries: int = 2,
              backoff_max: float = 5.0) -> tuple[CloneSubscriber, Model]:
        model = Model()
        client = HallClient(router, timeout=timeout, retries=retries)
        sub = CloneSubscriber(pub, client, "H01", on_snapshot=model.on_snapshot, on_event=model.on_event,
                              heartbeat_timeout=HEARTBEAT_TIMEOUT, backoff_max=backoff_max)
        made.append((sub, client))
        return sub, model

    yield _make
    for sub, client in made:
        sub.close()
        client.close()


@pytest.fixture
def server() -> Iterator[ServerProcess]:
    with ServerProcess("hall_server", "--hall", "H01") as proc:
        yield proc


def endpoints(server: ServerProcess) -> tuple[str, str]:
    return server.ready["pub"], server.ready["router"]


def poller(sub: CloneSubscriber) -> Callable[[], int]:
    return lambda: sub.poll_once(0.02)


def synced(sub: CloneSubscriber, seq: int) -> Callable[[], bool]:
    return lambda: sub.synced and sub.connected and sub.last_seq == seq


def test_snapshot_then_events_in_order(server: ServerProcess, make: Maker) -> None:
    server.cmd("publish", n=3)
    sub, model = make(*endpoints(server))
    wait_for(synced(sub, 3), step=poller(sub), message="first snapshot")
    assert model.tickets == ["A001", "A002", "A003"] and sub.epoch == server.ready["epoch"]
    state = server.cmd("publish", n=5)
    wait_for(lambda: sub.last_seq == 8, step=poller(sub), message="events")
    assert model.tickets == state["tickets"]
    assert model.event_seqs == [4, 5, 6, 7, 8]
    assert (sub.snapshots_taken, sub.events_applied, sub.gaps_detected) == (1, 5, 0)


def test_events_during_snapshot_are_buffered_then_applied(server: ServerProcess, make: Maker) -> None:
    server.cmd("publish", n=2)
    server.cmd("hold_snapshots", on=True, capture="arrival")  # snapshot state = seq 2
    sub, model = make(*endpoints(server), timeout=5.0)
    wait_for(lambda: sub.connected and server.cmd("stats")["held"] == 1, step=poller(sub), message="held request")
    state = server.cmd("publish", n=3)  # seq 3..5 arrive before the snapshot
    # Polled on purpose for a while with the snapshot held: nothing may be applied meanwhile
    # (what is tested is that nothing happens; there is no public sign of the events' arrival).
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        sub.poll_once(0.02)
    assert sub.events_applied == 0 and not sub.synced
    server.cmd("hold_snapshots", on=False)
    wait_for(synced(sub, 5), step=poller(sub), message="snapshot + buffered events")
    assert model.snapshots[0]["seq"] == 2
    assert model.event_seqs == [3, 4, 5]
    assert model.tickets == state["tickets"]
    assert (sub.snapshots_taken, sub.gaps_detected) == (1, 0)


def test_buffered_events_already_in_the_snapshot_are_dropped(server: ServerProcess, make: Maker) -> None:
    server.cmd("hold_snapshots", on=True, capture="release")  # snapshot state = seq 3
    sub, model = make(*endpoints(server), timeout=5.0)
    wait_for(lambda: sub.connected and server.cmd("stats")["held"] == 1, step=poller(sub), message="held request")
    state = server.cmd("publish", n=3)
    # Polled for a while so the events arrive (and are buffered) before the snapshot is let
    # go: nothing public tells when they are in (the buffer is private), so time is given.
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        sub.poll_once(0.02)
    server.cmd("hold_snapshots", on=False)
    wait_for(synced(sub, 3), step=poller(sub), message="snapshot")
    assert model.tickets == state["tickets"] == ["A001", "A002", "A003"]  # not applied twice
    assert model.event_seqs == [] and sub.duplicates_dropped == 3


def test_skipped_event_is_a_gap_recovered_by_snapshot(server: ServerProcess, make: Maker) -> None:
    sub, model = make(*endpoints(server))
    wait_for(synced(sub, 0), step=poller(sub), message="first snapshot")
    server.cmd("publish", n=2)
    server.cmd("publish", n=1, drop=True)  # seq 3 never sent
    state = server.cmd("publish", n=2)
    wait_for(synced(sub, 5), step=poller(sub), message="recovery")
    assert model.tickets == state["tickets"] == ["A001", "A002", "A003", "A004", "A005"]
    assert model.event_seqs[:2] == [1, 2] and 3 not in model.event_seqs
    assert sub.gaps_detected == 1 and sub.snapshots_taken == 2


def test_lost_last_event_is_noticed_by_heartbeat(server: ServerProcess, make: Maker) -> None:
    sub, model = make(*endpoints(server))
    wait_for(synced(sub, 0), step=poller(sub), message="first snapshot")
    server.cmd("publish", n=1, drop=True)  # nothing follows but heartbeats saying seq 1
    wait_for(synced(sub, 1), step=poller(sub), message="recovery")
    assert model.tickets == ["A001"] and model.event_seqs == []
    assert sub.gaps_detected == 1 and sub.snapshots_taken == 2


def test_server_restart_is_followed(tmp_path: Path, make: Maker) -> None:
    pub, router = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    args = ("hall_server", "--hall", "H01", "--pub", pub, "--router", router, "--state-file", str(tmp_path / "s.json"))
    sub, model = make(pub, router)
    changes: list[bool] = []
    sub.on_connection(changes.append)
    with ServerProcess(*args) as first:
        wait_for(synced(sub, 0), step=poller(sub), message="first snapshot")
        first.cmd("publish", n=3)
        wait_for(lambda: sub.last_seq == 3, step=poller(sub), message="events")
    wait_for(lambda: changes[-1] is False, step=poller(sub), message="disconnect")
    with ServerProcess(*args) as second:
        assert second.ready["seq"] == 3 and second.ready["epoch"] != first.ready["epoch"]
        wait_for(lambda: sub.epoch == second.ready["epoch"] and sub.synced, step=poller(sub), message="re-sync")
        state = second.cmd("publish", n=2)
        wait_for(lambda: sub.last_seq == 5, step=poller(sub), message="events after restart")
    assert model.tickets == state["tickets"] == [f"A{i:03d}" for i in range(1, 6)]
    assert model.event_seqs == [1, 2, 3, 4, 5]
    assert changes == [True, False, True]
    assert (sub.snapshots_taken, sub.epoch_changes, sub.gaps_detected) == (2, 1, 0)


def test_heartbeats_stopping_flips_connected(server: ServerProcess, make: Maker) -> None:
    sub, _ = make(*endpoints(server))
    changes: list[bool] = []
    sub.on_connection(changes.append)
    assert not sub.connected
    wait_for(lambda: changes == [True], step=poller(sub), message="connected")
    server.cmd("heartbeats", on=False)
    start = time.monotonic()
    wait_for(lambda: changes == [True, False], step=poller(sub), message="disconnected")
    assert time.monotonic() - start >= HEARTBEAT_TIMEOUT - 0.15
    assert not sub.connected
    server.cmd("heartbeats", on=True)
    wait_for(lambda: changes == [True, False, True], step=poller(sub), message="reconnected")
    assert sub.connected and sub.snapshots_taken == 1  # same epoch, no lost seq: no re-sync


def test_background_thread(server: ServerProcess, make: Maker) -> None:
    sub, model = make(*endpoints(server))
    sub.start()
    try:
        wait_for(synced(sub, 0), message="first snapshot")
        state = server.cmd("publish", n=4)
        wait_for(lambda: sub.last_seq == 4, message="events")
    finally:
        sub.stop()
    assert model.tickets == state["tickets"]
    server.cmd("publish", n=1)
    time.sleep(0.3)  # on purpose: time for the stopped thread to (wrongly) take the event
    assert sub.last_seq == 4  # stopped means stopped


def test_server_down_at_start_is_waited_for(make: Maker, tmp_path: Path) -> None:
    pub, router = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    sub, model = make(pub, router, timeout=0.2, retries=1, backoff_max=0.4)
    wait_for(lambda: sub.snapshot_failures >= 2, step=lambda: sub.poll_once(0.05), message="two failed snapshots")
    assert not sub.synced and not sub.connected  # polling never raised
    with ServerProcess("hall_server", "--hall", "H01", "--pub", pub, "--router", router) as proc:
        wait_for(synced(sub, 0), step=poller(sub), message="snapshot once the server is up")
        state = proc.cmd("publish", n=2)
        wait_for(lambda: sub.last_seq == 2, step=poller(sub), message="events")
    assert model.tickets == state["tickets"]


def test_other_halls_garbage_and_duplicates_are_ignored(server: ServerProcess, make: Maker) -> None:
    sub, model = make(*endpoints(server))
    wait_for(synced(sub, 0), step=poller(sub), message="first snapshot")
    server.cmd("publish", n=1)
    wait_for(lambda: sub.last_seq == 1, step=poller(sub), message="event")
    epoch = server.ready["epoch"]

    def event(hall: str, seq: int) -> str:
        return json.dumps({"v": 1, "hall": hall, "epoch": epoch, "seq": seq, "type": "ticket.issued",
                           "at": "2025-03-01T09:00:00+08:00", "data": {"number": "X"}})

    server.cmd("raw", topic="hall.H010", payload=event("H010", 99))  # prefix match of hall.H01
    server.cmd("raw", topic="hall.H01", payload="not json")
    server.cmd("raw", topic="hall.H01", payload=event("H01", 1))  # a duplicate
    state = server.cmd("publish", n=1)
    wait_for(lambda: sub.last_seq == 2, step=poller(sub), message="next event")
    assert model.tickets == state["tickets"] == ["A001", "A002"]
    assert (sub.gaps_detected, sub.snapshots_taken) == (0, 1)
    assert (sub.malformed_dropped, sub.duplicates_dropped) == (1, 1)


def test_failing_on_event_leads_to_a_fresh_snapshot(server: ServerProcess, make: Maker) -> None:
    sub, model = make(*endpoints(server))
    wait_for(synced(sub, 0), step=poller(sub), message="first snapshot")
    model.fail_on_seq = 2
    state = server.cmd("publish", n=3)
    wait_for(synced(sub, 3), step=poller(sub), message="recovery")
    assert model.tickets == state["tickets"] and sub.snapshots_taken == 2
