"""What checking a request body costs: ``ticket.issue`` (the hall's busiest request) through
its model (protocol.models.queue.TicketIssue), with and without an ID number, against the
hand-written checks the handlers ran before the models (queue_server.inputs and
protocol.idnumber on the same fields), measured in the same run.

    .venv/bin/python bench/validation.py [--n 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from protocol.idnumber import problem  # noqa: E402
from protocol.models import REQUESTS  # noqa: E402
from queue_server import inputs  # noqa: E402

ID = "11010519491231002X"
BODIES = {"item only": {"item_code": "C-SB-001"}, "with ID number": {"item_code": "C-SB-001", "id_number": ID}}


def by_hand(body: dict, today: dt.date) -> None:
    inputs.code(body, "item_code", inputs.ITEM_CODE)
    inputs.code(body, "priority", inputs.WORD, required=False)
    raw = body.get("id_number")
    if raw:
        problem(raw.strip().upper(), today=today)


def per_call_us(fn: Callable[[], object], n: int) -> float:
    """The best of five runs of ``n`` calls (the least disturbed by other load), µs per call."""
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t) / n * 1e6)
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    n = ap.parse_args().n
    model = REQUESTS["ticket.issue"].request
    today = dt.date(2026, 12, 1)
    context = {"today": today}
    print(f"ticket.issue body checks, {n:,} calls x 5 runs, best run's µs per call")
    print(f"{'body':<16}{'by hand':>10}{'model':>10}{'ratio':>8}")
    for name, body in BODIES.items():
        hand = per_call_us(lambda body=body: by_hand(body, today), n)
        typed = per_call_us(lambda body=body: model.model_validate(body, context=context), n)
        print(f"{name:<16}{hand:>10.2f}{typed:>10.2f}{typed / hand:>8.2f}")


if __name__ == "__main__":
    main()
