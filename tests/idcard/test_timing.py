"""Timing at the real baud rate: the simulator paces bytes as a 115200-baud (or 9600-baud) line
does, so a read never takes less than its wire time. How much the driver adds on top is a
figure, not a test: bench/idcard.py prints it as a multiple of the wire time."""

from __future__ import annotations

import time
from pathlib import Path

from idcard.cardfile import sample
from idcard.protocol import read_reply_len, wire_seconds
from idcard.reader import SamReader
from idcard.simulator import IdCardReaderSimulator

# find (10 + 15 bytes) + select (10 + 19) + read (10 + 1295): what the line must carry.
SEQUENCE_BYTES = 10 + 15 + 10 + 19 + 10 + read_reply_len()


def test_a_read_takes_at_least_its_wire_time(tmp_path: Path) -> None:
    sim = IdCardReaderSimulator([sample("resident_long_term")], link=tmp_path / "r", time_scale=1.0)
    sim.start()
    try:
        with SamReader(sim.path) as reader:
            reader.read_card()  # warm-up
            times = []
            for _ in range(5):
                start = time.perf_counter()
                reader.read_card()
                times.append(time.perf_counter() - start)
    finally:
        sim.stop()
    floor = wire_seconds(SEQUENCE_BYTES, 115200)
    assert abs(floor - 0.118) < 0.001
    # Never faster than the wire allows: the simulator really paces.
    assert min(times) >= floor * 0.97, times


def test_a_9600_baud_line_is_twelve_times_slower(tmp_path: Path) -> None:
    sim = IdCardReaderSimulator(
        [sample("resident_long_term")], link=tmp_path / "r", baud=9600, time_scale=1.0
    )
    sim.start()
    try:
        with SamReader(sim.path, 9600) as reader:
            start = time.perf_counter()
            reader.find_card()
            elapsed = time.perf_counter() - start
    finally:
        sim.stop()
    floor = wire_seconds(10 + 15, 9600)  # 26 ms, twelve times the 2.2 ms at 115200 baud
    assert elapsed >= floor * 0.97  # paced at 9600 baud, not at the faster rate
