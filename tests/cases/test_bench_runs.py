"""bench/cases.py fills its database from the models' own columns: a schema change that the
benchmark does not follow breaks it only when someone runs `make bench`. This runs it at a
tiny size on SQLite (it prints figures; nothing here judges them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_case_benchmark_runs_on_the_current_schema() -> None:
    out = subprocess.run(
        [sys.executable, "bench/cases.py", "--closed", "3000", "--open", "300", "--runs", "1", "--db", "sqlite"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "三四三 day counts agree with the cases" in out.stdout
    for figure in ("supervision all", "343 all closed", "cards by dept"):
        line = next(li for li in out.stdout.splitlines() if li.startswith(figure))
        assert " pass " in line or " MISS " in line or "p99 over" in line, line
