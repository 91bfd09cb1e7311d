"""A display need not be told its hall: against a server of hall H77 (the only hall of its
database), a board started with no ``--hall`` follows H77's calls (issue 13: every command
defaulted to H01, and a display of H01 subscribes to nothing of H77's)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.queue_server.test_halls import h77_config
from tests.support.hall import HallProcess, run_cli
from tests.window_display.rig import endpoints
from window_display.runtime import DisplayLink

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def h77(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    var: Path = tmp_path_factory.mktemp("h77")
    hall = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    run_cli("init", "--config", str(h77_config(var)), var=var, db=hall.db)
    hall.enroll("board-1", kind="display")
    hall.start()
    yield hall
    hall.stop()


def test_a_board_without_a_hall_follows_the_server_s_hall(h77: HallProcess) -> None:
    link = DisplayLink(endpoints(h77, "board-1"), heartbeat_timeout=2.5, fetch_catalogue=False)
    clerk = run_cli("token", "create", "--role", "clerk", "--clerk", "h77-c01", var=h77.var, db=h77.db).stdout.strip()
    try:
        deadline = time.monotonic() + 20
        while not link.model.windows:
            assert time.monotonic() < deadline, "no snapshot of H77"
            link.poll(0.05)
        assert link.model.hall == "H77"
        ticket = requests.post(f"{h77.http}/api/v1/tickets", json={"item_code": "C-SB-001"}, timeout=10).json()
        called = requests.post(
            f"{h77.http}/api/v1/windows/1/call-next", headers={"Authorization": f"Bearer {clerk}"}, timeout=10
        )
        assert called.status_code == 200, called.text
        while link.model.windows[1].current_number != ticket["number"]:
            assert time.monotonic() < deadline + 10, "the call at H77's window 1 never reached the board"
            link.poll(0.05)
    finally:
        link.close()
