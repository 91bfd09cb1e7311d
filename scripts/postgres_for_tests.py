#!/usr/bin/env python3
"""Start a throwaway PostgreSQL (the one the tests use) by hand.

    .venv/bin/python scripts/postgres_for_tests.py                # print its URL, run until Ctrl-C
    .venv/bin/python scripts/postgres_for_tests.py -- CMD ARGS... # run CMD with HALL_TEST_PG_URL set

With a command, exits with the command's exit code; the cluster is deleted in all cases.
Example: scripts/postgres_for_tests.py -- .venv/bin/python -m pytest -m postgres
(pytest then uses this server instead of starting its own).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.postgres import ENV_URL, PostgresCluster


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--db", default="hall", help="database to create (default: hall)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    # SIGTERM/SIGHUP end the script like Ctrl-C, so the cluster is removed
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)

    t0 = time.monotonic()
    cluster = PostgresCluster(args.db, port=args.port)
    try:
        url = cluster.start()
        print(f"postgres: {url}  (started in {time.monotonic() - t0:.1f} s, data in {cluster.tmpdir})",
              file=sys.stderr, flush=True)
        if command:
            return subprocess.call(command, env={**os.environ, ENV_URL: url})
        print(url, flush=True)
        print("postgres: running; Ctrl-C stops it and deletes it", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        t1 = time.monotonic()
        cluster.stop()
        print(f"postgres: stopped and deleted in {time.monotonic() - t1:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
