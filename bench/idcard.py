"""Benchmark: from card placed to parsed fields over a simulated 115200-baud line.

The simulator paces bytes as the line does (8N1: 11,520 bytes/s), so the wire time is a hard
floor; what the benchmark shows is how much the driver, the codec and the parser add on top.

    python bench/idcard.py [--reads 200] [--baud 115200]

Prints figures only; the target (find + select + read within 1.5× the wire time, and find
alone at 9600 baud within 1.5× its own) is for the reader to judge. The tests
(tests/idcard/test_timing.py) only check that no read is faster than the wire allows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from idcard.card import encode_text, parse_card
    from idcard.cardfile import sample
    from idcard.frame import SamFrameDecoder
    from idcard.protocol import encode_reply, read_reply_len, wire_seconds
    from idcard.reader import CardPoller, CardRead, CardRemoved, SamReader
    from idcard.simulator import IdCardReaderSimulator

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--baud", type=int, default=115200)
    args = parser.parse_args()

    card = sample("resident_long_term")
    reply_len = read_reply_len()
    sequence_bytes = 10 + 15 + 10 + 19 + 10 + reply_len  # commands and replies, both ways
    floor = wire_seconds(sequence_bytes, args.baud)
    print(
        f"ID card read over a simulated {args.baud}-baud 8N1 line ({args.baud // 10:,} bytes/s), {args.reads} reads"
    )
    print(f"  wire time, read reply alone ({reply_len:,} B):       {ms(wire_seconds(reply_len, args.baud))}")
    print(f"  wire time, find + select + read ({sequence_bytes:,} B): {ms(floor)}  ← floor")

    # CPU cost of what the host does with the bytes: decode the frame, parse the text.
    reply = encode_reply(
        0x90, (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + encode_text(card) + card.photo.data
    )
    decoder = SamFrameDecoder()
    cpu: list[float] = []
    for _ in range(2000):
        start = time.perf_counter()
        [frame] = decoder.feed(reply)
        data = frame.body[7:]  # type: ignore[union-attr]
        parse_card(data[:256], data[256:1280])
        cpu.append(time.perf_counter() - start)
    print(f"  host CPU per read (decode 1,295 B + parse): median {statistics.median(cpu) * 1e6:.0f} µs")

    with tempfile.TemporaryDirectory() as tmp:
        sim = IdCardReaderSimulator([card], link=Path(tmp) / "reader", baud=args.baud, time_scale=1.0)
        sim.start()
        try:
            # 1. The driver's find + select + read + parse, card already on the reader.
            with SamReader(sim.path, args.baud) as reader:
                reader.read_card()  # warm-up
                times = []
                for _ in range(args.reads):
                    start = time.perf_counter()
                    reader.read_card()
                    times.append(time.perf_counter() - start)
            med, p99 = statistics.median(times), percentile(times, 99)
            print("find + select + read + parse (driver call):")
            print(f"  median {ms(med)}   p99 {ms(p99)}   max {ms(max(times))}")
            print(
                f"  median / floor = {med / floor:.3f}×   p99 / floor = {p99 / floor:.3f}×   (target ≤ 1.5×)"
            )

            # 2. Card placed → CardRead event, with the polling loop finding cards back to back.
            sim.remove()
            poller = CardPoller(SamReader(sim.path, args.baud), interval=0.0, reconnect_interval=0.1)
            poller.start()
            placed: list[float] = []
            try:
                time.sleep(0.3)
                while not poller.events.empty():
                    poller.events.get()
                for _ in range(args.reads):
                    start = time.perf_counter()
                    sim.place(card)
                    while not isinstance(poller.events.get(timeout=5), CardRead):
                        pass
                    placed.append(time.perf_counter() - start)
                    sim.remove()
                    while not isinstance(poller.events.get(timeout=5), CardRemoved):
                        pass
            finally:
                poller.stop()
            med, p99 = statistics.median(placed), percentile(placed, 99)
            find_time = wire_seconds(25, args.baud)
            print("card placed → CardRead event (polling loop, finds back to back):")
            print(f"  median {ms(med)}   p99 {ms(p99)}   max {ms(max(placed))}")
            print(
                f"  median / floor = {med / floor:.3f}×   p99 / floor = {p99 / floor:.3f}×"
                f"   (a placement waits up to one find in flight: {ms(find_time).strip()})"
            )
        finally:
            sim.stop()

        # 3. A slower line: find alone at 9600 baud (what tests/idcard/test_timing.py checks is
        #    paced at that rate), beside its own wire time.
        slow_baud = 9600
        slow = IdCardReaderSimulator([card], link=Path(tmp) / "slow", baud=slow_baud, time_scale=1.0)
        slow.start()
        try:
            with SamReader(slow.path, slow_baud) as reader:
                reader.find_card()  # warm-up
                finds = []
                for _ in range(min(args.reads, 50)):
                    start = time.perf_counter()
                    reader.find_card()
                    finds.append(time.perf_counter() - start)
        finally:
            slow.stop()
        slow_floor = wire_seconds(10 + 15, slow_baud)
        med, p99 = statistics.median(finds), percentile(finds, 99)
        print(f"find at {slow_baud} baud ({len(finds)} finds; wire time {ms(slow_floor).strip()}):")
        print(f"  median {ms(med)}   p99 {ms(p99)}   max {ms(max(finds))}")
        print(f"  median / floor = {med / slow_floor:.3f}×   p99 / floor = {p99 / slow_floor:.3f}×   (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
