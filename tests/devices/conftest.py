"""Fixtures: simulated scanner and keypads on real pseudo-terminals, real drivers on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.simulators import CallPadSimulator, EvalPadSimulator, ScannerSimulator
from tests.support.station import pad_simulator


@pytest.fixture
def scanner_sim(tmp_path: Path) -> Iterator[ScannerSimulator]:
    sim = ScannerSimulator(tmp_path / "scanner", time_scale=0.2)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def evalpad_sim(tmp_path: Path) -> Iterator[EvalPadSimulator]:
    with pad_simulator(EvalPadSimulator, tmp_path / "evalpad") as sim:
        yield sim


@pytest.fixture
def callpad_sim(tmp_path: Path) -> Iterator[CallPadSimulator]:
    with pad_simulator(CallPadSimulator, tmp_path / "callpad", window=3) as sim:
        yield sim
