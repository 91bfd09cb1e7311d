"""Timing at the real baud rate: the simulator paces bytes as a 115200-baud line does, and the
driver adds little on top of the wire time."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from idcard.cardfile import sample
from idcard.protocol import read_reply_len, wire_seconds
from idcard.reader import SamReader
from idcard.simulator import IdCardReaderSimulator

# find (10 + 15 bytes) + select (10 + 19) + read (10 + 1295): what the line must carry.
SEQUENCE_BYTES = 10 + 15 + 10 + 19 + 10 + read_reply_len()


def test_read_reply_takes_its_wire_time_and_the_driver_stays_within_1_5x(tmp_path: Path) -> None:
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
    median = statistics.median(times)
    # Never faster than the wire allows (the simulator really paces), and not much slower.
    assert min(times) >= floor * 0.97, times
    assert median <= floor * 1.5, times


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
    floor = wire_seconds(10 + 15, 9600)  # 26 ms
    assert floor * 0.97 <= elapsed <= floor * 1.5 + 0.01
