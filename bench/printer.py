"""Printer benchmark: layout-to-bytes time per ticket against the wire time of those bytes.

A serial printer at 115200 baud (8N1: 10 bits a byte) takes len(bytes) / 11520 seconds just to
receive a ticket. Our code should cost a small fraction of that (target: median layout under
5 ms), so that the wire, not the layout, sets the pace. No assertions: it prints figures.

    .venv/bin/python bench/printer.py [--n 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import statistics
import sys
import time
from pathlib import Path

# The repository root goes first: run as a script, this file's own folder is sys.path[0], and
# "import printer" would find this very file (bench/printer.py) instead of the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printer import demo, layouts
from printer.render import EscPosRenderer

BAUD = 115200
BYTES_PER_SECOND = BAUD / 10


def bench(profile: str, n: int, lang: str) -> dict[str, float]:
    renderer = EscPosRenderer(profile)
    slips = [
        dataclasses.replace(
            demo.TICKET,
            number=f"A{i % 1000:03d}",
            people_ahead=i % 60,
            estimated_wait_min=(i % 60) * 3,
            url=f"https://hall.example.gov.cn/t/A{i % 1000:03d}-{secrets.token_hex(6)}",  # unique, as live
        )
        for i in range(n)
    ]
    for slip in slips[:20]:  # warm caches (fonts are not needed unless a line falls back to raster)
        renderer.render(layouts.ticket(slip, lang))
    times, sizes = [], []
    for slip in slips:
        t0 = time.perf_counter()
        data = renderer.render(layouts.ticket(slip, lang))
        times.append(time.perf_counter() - t0)
        sizes.append(len(data))
    times.sort()
    median = statistics.median(times)
    size = statistics.median(sizes)
    wire = size / BYTES_PER_SECOND
    return {
        "median_ms": median * 1e3,
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3,
        "bytes": size,
        "wire_ms": wire * 1e3,
        "ratio": wire / median,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="tickets per profile")
    args = parser.parse_args()
    print(f"layout + ESC/POS rendering per ticket, {args.n} tickets each; wire time at {BAUD} baud 8N1")
    print(
        f"{'profile':<16}{'lang':<7}{'QR':<8}{'median':>9}{'p99':>9}{'bytes':>8}{'wire':>10}{'wire/layout':>13}"
    )
    for profile, lang in (
        ("generic-80", "zh"),
        ("generic-80", "zh+en"),
        ("generic-58", "zh"),
        ("generic-58", "zh+en"),
    ):
        qr = "native" if EscPosRenderer(profile).profile.native_qr else "raster"
        r = bench(profile, args.n, lang)
        print(
            f"{profile:<16}{lang:<7}{qr:<8}{r['median_ms']:>7.3f}ms{r['p99_ms']:>7.3f}ms"
            f"{r['bytes']:>8.0f}{r['wire_ms']:>8.1f}ms{r['ratio']:>12.0f}x"
        )
    print("target: median layout under 5 ms per ticket")


if __name__ == "__main__":
    main()
