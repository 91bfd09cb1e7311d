"""Small hot paths, per call, each beside a baseline run in the same go. Figures only, no assertions.

1. The kiosk's item search (``protocol.itemsearch.SearchIndex.search``) over the demo hall's items, for
   Chinese, pinyin, initials, English and code queries. Target: well under 1 ms per query (the
   on-screen keyboard searches on every key). Baseline: a plain substring scan of the same
   items' names for the same queries (the least a search can do: look at every item once).
2. ``protocol.messages.decode_request`` of a typical ``ticket.issue`` request: strict parse and
   validation. Target: under 25 µs (5,000 requests/s leave a budget of 200 µs each, everything
   included). Baseline: ``json.loads`` of the same bytes.

Each figure is the best of ``--repeat`` runs (the least disturbed by other load on the machine).

    .venv/bin/python bench/hotpaths.py [--rounds 300] [--messages 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEMO_YAML = ROOT / "queue_server" / "catalogue" / "data" / "district_hall.yaml"
QUERIES = ["shebao", "sb", "shbx", "社保", "gongjijin", "social security", "C-SB-002", "xx", "shen"]


def per_call(fn: Callable[[], object], n: int, repeat: int) -> float:
    """Seconds per call of ``fn`` (called ``n`` times per run), best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} µs"


def main() -> None:
    from protocol.itemsearch import SearchIndex
    from protocol.messages import decode_request, encode_request, new_key
    from queue_server.catalogue.loader import load_catalogue

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=300, help="rounds over the queries per run")
    ap.add_argument("--messages", type=int, default=20_000, help="requests decoded per run")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    document = load_catalogue(DEMO_YAML).to_document()
    index = SearchIndex.from_document(document)
    names = [str(item["name"]) for item in document["items"]]

    def searches() -> None:
        for q in QUERIES:
            index.search(q)

    def scans() -> None:
        for q in QUERIES:
            [n for n in names if q in n]  # the baseline's work

    searches()  # warm-up
    search = per_call(searches, args.rounds, args.repeat) / len(QUERIES)
    scan = per_call(scans, args.rounds, args.repeat) / len(QUERIES)
    print(f"kiosk item search, {len(index)} items, {len(QUERIES)} queries × {args.rounds} rounds, best of {args.repeat}")
    print(f"  SearchIndex.search          {us(search)} per query   (target < 1000 µs)")
    print(f"  baseline: substring scan    {us(scan)} per query")
    print(f"  search / baseline: {search / scan:.1f}×")

    data = encode_request(
        "ticket.issue", new_key(), {"item": "SI-0012", "stream": "citizen", "kiosk": "K03", "lang": "zh", "note": "老人"}
    )
    decode = per_call(lambda: decode_request(data), args.messages, args.repeat)
    plain = per_call(lambda: json.loads(data), args.messages, args.repeat)
    print(f"\ndecode_request, a {len(data)}-byte ticket.issue, {args.messages:,} × {args.repeat}, best run")
    print(f"  decode_request              {us(decode)} per message   (target < 25 µs)")
    print(f"  baseline: json.loads        {us(plain)} per message")
    print(f"  decode_request / baseline: {decode / plain:.1f}×")


if __name__ == "__main__":
    main()
