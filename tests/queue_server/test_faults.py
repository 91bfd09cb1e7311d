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

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.queue_server.test_resilience import run_refusing_database_story
from tests.support.faults import (
    HallLoad,
    check_nothing_lost,
    database_outage,
    full_disk,
    random_kills,
    settle,
    start_hall,
    wait_healthy,
)

pytestmark = pytest.mark.slow

SERVED_AGAIN_WITHIN_S = 2.0


def _served_again(out: dict[str, Any]) -> None:
    """What every fault test asks of the hall afterwards (nothing lost is checked by the
    scenario itself: it raises otherwise)."""
    print(f"\n{out}")
    assert out["served_again_after_s"] is not None
    assert out["served_again_after_s"] <= SERVED_AGAIN_WITHIN_S
    assert out["healthy_after_s"] <= SERVED_AGAIN_WITHIN_S
    assert out["other_errors"] == []
    assert out["acknowledged"] > 0 and out["stored"]["tickets"] > 0 and out["stored"]["cases"] > 0


def test_a_database_outage_under_load_loses_nothing_and_the_hall_resumes_by_itself(tmp_path: Path) -> None:
    out = database_outage(tmp_path, seconds=3.0)
    _served_again(out)
    # Refused at once, saying why, not after a client's timeout; never dead.
    assert out["health_during"] == (503, "database_unreachable")
    assert out["acknowledged_during_fault"] == 0
    assert out["unavailable"] > 0 and out["unavailable_answered_in_s"]["max"] < 5
    assert out["alive"]
    assert out["display"]["epoch_changes"] == 0  # followed the events throughout


def test_a_full_disk_under_load_loses_nothing_and_the_hall_resumes_when_space_is_freed(tmp_path: Path) -> None:
    out = full_disk(tmp_path, seconds=2.5)
    if out is None:  # no mount allowed here: the same story in one process, SQLite at its page cap
        run_refusing_database_story(tmp_path, "disk_full")
        return
    _served_again(out)
    assert out["refused_during_fault"] > 0, "a full disk was never noticed"
    assert out["alive"]


def test_kill_9_at_random_moments_under_load_loses_and_duplicates_nothing(database_url: str, tmp_path: Path) -> None:
    seed = int(os.environ.get("HALL_FAULT_SEED") or time.time())
    print(f"\nkill -9 moments from seed {seed} (HALL_FAULT_SEED={seed} repeats them)")
    out = random_kills(tmp_path, database_url, kills=3, seed=seed)
    _served_again(out)
    assert all(r["healthy_after_ready_s"] <= SERVED_AGAIN_WITHIN_S for r in out["restarts"])
    assert out["display"]["epoch_changes"] >= 1 and out["display"]["snapshots"] >= 2  # re-synced by snapshot


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
    run = start_hall(tmp_path / "var", db)
    hall, item = run.hall, run.item
    files = [tmp_path / "db" / n for n in ("hall.db", "hall.db-wal", "hall.db-shm")]
    load = HallLoad(hall, item, web_visitors=1, case_visitors=0)
    try:
        load.start()
        settle(1.0)
        if not _chattr("+i", files):  # not root, or a file system without the flag
            load.stop()
            run_refusing_database_story(tmp_path, "read_only")
            return
        try:
            settle(1.5)
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
            settle(0.5)
            refused = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": item}, timeout=5)
            assert refused.status_code == 503
            assert refused.json()["error"]["details"]["problem"] == "read_only"
            print(f"\nimmutable files: the server {'died of SIGBUS (logged)' if died else 'wrote on'}, restarted; "
                  f"health {health.json()['error']['details']}")
        finally:
            _chattr("-i", files)
        load.fault_ended()
        healthy_after = wait_healthy(hall, load.fault_end)  # type: ignore[arg-type]
        settle(1.0)
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
