"""Fixtures: simulated scanner and keypads on real pseudo-terminals, real drivers on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.simulators import CallPadSimulator, EvalPadSimulator, ScannerSimulator


@pytest.fixture
def scanner_sim(tmp_path: Path) -> Iterator[ScannerSimulator]:
    sim = ScannerSimulator(tmp_path / "scanner", time_scale=0.2)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def evalpad_sim(tmp_path: Path) -> Iterator[EvalPadSimulator]:
    sim = EvalPadSimulator(tmp_path / "evalpad", time_scale=0.2, retry_interval=0.15)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def callpad_sim(tmp_path: Path) -> Iterator[CallPadSimulator]:
    sim = CallPadSimulator(tmp_path / "callpad", window=3, time_scale=0.2, retry_interval=0.15)
    sim.start()
    yield sim
    sim.stop()
