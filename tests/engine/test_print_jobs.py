"""The console's print jobs at a window: the pure engine's rules (``window.print*``)."""

from __future__ import annotations

import pytest

from queue_server.engine import EngineError
from queue_server.engine.state import load_state

from .support import MONDAY_0830, Hall, json_state, make_engine

CASE = "NS-20240506-000001"


def jobs(h: Hall, window: int = 1) -> list[tuple[int, str, str]]:
    return [(j.id, j.state, j.reason) for j in h.engine.print_jobs_of(window)]


def test_a_job_is_kept_until_printed_once_per_slip_and_in_checkpoints() -> None:
    h = Hall(now=MONDAY_0830)
    [asked] = h.run(h.engine.request_print(1, "notice", CASE, h.now))
    assert (asked.type, asked.data) == (
        "window.print_requested", {"job": 1, "window": 1, "document": "notice", "case": CASE}
    )
    assert h.run(h.engine.request_print(1, "notice", CASE, h.tick().now)) == []  # the same slip
    h.run(h.engine.request_print(2, "notice", CASE, h.now))  # another window's printer: its own job
    assert jobs(h) == [(1, "pending", "")] and jobs(h, 2) == [(2, "pending", "")]
    # Paper out: said once per reason, however often the agent retries.
    [kept] = h.run(h.engine.report_print(1, 1, h.tick().now, printed=False, kept=True, reason="paper_out"))
    assert kept.type == "window.print_kept"
    assert h.run(h.engine.report_print(1, 1, h.now, printed=False, kept=True, reason="paper_out")) == []
    fresh = make_engine()
    load_state(fresh, json_state(h.engine), h.now)
    h.engine = fresh
    assert jobs(h) == [(1, "kept", "paper_out")]
    with pytest.raises(EngineError) as err:  # window 2's job is not window 1's to report
        h.engine.report_print(1, 2, h.now, printed=True, kept=False, reason="")
    assert err.value.code == "not_found"
    [done] = h.run(h.engine.report_print(1, 1, h.tick().now, printed=True, kept=False, reason=""))
    assert done.type == "window.print_done" and done.data["printed"] is True
    assert jobs(h) == []
    assert h.run(h.engine.request_print(1, "notice", CASE, h.now))[0].data["job"] == 3  # a new job
