"""Fixtures: a simulated reader on a real pseudo-terminal and the real driver opened on it.

Pacing runs 20× faster than 115200 baud (``FAST``) except in the timing tests, so the suite
stays quick while bytes still arrive as a stream, chunk by chunk, as on a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from idcard.cardfile import sample_cards
from idcard.reader import SamReader
from idcard.simulator import IdCardReaderSimulator

FAST = 0.05


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[IdCardReaderSimulator]:
    simulator = IdCardReaderSimulator(sample_cards(), link=tmp_path / "idcard0", time_scale=FAST)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def reader(sim: IdCardReaderSimulator) -> Iterator[SamReader]:
    r = SamReader(sim.path, timeout=0.5, read_timeout=0.5, gap_timeout=0.05)
    r.open()
    yield r
    r.close()
