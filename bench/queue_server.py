"""Queue server benchmark: a real server process, kiosk load over ZeroMQ with CURVE, clerks
calling next; call-next latency as the line grows; server memory at 100,000 waiting.

The baseline is a raw ZeroMQ REQ/ROUTER round trip over the same CURVE transport, measured
in the same run; every latency is also printed as a multiple of it.

    .venv/bin/python bench/queue_server.py [--seconds 5] [--kiosks 50] [--procs 5] [--waiting 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson
import psutil
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from protocol.keys import CurveClientKeys, apply_client, apply_server, generate_keypair, load_public_key  # noqa: E402
from tests.support.hall import HallProcess, free_port  # noqa: E402


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


# ------------------------------------------------------------------ baseline
def echo_server(endpoint: str, secret: str, ready: mp.Event, stop: mp.Event) -> None:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    apply_server(sock, secret)  # no ZAP domain: the floor of transport + encryption alone
    sock.bind(endpoint)
    ready.set()
    while not stop.is_set():
        if sock.poll(100):
            sock.send_multipart(sock.recv_multipart())
    sock.close(0)
    ctx.term()


def round_trips(endpoint: str, creds: CurveClientKeys, n: int, payload: bytes) -> list[float]:
    ctx = zmq.Context()
    s = ctx.socket(zmq.REQ)
    apply_client(s, creds)
    s.connect(endpoint)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        s.send(payload)
        if not s.poll(5000):
            raise RuntimeError("baseline echo server does not answer")
        s.recv()
        out.append(time.perf_counter() - t0)
    s.close(0)
    ctx.term()
    return out[n // 10 :]


# ---------------------------------------------------------------------- load
def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643 check digit), a different one for each n."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=n % 20000)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def kiosk_load(
    endpoint: str,
    creds_files: tuple[str, str],
    sockets: int,
    item: str,
    seconds: float,
    q: mp.Queue,
    tag: str,
    with_id: bool = False,
) -> None:
    """Each socket is one kiosk connection: send, wait for the reply, send the next. With
    ``with_id`` every visitor reads an ID card first (a first-inquiry lookup on the server)."""
    creds = CurveClientKeys.from_files(*creds_files)
    ctx = zmq.Context()
    poller = zmq.Poller()
    socks = []
    sent_at: dict[zmq.Socket, float] = {}
    lat: list[float] = []
    n = 0

    def send(s: zmq.Socket) -> None:
        nonlocal n
        n += 1
        req: dict = {"item_code": item, "id_number": id_number(n)} if with_id else {"item_code": item}
        body = {"v": 1, "type": "ticket.issue", "key": f"{tag}-{n:08d}", "body": req}
        sent_at[s] = time.perf_counter()
        s.send(orjson.dumps(body))

    for _ in range(sockets):
        s = ctx.socket(zmq.REQ)
        apply_client(s, creds)
        s.connect(endpoint)
        poller.register(s, zmq.POLLIN)
        socks.append(s)
    start = time.perf_counter()
    for s in socks:
        send(s)
    errors = 0
    while True:
        now = time.perf_counter()
        if now - start > seconds:
            break
        for s, _ in poller.poll(200):
            reply = orjson.loads(s.recv())
            lat.append(time.perf_counter() - sent_at[s])
            if not reply.get("ok"):
                errors += 1
            send(s)
    # Drain the last replies so the server is not left writing to dead sockets.
    deadline = time.perf_counter() + 5
    pending = len(socks)
    while pending and time.perf_counter() < deadline:
        for s, _ in poller.poll(200):
            s.recv()
            pending -= 1
    for s in socks:
        s.close(0)
    ctx.term()
    q.put({"lat": lat, "errors": errors, "elapsed": time.perf_counter() - start})


def clerk_calls(
    endpoint: str, creds: CurveClientKeys, window: int, n: int, tag: str, refill: tuple[CurveClientKeys, str] | None = None
) -> list[float]:
    """Call next n times at a window; with ``refill`` a kiosk issues one ticket after each call
    (not timed), so the line stays at the size being measured."""
    ctx = zmq.Context()
    s = ctx.socket(zmq.REQ)
    apply_client(s, creds)
    s.connect(endpoint)
    kiosk = None
    if refill is not None:
        kiosk = ctx.socket(zmq.REQ)
        apply_client(kiosk, refill[0])
        kiosk.connect(endpoint)
    out = []
    for i in range(n):
        body = {"v": 1, "type": "window.call_next", "key": f"{tag}-{i:08d}", "body": {"window": window}}
        t0 = time.perf_counter()
        s.send(orjson.dumps(body))
        reply = orjson.loads(s.recv())
        out.append(time.perf_counter() - t0)
        assert reply["ok"] and reply["body"]["ticket"] is not None, reply
        if kiosk is not None:
            issue = {"v": 1, "type": "ticket.issue", "key": f"{tag}-r{i:08d}", "body": {"item_code": refill[1]}}  # type: ignore[index]
            kiosk.send(orjson.dumps(issue))
            kiosk.recv()
    s.close(0)
    if kiosk is not None:
        kiosk.close(0)
    ctx.term()
    return out


def issue_many(endpoint: str, creds_files: tuple[str, str], item: str, total: int, procs: int) -> None:
    jobs = []
    per = max(1, total // procs)
    for p in range(procs):
        jobs.append(mp.Process(target=fill, args=(endpoint, creds_files, item, per, f"fill{p}-{time.time_ns()}")))
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()


def fill(endpoint: str, creds_files: tuple[str, str], item: str, count: int, tag: str) -> None:
    creds = CurveClientKeys.from_files(*creds_files)
    ctx = zmq.Context()
    poller = zmq.Poller()
    socks = []
    for _ in range(10):
        s = ctx.socket(zmq.REQ)
        apply_client(s, creds)
        s.connect(endpoint)
        poller.register(s, zmq.POLLIN)
        socks.append(s)
    n = 0
    outstanding = 0
    for s in socks:
        if n < count:
            n += 1
            s.send(json.dumps({"v": 1, "type": "ticket.issue", "key": f"{tag}-{n:08d}", "body": {"item_code": item}}).encode())
            outstanding += 1
    while outstanding:
        for s, _ in poller.poll(1000):
            s.recv()
            outstanding -= 1
            if n < count:
                n += 1
                s.send(json.dumps({"v": 1, "type": "ticket.issue", "key": f"{tag}-{n:08d}", "body": {"item_code": item}}).encode())
                outstanding += 1
    for s in socks:
        s.close(0)
    ctx.term()


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--kiosks", type=int, default=50, help="concurrent kiosk connections")
    ap.add_argument("--procs", type=int, default=5, help="load processes")
    ap.add_argument("--waiting", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-qs-"))
    db = args.db or f"sqlite:///{tmp / 'hall.db'}"
    hall = HallProcess(tmp / "var", db)
    hall.init()
    kiosk = hall.enroll("bench-kiosk", "kiosk")
    pads = {w: hall.enroll(f"bench-pad-{w}", "callpad", window=w) for w in (1, 2, 3)}
    kiosk_files = (kiosk["server_public"], kiosk["secret"])
    kiosk_creds = CurveClientKeys.from_files(*kiosk_files)
    hall.start()
    server = psutil.Process(hall.proc.pid)  # type: ignore[union-attr]
    print(f"# queue server benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"{'SQLite synchronous=FULL' if db.startswith('sqlite') else db.split(':')[0]}")
    try:
        # ---- baseline: raw ZeroMQ round trip, same CURVE transport
        echo_keys = generate_keypair(tmp / "echo", "echo")
        ready, stop = mp.Event(), mp.Event()
        echo_ep = f"tcp://127.0.0.1:{free_port()}"
        echo = mp.Process(target=echo_server, args=(echo_ep, str(echo_keys.secret), ready, stop))
        echo.start()
        ready.wait(10)
        echo_creds = CurveClientKeys(load_public_key(echo_keys.public), kiosk_creds.public, kiosk_creds.secret)
        payload = json.dumps({"v": 1, "type": "ticket.issue", "key": "x" * 22, "body": {"item_code": "C-XX-001"}}).encode()
        base = round_trips(echo_ep, echo_creds, 2000, payload)
        stop.set()
        echo.join()
        base_p50 = statistics.median(base)
        print(f"baseline raw ZeroMQ+CURVE round trip: p50 {ms(base_p50)}  p99 {ms(pct(base, 0.99))}")

        from protocol.client import HallClient

        with HallClient(hall.router, curve=kiosk_creds) as c:
            items = c.request("catalogue.get", {})["catalogue"]["items"]
        item = next(i["code"] for i in items if i["stream"] == "citizen")

        # ---- ticket issues from N kiosk connections in P processes
        per = max(1, args.kiosks // args.procs)

        def issue_run(with_id: bool) -> tuple[list[float], float]:
            q: mp.Queue = mp.Queue()
            procs = [
                mp.Process(
                    target=kiosk_load,
                    args=(hall.router, kiosk_files, per, item, args.seconds, q, f"load{p}-{time.time_ns()}", with_id),
                )
                for p in range(args.procs)
            ]
            cpu0 = server.cpu_times()
            for p in procs:
                p.start()
            results = [q.get(timeout=args.seconds + 60) for _ in procs]
            for p in procs:
                p.join()
            cpu1 = server.cpu_times()
            lat = [x for r in results for x in r["lat"]]
            elapsed = max(r["elapsed"] for r in results)
            errors = sum(r["errors"] for r in results)
            p50, p99 = statistics.median(lat), pct(lat, 0.99)
            what = "ticket issue with ID card" if with_id else "ticket issue"
            print(f"{what}: {len(lat) / elapsed:,.0f}/s from {per * args.procs} connections in {args.procs} processes "
                  f"({len(lat)} tickets, {errors} errors, server CPU {(cpu1.user + cpu1.system - cpu0.user - cpu0.system) / elapsed:.0%})")
            print(f"  latency p50 {ms(p50)} ({p50 / base_p50:.1f}x baseline)  p99 {ms(p99)} ({p99 / base_p50:.1f}x baseline)")
            return lat, len(lat) / elapsed

        lat, rate = issue_run(False)
        print(f"server RSS after the issue run: {server.memory_info().rss / 2**20:.0f} MB")
        # Visitors who read their ID card: the first-inquiry read (open cases, last ticket) runs
        # in the hall loop for each; figure as a ratio to the plain run.
        id_lat, id_rate = issue_run(True)
        print(f"  with ID card: {id_rate / rate:.2f}x the plain rate, p99 {pct(id_lat, 0.99) / pct(lat, 0.99):.2f}x")

        # ---- call-next latency as the line grows
        pad_creds = {w: CurveClientKeys.from_files(d["server_public"], d["secret"]) for w, d in pads.items()}
        waiting_now = len(lat)
        figures = {}
        for target in (100, 10_000, args.waiting):
            # Bring the line to the target: call down or issue up.
            with HallClient(hall.router, curve=kiosk_creds) as c:
                waiting_now = c.request("queue.state", {"limit": 0})["waiting_by_stream"]["citizen"]
            if waiting_now > target:
                left = waiting_now - target
                while left > 0:
                    k = min(left, 5000)
                    clerk_calls(hall.router, pad_creds[2], 2, k, f"drain-{time.time_ns()}")
                    left -= k
            elif waiting_now < target:
                issue_many(hall.router, kiosk_files, item, target - waiting_now, args.procs)
            calls = clerk_calls(
                hall.router, pad_creds[1], 1, 1100, f"call-{target}-{time.time_ns()}", refill=(kiosk_creds, item)
            )[100:]
            figures[target] = calls
            print(f"call-next with {target:>7,} waiting: p50 {ms(statistics.median(calls))}  p99 {ms(pct(calls, 0.99))}  "
                  f"({pct(calls, 0.99) / base_p50:.1f}x baseline)  server RSS {server.memory_info().rss / 2**20:.0f} MB")
        flat = pct(figures[args.waiting], 0.99) / pct(figures[100], 0.99)
        print(f"  call-next p99 at {args.waiting:,} / at 100: {flat:.2f}x")
        print(f"server RSS with {args.waiting:,} waiting: {server.memory_info().rss / 2**20:.0f} MB")
    finally:
        hall.stop()


if __name__ == "__main__":
    main()
