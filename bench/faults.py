"""Faults under load, for the figures: how long the hall answered 'unavailable' (and how
quickly it said so), how soon after the fault ended it served again, and what was lost.

The same scenarios as tests/queue_server/test_faults.py (tests/support/faults.py), with the
faults the hall must survive, at full length: PostgreSQL stopped for 10 s, the database's disk full for
10 s, five kill -9 at random moments. Baseline: the median answer time of acknowledged
requests on the healthy hall in the same run; the refusals' answer time is also given as a
multiple of it.

    .venv/bin/python bench/faults.py [--outage 10] [--kills 5] [--seed N] [--only pg,disk,kill]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.faults import database_outage, full_disk, random_kills  # noqa: E402


def line(name: str, out: dict[str, Any] | None) -> None:
    if out is None:
        print(f"{name}: not run (no file system could be mounted here)")
        return
    base = out.get("acknowledged_median_s")
    refused = out.get("unavailable_answered_in_s") or {}
    ratio = f" ({refused['median'] / base:.1f}× the healthy median)" if refused and base and base == base else ""
    print(f"\n== {name}")
    print(f"  requests {out['requests']}, acknowledged {out['acknowledged']}, 'unavailable' {out['unavailable']}, "
          f"no answer {out['no_answer']}, other errors {out['other_errors'] or 'none'}")
    print(f"  healthy hall: acknowledged in {base} s (median, baseline)")
    if refused:
        print(f"  'unavailable' answered in median {refused['median']} s, max {refused['max']} s{ratio}")
    print(f"  refused (or unanswered) for {out.get('refused_for_s')} s")
    print(f"  tickets served again {out['served_again_after_s']} s after the fault ended (cases "
          f"{out['cases_again_after_s']} s); /health 200 after {out['healthy_after_s']} s")
    print(f"  stored {out['stored']}: every acknowledged ticket and case once (nothing lost)")
    print(f"  display: {out['display']}")
    for k in ("health_during", "database_bytes_when_filled", "restarts", "seed"):
        if k in out:
            print(f"  {k}: {out[k]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outage", type=float, default=10.0, help="seconds of each outage (default 10)")
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--only", default="pg,disk,kill")
    args = ap.parse_args()
    only = set(args.only.split(","))
    seed = args.seed if args.seed is not None else int(time.time())
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hall-faults-") as tmp:
        if "pg" in only:
            (Path(tmp) / "pg").mkdir()
            results["pg"] = database_outage(Path(tmp) / "pg", args.outage)
            line(f"PostgreSQL stopped for {args.outage:g} s under load", results["pg"])
        if "disk" in only:
            (Path(tmp) / "disk").mkdir()
            results["disk"] = full_disk(Path(tmp) / "disk", args.outage)
            line(f"the database's disk full for {args.outage:g} s under load (SQLite on a tmpfs)", results["disk"])
        if "kill" in only:
            (Path(tmp) / "kill").mkdir()
            db = f"sqlite:///{Path(tmp) / 'kill' / 'hall.db'}"
            results["kill"] = random_kills(Path(tmp) / "kill", db, args.kills, seed)
            line(f"kill -9 {args.kills} times at random moments (seed {seed}), SQLite", results["kill"])
    print("\n" + json.dumps(results, default=str))


if __name__ == "__main__":
    main()
