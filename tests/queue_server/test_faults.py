"""Faults under load, on real server processes: the database stops and starts again, the
disk fills up and is freed, the server is killed with SIGKILL at random moments.

In each, while visitors take numbers on the web and at a kiosk, submit cases online and a
clerk calls: the hall answers 'unavailable' at once (or nothing, while it is dead) and
serves again by itself within 2 s of the fault ending; afterwards every acknowledged ticket
and case is stored exactly once and a display following the hall shows what the hall holds
(after a restart by taking a snapshot). Each test prints what it measured (run with -s);
``bench/faults.py`` runs the same with longer faults for the figures.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from protocol.client import HallClient
from protocol.keys import CurveClientKeys
from tests.queue_server.test_resilience import run_refusing_database_story
from tests.support.faults import Display, HallLoad, check_nothing_lost, wait_healthy
from tests.support.hall import HallProcess
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.slow

SERVED_AGAIN_WITHIN_S = 2.0


def _hall(var: Path, db: str) -> tuple[HallProcess, str, CurveClientKeys, CurveClientKeys, str]:
    hall = HallProcess(var, db)
    hall.init()
    kiosk = hall.enroll("kiosk-fault", "kiosk")
    board = hall.enroll("board-fault", "display")
    kiosk_keys = CurveClientKeys.from_files(kiosk["server_public"], kiosk["secret"])
    board_keys = CurveClientKeys.from_files(board["server_public"], board["secret"])
    clerk = hall.token("clerk", "c01")
    hall.start()
    with HallClient(hall.router, curve=kiosk_keys, timeout=3) as c:
        items = c.request("catalogue.get", {})["catalogue"]["items"]
    item = next(i["code"] for i in items if i["stream"] == "citizen")
    return hall, item, kiosk_keys, board_keys, clerk


def _settle(load: HallLoad, seconds: float) -> None:
    """Let the load run on a healthy hall for a while."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)


def _acknowledged_during(load: HallLoad, t0: float, t1: float) -> int:
    return sum(a.outcome == "ok" and t0 <= a.sent <= t1 for a in load.answers)


def test_a_database_outage_under_load_loses_nothing_and_the_hall_resumes_by_itself(tmp_path: Path) -> None:
    cluster = PostgresCluster()  # private: this test stops it
    url = cluster.start()
    hall, item, kiosk, board, clerk = _hall(tmp_path / "var", url)
    display = Display(hall, board)
    load = HallLoad(hall, item, kiosk, clerk)
    try:
        load.start()
        _settle(load, 1.5)
        cluster.halt()
        stopped = time.monotonic()
        _settle(load, 3.0)
        # Refused at once, and saying why, not after a client's timeout.
        health = requests.get(f"{hall.http}/api/v1/health", timeout=5)
        assert health.status_code == 503
        assert health.json()["error"]["details"]["problem"] == "database_unreachable"
        assert _acknowledged_during(load, stopped + 0.5, time.monotonic()) == 0
        cluster.resume()
        load.fault_ended()
        healthy_after = wait_healthy(hall, load.fault_end)  # type: ignore[arg-type]
        _settle(load, 1.5)
        load.stop()
        report = load.report()
        print(f"\nPostgreSQL stopped for 3 s: {report}, healthy {healthy_after:.2f} s after it was back")
        assert report["served_again_after_s"] is not None
        assert report["served_again_after_s"] <= SERVED_AGAIN_WITHIN_S
        assert healthy_after <= SERVED_AGAIN_WITHIN_S
        assert report["unavailable"] > 0 and report["unavailable_answered_in_s"]["max"] < 5
        assert report["other_errors"] == []
        counted = check_nothing_lost(url, load)
        print(f"stored {counted}; display {display.matches(hall)}")
        assert hall.proc is not None and hall.proc.poll() is None  # it never died
    finally:
        load.stop()
        display.close()
        hall.stop()
        cluster.stop()


@contextlib.contextmanager
def tiny_filesystem(where: Path, megabytes: int) -> Iterator[Path | None]:
    """A tmpfs of its own for the database, where this machine lets us mount one (root)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)], capture_output=True
    ).returncode == 0
    try:
        yield where if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> Path:
    """Write a file until the file system is full."""
    filler = folder / "filler"
    with open(filler, "wb") as f:
        chunk = b"\0" * (1 << 16)
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError as e:
            assert e.errno == errno.ENOSPC
    return filler


def test_a_full_disk_under_load_loses_nothing_and_the_hall_resumes_when_space_is_freed(tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "tiny", 24) as tiny:
        if tiny is None:
            # No mount allowed here: the same story in one process, SQLite full at its page cap.
            run_refusing_database_story(tmp_path, "disk_full")
            return
        db = f"sqlite:///{tiny / 'hall.db'}"
        hall, item, kiosk, board, clerk = _hall(tmp_path / "var", db)
        display = Display(hall, board)
        load = HallLoad(hall, item, kiosk, clerk)
        try:
            load.start()
            _settle(load, 1.5)
            filler = _fill(tiny)
            full = time.monotonic()
            _settle(load, 2.5)
            health = requests.get(f"{hall.http}/api/v1/health", timeout=5)
            refused = [a for a in load.answers if a.sent >= full and a.outcome == "unavailable"]
            assert refused, "a full disk was never noticed"
            filler.unlink()
            load.fault_ended()
            healthy_after = wait_healthy(hall, load.fault_end)  # type: ignore[arg-type]
            _settle(load, 1.5)
            load.stop()
            report = load.report()
            print(f"\nfull disk for 2.5 s: {report}, health while full {health.status_code}, "
                  f"healthy {healthy_after:.2f} s after space was freed")
            assert report["served_again_after_s"] is not None
            assert report["served_again_after_s"] <= SERVED_AGAIN_WITHIN_S
            assert report["other_errors"] == []
            counted = check_nothing_lost(db, load)
            print(f"stored {counted}; display {display.matches(hall)}")
            assert hall.proc is not None and hall.proc.poll() is None
        finally:
            load.stop()
            display.close()
            hall.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_9_at_random_moments_under_load_loses_and_duplicates_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = f"sqlite:///{tmp_path / 'hall.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    seed = int(os.environ.get("HALL_FAULT_SEED") or time.time())
    rng = random.Random(seed)
    print(f"\nkill -9 moments from seed {seed} (HALL_FAULT_SEED={seed} repeats them)")
    hall, item, kiosk, board, clerk = _hall(tmp_path / "var", db)
    display = Display(hall, board)
    load = HallLoad(hall, item, kiosk, clerk)
    restarts = []
    try:
        load.start()
        for _ in range(3):
            _settle(load, rng.uniform(0.3, 1.5))
            hall.kill()
            time.sleep(rng.uniform(0.0, 0.5))
            t0 = time.monotonic()
            hall.start()
            up = time.monotonic()
            load.fault_ended()
            restarts.append((round(up - t0, 2), round(wait_healthy(hall, up), 2)))
        _settle(load, 1.0)
        load.stop()
        report = load.report()
        print(f"3 kills: {report}; (restart s, healthy after READY s): {restarts}")
        assert all(healthy <= SERVED_AGAIN_WITHIN_S for _, healthy in restarts)
        assert report["served_again_after_s"] is not None
        assert report["served_again_after_s"] <= SERVED_AGAIN_WITHIN_S
        assert report["other_errors"] == []
        counted = check_nothing_lost(db, load)
        synced = display.matches(hall)
        print(f"stored {counted}; display {synced}")
        assert synced["epoch_changes"] >= 1 and synced["snapshots"] >= 2  # it re-synced by snapshot
    finally:
        load.stop()
        display.close()
        hall.stop()


def _chattr(flag: str, files: list[Path]) -> bool:
    return subprocess.run(["chattr", flag, *map(str, files)], capture_output=True).returncode == 0


def test_database_files_made_immutable_never_stop_the_hall_silently(tmp_path: Path) -> None:
    """The files of a running hall made immutable (chattr +i, as root on ext4). Linux checks
    the flag when a file is opened, so the running server either goes on writing through
    the files it has open, or dies of SIGBUS when a write to the memory-mapped WAL index
    faults (it depends on the kernel's writeback): then it says so in its log and exits
    non-zero. Restarted while the files are still immutable (by its supervisor, or here by
    the test) it opens read-only and refuses writes at once, saying why; once the files are
    writable again it serves within 2 s, with every acknowledged ticket there once."""
    (tmp_path / "db").mkdir()
    db = f"sqlite:///{tmp_path / 'db' / 'hall.db'}"
    hall, item, _kiosk, _board, _clerk = _hall(tmp_path / "var", db)
    files = [tmp_path / "db" / n for n in ("hall.db", "hall.db-wal", "hall.db-shm")]
    load = HallLoad(hall, item, web_visitors=1, case_visitors=0)
    try:
        load.start()
        _settle(load, 1.0)
        if not _chattr("+i", files):  # not root, or a file system without the flag
            load.stop()
            run_refusing_database_story(tmp_path, "read_only")
            return
        try:
            _settle(load, 1.5)
            assert hall.proc is not None
            died = hall.proc.poll()
            if died is not None:
                assert died != 0
                assert "Fatal Python error: Bus error" in hall.log()
            else:  # it lived: it still answers, and whatever it acknowledged is on disk
                assert requests.get(f"{hall.http}/api/v1/health", timeout=5).status_code in (200, 503)
                hall.stop()
            hall.start(healthy=False)  # what its supervisor does; the files are still immutable
            health = requests.get(f"{hall.http}/api/v1/health", timeout=5)
            assert health.status_code == 503
            _settle(load, 0.5)
            refused = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
            assert refused.status_code == 503
            assert refused.json()["error"]["details"]["problem"] == "read_only"
            print(f"\nimmutable files: the server {'died of SIGBUS (logged)' if died else 'wrote on'}, restarted; "
                  f"health {health.json()['error']['details']}")
        finally:
            _chattr("-i", files)
        load.fault_ended()
        healthy_after = wait_healthy(hall, load.fault_end)  # type: ignore[arg-type]
        _settle(load, 1.0)
        load.stop()
        report = load.report()
        print(f"{report}, healthy {healthy_after:.2f} s after the files were writable again")
        assert report["served_again_after_s"] is not None
        assert report["served_again_after_s"] <= SERVED_AGAIN_WITHIN_S
        check_nothing_lost(db, load)
    finally:
        load.stop()
        _chattr("-i", files)
        hall.stop()
